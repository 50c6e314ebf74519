package sqlstore

import (
	"context"
	"time"

	"masspay"
)

const massPaymentCols = `id, seq, account_id, customer_id, source_id, source_type, status, total, item_count, metadata,
 correlation_id, clearing_source, addenda, funding_transfer_id, next_idx, lease_owner, lease_until, created, completed,
 items_succeeded, items_failed`

func scanMassPayment(sc interface{ Scan(...any) error }) (*masspay.MassPayment, error) {
	var m masspay.MassPayment
	var metadata string
	var leaseUntil, created, completed int64
	if err := sc.Scan(&m.ID, &m.Seq, &m.AccountID, &m.CustomerID, &m.SourceID, &m.SourceType, &m.Status, &m.Total,
		&m.ItemCount, &metadata, &m.CorrelationID, &m.ClearingSource, &m.Addenda, &m.FundingTransferID, &m.NextIdx,
		&m.LeaseOwner, &leaseUntil, &created, &completed, &m.Succeeded, &m.Failed); err != nil {
		return nil, noRows(err)
	}
	m.Metadata = parseMap(metadata)
	m.LeaseUntil, m.Created, m.Completed = tm(leaseUntil), tm(created), tm(completed)
	return &m, nil
}

// MassPaymentClaim leases the oldest mass payment that is pending, or processing under a lease
// that ran out (its node died), to p.Owner. On PostgreSQL, SKIP LOCKED lets several nodes claim
// different batches at the same moment without waiting on each other.
func (q *q) MassPaymentClaim(ctx context.Context, p masspay.ClaimParams) (*masspay.MassPayment, error) {
	m, err := scanMassPayment(q.queryRow(ctx, `UPDATE mass_payments SET status = 'processing', lease_owner = ?, lease_until = ?
 WHERE id = (SELECT id FROM mass_payments WHERE status IN ('pending', 'processing')
   AND (status = 'pending' OR lease_until < ?) ORDER BY seq LIMIT 1`+q.s.dialect.SkipLocked+`)
 RETURNING `+massPaymentCols, p.Owner, us(p.LeaseUntil), us(p.Now)))
	return m, err
}

func (q *q) MassPaymentGet(ctx context.Context, id string) (*masspay.MassPayment, error) {
	return scanMassPayment(q.queryRow(ctx, `SELECT `+massPaymentCols+` FROM mass_payments WHERE id = ?`, id))
}

var itemInsertCols = []string{"mass_payment_id", "idx", "id", "destination_id", "amount", "metadata", "correlation_id",
	"clearing_destination", "addenda", "processing_channel", "status"}

