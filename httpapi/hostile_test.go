package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"masspay"

	"masspay/apptest"
	"masspay/service"
)

// TestBadBytes sends NUL and invalid UTF-8 wherever a client can put a string: every answer is
// a 4xx in Dwolla's envelope (PostgreSQL answered 500 "invalid byte sequence" before), and
// nothing is created.
func TestBadBytes(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	_, balance := e.Funding(c)
	dest := e.Payees(c, 1)[0].Href
	srcID := apptest.ID(balance)
	mp := func(edit func(m map[string]any)) []byte {
		b := apptest.MassPayment(balance, "1.00", dest)
		edit(b)
		j, _ := json.Marshal(b)
		return j
	}
	item := func(m map[string]any) map[string]any { return m["items"].([]any)[0].(map[string]any) }
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
	}{
		{"NUL in a name", "POST", "/customers", `{"firstName":"A\u0000","lastName":"B","email":"a@example.com"}`, nil, 400},
		{"invalid UTF-8 in a name", "POST", "/customers", []byte("{\"firstName\":\"A\xff\xfe\",\"lastName\":\"B\",\"email\":\"a@example.com\"}"), nil, 400},
		{"NUL in a member name", "POST", "/customers", `{"firstName":"A","lastName":"B","email":"a@example.com","x\u0000":"1"}`, nil, 400},
		{"NUL in a customer update", "POST", "/customers/" + apptest.ID(dest), `{"email":"a\u0000@example.com"}`, nil, 400},
		{"NUL in metadata key", "POST", "/mass-payments", mp(func(m map[string]any) { m["metadata"] = map[string]any{"k\x00": "v"} }), nil, 400},
		{"NUL in metadata value", "POST", "/mass-payments", mp(func(m map[string]any) { item(m)["metadata"] = map[string]any{"k": "v\x00"} }), nil, 400},
		{"NUL in correlationId", "POST", "/mass-payments", mp(func(m map[string]any) { m["correlationId"] = "a\x00" }), nil, 400},
		{"source href %00", "POST", "/mass-payments", mp(func(m map[string]any) {
			m["_links"] = map[string]any{"source": map[string]any{"href": e.Base + "/funding-sources/%00"}}
		}), nil, 400},
		{"source href %ff%fe", "POST", "/mass-payments", mp(func(m map[string]any) {
			m["_links"] = map[string]any{"source": map[string]any{"href": e.Base + "/funding-sources/%ff%fe"}}
		}), nil, 400},
		{"destination href %00", "POST", "/mass-payments", mp(func(m map[string]any) {
			item(m)["_links"] = map[string]any{"destination": map[string]any{"href": "https://api.dwolla.com/funding-sources/%00"}}
		}), nil, 400},
		{"raw byte in a href", "POST", "/mass-payments", bytes.Replace(mp(func(map[string]any) {}), []byte(srcID), []byte("\x89"), 1), nil, 400},
		{"amount with NUL", "POST", "/mass-payments", mp(func(m map[string]any) { item(m)["amount"] = map[string]any{"value": "1.00\x00", "currency": "USD"} }), nil, 400},
		{"Idempotency-Key invalid UTF-8", "POST", "/mass-payments", mp(func(map[string]any) {}), []string{"Idempotency-Key", "k\xff\xfe"}, 400},
		{"webhook url with NUL", "POST", "/webhook-subscriptions", `{"url":"http://example.com/\u0000","secret":"s"}`, nil, 400},
		{"funding source name with NUL", "POST", "/funding-sources", `{"routingNumber":"222222226","accountNumber":"123456789","bankAccountType":"checking","name":"x\u0000"}`, nil, 400},
		{"path id %ff%fe", "GET", "/customers/%ff%fe", nil, nil, 404},
		{"path id %00", "GET", "/funding-sources/%00", nil, nil, 404},
		{"path id %00 POST", "POST", "/mass-payments/%00", `{"status":"cancelled"}`, nil, 404},
		{"transfer id %c3%28", "GET", "/transfers/%c3%28", nil, nil, 404},
		{"search %00", "GET", "/customers?search=%00", nil, nil, 400},
		{"email %ff", "GET", "/customers?email=a%ff%40example.com", nil, nil, 400},
		{"correlationId %00", "GET", "/accounts/" + c.AccountID + "/transfers?correlationId=%00", nil, nil, 400},
		{"search on transfers %fe", "GET", "/accounts/" + c.AccountID + "/transfers?search=%fe", nil, nil, 400},
		{"resourceId %00", "GET", "/events?resourceId=%00", nil, nil, 400},
	}
	for _, tc := range cases {
		res := c.Do(tc.method, tc.path, tc.body, tc.headers...)
		if res.Status != tc.status || res.JSON["code"] == nil || res.JSON["message"] == nil {
			t.Errorf("%s: %s %q: got %d %s, want %d in Dwolla's envelope", tc.name, tc.method, tc.path, res.Status, res.Body, tc.status)
		}
	}
	// The token endpoint reads a key and a secret: bad bytes there are invalid credentials.
	for _, form := range []string{"grant_type=client_credentials&client_id=%00&client_secret=x",
		"grant_type=client_credentials&client_id=%ff%fe&client_secret=%00"} {
		req, _ := http.NewRequest("POST", e.Base+"/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res := c.Send(req); res.Status != 401 {
			t.Errorf("token %s: got %d %s, want 401", form, res.Status, res.Body)
		}
	}
	if got := c.Get("/customers").OK(t)["total"]; got != float64(1) {
		t.Errorf("customers after the bad requests = %v, want the one payee", got)
	}
	if got := c.Get("/accounts/" + c.AccountID + "/mass-payments").OK(t)["total"]; got != float64(0) {
		t.Errorf("mass payments after the bad requests = %v, want 0", got)
	}
}

