package sqlstore

import (
	"context"
	"fmt"

	"masspay"
)

// This file is the webhook fan-out that EventInsertMany still does in the store: the rule of
// which subscriptions get a webhook for an event, and the paused rule, as SQL the same on both
// backends. Issue 11 moves it into the service's outbox (one function publishes events); when
// that lands, EventInsertMany only inserts the events and this file goes.

// insertWebhooks writes, for the given events, one webhook per subscription of the event's
// account: the outbox rows, in the transaction of the events themselves. A paused
// subscription's rows are not due (Dwolla records them but does not send them).
func (q *q) insertWebhooks(ctx context.Context, events []*masspay.Event) error {
	subs := map[string][]*masspay.WebhookSubscription{}
	for _, e := range events {
		if _, done := subs[e.AccountID]; done {
			continue
		}
		list, err := q.WebhookSubscriptionList(ctx, e.AccountID)
		if err != nil {
			return fmt.Errorf("list webhook subscriptions: %w", err)
		}
		subs[e.AccountID] = list
	}
	var rows [][]any
	due := false
	for _, e := range events {
		for _, s := range subs[e.AccountID] {
			next := us(e.Created)
			if s.Paused {
				next = 0
			}
			due = due || next > 0
			rows = append(rows, []any{masspay.NewID(), s.ID, e.AccountID, e.ID, e.Topic, next, us(e.Created)})
		}
	}
	if err := q.insertMany(ctx, "webhooks", []string{"id", "subscription_id", "account_id", "event_id", "topic",
		"next_at", "created"}, rows); err != nil {
		return err
	}
	if due {
		return q.Notify(ctx, masspay.ChannelWebhooks)
	}
	return nil
}
