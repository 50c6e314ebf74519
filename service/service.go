// Package service holds masspay's use cases. Each one runs in a single store transaction and
// applies the business rules once, for every backend.
package service

import (
	"cmp"
	"errors"
	"time"

	"masspay"
	"masspay/nacha"
)

// Config holds the service's settings. Zero values take the documented defaults.
type Config struct {
	// TokenTTL is how long an access token lives (default 1 hour, as Dwolla).
	TokenTTL time.Duration
	// ItemLimit is the largest amount of one mass payment item, in cents (default 10,000.00 USD,
	// Dwolla's default per-transfer limit for verified customers).
	ItemLimit int64
	// IdempotencyTTL is how long an Idempotency-Key is remembered (default 24 hours).
	IdempotencyTTL time.Duration
	// IdempotencyLock is how long an in-flight request holds its key before a retry may take
	// it over (default 10 s; accepting even 5,000 items takes well under a second). Taking over
	// is safe at any age: only the holder can complete a key.
	IdempotencyLock time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// WebhookRetries is the gap before each retry of a failed webhook (default Dwolla's
	// schedule: 15m, 45m, 2h, 3h, 6h, 12h, 24h, 24h).
	WebhookRetries []time.Duration
	// ClearingAuto, when set, makes a background worker process pending bank transfers once they
	// are that old; zero keeps sandbox clearing (POST /sandbox-simulations only).
	ClearingAuto time.Duration
	// ACH, when set, makes bank transfers clear through NACHA files at the bank's cutoffs
	// (--clearing ach, docs/ach.md) instead of the sandbox.
	ACH *nacha.Config
	// EventRetention is how long events stay visible at /events, and webhooks in a
	// subscription's list (default 30 days, as Dwolla). Older rows are not deleted: webhook
	// history still references them.
	EventRetention time.Duration
	// WebhookAllowPrivate says whether webhook receivers may be loopback or private addresses
	// (--webhook-allow-private); nil: allowed under sandbox clearing, where receivers usually
	// run on the same host, refused under ACH. Link-local and metadata addresses never are
	// (masspay.ReceiverRefusal).
	WebhookAllowPrivate *bool
}

// AllowPrivateReceivers is WebhookAllowPrivate resolved.
func (c Config) AllowPrivateReceivers() bool {
	if c.WebhookAllowPrivate != nil {
		return *c.WebhookAllowPrivate
	}
	return c.ACH == nil
}

func (c Config) withDefaults() Config {
	c.TokenTTL = cmp.Or(c.TokenTTL, time.Hour)
	c.ItemLimit = cmp.Or(c.ItemLimit, 10_000_00)
	c.IdempotencyTTL = cmp.Or(c.IdempotencyTTL, 24*time.Hour)
	c.IdempotencyLock = cmp.Or(c.IdempotencyLock, 10*time.Second)
	c.EventRetention = cmp.Or(c.EventRetention, 30*24*time.Hour)
	if c.Now == nil {
		c.Now = time.Now
	}
	if len(c.WebhookRetries) == 0 {
		c.WebhookRetries = DefaultWebhookRetries
	}
	return c
}

// Service runs the use cases against a store.
type Service struct {
	store    masspay.Store
	cfg      Config
	throttle *tokenThrottle // of IssueTokenFrom: one per service, whichever door it is called from
}

// New returns a Service.
func New(store masspay.Store, cfg Config) *Service {
	return &Service{store: store, cfg: cfg.withDefaults(), throttle: newTokenThrottle()}
}

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// Store returns the store the service runs on.
func (s *Service) Store() masspay.Store { return s.store }

// now returns the current time in UTC, truncated to microseconds (the stores' precision).
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Principal is who a request acts for: an application of an account.
type Principal struct {
	AccountID     string
	ApplicationID string
}

func newID() string { return masspay.NewID() }

// notFound turns ErrNoRows into the resource's NotFound error.
func notFound(err error, message string) error {
	if errors.Is(err, masspay.ErrNoRows) {
		return masspay.NotFound(message)
	}
	return err
}