// TestPagingArithmetic: offsets and limits out of range never overflow into a negative offset.
func TestPagingArithmetic(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	e.Payees(c, 3)
	for _, q := range []string{"offset=9223372036854775807", "offset=9223372036854775808", "offset=1000000001", "offset=-1", "limit=0", "limit=-9223372036854775808"} {
		res := c.Get("/customers?" + q)
		res.Error(t, 400, "ValidationError")
	}
	// A huge limit is clamped, as every limit over 200 is.
	for _, q := range []string{"limit=9223372036854775807", "limit=99999999999999999999999", "limit=1000000000&offset=1000000000"} {
		body := c.Get("/customers?" + q).OK(t)
		links, _ := json.Marshal(body["_links"])
		if !strings.Contains(string(links), "limit=200") || strings.Contains(string(links), "offset=-") {
			t.Errorf("%s: links %s, want limit=200 and no negative offset", q, links)
		}
	}
}

// TestUncleanPaths: a path with an empty or dot segment is an unknown path (404 NotFound in
// Dwolla's envelope), not the ServeMux's HTML redirect.
func TestUncleanPaths(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	_, balance := e.Funding(c)
	for _, p := range []string{"/transfers/http://host/transfers/" + apptest.ID(balance), "/funding-sources//" + apptest.ID(balance),
		"/funding-sources/./" + apptest.ID(balance), "/customers/../funding-sources/" + apptest.ID(balance), "//customers", "/customers/.", "/customers/.."} {
		for _, method := range []string{"GET", "POST"} {
			req, _ := http.NewRequest(method, e.Base, strings.NewReader("{}"))
			req.URL.Opaque = p // sent as is, unclean
			req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
			req.Header.Set("Authorization", "Bearer "+c.Token())
			req.Header.Set("Content-Type", "application/json")
			res := c.Send(req)
			if res.Status != 404 || res.JSON["code"] != "NotFound" {
				t.Errorf("%s %s: got %d %s %s, want 404 NotFound", method, p, res.Status, res.Header.Get("Location"), res.Body)
			}
		}
	}
}

