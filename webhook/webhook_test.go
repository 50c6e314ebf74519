package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/service"
	"masspay/webhook"
)

// setup opens a fresh store (SQLite, or PostgreSQL under MASSPAY_TEST_DATABASE_URL) with one
// subscription to url, and returns it with a function that writes n events of its account.
func setup(t *testing.T, url string) (masspay.Store, *masspay.WebhookSubscription, func(n int)) {
	t.Helper()
	ctx := context.Background()
	store, err := app.OpenStore(ctx, t.TempDir(), apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sub := &masspay.WebhookSubscription{ID: uuid.NewString(), AccountID: uuid.NewString(), URL: url, Secret: "k",
		Created: time.Now().UTC().Truncate(time.Microsecond)}
	if err := store.Write(ctx, func(q masspay.Q) error { return q.WebhookSubscriptionInsert(ctx, sub) }); err != nil {
		t.Fatal(err)
	}
	events := func(n int) {
		evs := make([]*masspay.Event, n)
		for i := range evs {
			evs[i] = masspay.NewEvent(sub.AccountID, "", masspay.TopicTransferCreated, "transfers", uuid.NewString(), "", time.Now().UTC())
		}
		if err := store.Write(ctx, func(q masspay.Q) error { return service.Publish(ctx, q, evs...) }); err != nil {
			t.Fatal(err)
		}
	}
	return store, sub, events
}

func render(e *masspay.Event) ([]byte, error) {
	return json.Marshal(map[string]string{"id": e.ID, "topic": e.Topic})
}

// run starts a worker until the test ends.
func run(t *testing.T, store masspay.Store, cfg webhook.Config) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { webhook.New(store, cfg).Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// latestAttempts returns the attempts of the subscription's latest webhook.
func latestAttempts(store masspay.Store, subscriptionID string) []*masspay.WebhookAttempt {
	ctx := context.Background()
	var as []*masspay.WebhookAttempt
	store.Read(ctx, func(q masspay.Q) error {
		ws, _, err := q.WebhookList(ctx, masspay.WebhookFilter{SubscriptionID: subscriptionID, Page: masspay.Page{Limit: 1}})
		if err != nil || len(ws) == 0 {
			return err
		}
		as, err = q.WebhookAttemptList(ctx, ws[0].ID)
		return err
	})
	return as
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Several workers (nodes) on one store send each webhook once, and never more than
// PerSubscription at a time to one subscription.
func TestWorkersShareTheOutbox(t *testing.T) {
	t.Parallel()
	var inFlight, maxInFlight atomic.Int32
	var mu sync.Mutex
	got := map[string]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
		}
		var ev struct{ ID string }
		json.NewDecoder(r.Body).Decode(&ev)
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		got[ev.ID]++
		mu.Unlock()
	}))
	t.Cleanup(rcv.Close)
	store, _, events := setup(t, rcv.URL)
	for range 3 {
		run(t, store, webhook.Config{Render: render, AllowPrivate: true, Retries: []time.Duration{time.Millisecond}, Poll: 20 * time.Millisecond, PerSubscription: 4})
	}
	events(60)
	waitFor(t, "60 deliveries", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 60 })
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	// Claims lock the subscription and count leases across workers, so the bound holds
	// across them.
	if m := maxInFlight.Load(); m > 4 {
		t.Fatalf("%d deliveries in flight to one subscription, want at most 4", m)
	}
}

// A subscription that fails PauseAfterFailures times in a row, with no success for PauseAfter,
// pauses itself, and what was due is no longer sent.
func TestSubscriptionPausesItself(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(rcv.Close)
	store, sub, events := setup(t, rcv.URL)
	later := func() time.Time { return time.Now().Add(2 * time.Hour) } // two hours after the subscription
	run(t, store, webhook.Config{Render: render, AllowPrivate: true, Retries: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond},
		Poll: 10 * time.Millisecond, PauseAfterFailures: 3, PauseAfter: time.Hour, Now: later})
	events(1)
	ctx := context.Background()
	var s *masspay.WebhookSubscription
	waitFor(t, "the subscription to pause", func() bool {
		store.Read(ctx, func(q masspay.Q) (err error) { s, err = q.WebhookSubscriptionGet(ctx, sub.ID); return err })
		return s.Paused
	})
	time.Sleep(100 * time.Millisecond)
	if n := hits.Load(); n != 3 {
		t.Fatalf("%d attempts, want 3 (the pause stops the remaining retries)", n)
	}
	if s.ConsecutiveFailures != 3 {
		t.Fatalf("consecutive failures = %d", s.ConsecutiveFailures)
	}
}

// A receiver slower than Timeout fails the attempt, which is recorded and retried.
func TestTimeoutIsAFailure(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			time.Sleep(500 * time.Millisecond)
		}
	}))
	t.Cleanup(rcv.Close)
	store, sub, events := setup(t, rcv.URL)
	run(t, store, webhook.Config{Render: render, AllowPrivate: true, Retries: []time.Duration{time.Millisecond}, Poll: 10 * time.Millisecond, Timeout: 100 * time.Millisecond})
	events(1)
	var as []*masspay.WebhookAttempt
	waitFor(t, "two attempts", func() bool { as = latestAttempts(store, sub.ID); return len(as) == 2 })
	if as[0].StatusCode != 0 || as[0].ResponseBody == "" || as[1].StatusCode != 200 {
		t.Fatalf("attempts = %s", fmt.Sprint(as[0], as[1]))
	}
}

// A worker stopped just after the receiver answered still records the attempt and frees the
// webhook: the next worker (a restart) retries it when due, not when a lease runs out.
func TestStopAfterReceiverAnswered(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(rcv.Close)
	store, sub, events := setup(t, rcv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	stopAfterAnswer := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := http.DefaultTransport.RoundTrip(r)
		cancel() // the worker stops with the answer in hand
		return res, err
	})}
	cfg := webhook.Config{Render: render, AllowPrivate: true, Retries: []time.Duration{time.Millisecond}, Poll: 10 * time.Millisecond, Lease: time.Hour}
	first := cfg
	first.Client = stopAfterAnswer
	done := make(chan struct{})
	go func() { webhook.New(store, first).Run(ctx); close(done) }()
	events(1)
	<-done
	bg := context.Background()
	var as []*masspay.WebhookAttempt
	attempts := func() int {
		store.Read(bg, func(q masspay.Q) error {
			ws, _, err := q.WebhookList(bg, masspay.WebhookFilter{SubscriptionID: sub.ID, Page: masspay.Page{Limit: 1}})
			if err != nil || len(ws) == 0 {
				return err
			}
			as, err = q.WebhookAttemptList(bg, ws[0].ID)
			return err
		})
		return len(as)
	}
	if n := attempts(); n != 1 || as[0].StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after the first worker stopped: %d attempts recorded, want the one answered 503", n)
	}
	run(t, store, cfg)
	waitFor(t, "the retry", func() bool { return attempts() == 2 })
	if as[1].StatusCode != http.StatusOK {
		t.Fatalf("retry = %d", as[1].StatusCode)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
