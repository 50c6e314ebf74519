package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"masspay"
)

const subscriptionCols = `id, account_id, url, secret, paused, consecutive_failures, last_success, created`

func scanSubscription(sc interface{ Scan(...any) error }) (*masspay.WebhookSubscription, error) {
	var s masspay.WebhookSubscription
	var last, created int64
	if err := sc.Scan(&s.ID, &s.AccountID, &s.URL, &s.Secret, &s.Paused, &s.ConsecutiveFailures, &last, &created); err != nil {
		return nil, noRows(err)
	}
	s.LastSuccess, s.Created = tm(last), tm(created)
	return &s, nil
}

func (q *q) WebhookSubscriptionCount(ctx context.Context, accountID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM webhook_subscriptions WHERE account_id = $1`, accountID).Scan(&n)
	return n, err
}

func (q *q) WebhookSubscriptionDelete(ctx context.Context, id string) error {
	for _, stmt := range []string{
		`DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE subscription_id = $1)`,
		`DELETE FROM webhook_retries WHERE webhook_id IN (SELECT id FROM webhooks WHERE subscription_id = $1)`,
		`DELETE FROM webhooks WHERE subscription_id = $1`,
	} {
		if _, err := q.exec(ctx, stmt, id); err != nil {
			return err
		}
	}
	return one(q.exec(ctx, `DELETE FROM webhook_subscriptions WHERE id = $1`, id))
}

func (q *q) WebhookSubscriptionGet(ctx context.Context, id string) (*masspay.WebhookSubscription, error) {
	return scanSubscription(q.queryRow(ctx, `SELECT `+subscriptionCols+` FROM webhook_subscriptions WHERE id = $1`, id))
}

func (q *q) WebhookSubscriptionInsert(ctx context.Context, s *masspay.WebhookSubscription) error {
	_, err := q.exec(ctx, `INSERT INTO webhook_subscriptions (`+subscriptionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.ID, s.AccountID, s.URL, s.Secret, s.Paused, s.ConsecutiveFailures, us(s.LastSuccess), us(s.Created))
	return q.unique(err)
}

func (q *q) WebhookSubscriptionList(ctx context.Context, accountID string) ([]*masspay.WebhookSubscription, error) {
	rows, err := q.query(ctx, `SELECT `+subscriptionCols+` FROM webhook_subscriptions WHERE account_id = $1 ORDER BY seq`, accountID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanSubscription)
}

func (q *q) WebhookSubscriptionRecord(ctx context.Context, id string, success bool, now time.Time) (*masspay.WebhookSubscription, error) {
	// One UPDATE, so that concurrent deliveries to the same subscription (on several nodes)
	// never lose a count to a read-modify-write race.
	stmt := `UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1 WHERE id = $1 RETURNING ` + subscriptionCols
	args := []any{id}
	if success {
		stmt = `UPDATE webhook_subscriptions SET consecutive_failures = 0, last_success = $1 WHERE id = $2 RETURNING ` + subscriptionCols
		args = []any{us(now), id}
	}
	return scanSubscription(q.queryRow(ctx, stmt, args...))
}

func (q *q) WebhookSubscriptionSetPaused(ctx context.Context, id string, paused bool) error {
	return one(q.exec(ctx, `UPDATE webhook_subscriptions SET paused = $1 WHERE id = $2`, paused, id))
}

const webhookCols = `id, seq, subscription_id, account_id, event_id, topic, retries, next_at, lease_until, created`

func scanWebhook(sc interface{ Scan(...any) error }) (*masspay.Webhook, error) {
	var w masspay.Webhook
	var next, lease, created int64
	if err := sc.Scan(&w.ID, &w.Seq, &w.SubscriptionID, &w.AccountID, &w.EventID, &w.Topic, &w.Retries, &next, &lease, &created); err != nil {
		return nil, noRows(err)
	}
	w.NextAt, w.LeaseUntil, w.Created = tm(next), tm(lease), tm(created)
	return &w, nil
}

// WebhookInsertMany writes new webhooks (the outbox rows) in bulk.
func (q *q) WebhookInsertMany(ctx context.Context, ws []*masspay.Webhook) error {
	rows := make([][]any, len(ws))
	for i, w := range ws {
		rows[i] = []any{w.ID, w.SubscriptionID, w.AccountID, w.EventID, w.Topic, us(w.NextAt), us(w.Created)}
	}
	return q.unique(q.insertMany(ctx, "webhooks", []string{"id", "subscription_id", "account_id", "event_id", "topic",
		"next_at", "created"}, rows))
}

func (q *q) WebhookClearDue(ctx context.Context, subscriptionID string) error {
	_, err := q.exec(ctx, `UPDATE webhooks SET next_at = 0 WHERE subscription_id = $1 AND next_at > 0`, subscriptionID)
	return err
}

func (q *q) WebhookGet(ctx context.Context, id string) (*masspay.Webhook, error) {
	return scanWebhook(q.queryRow(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = $1`, id))
}