// TestMassPaymentUpdateEchoes: read-only members sent back empty or unchanged are ignored; a
// real change to them is refused and changes nothing.
func TestMassPaymentUpdateEchoes(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	_, balance := e.Funding(c)
	dests := apptest.Hrefs(e.Payees(c, 1))
	deferred := func() string {
		body := apptest.MassPayment(balance, "1.50", dests...)
		body["status"] = "deferred"
		body["correlationId"] = "batch-1"
		body["metadata"] = map[string]any{"a": "b"}
		return c.Post("/mass-payments", body).Created(t)
	}
	empty := map[string]any{"value": "", "currency": ""}
	for _, body := range []map[string]any{
		{"status": "cancelled", "total": empty, "totalFees": empty},
		{"status": "cancelled", "total": map[string]any{"value": "1.50", "currency": "USD"}, "totalFees": map[string]any{"value": "0.00", "currency": "USD"},
			"correlationId": "batch-1", "metadata": map[string]any{"a": "b"}, "created": "", "_links": map[string]any{}},
	} {
		loc := deferred()
		if got := c.Post(loc, body).OK(t)["status"]; got != "cancelled" {
			t.Errorf("%v: status %v, want cancelled", body, got)
		}
	}
	for _, body := range []map[string]any{
		{"status": "pending", "total": map[string]any{"value": "999.00", "currency": "USD"}},
		{"status": "pending", "totalFees": map[string]any{"value": "1.00", "currency": "USD"}},
		{"status": "pending", "correlationId": "other"},
		{"status": "pending", "metadata": map[string]any{"a": "c"}},
		{"status": "pending", "created": "2020-01-01T00:00:00.000Z"},
		{"status": "pending", "amount": "1.00"},
	} {
		loc := deferred()
		res := c.Post(loc, body)
		res.Error(t, 400, "ValidationError")
		if fe := res.FieldErrors(); len(fe) != 1 {
			t.Errorf("%v: errors %v, want one NotAllowed", body, fe)
		}
		if got := c.Get(loc).OK(t)["status"]; got != "deferred" {
			t.Errorf("%v: status %v after a refused update, want deferred", body, got)
		}
	}
}

// TestTokenThrottle: failed token requests are throttled per client address and per key (429
// TooManyRequests with Retry-After); correct requests are answered at once.
func TestTokenThrottle(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	victim := e.Client
	other := e.NewApplication(0)
	token := func(from, key, secret string) *http.Response {
		t.Helper()
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {key}, "client_secret": {secret}}
		res, err := hc.PostForm(e.Base+"/token", form)
		if err != nil {
			t.Fatalf("token: %v", err)
		}
		defer res.Body.Close()
		var body map[string]any
		json.NewDecoder(res.Body).Decode(&body)
		if res.StatusCode == 429 && (body["code"] != "TooManyRequests" || body["error"] == nil || res.Header.Get("Retry-After") == "") {
			t.Fatalf("429 without Dwolla's envelope, the OAuth error or Retry-After: %v %v", body, res.Header)
		}
		return res
	}
	// A few failures do not stop the right secret.
	for range 5 {
		token("127.0.0.1", victim.Key, "wrong")
	}
	if res := token("127.0.0.1", victim.Key, victim.Secret); res.StatusCode != 200 {
		t.Fatalf("correct secret after 5 failures: %d", res.StatusCode)
	}
	// 300 guesses as fast as they go: almost all are refused unheard.
	counts := map[int]int{}
	start := time.Now()
	for range 300 {
		counts[token("127.0.0.1", victim.Key, "guess").StatusCode]++
	}
	if counts[401] > 10 || counts[429] < 290 {
		t.Errorf("300 guesses in %v: %v, want at most 10 answered 401 and the rest 429", time.Since(start), counts)
	}
	// Another application, from another address, is not slowed.
	start = time.Now()
	if res := token("127.0.0.2", other.Key, other.Secret); res.StatusCode != 200 || time.Since(start) > time.Second {
		t.Errorf("another client's correct request: %d in %v", res.StatusCode, time.Since(start))
	}
	// The guessed key is throttled from every address (per key)...
	guessed := 0
	for range 30 {
		if token("127.0.0.3", victim.Key, "guess").StatusCode == 429 {
			guessed++
		}
	}
	if guessed == 0 {
		t.Errorf("guesses at the key from another address were never throttled")
	}
	// ...and the guessing address for every key (per address).
	if res := token("127.0.0.1", other.Key, "wrong"); res.StatusCode != 429 {
		t.Errorf("the guessing address with another key: %d, want 429", res.StatusCode)
	}
}

