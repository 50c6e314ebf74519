package service

import (
	"context"
	"time"

	"masspay"
)

// Webhook and event NotFound messages, as Dwolla words them.
const (
	msgSubscriptionNotFound = "Webhook subscription not found."
	msgWebhookNotFound      = "Webhook not found."
	msgEventNotFound        = "Application event not found."
)

// DefaultWebhookRetries is Dwolla's retry schedule: 8 retries over 72 hours.
var DefaultWebhookRetries = []time.Duration{15 * time.Minute, 45 * time.Minute, 2 * time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 24 * time.Hour}

// CreateWebhookSubscription subscribes a URL to the caller's events. typeErrs are the body's
// type errors, reported with what the request's checks find.
func (s *Service) CreateWebhookSubscription(ctx context.Context, p *Principal, in *masspay.WebhookSubscriptionInput, typeErrs masspay.Fields) (*masspay.WebhookSubscription, error) {
	f := masspay.Judge(typeErrs, in.Validate)
	if len(f) == 0 {
		if why := masspay.ReceiverURLRefusal(in.URL, s.cfg.AllowPrivateReceivers()); why != "" {
			f.Add(masspay.FCodeInvalid, "/url", "Url must not point at %s.", why)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	sub := &masspay.WebhookSubscription{ID: newID(), AccountID: p.AccountID, URL: in.URL, Secret: in.Secret, Created: s.now()}
	err := s.store.Write(ctx, func(q masspay.Q) error {
		n, err := q.WebhookSubscriptionCount(ctx, p.AccountID)
		if err != nil {
			return err
		}
		if n >= masspay.MaxWebhookSubscriptions {
			return masspay.Errorf(masspay.ECodeMaxResources, "The maximum number of subscriptions has been reached.")
		}
		return q.WebhookSubscriptionInsert(ctx, sub)
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// ListWebhookSubscriptions returns the caller's subscriptions, oldest first.
func (s *Service) ListWebhookSubscriptions(ctx context.Context, p *Principal) ([]*masspay.WebhookSubscription, error) {
	var list []*masspay.WebhookSubscription
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		list, err = q.WebhookSubscriptionList(ctx, p.AccountID)
		return err
	})
	return list, err
}

// getSubscription reads a subscription of the caller's account.
func getSubscription(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.WebhookSubscription, error) {
	sub, err := q.WebhookSubscriptionGet(ctx, id)
	if err == nil && sub.AccountID != p.AccountID {
		err = masspay.ErrNoRows
	}
	return sub, notFound(err, msgSubscriptionNotFound)
}

// GetWebhookSubscription returns one of the caller's subscriptions.
func (s *Service) GetWebhookSubscription(ctx context.Context, p *Principal, id string) (*masspay.WebhookSubscription, error) {
	var sub *masspay.WebhookSubscription
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { sub, err = getSubscription(ctx, q, p, id); return err })
	return sub, err
}

// PauseWebhookSubscription pauses or unpauses a subscription. Pausing also takes its pending
// retries off the schedule: as with Dwolla, unpausing does not send what was missed; the client
// retries those webhooks itself.
func (s *Service) PauseWebhookSubscription(ctx context.Context, p *Principal, id string, paused bool) (*masspay.WebhookSubscription, error) {
	var sub *masspay.WebhookSubscription
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		if sub, err = getSubscription(ctx, q, p, id); err != nil {
			return err
		}
		if err := q.WebhookSubscriptionSetPaused(ctx, id, paused); err != nil {
			return err
		}
		sub.Paused = paused
		if paused {
			return q.WebhookClearDue(ctx, id)
		}
		return nil
	})
	return sub, err
}