func (q *q) WebhookList(ctx context.Context, f masspay.WebhookFilter) ([]*masspay.Webhook, int, error) {
	var w where
	w.add("subscription_id = " + w.arg(f.SubscriptionID))
	if f.ResourceID != "" {
		// Through the event's unique id, row by row of the subscription: events have no index
		// on resource_id, and one would cost every event insert.
		w.add("EXISTS (SELECT 1 FROM events e WHERE e.id = webhooks.event_id AND e.resource_id = " + w.arg(f.ResourceID) + ")")
	}
	if !f.StartDate.IsZero() {
		w.add("created >= " + w.arg(us(f.StartDate)))
	}
	if !f.EndDate.IsZero() {
		w.add("created < " + w.arg(us(f.EndDate)))
	}
	return list(ctx, q, webhookCols, "webhooks", &w, "created DESC, seq DESC", f.Page, scanWebhook)
}

func (q *q) WebhookUpdate(ctx context.Context, w *masspay.Webhook) error {
	return one(q.exec(ctx, `UPDATE webhooks SET retries = $1, next_at = $2, lease_until = $3 WHERE id = $4`,
		w.Retries, us(w.NextAt), us(w.LeaseUntil), w.ID))
}

func (q *q) WebhookClaim(ctx context.Context, p masspay.WebhookClaimParams) ([]*masspay.WebhookDelivery, error) {
	now := us(p.Now)
	// What each subscription has in flight (leased and not yet recorded) bounds what it may
	// take now.
	inFlight, err := q.countBy(ctx, `SELECT subscription_id, COUNT(*) FROM webhooks WHERE lease_until > $1 GROUP BY subscription_id`, now)
	if err != nil {
		return nil, err
	}
	var w where
	n := w.arg(now)
	w.add("next_at > 0 AND next_at <= " + n + " AND lease_until <= " + n)
	w.add("subscription_id IN (SELECT id FROM webhook_subscriptions WHERE NOT paused)")
	var full []string
	for id, n := range inFlight {
		if n >= p.PerSubscription {
			full = append(full, id)
		}
	}
	if len(full) > 0 {
		w.add("subscription_id NOT IN (" + w.list(full) + ")")
	}
	// Candidates are read without a lock: locks are taken subscription first, then its webhooks,
	// the order of recording an attempt and of deleting a subscription (no deadlock between
	// them). The lease update below re-checks each candidate, so a row another node claimed
	// meanwhile is passed over.
	rows, err := q.query(ctx, `SELECT id, subscription_id FROM webhooks`+w.String()+` ORDER BY next_at, seq LIMIT `+w.arg(p.Limit),
		w.args...)
	if err != nil {
		return nil, err
	}
	type cand struct{ id, sub string }
	var cands []cand
	subSet := map[string]bool{}
	var subs []string
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.id, &c.sub); err != nil {
			rows.Close()
			return nil, err
		}
		cands = append(cands, c)
		if !subSet[c.sub] {
			subSet[c.sub] = true
			subs = append(subs, c.sub)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(cands) == 0 {
		return nil, err
	}
	// Locking the subscriptions serializes concurrent claims for them (PostgreSQL nodes), so
	// the in-flight count read next includes every lease another claim has committed.
	var lock where
	if _, err := q.exec(ctx, `SELECT id FROM webhook_subscriptions WHERE id IN (`+lock.list(subs)+`) ORDER BY id`+
		q.s.dialect.RowLock, lock.args...); err != nil {
		return nil, err
	}
	var count where
	inFlight, err = q.countBy(ctx, `SELECT subscription_id, COUNT(*) FROM webhooks WHERE lease_until > `+count.arg(now)+
		` AND subscription_id IN (`+count.list(subs)+`) GROUP BY subscription_id`, count.args...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range cands {
		if inFlight[c.sub] < p.PerSubscription {
			inFlight[c.sub]++
			ids = append(ids, c.id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var lease where
	leased, err := q.query(ctx, `UPDATE webhooks SET lease_until = `+lease.arg(us(p.LeaseUntil))+` WHERE id IN (`+lease.list(ids)+
		`) AND next_at > 0 AND next_at <= `+lease.arg(now)+` AND lease_until <= `+lease.arg(now)+` RETURNING id`, lease.args...)
	if err != nil {
		return nil, err
	}
	ids = ids[:0]
	for leased.Next() {
		var id string
		if err := leased.Scan(&id); err != nil {
			leased.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	leased.Close()
	if err := leased.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	var claimed where
	rows, err = q.query(ctx, `SELECT w.id, w.seq, w.subscription_id, w.account_id, w.event_id, w.topic, w.retries, w.next_at,
 w.lease_until, w.created, s.id, s.account_id, s.url, s.secret, s.paused, s.consecutive_failures, s.last_success, s.created,
 e.id, e.seq, e.account_id, e.customer_id, e.topic, e.resource_type, e.resource_id, e.correlation_id, e.created
 FROM webhooks w JOIN webhook_subscriptions s ON s.id = w.subscription_id JOIN events e ON e.id = w.event_id
 WHERE w.id IN (`+claimed.list(ids)+`) ORDER BY w.next_at, w.seq`, claimed.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (*masspay.WebhookDelivery, error) {
		var d masspay.WebhookDelivery
		var wh masspay.Webhook
		var s masspay.WebhookSubscription
		var e masspay.Event
		var next, lease, wCreated, last, sCreated, eCreated int64
		if err := sc.Scan(&wh.ID, &wh.Seq, &wh.SubscriptionID, &wh.AccountID, &wh.EventID, &wh.Topic, &wh.Retries, &next,
			&lease, &wCreated, &s.ID, &s.AccountID, &s.URL, &s.Secret, &s.Paused, &s.ConsecutiveFailures, &last, &sCreated,
			&e.ID, &e.Seq, &e.AccountID, &e.CustomerID, &e.Topic, &e.ResourceType, &e.ResourceID, &e.CorrelationID, &eCreated); err != nil {
			return nil, err
		}
		wh.NextAt, wh.LeaseUntil, wh.Created = tm(next), tm(lease), tm(wCreated)
		s.LastSuccess, s.Created = tm(last), tm(sCreated)
		e.Created = tm(eCreated)
		d.Webhook, d.Subscription, d.Event = &wh, &s, &e
		return &d, nil
	})
}

func (q *q) WebhookAttemptInsert(ctx context.Context, a *masspay.WebhookAttempt) error {
	reqH, _ := json.Marshal(a.RequestHeaders)
	resH, _ := json.Marshal(a.ResponseHeaders)
	_, err := q.exec(ctx, `INSERT INTO webhook_attempts (id, webhook_id, request_time, url, request_headers, request_body,
 response_time, response_headers, status_code, response_body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.ID, a.WebhookID, us(a.RequestTime), a.URL, string(reqH), a.RequestBody, us(a.ResponseTime), string(resH),
		a.StatusCode, a.ResponseBody)
	return err
}

func (q *q) WebhookAttemptList(ctx context.Context, webhookIDs ...string) ([]*masspay.WebhookAttempt, error) {
	type seqAttempt struct {
		seq int64
		a   *masspay.WebhookAttempt
	}
	var list []seqAttempt
	err := q.tx.QueryIDs(ctx, `SELECT seq, id, webhook_id, request_time, url, request_headers, request_body, response_time,
 response_headers, status_code, response_body FROM webhook_attempts WHERE webhook_id`, webhookIDs, func(rows Row) error {
		var a masspay.WebhookAttempt
		var seq, reqT, resT int64
		var reqH, resH string
		if err := rows.Scan(&seq, &a.ID, &a.WebhookID, &reqT, &a.URL, &reqH, &a.RequestBody, &resT, &resH, &a.StatusCode, &a.ResponseBody); err != nil {
			return err
		}
		a.RequestTime, a.ResponseTime = tm(reqT), tm(resT)
		_ = json.Unmarshal([]byte(reqH), &a.RequestHeaders)
		_ = json.Unmarshal([]byte(resH), &a.ResponseHeaders)
		list = append(list, seqAttempt{seq, &a})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b seqAttempt) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]*masspay.WebhookAttempt, len(list))
	for i, sa := range list {
		out[i] = sa.a
	}
	return out, nil
}

func (q *q) WebhookRetryInsert(ctx context.Context, r *masspay.WebhookRetry) error {
	_, err := q.exec(ctx, `INSERT INTO webhook_retries (id, webhook_id, created) VALUES ($1, $2, $3)`, r.ID, r.WebhookID, us(r.Created))
	return err
}

func (q *q) WebhookRetryList(ctx context.Context, webhookID string) ([]*masspay.WebhookRetry, error) {
	rows, err := q.query(ctx, `SELECT id, webhook_id, created FROM webhook_retries WHERE webhook_id = $1 ORDER BY seq`, webhookID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (*masspay.WebhookRetry, error) {
		var r masspay.WebhookRetry
		var created int64
		if err := sc.Scan(&r.ID, &r.WebhookID, &created); err != nil {
			return nil, err
		}
		r.Created = tm(created)
		return &r, nil
	})
}

// TransferListPendingBankBefore serves automatic clearing across all accounts.
func (q *q) TransferListPendingBankBefore(ctx context.Context, before time.Time, limit int) ([]*masspay.Transfer, error) {
	rows, err := q.query(ctx, `SELECT `+transferCols+` FROM transfers WHERE status = 'pending' AND bank AND created < $1
 ORDER BY seq LIMIT $2`+q.s.dialect.RowLock, us(before), limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTransfer)
}

// countBy runs a query of (key, count) rows and returns them as a map.
func (q *q) countBy(ctx context.Context, query string, args ...any) (map[string]int, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
