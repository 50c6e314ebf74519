// Package payout turns a spreadsheet of payments into Dwolla mass payments and back: it reads
// and checks a CSV file, plans it into batches of at most 5,000 items, sends each under an
// Idempotency-Key derived from the file's content and the batch's position (so a second run
// carries on instead of paying twice), follows the batches' progress, exports one result row per
// input row, and re-sends a batch's failed items once. It speaks only Dwolla's documented API
// through package client, so it works against masspay and against Dwolla itself.
package payout

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"masspay"
)

// Columns of the input file. Metadata columns are "metadata." followed by the key.
const (
	ColDestination   = "destination"
	ColAmount        = "amount"
	ColCorrelationID = "correlationId"
	ColClearing      = "clearing"
	ColAddenda       = "addenda"
	metadataPrefix   = "metadata."
)

// Row is one payment of the file, checked.
type Row struct {
	Line          int    // the row's number in the spreadsheet: the header is row 1
	Destination   string // the funding source id
	Amount        int64  // cents
	CorrelationID string
	Clearing      string // "" or next-available
	Addenda       string
	Metadata      map[string]string
}

// File is a checked input file.
type File struct {
	Rows []Row
	// Hash identifies the payments the file asks for (not its bytes: a file saved again with
	// other line endings or quoting asks for the same payments and has the same hash).
	Hash string
}

// Total is the sum of the file's amounts, in cents.
func (f *File) Total() int64 {
	var t int64
	for _, r := range f.Rows {
		t += r.Amount
	}
	return t
}

// Problem is one thing wrong with the file, at a row (1 is the header) and column.
type Problem struct {
	Row     int
	Column  string
	Message string
}

func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	}
	return fmt.Sprintf("row %d, column %s: %s", p.Row, p.Column, p.Message)
}

// ProblemsError lists every problem found in a file, in row order.
type ProblemsError struct {
	Name     string
	Problems []Problem
}

func (e *ProblemsError) Error() string {
	s := "s"
	if len(e.Problems) == 1 {
		s = ""
	}
	return fmt.Sprintf("%s: %d problem%s; nothing was sent", e.Name, len(e.Problems), s)
}