// TestBodyLimits: a body over its route's bound is refused with 413 in Dwolla's envelope, by
// its Content-Length before it is read, or once the bound is read; the largest legitimate mass
// payment fits.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	send := func(path string, body io.Reader, length int64) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.Base+path, body)
		req.ContentLength = length
		req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
		req.Header.Set("Authorization", "Bearer "+c.Token())
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res, m
	}
	// 100 MB declared: answered before it is sent (the reader counts what was taken).
	big := &countingReader{r: io.LimitReader(zeros{}, 100<<20)}
	start := time.Now()
	res, m := send("/customers", big, 100<<20)
	if res.StatusCode != 413 || m["code"] != "RequestTooLarge" {
		t.Errorf("100 MB declared: %d %v", res.StatusCode, m)
	}
	if big.n > 8<<20 {
		t.Errorf("100 MB declared: %d bytes were taken before the answer (in %v)", big.n, time.Since(start))
	}
	// Chunked, no length: stopped at the bound.
	res, m = send("/customers", io.LimitReader(zeros{}, 1<<20), -1)
	if res.StatusCode != 413 || m["code"] != "RequestTooLarge" {
		t.Errorf("1 MiB chunked to /customers: %d %v", res.StatusCode, m)
	}
	// The largest legitimate mass payment is not refused for its size.
	body := largestMassPayment(e.Base)
	t.Logf("largest legitimate mass payment: %d bytes", len(body))
	res, m = send("/mass-payments", bytes.NewReader(body), int64(len(body)))
	if res.StatusCode == 413 {
		t.Errorf("largest legitimate mass payment (%d bytes) refused for its size: %v", len(body), m["message"])
	}
	res, m = send("/mass-payments", io.LimitReader(zeros{}, 40<<20), -1)
	if res.StatusCode != 413 {
		t.Errorf("40 MiB chunked to /mass-payments: %d %v", res.StatusCode, m)
	}
}

