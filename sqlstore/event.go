package sqlstore

import (
	"context"

	"masspay"
)

const eventCols = `id, seq, account_id, customer_id, topic, resource_type, resource_id, correlation_id, created`

func scanEvent(sc interface{ Scan(...any) error }) (*masspay.Event, error) {
	var e masspay.Event
	var created int64
	if err := sc.Scan(&e.ID, &e.Seq, &e.AccountID, &e.CustomerID, &e.Topic, &e.ResourceType, &e.ResourceID,
		&e.CorrelationID, &created); err != nil {
		return nil, noRows(err)
	}
	e.Created = tm(created)
	return &e, nil
}

func (q *q) EventGet(ctx context.Context, id string) (*masspay.Event, error) {
	return scanEvent(q.queryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = $1`, id))
}

// EventInsertMany writes events in the transaction of the state change that caused them.
func (q *q) EventInsertMany(ctx context.Context, events []*masspay.Event) error {
	rows := make([][]any, len(events))
	for i, e := range events {
		rows[i] = []any{e.ID, e.AccountID, e.CustomerID, e.Topic, e.ResourceType, e.ResourceID, e.CorrelationID, us(e.Created)}
	}
	return q.unique(q.insertMany(ctx, "events", []string{"id", "account_id", "customer_id", "topic", "resource_type",
		"resource_id", "correlation_id", "created"}, rows))
}

func (q *q) EventList(ctx context.Context, f masspay.EventFilter) ([]*masspay.Event, int, error) {
	var w where
	w.add("account_id = " + w.arg(f.AccountID))
	if !f.Since.IsZero() {
		w.add("created >= " + w.arg(us(f.Since)))
	}
	return list(ctx, q, eventCols, "events", &w, "seq DESC", f.Page, scanEvent)
}