// Parse reads a CSV file (name is used in messages) and checks every row. It returns all the
// problems it finds as a *ProblemsError, or a File with none.
func Parse(name string, r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // the BOM spreadsheets write in "CSV UTF-8"
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // a short or long row is reported as a problem of that row
	pe := &ProblemsError{Name: name}
	add := func(row int, col, format string, args ...any) {
		pe.Problems = append(pe.Problems, Problem{Row: row, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	header, err := cr.Read()
	if err == io.EOF {
		add(1, "", "the file is empty; expected a header row with at least destination and amount")
		return nil, pe
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	cols := checkHeader(header, add)
	f := &File{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(header) {
			add(line, "", "has %d fields, the header has %d", len(rec), len(header))
			continue
		}
		if cols == nil {
			continue // the header is wrong: only the field counts can still be judged
		}
		if row, ok := checkRow(line, rec, cols, add); ok {
			f.Rows = append(f.Rows, row)
		}
	}
	if cols != nil && len(f.Rows) == 0 && len(pe.Problems) == 0 {
		add(2, "", "the file has a header but no payments")
	}
	if len(pe.Problems) > 0 {
		sort.SliceStable(pe.Problems, func(i, j int) bool { return pe.Problems[i].Row < pe.Problems[j].Row })
		return nil, pe
	}
	f.Hash = hashRows(f.Rows)
	return f, nil
}

// csvError reports a file that encoding/csv cannot read at all (a stray quote), with its line.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ProblemsError{Name: name, Problems: []Problem{{Row: pe.Line, Message: pe.Err.Error() + " (a quote inside a field must be doubled)"}}}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// columns maps each known column to its index; meta maps metadata keys to theirs.
type columns struct {
	index map[string]int
	meta  map[string]int
}

func checkHeader(header []string, add func(int, string, string, ...any)) *columns {
	c := &columns{index: map[string]int{}, meta: map[string]int{}}
	ok := true
	known := []string{ColDestination, ColAmount, ColCorrelationID, ColClearing, ColAddenda}
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case slices.Contains(known, h):
			if _, dup := c.index[h]; dup {
				add(1, h, "appears twice")
				ok = false
			}
			c.index[h] = i
		case strings.HasPrefix(h, metadataPrefix) && len(h) > len(metadataPrefix):
			key := h[len(metadataPrefix):]
			if _, dup := c.meta[key]; dup {
				add(1, h, "appears twice")
				ok = false
			}
			c.meta[key] = i
		default:
			add(1, fmt.Sprintf("%d (%q)", i+1, h), "unknown column; expected %s or metadata.NAME", strings.Join(known, ", "))
			ok = false
		}
	}
	for _, need := range []string{ColDestination, ColAmount} {
		if _, has := c.index[need]; !has {
			add(1, need, "missing; the header must name the columns destination and amount")
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return c
}

// checkRow judges one record by the same rules the API applies to a mass payment item
// (masspay.MassPaymentInput.Validate), so a file that passes is not refused later, and says which
// column is wrong in words a spreadsheet user understands.
func checkRow(line int, rec []string, c *columns, add func(int, string, string, ...any)) (Row, bool) {
	get := func(col string) string {
		if i, ok := c.index[col]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row := Row{Line: line, CorrelationID: get(ColCorrelationID), Clearing: get(ColClearing), Addenda: get(ColAddenda)}
	in := masspay.ItemInput{CorrelationID: row.CorrelationID}
	in.Amount.Currency, in.Clearing.Destination = masspay.Currency, row.Clearing
	ok := true

	dest := get(ColDestination)
	switch {
	case dest == "":
		in.Links.Destination.Href = ""
	case strings.Contains(dest, "/"):
		in.Links.Destination.Href = dest
	default:
		if _, err := uuid.Parse(dest); err != nil {
			add(line, ColDestination, "%q is not a funding source; expected its URL (https://.../funding-sources/ID) or its id", dest)
			ok = false
		}
		in.Links.Destination.Href = "/funding-sources/" + dest
	}
	if in.Links.Destination.Href != "" {
		row.Destination = masspay.MustID(in.Links.Destination.Href)
	}
	amount := get(ColAmount)
	if amount != "" {
		value := masspay.AmountText(amount)
		in.Amount.Value = &value
	}
	if cents, err := masspay.ParseAmount(amount); err == nil {
		row.Amount = cents
	}
	if row.Addenda != "" {
		in.ACHDetails.Destination.Addenda.Values = &[]string{row.Addenda}
	}
	for k, i := range c.meta {
		if v := strings.TrimSpace(rec[i]); v != "" { // an empty cell sets no key
			if row.Metadata == nil {
				row.Metadata = map[string]string{}
			}
			row.Metadata[k] = v
		}
	}
	in.Metadata = row.Metadata

	var f masspay.Fields
	mp := &masspay.MassPaymentInput{Items: &[]masspay.ItemInput{in}}
	mp.Links.Source.Href = "/funding-sources/x"
	mp.Validate(masspay.MaxCents, &f)
	for _, fe := range f {
		col, msg := explain(fe.Path, row, amount, dest)
		if col == ColDestination && !ok {
			continue // already said
		}
		add(line, col, "%s", msg)
		ok = false
	}
	return row, ok
}

// explain names the column behind a path of Validate and says what is expected there.
func explain(path string, row Row, amount, dest string) (col, msg string) {
	switch strings.TrimPrefix(path, "/items/0") {
	case "/_links/destination/href":
		if dest == "" {
			return ColDestination, "empty; expected a funding source URL or id"
		}
		return ColDestination, fmt.Sprintf("%q is not a funding source; expected its URL (https://.../funding-sources/ID) or its id", dest)
	case "/amount/value":
		if amount == "" {
			return ColAmount, "empty; expected an amount in dollars like 12.34"
		}
		return ColAmount, fmt.Sprintf("%q is not an amount; expected a positive amount in dollars like 12.34 (no currency sign, no thousands separator)", amount)
	case "/correlationId":
		return ColCorrelationID, fmt.Sprintf("%q is not a correlation id; expected up to 255 letters, digits, '-', '.' or '_'", row.CorrelationID)
	case "/clearing/destination":
		return ColClearing, fmt.Sprintf("%q is not a clearing; expected next-available or an empty cell", row.Clearing)
	case "/achDetails/destination/addenda/values":
		return ColAddenda, "expected up to 80 letters, digits, spaces and - _ . ~ ! * ' ( ) ; : @ & = + $ , / ? % # [ ]"
	case "/metadata":
		return "metadata.*", "expected at most 10 metadata values per row, each key and value under 255 characters"
	}
	return path, "refused" // a rule added to Validate that this list does not know yet
}

// hashRows is the identity of the payments: every field of every row, in order.
func hashRows(rows []Row) string {
	h := sha256.New()
	for _, r := range rows {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00%s", r.Destination, r.Amount, r.CorrelationID, r.Clearing, r.Addenda)
		keys := make([]string, 0, len(r.Metadata))
		for k := range r.Metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(h, "\x00%s=%s", k, r.Metadata[k])
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}
