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
	m, err := scanMassPayment(q.queryRow(ctx, `UPDATE mass_payments SET status = 'processing', lease_owner = $1, lease_until = $2
 WHERE id = (SELECT id FROM mass_payments WHERE status IN ('pending', 'processing')
   AND (status = 'pending' OR lease_until < $3) ORDER BY seq LIMIT 1`+q.s.dialect.SkipLocked+`)
 RETURNING `+massPaymentCols, p.Owner, us(p.LeaseUntil), us(p.Now)))
	return m, err
}

func (q *q) MassPaymentGet(ctx context.Context, id string) (*masspay.MassPayment, error) {
	return scanMassPayment(q.queryRow(ctx, `SELECT `+massPaymentCols+` FROM mass_payments WHERE id = $1`, id))
}

var itemInsertCols = []string{"mass_payment_id", "idx", "id", "destination_id", "amount", "metadata", "correlation_id",
	"clearing_destination", "addenda", "processing_channel", "status"}

// MassPaymentInsert writes the mass payment and all its items.
func (q *q) MassPaymentInsert(ctx context.Context, m *masspay.MassPayment, items []*masspay.Item) error {
	_, err := q.exec(ctx, `INSERT INTO mass_payments (id, account_id, customer_id, source_id, source_type, status, total,
 item_count, metadata, correlation_id, clearing_source, addenda, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
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
	w.add("account_id = " + w.arg(f.AccountID))
	w.add("customer_id = " + w.arg(f.CustomerID))
	if f.CorrelationID != "" {
		w.add("correlation_id = " + w.arg(f.CorrelationID))
	}
	w.in("status", f.Statuses)
	return list(ctx, q, massPaymentCols, "mass_payments", &w, "seq DESC", f.Page, scanMassPayment)
}

func (q *q) MassPaymentUpdate(ctx context.Context, m *masspay.MassPayment) error {
	return one(q.exec(ctx, `UPDATE mass_payments SET status = $1, funding_transfer_id = $2, next_idx = $3, lease_owner = $4,
 lease_until = $5, completed = $6 WHERE id = $7`,
		m.Status, m.FundingTransferID, m.NextIdx, m.LeaseOwner, us(m.LeaseUntil), us(m.Completed), m.ID))
}

func (q *q) MassPaymentRenewLease(ctx context.Context, id, owner string, until time.Time) (bool, error) {
	n, err := q.exec(ctx, `UPDATE mass_payments SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'processing'`,
		us(until), id, owner)
	return n == 1, err
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
	return scanItem(q.queryRow(ctx, `SELECT `+itemCols+` FROM mass_payment_items WHERE id = $1`, id))
}

func (q *q) ItemList(ctx context.Context, f masspay.ItemFilter) ([]*masspay.Item, int, error) {
	var w where
	w.add("mass_payment_id = " + w.arg(f.MassPaymentID))
	w.in("status", f.Statuses)
	return list(ctx, q, itemCols, "mass_payment_items", &w, "idx", f.Page, scanItem)
}

func (q *q) ItemListPending(ctx context.Context, massPaymentID string, fromIdx, limit int) ([]*masspay.Item, error) {
	rows, err := q.query(ctx, `SELECT `+itemCols+` FROM mass_payment_items WHERE mass_payment_id = $1 AND idx >= $2
 AND status = 'pending' ORDER BY idx LIMIT $3`, massPaymentID, fromIdx, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanItem)
}

// ItemUpdateMany writes the outcome (status, transfer, error) of many pending items through the
// backend's bulk update (see Tx.UpdateItems), and adds them to their mass payments' live counts
// in the same transaction. Only pending items are updated; if any item already has an outcome,
// the call fails (a Conflict error) and its transaction with it, so every outcome is counted
// exactly once.
func (q *q) ItemUpdateMany(ctx context.Context, items []*masspay.Item) error {
	rows := make([][]any, len(items))
	for i, it := range items {
		var e masspay.FieldError
		if it.Error != nil {
			e = *it.Error
		}
		rows[i] = []any{it.ID, string(it.Status), it.TransferID, e.Code, e.Message, e.Path}
	}
	n, err := q.tx.UpdateItems(ctx, rows)
	if err != nil {
		return err
	}
	if int(n) != len(items) {
		return masspay.Errorf(masspay.ECodeConflict, "%d of %d items were no longer pending", len(items)-int(n), len(items))
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
			if _, err := q.exec(ctx, `UPDATE mass_payments SET items_succeeded = items_succeeded + $1, items_failed = items_failed + $2
 WHERE id = $3`, n.succeeded, n.failed, id); err != nil {
				return err
			}
		}
	}
	return nil
}
