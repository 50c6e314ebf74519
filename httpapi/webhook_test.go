package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"masspay"
	"masspay/apptest"
	"masspay/service"
	"masspay/webhook"
)

// receiver is a real HTTP server on 127.0.0.1 standing in for a client's webhook endpoint. It
// checks every request's headers and signature, and fails the first failFirst attempts.
type receiver struct {
	t         *testing.T
	secret    string
	failFirst int
	srv       *httptest.Server

	mu       sync.Mutex
	attempts int
	bodies   [][]byte // bodies answered with 200
	bad      []string // what was wrong with requests
}

func newReceiver(t *testing.T, secret string, failFirst int) *receiver {
	r := &receiver{t: t, secret: secret, failFirst: failFirst}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	switch {
	case req.Method != "POST":
		r.bad = append(r.bad, "method "+req.Method)
	case req.Header.Get("Content-Type") != "application/json; charset=UTF-8":
		r.bad = append(r.bad, "content type "+req.Header.Get("Content-Type"))
	case req.Header.Get("User-Agent") != "dwolla-webhooks/1.0":
		r.bad = append(r.bad, "user agent "+req.Header.Get("User-Agent"))
	case req.Header.Get("X-Request-Signature-SHA-256") != webhook.Sign(r.secret, body):
		r.bad = append(r.bad, "signature "+req.Header.Get("X-Request-Signature-SHA-256"))
	case req.Header.Get("X-Dwolla-Topic") == "" || !strings.Contains(string(body), `"topic":"`+req.Header.Get("X-Dwolla-Topic")+`"`):
		r.bad = append(r.bad, "topic header "+req.Header.Get("X-Dwolla-Topic"))
	}
	if r.attempts <= r.failFirst {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "not yet")
		return
	}
	r.bodies = append(r.bodies, body)
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) state() (attempts int, bodies [][]byte, bad []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts, append([][]byte(nil), r.bodies...), append([]string(nil), r.bad...)
}

func subscribe(t *testing.T, c *apptest.Client, url, secret string) string {
	t.Helper()
	return apptest.ID(c.Post("/webhook-subscriptions", map[string]string{"url": url, "secret": secret}).Created(t))
}

// makeEvent makes the server write an event: a pending deposit cleared by a simulation fires
// bank_transfer_completed.
func makeEvent(t *testing.T, e *apptest.Env) string {
	t.Helper()
	bank, balance := ownSources(t, e, e.AccountID)
	d := addTransfer(t, e, e.AccountID, xfer{from: bank, to: balance, cents: 1_00})
	simulate(t, e.Client)
	return d.ID
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, apptest.Options{Service: service.Config{WebhookRetries: []time.Duration{300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}}})
	rcv := newReceiver(t, "s3cret-for-signing", 2)
	sub := subscribe(t, e.Client, rcv.srv.URL+"/hooks", "s3cret-for-signing")
	transferID := makeEvent(t, e)

	// The first attempt fails; restart masspay before the retries are done.
	eventually(t, 10*time.Second, "first attempt", func() bool { n, _, _ := rcv.state(); return n >= 1 })
	e.Restart()
	eventually(t, 15*time.Second, "delivery after restart", func() bool { _, b, _ := rcv.state(); return len(b) == 1 })
	attempts, bodies, bad := rcv.state()
	if len(bad) > 0 {
		t.Fatalf("bad requests: %v", bad)
	}
	if attempts != 3 {
		t.Fatalf("attempts = %d, want 3 (two failures, one success)", attempts)
	}

	var got map[string]any
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got["topic"] != "bank_transfer_completed" || got["resourceId"] != transferID || got["timestamp"] != got["created"] {
		t.Fatalf("body = %s", bodies[0])
	}
	// The body is the event as GET /events/{id} shows it, plus timestamp. Links carry the
	// public URL of the server that wrote them, which changed with the restart; compare paths.
	ev := e.Get("/events/" + got["id"].(string)).OK(t)
	for _, rel := range []string{"self", "resource", "account"} {
		h1, _ := apptest.Dig(got, "_links", rel, "href").(string)
		h2, _ := apptest.Dig(ev, "_links", rel, "href").(string)
		if h1 == "" || apptest.ID(h1) != apptest.ID(h2) {
			t.Fatalf("%s link: webhook %q, event %q", rel, h1, h2)
		}
	}

	// The webhook records every attempt.
	list := e.Get("/webhook-subscriptions/" + sub + "/webhooks").OK(t)
	if list["total"] != float64(1) {
		t.Fatalf("webhooks = %v", list)
	}
	whID := apptest.Dig(list, "_embedded", "webhooks").([]any)[0].(map[string]any)["id"].(string)
	// The worker records an attempt after the receiver has answered it: wait for the third.
	var wh map[string]any
	var as []any
	eventually(t, 10*time.Second, "third attempt recorded", func() bool {
		wh = e.Get("/webhooks/" + whID).OK(t)
		as, _ = wh["attempts"].([]any)
		return len(as) >= 3
	})
	if len(as) != 3 || wh["eventId"] != got["id"] || wh["subscriptionId"] != sub || wh["topic"] != "bank_transfer_completed" {
		t.Fatalf("webhook = %v", wh)
	}
	codes := []any{}
	for _, a := range as {
		codes = append(codes, apptest.Dig(a, "response", "statusCode"))
	}
	if codes[0] != float64(503) || codes[1] != float64(503) || codes[2] != float64(200) {
		t.Fatalf("status codes = %v", codes)
	}
	if apptest.Dig(as[2], "request", "body") != string(bodies[0]) || apptest.Dig(as[0], "response", "body") != "not yet" {
		t.Fatalf("attempt = %v", as[2])
	}
	// The list shows each webhook with the same attempts.
	list = e.Get("/webhook-subscriptions/" + sub + "/webhooks").OK(t)
	listed := apptest.Dig(list, "_embedded", "webhooks").([]any)[0].(map[string]any)
	if !reflect.DeepEqual(listed["attempts"], wh["attempts"]) {
		t.Fatalf("listed attempts = %v, want %v", listed["attempts"], wh["attempts"])
	}
	if strings.Contains(string(e.Get("/webhooks/"+whID).Body), "s3cret-for-signing") {
		t.Fatal("the secret shows in a webhook")
	}
	e.Verify()
}

