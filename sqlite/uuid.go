package sqlite

import (
	"database/sql"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// Ids are stored packed. Nearly every text value masspay writes per payment is an id, a UUID in
// its canonical text form (36 bytes: lowercase hex and four hyphens): a transfer row holds seven,
// an item four, an event three, a ledger entry two, and most indexes one. SQLite stores such a
// value here as the 16-byte BLOB of the same UUID instead, in the table and in every index, and
// gives it back as the same text: the driver packs every canonical UUID among a statement's
// arguments (pack), and unpacks every 16-byte BLOB scanned into a string (idDest). Migration 00025
// packs the ids of databases written before it.
//
// The mapping is exact both ways (only the canonical lowercase form is packed, and it is the one
// form a 16-byte value unpacks to), and it is applied to every argument of every statement, so an
// id compares with an id as before: equal values stay equal, different ones different. Any other
// text (an id such as "acc1", an uppercase UUID, an email) stays text, as before. Neither the SQL
// nor the Store's contract sees the difference; a person reading the file with the sqlite3 shell
// sees BLOBs, and reads them with lower(hex(id)) (or the packed form of a literal with
// unhex(replace('...', '-', ''))).
//
// Written by hand: a UUID library would parse more forms (uppercase, braces, urn:) and so break the
// exactness above, and packing runs for every argument on the engine's hot path.

// uuidLen is the length of a UUID's canonical text form.
const uuidLen = 36

// packUUID returns the 16 bytes of s when s is a UUID in canonical lowercase text form.
func packUUID(s string) ([]byte, bool) {
	if len(s) != uuidLen || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	var b [16]byte
	j := 0
	for i := 0; i < uuidLen; i += 2 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		b[j] = hi<<4 | lo
		j++
	}
	return b[:], true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// unpackUUID is the canonical text of the 16 bytes b.
func unpackUUID(b []byte) string {
	const digits = "0123456789abcdef"
	var s [uuidLen]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = digits[c>>4], digits[c&15]
		j += 2
	}
	return string(s[:])
}

// packValue is v as stored: a canonical UUID packed, anything else unchanged.
func packValue(v any) any {
	if b, ok := packString(v); ok {
		return b
	}
	return v
}

// packString is v packed when v is a string holding a canonical UUID.
func packString(v any) ([]byte, bool) {
	if s, ok := v.(string); ok {
		return packUUID(s)
	}
	return nil, false
}

// pack returns args with every canonical UUID packed, copying args only when one is.
func pack(args []any) []any {
	out := args
	for i, v := range args {
		if b, ok := packString(v); ok {
			if &out[0] == &args[0] {
				out = slices.Clone(args)
			}
			out[i] = b
		}
	}
	return out
}

// idDest scans a value into a string, unpacking a packed UUID. For the other values it does what
// database/sql does for a *string destination.
type idDest struct {
	s *string       // a *string destination, or
	v reflect.Value // a pointer to another kind of string (a status type)
}

func (d *idDest) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		if len(v) == 16 {
			s = unpackUUID(v)
		} else {
			s = string(v)
		}
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(v)
	case time.Time:
		s = v.Format(time.RFC3339Nano)
	case nil:
		return errors.New("converting NULL to string is unsupported")
	default:
		return errors.New("unsupported value for a string")
	}
	if d.s != nil {
		*d.s = s
	} else {
		d.v.Elem().SetString(s)
	}
	return nil
}

// scanner wraps the string destinations of a Scan in idDests, reusing them row after row.
type scanner struct {
	dest []any
	ids  []idDest
}

func (sc *scanner) wrap(dest []any) []any {
	sc.dest = append(sc.dest[:0], dest...)
	if cap(sc.ids) < len(dest) {
		sc.ids = make([]idDest, len(dest))
	}
	sc.ids = sc.ids[:len(dest)]
	for i, d := range dest {
		switch p := d.(type) {
		case *string:
			sc.ids[i] = idDest{s: p}
			sc.dest[i] = &sc.ids[i]
		case *int64, *int, *bool, *float64, sql.Scanner:
		default:
			if v := reflect.ValueOf(d); v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.String {
				sc.ids[i] = idDest{v: v}
				sc.dest[i] = &sc.ids[i]
			}
		}
	}
	return sc.dest
}

// sqlRows is *sql.Rows as sqlstore.Rows, unpacking ids.
type sqlRows struct {
	*sql.Rows
	sc scanner
}

func (r *sqlRows) Scan(dest ...any) error { return r.Rows.Scan(r.sc.wrap(dest)...) }

func (r *sqlRows) Close() { r.Rows.Close() }

// sqlRow is *sql.Row as sqlstore.Row, unpacking ids.
type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	var sc scanner
	return r.Row.Scan(sc.wrap(dest)...)
}
