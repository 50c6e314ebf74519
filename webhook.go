package masspay

import "time"

// MaxWebhookSubscriptions is how many live subscriptions one account may hold (Dwolla's sandbox
// allows ten).
const MaxWebhookSubscriptions = 10

// WebhookSubscription is a URL that receives every event of its account, signed with Secret.
// Secret is needed to sign deliveries, so it is stored as is; it is never rendered or logged.
type WebhookSubscription struct {
	ID        string
	AccountID string
	URL       string
	Secret    string
	Paused    bool
	// ConsecutiveFailures counts failed attempts since the last success; with LastSuccess it
	// decides when the subscription pauses itself.
	ConsecutiveFailures int
	LastSuccess         time.Time
	Created             time.Time
}

// Webhook is one event to deliver to one subscription, with its delivery state. NextAt is when
// the next attempt is due; zero means nothing is due (delivered, out of retries, or created while
// the subscription was paused). Retries counts the scheduled retries already used.
type Webhook struct {
	ID             string
	Seq            int64
	SubscriptionID string
	AccountID      string
	EventID        string
	Topic          string
	Retries        int
	NextAt         time.Time
	LeaseUntil     time.Time
	Created        time.Time
}

// Webhook returns the webhook that delivers e to this subscription: due at once, or never when
// the subscription is paused (Dwolla records what a paused subscription misses but does not
// send it).
func (s *WebhookSubscription) Webhook(e *Event) *Webhook {
	w := &Webhook{ID: NewID(), SubscriptionID: s.ID, AccountID: e.AccountID, EventID: e.ID, Topic: e.Topic, Created: e.Created}
	if !s.Paused {
		w.NextAt = e.Created
	}
	return w
}

// Due reports whether the webhook waits to be sent.
func (w *Webhook) Due() bool { return !w.NextAt.IsZero() }

// WebhookHeader is one HTTP header of a recorded attempt.
type WebhookHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// WebhookAttempt is one delivery attempt: what was sent and what came back. StatusCode is 0 when
// no response arrived (a timeout or a refused connection); ResponseBody then says why.
type WebhookAttempt struct {
	ID              string
	WebhookID       string
	RequestTime     time.Time
	URL             string
	RequestHeaders  []WebhookHeader
	RequestBody     string
	ResponseTime    time.Time
	ResponseHeaders []WebhookHeader
	StatusCode      int
	ResponseBody    string
}

// WebhookRetry is a retry a client asked for with POST /webhooks/{id}/retries.
type WebhookRetry struct {
	ID        string
	WebhookID string
	Created   time.Time
}

// WebhookDelivery is a claimed webhook with what it takes to send it.
type WebhookDelivery struct {
	Webhook      *Webhook
	Subscription *WebhookSubscription
	Event        *Event
}

// WebhookClaimParams asks for up to Limit due webhooks of unpaused subscriptions, leased until
// LeaseUntil, with at most PerSubscription leased at once for any one subscription.
type WebhookClaimParams struct {
	Now             time.Time
	LeaseUntil      time.Time
	Limit           int
	PerSubscription int
}