// MassPaymentInsert writes the mass payment and all its items.
func (q *q) MassPaymentInsert(ctx context.Context, m *masspay.MassPayment, items []*masspay.Item) error {
	_, err := q.exec(ctx, `INSERT INTO mass_payments (id, account_id, customer_id, source_id, source_type, status, total,
 item_count, metadata, correlation_id, clearing_source, addenda, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.AccountID, m.CustomerID, m.SourceID, m.SourceType, m.Status, m.Total, m.ItemCount, jsonMap(m.Metadata),
		m.CorrelationID, m.ClearingSource, m.Addenda, us(m.Created))
	if err != nil {
		return q.unique(err)
	}
	rows := make([][]any, len(items))
	for i, it := range items {
		rows[i] = []any{m.ID, it.Idx, it.ID, it.DestinationID, it.Amount, jsonMap(it.Metadata), it.CorrelationID,
			it.ClearingDestination, it.Addenda, it.ProcessingChannel, string(it.Status)}
	}
	return q.unique(q.insertMany(ctx, "mass_payment_items", itemInsertCols, rows))
}

func (q *q) MassPaymentList(ctx context.Context, f masspay.MassPaymentFilter) ([]*masspay.MassPayment, int, error) {
	var w where
	w.add("account_id = ?", f.AccountID)
	w.add("customer_id = ?", f.CustomerID)
	if f.CorrelationID != "" {
		w.add("correlation_id = ?", f.CorrelationID)
	}
	w.in("status", f.Statuses)
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM mass_payments`+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.query(ctx, `SELECT `+massPaymentCols+` FROM mass_payments`+w.String()+` ORDER BY seq DESC LIMIT ? OFFSET ?`,
		append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	list, err := collect(rows, scanMassPayment)
	return list, total, err
}

func (q *q) MassPaymentUpdate(ctx context.Context, m *masspay.MassPayment) error {
	res, err := q.exec(ctx, `UPDATE mass_payments SET status = ?, funding_transfer_id = ?, next_idx = ?, lease_owner = ?,
 lease_until = ?, completed = ? WHERE id = ?`,
		m.Status, m.FundingTransferID, m.NextIdx, m.LeaseOwner, us(m.LeaseUntil), us(m.Completed), m.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return masspay.ErrNoRows
	}
	return nil
}

func (q *q) MassPaymentRenewLease(ctx context.Context, id, owner string, until time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE mass_payments SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'processing'`,
		us(until), id, owner)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const itemCols = `mass_payment_id, idx, id, destination_id, amount, metadata, correlation_id, clearing_destination, addenda,
 processing_channel, status, transfer_id, error_code, error_message, error_path`

func scanItem(sc interface{ Scan(...any) error }) (*masspay.Item, error) {
	var it masspay.Item
	var metadata string
	var e masspay.FieldError
	if err := sc.Scan(&it.MassPaymentID, &it.Idx, &it.ID, &it.DestinationID, &it.Amount, &metadata, &it.CorrelationID,
		&it.ClearingDestination, &it.Addenda, &it.ProcessingChannel, &it.Status, &it.TransferID, &e.Code, &e.Message,
		&e.Path); err != nil {
		return nil, noRows(err)
	}
	it.Metadata = parseMap(metadata)
	if e.Code != "" {
		it.Error = &e
	}
	return &it, nil
}

func (q *q) ItemGet(ctx context.Context, id string) (*masspay.Item, error) {
	return scanItem(q.queryRow(ctx, `SELECT `+itemCols+` FROM mass_payment_items WHERE id = ?`, id))
}

func (q *q) ItemList(ctx context.Context, f masspay.ItemFilter) ([]*masspay.Item, int, error) {
	var w where
	w.add("mass_payment_id = ?", f.MassPaymentID)
	w.in("status", f.Statuses)
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM mass_payment_items`+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.query(ctx, `SELECT `+itemCols+` FROM mass_payment_items`+w.String()+` ORDER BY idx LIMIT ? OFFSET ?`,
		append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	list, err := collect(rows, scanItem)
	return list, total, err
}

func (q *q) ItemListPending(ctx context.Context, massPaymentID string, fromIdx, limit int) ([]*masspay.Item, error) {
	rows, err := q.query(ctx, `SELECT `+itemCols+` FROM mass_payment_items WHERE mass_payment_id = ? AND idx >= ?
 AND status = 'pending' ORDER BY idx LIMIT ?`, massPaymentID, fromIdx, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanItem)
}

// ItemUpdateMany writes the outcome (status, transfer, error) of many pending items, and adds
// them to their mass payments' live counts in the same transaction. Only pending items are
// updated; if any item already has an outcome, nothing is (a Conflict error), so every outcome is
// counted exactly once.
func (q *q) ItemUpdateMany(ctx context.Context, items []*masspay.Item) error {
	update := q.itemUpdateValues
	if q.s.dialect.ArrayInsert {
		update = q.itemUpdateArrays
	}
	if err := update(ctx, items); err != nil {
		return err
	}
	type counts struct{ succeeded, failed int }
	by := map[string]*counts{}
	var ids []string
	for _, it := range items {
		n := by[it.MassPaymentID]
		if n == nil {
			n = &counts{}
			by[it.MassPaymentID] = n
			ids = append(ids, it.MassPaymentID)
		}
		switch it.Status {
		case masspay.ItemSuccess:
			n.succeeded++
		case masspay.ItemFailed:
			n.failed++
		}
	}
	for _, id := range ids {
		if n := by[id]; n.succeeded+n.failed > 0 {
			if _, err := q.exec(ctx, `UPDATE mass_payments SET items_succeeded = items_succeeded + ?, items_failed = items_failed + ?
 WHERE id = ?`, n.succeeded, n.failed, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// itemUpdateValues writes item outcomes with one UPDATE per slice of rows, joining a VALUES list
// on the item id.
func (q *q) itemUpdateValues(ctx context.Context, items []*masspay.Item) error {
	const cols = 6
	head := `UPDATE mass_payment_items SET status = v.column2, transfer_id = v.column3, error_code = v.column4,
 error_message = v.column5, error_path = v.column6 FROM (`
	const tail = `) AS v WHERE mass_payment_items.id = v.column1 AND mass_payment_items.status = 'pending'`
	rows := make([][]any, len(items))
	for i, it := range items {
		var e masspay.FieldError
		if it.Error != nil {
			e = *it.Error
		}
		rows[i] = []any{it.ID, string(it.Status), it.TransferID, e.Code, e.Message, e.Path}
	}
	var args []any
	return q.s.split(len(items), cols, func(lo, hi int) error {
		var src string
		src, args = q.s.values(rows[lo:hi], args[:0])
		res, err := q.exec(ctx, head+src+tail, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); int(n) != hi-lo {
			return masspay.Errorf(masspay.ECodeConflict, "%d of %d items were no longer pending", hi-lo-int(n), hi-lo)
		}
		return nil
	})
}

// itemUpdateArrays is itemUpdateValues joined on unnested column arrays (see insertArrays).
func (q *q) itemUpdateArrays(ctx context.Context, items []*masspay.Item) error {
	cols := make([][]string, 6)
	for i := range cols {
		cols[i] = make([]string, len(items))
	}
	for i, it := range items {
		var e masspay.FieldError
		if it.Error != nil {
			e = *it.Error
		}
		for c, v := range []string{it.ID, string(it.Status), it.TransferID, e.Code, e.Message, e.Path} {
			cols[c][i] = v
		}
	}
	res, err := q.exec(ctx, `UPDATE mass_payment_items SET status = v.status, transfer_id = v.transfer_id,
 error_code = v.code, error_message = v.message, error_path = v.path
 FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS v(id, status, transfer_id, code, message, path)
 WHERE mass_payment_items.id = v.id AND mass_payment_items.status = 'pending'`,
		cols[0], cols[1], cols[2], cols[3], cols[4], cols[5])
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); int(n) != len(items) {
		return masspay.Errorf(masspay.ECodeConflict, "%d of %d items were no longer pending", len(items)-int(n), len(items))
	}
	return nil
}