// DeleteWebhookSubscription removes a subscription and all of its webhooks, and returns it.
func (s *Service) DeleteWebhookSubscription(ctx context.Context, p *Principal, id string) (*masspay.WebhookSubscription, error) {
	var sub *masspay.WebhookSubscription
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		if sub, err = getSubscription(ctx, q, p, id); err != nil {
			return err
		}
		// Pausing first takes the subscription's row lock before any of its webhooks are
		// touched: the order in which deliveries are claimed and recorded too, so deleting
		// never deadlocks with them (PostgreSQL).
		if err := q.WebhookSubscriptionSetPaused(ctx, id, true); err != nil {
			return err
		}
		return q.WebhookSubscriptionDelete(ctx, id)
	})
	return sub, err
}

// ListWebhooks returns a page of a subscription's webhooks (f.SubscriptionID) with their attempts,
// newest first, and their total. As with Dwolla, the list covers the retention period only
// (a startDate before it is moved up to it).
func (s *Service) ListWebhooks(ctx context.Context, p *Principal, f masspay.WebhookFilter) ([]*WebhookDetail, int, error) {
	var out []*WebhookDetail
	var total int
	if since := s.retainedSince(); f.StartDate.Before(since) {
		f.StartDate = since
	}
	err := s.store.Read(ctx, func(q masspay.Q) error {
		if _, err := getSubscription(ctx, q, p, f.SubscriptionID); err != nil {
			return err
		}
		list, n, err := q.WebhookList(ctx, f)
		if err != nil {
			return err
		}
		// One query for the page's attempts, not one per webhook.
		total, out = n, make([]*WebhookDetail, len(list))
		ids := make([]string, len(list))
		byID := make(map[string]*WebhookDetail, len(list))
		for i, w := range list {
			out[i], ids[i] = &WebhookDetail{Webhook: w}, w.ID
			byID[w.ID] = out[i]
		}
		attempts, err := q.WebhookAttemptList(ctx, ids...)
		for _, a := range attempts {
			byID[a.WebhookID].Attempts = append(byID[a.WebhookID].Attempts, a)
		}
		return err
	})
	return out, total, err
}

// WebhookDetail is a webhook with its attempts, as GET /webhooks/{id} shows it.
type WebhookDetail struct {
	*masspay.Webhook
	Attempts []*masspay.WebhookAttempt
}

func getWebhook(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.Webhook, error) {
	w, err := q.WebhookGet(ctx, id)
	if err == nil && w.AccountID != p.AccountID {
		err = masspay.ErrNoRows
	}
	return w, notFound(err, msgWebhookNotFound)
}

// GetWebhook returns one of the caller's webhooks with every attempt made to deliver it.
func (s *Service) GetWebhook(ctx context.Context, p *Principal, id string) (*WebhookDetail, error) {
	var d WebhookDetail
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		if d.Webhook, err = getWebhook(ctx, q, p, id); err != nil {
			return err
		}
		d.Attempts, err = q.WebhookAttemptList(ctx, id)
		return err
	})
	return &d, err
}

// RetryWebhook records a retry and makes the webhook due now. The worker sends it unless the
// subscription is paused; a retry does not use up the automatic schedule.
func (s *Service) RetryWebhook(ctx context.Context, p *Principal, id string) (*masspay.WebhookRetry, error) {
	r := &masspay.WebhookRetry{ID: newID(), WebhookID: id, Created: s.now()}
	err := s.store.Write(ctx, func(q masspay.Q) error {
		w, err := getWebhook(ctx, q, p, id)
		if err != nil {
			return err
		}
		if err := q.WebhookRetryInsert(ctx, r); err != nil {
			return err
		}
		w.NextAt = r.Created
		if err := q.WebhookUpdate(ctx, w); err != nil {
			return err
		}
		return wakeWebhooks(ctx, q)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ListWebhookRetries returns the retries asked for a webhook, oldest first.
func (s *Service) ListWebhookRetries(ctx context.Context, p *Principal, id string) ([]*masspay.WebhookRetry, error) {
	var list []*masspay.WebhookRetry
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		if _, err := getWebhook(ctx, q, p, id); err != nil {
			return err
		}
		list, err = q.WebhookRetryList(ctx, id)
		return err
	})
	return list, err
}
