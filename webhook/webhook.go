// Package webhook delivers the webhook outbox: it claims due webhooks from the store under a
// lease, POSTs each event to its subscription's URL signed with HMAC-SHA256
// (X-Request-Signature-SHA-256), records every attempt, and schedules retries on Dwolla's
// schedule. Delivery is at least once: receivers dedupe by event id.
package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"sync"
	"syscall"
	"time"

	"masspay"
)

// Config configures the worker. Zero values take the documented defaults.
type Config struct {
	// Render renders an event as the webhook body (required).
	Render func(*masspay.Event) ([]byte, error)
	// Retries is the gap before each retry of a failed delivery (required; the service holds
	// Dwolla's default).
	Retries []time.Duration
	// Timeout bounds one delivery, response included (default 10 s: Dwolla's limit for a 2xx).
	Timeout time.Duration
	// Poll is how often due retries are looked for without a wake-up (default 1 s).
	Poll time.Duration
	// Lease is how long a claimed delivery is held before another worker may take it (default
	// 1 minute: well beyond Timeout, so only a dead worker's lease runs out).
	Lease time.Duration
	// Concurrency bounds the deliveries in flight in this process (default 32).
	Concurrency int
	// PerSubscription bounds the deliveries in flight to one subscription (default 10, Dwolla's).
	PerSubscription int
	// PauseAfterFailures and PauseAfter: a subscription pauses itself after that many
	// consecutive failures and that long without a success (defaults 400 and 24 h, Dwolla's).
	PauseAfterFailures int
	PauseAfter         time.Duration
	// AllowPrivate lets receivers be loopback or private addresses; link-local and metadata
	// addresses are refused whatever it says (masspay.ReceiverRefusal, judged on the address
	// each connection dials).
	AllowPrivate bool
	// Resolver looks up receivers' names (default net.DefaultResolver).
	Resolver *net.Resolver
	// Client sends the requests (default: receiverClient, which does not follow redirects and
	// dials only addresses ReceiverRefusal allows). A Client given here is used as it is.
	Client *http.Client
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// Observer is told the outcome of every recorded attempt (default: nobody).
	Observer Observer
}

// Observer receives the worker's figures, for metrics. Its method must not block.
type Observer interface {
	// WebhookDelivered reports one attempt: outcome is "delivered" (a 2xx answer), "failed"
	// (any other answer) or "error" (no answer: refused, timed out); took is request to answer.
	WebhookDelivered(outcome string, took time.Duration)
}

type nopObserver struct{}

func (nopObserver) WebhookDelivered(string, time.Duration) {}

func (c Config) withDefaults() Config {
	c.Timeout = cmp.Or(c.Timeout, 10*time.Second)
	c.Poll = cmp.Or(c.Poll, time.Second)
	c.Lease = cmp.Or(c.Lease, time.Minute)
	c.Concurrency = cmp.Or(c.Concurrency, 32)
	c.PerSubscription = cmp.Or(c.PerSubscription, 10)
	c.PauseAfterFailures = cmp.Or(c.PauseAfterFailures, 400)
	c.PauseAfter = cmp.Or(c.PauseAfter, 24*time.Hour)
	if c.Client == nil {
		c.Client = receiverClient(c.AllowPrivate, c.Resolver)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// receiverClient is the client of deliveries. A redirect is a failure, as with Dwolla: the
// receiver must answer at the URL given. Every connection is judged on the address it dials,
// after any lookup, so no name can lead a delivery inward; no proxy is used, as the address
// dialled must be the receiver's.
func receiverClient(allowPrivate bool, resolver *net.Resolver) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Resolver: resolver,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook receiver %s: %w", address, err)
			}
			if why := masspay.ReceiverRefusal(ap.Addr(), allowPrivate); why != "" {
				return fmt.Errorf("webhook receiver %s refused: %s", ap.Addr(), why)
			}
			return nil
		}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = dialer.DialContext
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Worker delivers webhooks.
type Worker struct {
	store masspay.Store
	cfg   Config
}

// New returns a worker on store.
func New(store masspay.Store, cfg Config) *Worker {
	return &Worker{store: store, cfg: cfg.withDefaults()}
}

func (w *Worker) now() time.Time { return w.cfg.Now().UTC().Truncate(time.Microsecond) }

// Run delivers until ctx ends. It claims work when woken after a commit that made webhooks due,
// when a delivery finishes, and every Poll for retries that came due. A slow receiver holds one
// of Concurrency slots for at most Timeout, never the API or the engine.
func (w *Worker) Run(ctx context.Context) error {
	wake, cancel := w.store.Subscribe(masspay.ChannelWebhooks)
	defer cancel()
	tick := time.NewTicker(w.cfg.Poll)
	defer tick.Stop()
	slots := make(chan struct{}, w.cfg.Concurrency)
	finished := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		if free := w.cfg.Concurrency - len(slots); free > 0 {
			ds, err := w.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				w.cfg.Logger.Error("claim webhooks", "error", err)
			}
			for _, d := range ds {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					w.deliver(ctx, d)
					<-slots
					select {
					case finished <- struct{}{}:
					default:
					}
				}()
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-tick.C:
		case <-finished:
		}
	}
}

func (w *Worker) claim(ctx context.Context, limit int) ([]*masspay.WebhookDelivery, error) {
	var ds []*masspay.WebhookDelivery
	now := w.now()
	err := w.store.Write(ctx, func(q masspay.Q) (err error) {
		ds, err = q.WebhookClaim(ctx, masspay.WebhookClaimParams{Now: now, LeaseUntil: now.Add(w.cfg.Lease),
			Limit: limit, PerSubscription: w.cfg.PerSubscription})
		return err
	})
	return ds, err
}

