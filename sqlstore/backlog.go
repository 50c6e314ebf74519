package sqlstore

import (
	"context"

	"masspay"
)

// Backlog counts the work waiting. Both queries read partial indexes (mass_payments_work,
// webhooks_due), so a scrape costs the size of the backlog, not of the history. A batch's
// undecided items are those from its cursor on: the engine decides items in index order.
func (q *q) Backlog(ctx context.Context) (masspay.Backlog, error) {
	var b masspay.Backlog
	err := q.queryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(item_count - next_idx), 0) AS BIGINT) FROM mass_payments
 WHERE status IN ('pending', 'processing')`).Scan(&b.MassPayments, &b.Items)
	if err != nil {
		return b, err
	}
	err = q.queryRow(ctx, `SELECT COUNT(*) FROM webhooks WHERE next_at > 0`).Scan(&b.Webhooks)
	return b, err
}
