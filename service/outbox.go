package service

import (
	"context"

	"masspay"
)

// Publish writes events to the outbox inside the caller's transaction: the events themselves,
// one webhook per subscription of each event's account (never due for a paused subscription,
// see masspay.WebhookSubscription.Webhook), and, when one is due, the wake-up of the webhook
// worker once the transaction commits. Every event of masspay is published through it. The
// subscriptions are read once per account per call, and the webhooks written in one bulk insert,
// so that the engine's chunks (thousands of events) stay cheap.
func Publish(ctx context.Context, q masspay.Q, events ...*masspay.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := q.EventInsertMany(ctx, events); err != nil {
		return err
	}
	subs := map[string][]*masspay.WebhookSubscription{}
	n := 0
	for _, e := range events {
		list, done := subs[e.AccountID]
		if !done {
			var err error
			if list, err = q.WebhookSubscriptionList(ctx, e.AccountID); err != nil {
				return err
			}
			subs[e.AccountID] = list
		}
		n += len(list)
	}
	hooks := make([]*masspay.Webhook, 0, n)
	for _, e := range events {
		for _, s := range subs[e.AccountID] {
			hooks = append(hooks, s.Webhook(e))
		}
	}
	if err := q.WebhookInsertMany(ctx, hooks); err != nil {
		return err
	}
	for _, w := range hooks {
		if w.Due() {
			return wakeWebhooks(ctx, q)
		}
	}
	return nil
}

// wakeWebhooks wakes the webhook worker once the transaction commits: a webhook became due.
func wakeWebhooks(ctx context.Context, q masspay.Q) error {
	return q.Notify(ctx, masspay.ChannelWebhooks)
}