// Sign returns the X-Request-Signature-SHA-256 of body: lowercase hex HMAC-SHA256 keyed by secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// maxResponseBody bounds what is read and kept of a receiver's answer.
const maxResponseBody = 16 << 10

// deliver makes one attempt and records it. If the worker stops before the receiver answers,
// nothing is recorded and the lease is released, so the delivery is due again at once (after a
// restart, too); an answer that arrived is recorded even while the worker stops.
func (w *Worker) deliver(ctx context.Context, d *masspay.WebhookDelivery) {
	log := w.cfg.Logger.With("webhook_id", d.Webhook.ID, "subscription_id", d.Subscription.ID)
	body, err := w.cfg.Render(d.Event)
	if err != nil {
		log.Error("render webhook", "error", err)
		w.release(d)
		return
	}
	a := &masspay.WebhookAttempt{ID: masspay.NewID(), WebhookID: d.Webhook.ID, URL: d.Subscription.URL,
		RequestBody: string(body), RequestTime: w.now()}
	sendCtx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(sendCtx, http.MethodPost, d.Subscription.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
		req.Header.Set("User-Agent", "dwolla-webhooks/1.0")
		req.Header.Set("X-Dwolla-Topic", d.Event.Topic)
		req.Header.Set("X-Request-Signature-SHA-256", Sign(d.Subscription.Secret, body))
		a.RequestHeaders = headerList(req.Header)
		var res *http.Response
		if res, err = w.cfg.Client.Do(req); err == nil {
			b, _ := io.ReadAll(io.LimitReader(res.Body, maxResponseBody))
			res.Body.Close()
			a.StatusCode, a.ResponseBody, a.ResponseHeaders = res.StatusCode, string(b), headerList(res.Header)
		}
	}
	if err != nil && ctx.Err() != nil {
		// Stopped mid-attempt by our own shutdown: not an attempt to record.
		w.release(d)
		return
	}
	a.ResponseTime = w.now()
	if err != nil {
		// No response: the attempt records why, never the secret (it is only in the signature).
		a.ResponseBody = describe(err)
	}
	// The receiver has answered (or failed on its own): record that even if the worker is
	// stopping now, or the attempt would be lost and the lease held until it runs out.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer rcancel()
	if err := w.record(rctx, d, a); err != nil {
		log.Error("record webhook attempt", "error", err)
		w.release(d)
		return
	}
	outcome := "delivered"
	switch {
	case err != nil:
		outcome = "error"
	case a.StatusCode < 200 || a.StatusCode > 299:
		outcome = "failed"
	}
	w.cfg.Observer.WebhookDelivered(outcome, a.ResponseTime.Sub(a.RequestTime))
}

func describe(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "no response within the time limit"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return "request failed: " + ue.Unwrap().Error()
	}
	return "request failed: " + err.Error()
}

// release gives a claimed delivery back without an attempt.
func (w *Worker) release(d *masspay.WebhookDelivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d.Webhook.LeaseUntil = time.Time{}
	err := w.store.Write(ctx, func(q masspay.Q) error { return q.WebhookUpdate(ctx, d.Webhook) })
	if err != nil && !errors.Is(err, masspay.ErrNoRows) {
		w.cfg.Logger.Warn("release webhook", "webhook_id", d.Webhook.ID, "error", err)
	}
}

// record writes the attempt, the next retry (or none) and the subscription's failure count, and
// pauses the subscription when it has failed for too long.
func (w *Worker) record(ctx context.Context, d *masspay.WebhookDelivery, a *masspay.WebhookAttempt) error {
	ok := a.StatusCode >= 200 && a.StatusCode < 300
	now := a.ResponseTime
	return w.store.Write(ctx, func(q masspay.Q) error {
		sub, err := q.WebhookSubscriptionRecord(ctx, d.Subscription.ID, ok, now)
		if errors.Is(err, masspay.ErrNoRows) {
			return nil // deleted while the attempt ran: nothing left to record
		}
		if err != nil {
			return err
		}
		wh := d.Webhook
		wh.LeaseUntil, wh.NextAt = time.Time{}, time.Time{}
		if !ok && wh.Retries < len(w.cfg.Retries) {
			wh.NextAt = now.Add(w.cfg.Retries[wh.Retries])
			wh.Retries++
		}
		if err := q.WebhookUpdate(ctx, wh); err != nil {
			return err
		}
		if err := q.WebhookAttemptInsert(ctx, a); err != nil {
			return err
		}
		since := sub.LastSuccess
		if since.IsZero() {
			since = sub.Created
		}
		if ok || sub.Paused || sub.ConsecutiveFailures < w.cfg.PauseAfterFailures || now.Sub(since) < w.cfg.PauseAfter {
			return nil
		}
		w.cfg.Logger.Warn("webhook subscription paused after repeated failures", "subscription_id", sub.ID,
			"failures", sub.ConsecutiveFailures)
		if err := q.WebhookSubscriptionSetPaused(ctx, sub.ID, true); err != nil {
			return err
		}
		return q.WebhookClearDue(ctx, sub.ID)
	})
}

// headerList flattens headers in a stable order for the attempt record.
func headerList(h http.Header) []masspay.WebhookHeader {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []masspay.WebhookHeader
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, masspay.WebhookHeader{Name: k, Value: v})
		}
	}
	return out
}
