// Package service holds masspay's use cases. Each one runs in a single store transaction and
// applies the business rules once, for every backend.
package service

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
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
	store masspay.Store
	cfg   Config
	// renderEvent renders an event as the HTTP layer shows it (see SetEventRenderer).
	renderEvent func(*masspay.Event) ([]byte, error)
}

// New returns a Service.
func New(store masspay.Store, cfg Config) *Service {
	return &Service{store: store, cfg: cfg.withDefaults()}
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

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hash is SHA-256, hex. Client secrets and tokens are long random strings, so a fast hash is
// enough: there is nothing to brute-force that is smaller than the secret itself.
func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// NewApplicationParams describes what `masspay apps create` makes.
type NewApplicationParams struct {
	Name    string
	Balance int64 // opening balance, cents
}

// NewApplication is what CreateApplication returns. Secret is shown once and never again.
type NewApplication struct {
	AccountID string
	Key       string
	Secret    string
}

// CreateApplication creates an account with a verified sandbox bank ("Superhero Savings Bank"),
// a balance holding the opening balance (written as a ledger entry funded by that bank), and an
// application key and secret.
func (s *Service) CreateApplication(ctx context.Context, p NewApplicationParams) (*NewApplication, error) {
	return s.createApplication(ctx, p, false)
}

// CreateFirstApplication is CreateApplication on a store that holds no account yet, and returns
// nil when it already holds one. However many nodes start together on a fresh database, exactly
// one creates it.
func (s *Service) CreateFirstApplication(ctx context.Context, p NewApplicationParams) (*NewApplication, error) {
	return s.createApplication(ctx, p, true)
}

// bootstrapLock serialises the first-start check and creation across nodes.
const bootstrapLock = "masspay.bootstrap"

func (s *Service) createApplication(ctx context.Context, p NewApplicationParams, first bool) (*NewApplication, error) {
	if p.Balance < 0 || p.Balance > masspay.MaxCents {
		return nil, masspay.Errorf(masspay.ECodeBadRequest, "opening balance out of range")
	}
	now := s.now()
	acct := &masspay.Account{ID: newID(), Name: cmp.Or(p.Name, "masspay sandbox"), Created: now}
	app := &masspay.Application{ID: newID(), AccountID: acct.ID, Name: acct.Name, Key: randomToken(24), Created: now}
	secret := randomToken(32)
	app.SecretHash = hash(secret)
	bank := &masspay.FundingSource{ID: newID(), AccountID: acct.ID, Type: masspay.FundingBank, Status: masspay.FundingVerified,
		Name: "Superhero Savings Bank", BankAccountType: "checking", RoutingNumber: "222222226",
		AccountNumber: randomDigits(10), BankName: "SANDBOX TEST BANK", Channels: []string{"ach"}, Created: now}
	bank.Fingerprint = fingerprint(bank.RoutingNumber, bank.AccountNumber)
	balance := &masspay.FundingSource{ID: newID(), AccountID: acct.ID, Type: masspay.FundingBalance,
		Status: masspay.FundingVerified, Name: "Balance", Channels: []string{}, Created: now}
	exists := false
	err := s.store.Write(ctx, func(q masspay.Q) error {
		if first {
			// Lock, then count: a node that waited on the lock sees the account the holder
			// committed (each statement reads the latest commits on PostgreSQL).
			if err := q.Lock(ctx, bootstrapLock); err != nil {
				return err
			}
			n, err := q.AccountCount(ctx)
			if err != nil {
				return err
			}
			if exists = n > 0; exists {
				return nil
			}
		}
		if err := q.AccountInsert(ctx, acct); err != nil {
			return err
		}
		if err := q.ApplicationInsert(ctx, app); err != nil {
			return err
		}
		for _, f := range []*masspay.FundingSource{bank, balance} {
			if err := q.FundingSourceInsert(ctx, f); err != nil {
				return err
			}
		}
		if p.Balance == 0 {
			return nil
		}
		// The opening balance arrives from the bank like any deposit: a processed transfer and
		// its two ledger entries.
		t := &masspay.Transfer{ID: newID(), AccountID: acct.ID, SourceID: bank.ID, DestinationID: balance.ID,
			Amount: p.Balance, Status: masspay.TransferProcessed, Posted: true, Bank: true, Created: now}
		if err := q.TransferInsertMany(ctx, []*masspay.Transfer{t}); err != nil {
			return err
		}
		return q.LedgerPost(ctx, masspay.PostingEntries(t, bank.ID, balance.ID, now))
	})
	if err != nil || exists {
		return nil, err
	}
	return &NewApplication{AccountID: acct.ID, Key: app.Key, Secret: secret}, nil
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// Token errors, in the OAuth shape POST /token answers with.
var (
	ErrInvalidClient = errors.New("invalid_client")
)

// IssueToken checks client credentials and returns a new bearer token and its lifetime.
func (s *Service) IssueToken(ctx context.Context, key, secret string) (string, time.Duration, error) {
	var app *masspay.Application
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { app, err = q.ApplicationGetByKey(ctx, key); return err })
	if errors.Is(err, masspay.ErrNoRows) {
		return "", 0, ErrInvalidClient
	}
	if err != nil {
		return "", 0, err
	}
	if !constantTimeEqual(app.SecretHash, hash(secret)) {
		return "", 0, ErrInvalidClient
	}
	token := randomToken(36)
	t := &masspay.AccessToken{Hash: hash(token), ApplicationID: app.ID, AccountID: app.AccountID, Expires: s.now().Add(s.cfg.TokenTTL)}
	if err := s.store.Write(ctx, func(q masspay.Q) error {
		if _, err := q.AccessTokenDeleteExpired(ctx, s.now().Add(-24*time.Hour)); err != nil {
			return err
		}
		return q.AccessTokenInsert(ctx, t)
	}); err != nil {
		return "", 0, err
	}
	return token, s.cfg.TokenTTL, nil
}

// Authentication failures, with Dwolla's codes.
var (
	ErrInvalidAccessToken = &masspay.Error{Code: "InvalidAccessToken", Message: "Invalid access token."}
	ErrExpiredAccessToken = &masspay.Error{Code: "ExpiredAccessToken", Message: "Generate a new access token using your client credentials."}
)

// Authenticate resolves a bearer token to its principal.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	var t *masspay.AccessToken
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { t, err = q.AccessTokenGet(ctx, hash(token)); return err })
	if errors.Is(err, masspay.ErrNoRows) {
		return nil, ErrInvalidAccessToken
	}
	if err != nil {
		return nil, err
	}
	if !s.now().Before(t.Expires) {
		return nil, ErrExpiredAccessToken
	}
	return &Principal{AccountID: t.AccountID, ApplicationID: t.ApplicationID}, nil
}

func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// GetAccount returns the caller's account; any other id is NotFound.
func (s *Service) GetAccount(ctx context.Context, p *Principal, id string) (*masspay.Account, error) {
	if id != p.AccountID {
		return nil, masspay.NotFound("Account not found.")
	}
	var a *masspay.Account
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { a, err = q.AccountGet(ctx, id); return err })
	return a, notFound(err, "Account not found.")
}

// notFound turns ErrNoRows into the resource's NotFound error.
func notFound(err error, message string) error {
	if errors.Is(err, masspay.ErrNoRows) {
		return masspay.NotFound(message)
	}
	return err
}

// event builds an event for the outbox.
func (s *Service) event(accountID, customerID, topic, resourceType, resourceID, correlationID string, now time.Time) *masspay.Event {
	return masspay.NewEvent(accountID, customerID, topic, resourceType, resourceID, correlationID, now)
}

func fingerprint(routing, account string) string {
	return hash(fmt.Sprintf("%s:%s", routing, account))
}
