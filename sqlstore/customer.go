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
	_, err := q.exec(ctx, `INSERT INTO customers (`+customerCols+`, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AccountID, c.FirstName, c.LastName, c.Email, c.Type, c.Status, c.BusinessName, c.CorrelationID,
		jsonMap(c.Details), us(c.Created), c.PriorStatus, customerSearchText(c))
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
		status = ?, prior_status = ?, search_text = ? WHERE id = ?`,
		c.FirstName, c.LastName, c.Email, c.BusinessName, jsonMap(c.Details), c.Status, c.PriorStatus, customerSearchText(c), c.ID)
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
// pattern: LIKE's wildcards in it match themselves. Both sides are lowercased by masspay (see
// searchText), as the databases' LOWER differ.
func customerSearch(search string) (string, []any) {
	search = strings.ReplaceAll(strings.ToLower(search), searchSep, "")
	return `search_text LIKE ? ESCAPE '\'`, []any{"%" + likeEscaper.Replace(search) + "%"}
}

// likeEscaper escapes LIKE's wildcards and its escape character (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// searchSep separates the fields of a search text, so that a search cannot match across two.
const searchSep = "\x1f"

// searchText is what a customer search looks in: the customer's names, email and business name,
// lowercased (Unicode, the same on every store).
func searchText(firstName, lastName, email, businessName string) string {
	return strings.ToLower(strings.Join([]string{firstName, lastName, email, businessName}, searchSep))
}

func customerSearchText(c *masspay.Customer) string {
	return searchText(c.FirstName, c.LastName, c.Email, c.BusinessName)
}

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
