package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
)

// us converts a time to the stored form: microseconds since the epoch, 0 for the zero time.
func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// tm converts the stored form back to a UTC time.
func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// jsonMap encodes a string map for a TEXT column ("" when empty).
func jsonMap(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func parseMap(s string) map[string]string {
	if s == "" {
		return nil
	}
	var m map[string]string
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

func joinList(v []string) string { return strings.Join(v, ",") }

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// where builds a conjunction of conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	w.add(col+" IN ("+inList(len(vals))+")", args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// queryIDs runs prefix (a SELECT ending in "WHERE <column>") for every id, calling each per row:
// on PostgreSQL as "= ANY" of one array parameter, elsewhere as IN lists of at most 500.
func (q *q) queryIDs(ctx context.Context, prefix string, ids []string, each func(*sql.Rows) error) error {
	run := func(query string, args ...any) error {
		rows, err := q.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if q.s.dialect.ArrayInsert {
		return run(prefix+` = ANY(?::text[])`, ids)
	}
	args := make([]any, 0, min(len(ids), maxRowsCached))
	return q.s.split(len(ids), 1, func(lo, hi int) error {
		args = args[:0]
		for _, id := range ids[lo:hi] {
			args = append(args, id)
		}
		return run(prefix+` IN (`+inList(hi-lo)+`)`, args...)
	})
}

// getMany loads the rows with the given ids, keyed by id.
func getMany[T any](ctx context.Context, q *q, prefix string, ids []string, scan func(interface{ Scan(...any) error }) (T, error), id func(T) string) (map[string]T, error) {
	out := make(map[string]T, len(ids))
	err := q.queryIDs(ctx, prefix, ids, func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err == nil {
			out[id(v)] = v
		}
		return err
	})
	return out, err
}