// largestMassPayment is a 5,000-item mass payment with every field at its longest: 10 metadata
// pairs of 254-character keys and values on the batch and on every item, 255-character
// correlationIds, the largest amount, a long host in every href.
func largestMassPayment(base string) []byte {
	md := func(i int) map[string]string {
		m := map[string]string{}
		for k := range 10 {
			key := fmt.Sprintf("%d-%d-", i, k)
			m[key+strings.Repeat("k", 254-len(key))] = strings.Repeat("v", 254)
		}
		return m
	}
	host := "https://" + strings.Repeat("h", 60) + ".example.com"
	items := make([]any, 5000)
	for i := range items {
		items[i] = map[string]any{
			"_links":            map[string]any{"destination": map[string]any{"href": host + "/funding-sources/00000000-0000-0000-0000-000000000000"}},
			"amount":            map[string]any{"value": "999999999999999.99", "currency": "USD"},
			"metadata":          md(i),
			"correlationId":     strings.Repeat("c", 255),
			"clearing":          map[string]any{"destination": "next-available"},
			"achDetails":        map[string]any{"destination": map[string]any{"addenda": map[string]any{"values": []string{strings.Repeat("a", 80)}}}},
			"processingChannel": map[string]any{"destination": "instant"},
		}
	}
	b, _ := json.Marshal(map[string]any{
		"_links":        map[string]any{"source": map[string]any{"href": base + "/funding-sources/00000000-0000-0000-0000-000000000000"}},
		"items":         items,
		"metadata":      md(-1),
		"correlationId": strings.Repeat("c", 255),
		"status":        "deferred",
		"clearing":      map[string]any{"source": "next-available"},
		"achDetails":    map[string]any{"source": map[string]any{"addenda": map[string]any{"values": []string{strings.Repeat("a", 80)}}}},
	})
	return b
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestConnectionFlood opens many more idle connections than the cap, silent ones and idle
// keep-alives: the server closes the surplus, and a normal request still answers within a
// second.
func TestConnectionFlood(t *testing.T) {
	t.Parallel()
	const maxConns = 16
	e := apptest.Start(t, apptest.Options{MaxConns: maxConns})
	addr := strings.TrimPrefix(e.Base, "http://")
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	for i := range 150 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		flood = append(flood, c)
		if i%2 == 0 {
			// A keep-alive that made one request and stays open.
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 512)
			c.Read(buf)
		}
	}
	for i := range 5 {
		hc := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
		start := time.Now()
		res, err := hc.Get(e.Base + "/healthz")
		if err != nil {
			t.Fatalf("request %d with %d idle connections open: %v", i, len(flood), err)
		}
		res.Body.Close()
		if d := time.Since(start); res.StatusCode != 200 || d > time.Second {
			t.Errorf("request %d with %d idle connections open: %d in %v", i, len(flood), res.StatusCode, d)
		}
	}
	// The server closed the surplus: at most the cap are still open.
	var mu sync.Mutex
	open := 0
	var wg sync.WaitGroup
	for _, c := range flood {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err != nil && os.IsTimeout(err) {
				mu.Lock()
				open++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if open > maxConns {
		t.Errorf("%d of %d idle connections still open, want at most %d", open, len(flood), maxConns)
	}
}

// TestWebhookReceiverAddresses: a subscription to a link-local, metadata or unspecified address
// is always refused; to loopback or private addresses only when they are not allowed.
func TestWebhookReceiverAddresses(t *testing.T) {
	t.Parallel()
	always := []string{"http://169.254.169.254/latest/meta-data", "http://0.0.0.0:8080/", "http://[::]/", "http://[fe80::1]/",
		"http://[::ffff:169.254.169.254]/", "http://169.254.1.1/"}
	private := []string{"http://127.0.0.1:8080/token", "http://localhost/", "http://LOCALHOST./", "http://[::1]/", "http://10.1.2.3/",
		"http://172.16.0.1/", "http://192.168.1.1/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/"}
	public := []string{"https://example.com/hooks", "http://93.184.216.34/"}
	no := false
	for _, tc := range []struct {
		name  string
		allow *bool
		ok    []string
		bad   []string
	}{
		{"sandbox default", nil, append(private, public...), always},
		{"private refused", &no, public, append(always, private...)},
	} {
		e := apptest.Start(t, apptest.Options{Service: service.Config{WebhookAllowPrivate: tc.allow}})
		c := e.Client
		for _, u := range tc.bad {
			res := c.Post("/webhook-subscriptions", map[string]any{"url": u, "secret": "s"})
			if res.Status != 400 || res.FieldErrors()["/url"] != "Invalid" {
				t.Errorf("%s: %s answered %d %s, want 400 Invalid at /url", tc.name, u, res.Status, res.Body)
			}
		}
		for _, u := range tc.ok {
			res := c.Post("/webhook-subscriptions", map[string]any{"url": u, "secret": "s"})
			if res.Status != 201 {
				t.Errorf("%s: %s answered %d %s, want 201", tc.name, u, res.Status, res.Body)
				continue
			}
			c.Do("DELETE", res.Header.Get("Location"), nil) // room for the next (10 at most)
		}
	}
}

// TestDeleteSubscriptionWhileDelivering deletes subscriptions while their webhooks are being
// claimed, delivered and recorded: never a 500 (PostgreSQL answered "deadlock detected").
func TestDeleteSubscriptionWhileDelivering(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1)%3 == 0 {
			w.WriteHeader(500) // some fail: retries are scheduled too
		}
	}))
	t.Cleanup(rcv.Close)
	ctx := context.Background()
	for round := range 25 {
		// Two subscriptions, so that claims and records span several of them.
		var subs []string
		for range 2 {
			subs = append(subs, c.Post("/webhook-subscriptions", map[string]any{"url": rcv.URL, "secret": "s"}).Created(t))
		}
		evs := make([]*masspay.Event, 60)
		for i := range evs {
			evs[i] = masspay.NewEvent(c.AccountID, "", masspay.TopicTransferCreated, "transfers", uuid.NewString(), "", time.Now().UTC())
		}
		before := hits.Load()
		if err := e.Store.Write(ctx, func(q masspay.Q) error { return service.Publish(ctx, q, evs...) }); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); hits.Load() < before+5 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		var wg sync.WaitGroup
		for _, sub := range subs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := c.Do("DELETE", sub, nil)
				if res.Status != 200 {
					t.Errorf("round %d: DELETE %s while delivering: %d %s", round, sub, res.Status, res.Body)
				}
			}()
		}
		wg.Wait()
	}
}
