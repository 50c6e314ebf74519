package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"masspay"
)

const customerCols = `id, account_id, first_name, last_name, email, type, status, business_name, correlation_id, details, created, prior_status`

func scanCustomer(sc interface{ Scan(...any) error }) (*masspay.Customer, error) {
	var c masspay.Customer
	var details string
	var created int64
	if err := sc.Scan(&c.ID, &c.AccountID, &c.FirstName, &c.LastName, &c.Email, &c.Type, &c.Status,
		&c.BusinessName, &c.CorrelationID, &details, &created, &c.PriorStatus); err != nil {
		return nil, noRows(err)
	}
	if details != "" {
		_ = json.Unmarshal([]byte(details), &c.Details)
	}
	c.Created = tm(created)
	return &c, nil
}

func (q *q) CustomerGet(ctx context.Context, id string) (*masspay.Customer, error) {
	return scanCustomer(q.queryRow(ctx, `SELECT `+customerCols+` FROM customers WHERE id = ?`, id))
}

func (q *q) CustomerInsert(ctx context.Context, c *masspay.Customer) error {
	_, err := q.exec(ctx, `INSERT INTO customers (`+customerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AccountID, c.FirstName, c.LastName, c.Email, c.Type, c.Status, c.BusinessName, c.CorrelationID,
		jsonMap(c.Details), us(c.Created), c.PriorStatus)
	return q.unique(err)
}

// CustomerUpdate writes what an update can change: names, email, business name, details and status.
// A change of status moves the destinations revision (see DestinationRevision).
func (q *q) CustomerUpdate(ctx context.Context, c *masspay.Customer) error {
	if _, err := q.exec(ctx, `UPDATE revisions SET n = n + 1 WHERE name = 'destinations'
 AND EXISTS (SELECT 1 FROM customers WHERE id = ? AND status <> ?)`, c.ID, c.Status); err != nil {
		return err
	}
	_, err := q.exec(ctx, `UPDATE customers SET first_name = ?, last_name = ?, email = ?, business_name = ?, details = ?,
		status = ?, prior_status = ? WHERE id = ?`,
		c.FirstName, c.LastName, c.Email, c.BusinessName, jsonMap(c.Details), c.Status, c.PriorStatus, c.ID)
	return q.unique(err)
}

func (q *q) CustomerList(ctx context.Context, f masspay.CustomerFilter) ([]*masspay.Customer, int, error) {
	var w where
	w.add("account_id = ?", f.AccountID)
	if f.Email != "" {
		w.add("LOWER(email) = ?", strings.ToLower(f.Email))
	}
	if f.Search != "" {
		cond, args := customerSearch(f.Search)
		w.add(cond, args...)
	}
	w.in("status", f.Statuses)
	if f.CorrelationID != "" {
		w.add("correlation_id = ?", f.CorrelationID)
	}
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM customers`+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.query(ctx, `SELECT `+customerCols+` FROM customers`+w.String()+` ORDER BY seq DESC LIMIT ? OFFSET ?`,
		append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	list, err := collect(rows, scanCustomer)
	return list, total, err
}

// customerSearch is the condition of a customer search: a case-insensitive substring of the first
// name, last name, email or business name of the customers row in scope. The search is text, not a
// pattern: LIKE's wildcards in it match themselves.
func customerSearch(search string) (string, []any) {
	like := "%" + likeEscaper.Replace(strings.ToLower(search)) + "%"
	return `(LOWER(first_name) LIKE ? ESCAPE '\' OR LOWER(last_name) LIKE ? ESCAPE '\'` +
			` OR LOWER(email) LIKE ? ESCAPE '\' OR LOWER(business_name) LIKE ? ESCAPE '\')`,
		[]any{like, like, like, like}
}

// likeEscaper escapes LIKE's wildcards and its escape character (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
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
