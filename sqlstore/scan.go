package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"masspay"
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

// where builds a conjunction of conditions, numbering their parameters as it goes: arg adds a
// value and returns its placeholder ($1, $2, ...), which both backends read natively.
type where struct {
	conds []string
	args  []any
}

// arg adds a parameter and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// list adds one parameter per value and returns their placeholders, comma-separated.
func (w *where) list(vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(w.arg(v))
	}
	return b.String()
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) in(col string, vals []string) {
	if len(vals) > 0 {
		w.add(col + " IN (" + w.list(vals) + ")")
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page adds a page's limit and offset, after the conditions' parameters (run the COUNT first).
func (w *where) page(p masspay.Page) string {
	return " LIMIT " + w.arg(p.Limit) + " OFFSET " + w.arg(p.Offset)
}

// list runs the COUNT of table's rows matching w, then the page of them in order, scanned.
func list[T any](ctx context.Context, q *q, cols, table string, w *where, order string, p masspay.Page,
	scan func(interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM `+table+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	cond := w.String()
	rows, err := q.query(ctx, `SELECT `+cols+` FROM `+table+cond+` ORDER BY `+order+w.page(p), w.args...)
	if err != nil {
		return nil, 0, err
	}
	out, err := collect(rows, scan)
	return out, total, err
}

// getMany loads the rows with the given ids, keyed by id.
func getMany[T any](ctx context.Context, q *q, prefix string, ids []string, scan func(interface{ Scan(...any) error }) (T, error), id func(T) string) (map[string]T, error) {
	out := make(map[string]T, len(ids))
	err := q.tx.QueryIDs(ctx, prefix, ids, func(row Row) error {
		v, err := scan(row)
		if err == nil {
			out[id(v)] = v
		}
		return err
	})
	return out, err
}

// collect scans every row with scan and closes rows.
func collect[T any](rows Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