func TestWebhookPausedAndRetry(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	rcv := newReceiver(t, "pause-secret", 0)
	sub := subscribe(t, e.Client, rcv.srv.URL, "pause-secret")
	body := e.Post("/webhook-subscriptions/"+sub, map[string]bool{"paused": true}).OK(t)
	if body["paused"] != true {
		t.Fatalf("subscription = %v", body)
	}
	makeEvent(t, e)
	list := e.Get("/webhook-subscriptions/" + sub + "/webhooks").OK(t)
	if list["total"] != float64(1) {
		t.Fatalf("a paused subscription still gets webhook records: %v", list)
	}
	whID := apptest.Dig(list, "_embedded", "webhooks").([]any)[0].(map[string]any)["id"].(string)
	// Unpausing does not send what was missed (Dwolla): the client retries it.
	e.Post("/webhook-subscriptions/"+sub, map[string]bool{"paused": false}).OK(t)
	time.Sleep(1500 * time.Millisecond) // past a poll of the worker
	if n, _, _ := rcv.state(); n != 0 {
		t.Fatalf("paused webhook sent %d times", n)
	}

	loc := e.Post("/webhooks/"+whID+"/retries", nil).Created(t)
	if !strings.HasPrefix(loc, e.Base+"/webhooks/"+whID+"/retries/") {
		t.Fatalf("Location = %s", loc)
	}
	eventually(t, 10*time.Second, "retried delivery", func() bool { _, b, _ := rcv.state(); return len(b) == 1 })
	retries := e.Get("/webhooks/" + whID + "/retries").OK(t)
	if retries["total"] != float64(1) || apptest.Dig(retries, "_embedded", "retries").([]any)[0].(map[string]any)["id"] != apptest.ID(loc) {
		t.Fatalf("retries = %v", retries)
	}
	e.Get(loc).OK(t)
	e.Post("/webhooks/nope/retries", nil).Error(t, 404, "NotFound")
	if _, _, bad := rcv.state(); len(bad) > 0 {
		t.Fatalf("bad requests: %v", bad)
	}
	e.Verify()
}

