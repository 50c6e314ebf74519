package sqlstore

import (
	"context"
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
	return scanCustomer(q.queryRow(ctx, `SELECT `+customerCols+` FROM customers WHERE id = $1`, id))
}

func (q *q) CustomerInsert(ctx context.Context, c *masspay.Customer) error {
	_, err := q.exec(ctx, `INSERT INTO customers (`+customerCols+`, search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.ID, c.AccountID, c.FirstName, c.LastName, c.Email, c.Type, c.Status, c.BusinessName, c.CorrelationID,
		jsonMap(c.Details), us(c.Created), c.PriorStatus, customerSearchText(c))
	return q.unique(err)
}

// CustomerUpdate writes what an update can change: names, email, business name, details and status.
// A change of status moves the destinations revision (see DestinationRevision).
func (q *q) CustomerUpdate(ctx context.Context, c *masspay.Customer) error {
	if _, err := q.exec(ctx, `UPDATE revisions SET n = n + 1 WHERE name = 'destinations'
 AND EXISTS (SELECT 1 FROM customers WHERE id = $1 AND status <> $2)`, c.ID, c.Status); err != nil {
		return err
	}
	_, err := q.exec(ctx, `UPDATE customers SET first_name = $1, last_name = $2, email = $3, business_name = $4, details = $5,
		status = $6, prior_status = $7, search_text = $8 WHERE id = $9`,
		c.FirstName, c.LastName, c.Email, c.BusinessName, jsonMap(c.Details), c.Status, c.PriorStatus, customerSearchText(c), c.ID)
	return q.unique(err)
}

func (q *q) CustomerList(ctx context.Context, f masspay.CustomerFilter) ([]*masspay.Customer, int, error) {
	var w where
	w.add("account_id = " + w.arg(f.AccountID))
	if f.Email != "" {
		w.add("LOWER(email) = " + w.arg(strings.ToLower(f.Email)))
	}
	if f.Search != "" {
		w.add(customerSearch(&w, f.Search))
	}
	w.in("status", f.Statuses)
	if f.CorrelationID != "" {
		w.add("correlation_id = " + w.arg(f.CorrelationID))
	}
	return list(ctx, q, customerCols, "customers", &w, "seq DESC", f.Page, scanCustomer)
}

// customerSearch is the condition of a customer search: a case-insensitive substring of the first
// name, last name, email or business name of the customers row in scope. The search is text, not a
// pattern: LIKE's wildcards in it match themselves. Both sides are lowercased by masspay (see
// searchText), as the databases' LOWER differ.
func customerSearch(w *where, search string) string {
	search = strings.ReplaceAll(strings.ToLower(search), searchSep, "")
	return `search_text LIKE ` + w.arg("%"+likeEscaper.Replace(search)+"%") + ` ESCAPE '\'`
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