func TestWebhookSubscriptions(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	const secret = "never-shown-secret"

	t.Run("OK", func(t *testing.T) {
		loc := e.Post("/webhook-subscriptions", map[string]string{"url": "https://example.com/hooks", "secret": secret}).Created(t)
		res := e.Get(loc)
		body := res.OK(t)
		if body["url"] != "https://example.com/hooks" || body["paused"] != false || body["created"] == nil ||
			apptest.Dig(body, "_links", "webhooks", "href") != loc+"/webhooks" ||
			apptest.Dig(body, "_links", "self", "resource-type") != "webhook-subscription" {
			t.Fatalf("subscription = %v", body)
		}
		if strings.Contains(string(res.Body), secret) || body["secret"] != nil {
			t.Fatal("the secret was returned")
		}
		list := e.Get("/webhook-subscriptions")
		if strings.Contains(string(list.Body), secret) || list.OK(t)["total"] != float64(1) {
			t.Fatalf("list = %s", list.Body)
		}
		del := e.Do("DELETE", loc, nil).OK(t)
		if del["id"] != apptest.ID(loc) {
			t.Fatalf("deleted = %v", del)
		}
		if e.Get(loc).Error(t, 404, "NotFound")["message"] != "Webhook subscription not found." {
			t.Fatal("wrong message")
		}
		e.Do("DELETE", loc, nil).Error(t, 404, "NotFound")
	})
	t.Run("ErrValidation", func(t *testing.T) {
		cases := []struct {
			body any
			want map[string]string
		}{
			{map[string]any{}, map[string]string{"/url": "Required", "/secret": "Required"}},
			{map[string]string{"url": "not a url", "secret": "x"}, map[string]string{"/url": "InvalidFormat"}},
			{map[string]string{"url": "ftp://example.com/", "secret": "x"}, map[string]string{"/url": "InvalidFormat"}},
			{map[string]string{"url": "https://example.com/", "secret": strings.Repeat("s", 129)}, map[string]string{"/secret": "InvalidFormat"}},
			{map[string]any{"url": 5, "secret": true}, map[string]string{"/url": "InvalidFormat", "/secret": "InvalidFormat"}},
		}
		for _, tc := range cases {
			res := e.Post("/webhook-subscriptions", tc.body)
			res.Error(t, 400, "ValidationError")
			fe := res.FieldErrors()
			for path, code := range tc.want {
				if fe[path] != code {
					t.Errorf("body %v: errors %v, want %s at %s", tc.body, fe, code, path)
				}
			}
		}
		if total := e.Get("/webhook-subscriptions").OK(t)["total"]; total != float64(0) {
			t.Fatalf("invalid requests created subscriptions: %v", total)
		}
	})
	t.Run("ErrMaxNumberOfResources", func(t *testing.T) {
		c := e.NewApplication(0)
		for range masspay.MaxWebhookSubscriptions {
			c.Post("/webhook-subscriptions", map[string]string{"url": "https://example.com/", "secret": "x"}).Created(t)
		}
		res := c.Post("/webhook-subscriptions", map[string]string{"url": "https://example.com/", "secret": "x"})
		if res.Error(t, 400, "MaxNumberOfResources")["message"] != "The maximum number of subscriptions has been reached." {
			t.Fatalf("body = %s", res.Body)
		}
	})
	t.Run("ErrPausedBody", func(t *testing.T) {
		id := apptest.ID(e.Post("/webhook-subscriptions", map[string]string{"url": "https://example.com/", "secret": "x"}).Created(t))
		for _, body := range []any{map[string]any{}, map[string]any{"paused": "yes"}} {
			res := e.Post("/webhook-subscriptions/"+id, body)
			res.Error(t, 400, "ValidationError")
			if fe := res.FieldErrors(); fe["/paused"] == "" {
				t.Fatalf("errors = %v", fe)
			}
		}
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		id := apptest.ID(e.Post("/webhook-subscriptions", map[string]string{"url": "https://example.com/", "secret": "x"}).Created(t))
		other := e.NewApplication(0)
		other.Get("/webhook-subscriptions/"+id).Error(t, 404, "NotFound")
		other.Get("/webhook-subscriptions/"+id+"/webhooks").Error(t, 404, "NotFound")
		other.Post("/webhook-subscriptions/"+id, map[string]bool{"paused": true}).Error(t, 404, "NotFound")
		other.Do("DELETE", "/webhook-subscriptions/"+id, nil).Error(t, 404, "NotFound")
		e.Get("/webhook-subscriptions/" + id).OK(t)
	})
	e.Verify()
}

func TestEvents(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	first := makeEvent(t, e)
	second := makeEvent(t, e)

	list := e.Get("/events?limit=1").OK(t)
	evs := apptest.Dig(list, "_embedded", "events").([]any)
	if list["total"] != float64(2) || len(evs) != 1 || apptest.Dig(evs[0], "resourceId") != second ||
		apptest.Dig(list, "_links", "next", "href") == nil {
		t.Fatalf("events = %v", list)
	}
	older := e.Get("/events?limit=1&offset=1").OK(t)
	ev := apptest.Dig(older, "_embedded", "events").([]any)[0].(map[string]any)
	if ev["resourceId"] != first || ev["topic"] != "bank_transfer_completed" {
		t.Fatalf("event = %v", ev)
	}
	got := e.Get("/events/" + ev["id"].(string)).OK(t)
	if apptest.Dig(got, "_links", "resource", "href") != e.Base+"/transfers/"+first ||
		apptest.Dig(got, "_links", "resource", "resource-type") != "transfer" ||
		apptest.Dig(got, "_links", "account", "href") != e.Base+"/accounts/"+e.AccountID ||
		apptest.Dig(got, "_links", "self", "href") != e.Base+"/events/"+ev["id"].(string) ||
		got["created"] == nil || got["customer"] != nil {
		t.Fatalf("event = %v", got)
	}
	other := e.NewApplication(0)
	if other.Get("/events/"+ev["id"].(string)).Error(t, 404, "NotFound")["message"] != "Application event not found." {
		t.Fatal("wrong message")
	}
	if other.Get("/events").OK(t)["total"] != float64(0) {
		t.Fatal("another account sees these events")
	}
	e.Get("/events?limit=x").Error(t, 400, "ValidationError")
	e.Verify()
}
