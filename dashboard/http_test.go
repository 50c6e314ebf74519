package dashboard_test

import (
	"encoding/csv"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"masspay/apptest"
	"masspay/dashboard"
	"masspay/nacha"
	"masspay/resultcsv"
	"masspay/service"
)

// These tests drive the dashboard over plain HTTP against a real server (app.Run on
// 127.0.0.1:0), on SQLite, or on PostgreSQL when MASSPAY_TEST_DATABASE_URL is set.

func TestSignInCookieAndHeaders(t *testing.T) {
	e := apptest.Start(t)
	s := newSession(t, e.Base)

	// Without a session every page sends the browser to sign in, keeping where it was going.
	p := s.get("/dashboard/mass-payments/x?status=failed")
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/dashboard/signin?next="+url.QueryEscape("/dashboard/mass-payments/x?status=failed") {
		t.Fatalf("signed out: %d to %q", p.Status, p.Header.Get("Location"))
	}
	form := s.get("/dashboard/signin")
	form.want(t, "sign-in page", 200, `<label for="key">Application key</label>`, `<label for="secret">Application secret</label>`)
	csp := form.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(form.Body, "<script>") || strings.Contains(form.Body, " style=") {
		t.Errorf("inline script or style on the sign-in page (CSP %q)", csp)
	}

	// A wrong secret, an unknown key: 401, the same message, no session.
	for _, c := range [][2]string{{e.Key, "wrong"}, {"nope", e.Secret}, {"", ""}} {
		s.get("/dashboard/signin")
		p := s.post("/dashboard/signin", url.Values{"key": {c[0]}, "secret": {c[1]}}, true)
		p.want(t, "bad credentials", http.StatusUnauthorized, "The key and secret do not match an application.")
		if p.Header.Get("Set-Cookie") != "" && strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), ";"), "masspay_session=") {
			t.Fatalf("a session cookie for bad credentials: %q", p.Header.Values("Set-Cookie"))
		}
	}
	// The sign-in form without its CSRF value is refused (login CSRF).
	s.post("/dashboard/signin", url.Values{"key": {e.Key}, "secret": {e.Secret}}, false).want(t, "sign-in without csrf", http.StatusForbidden)

	cookie := sessionCookie(t, s.signIn(e.Key, e.Secret))
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/dashboard" || cookie.Secure ||
		cookie.MaxAge != 3600 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/dashboard, not Secure on http, Max-Age=3600", cookie)
	}
	o := s.get("/dashboard/")
	o.want(t, "overview", 200, "Balance", "$5,000.00", `action="/dashboard/signout"`)
	if o.Header.Get("Cache-Control") != "no-store" || o.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("overview headers: %v", o.Header)
	}

	// Sign-out revokes the token: the cookie, replayed, no longer opens a page.
	stolen := &http.Cookie{Name: "masspay_session", Value: cookie.Value}
	s.post("/dashboard/signout", nil, false).want(t, "sign-out without csrf", http.StatusForbidden)
	if p := s.post("/dashboard/signout", nil, true); p.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", p.Status)
	}
	req, _ := http.NewRequest("GET", e.Base+"/dashboard/", nil)
	req.AddCookie(stolen)
	if p := newSession(t, e.Base).do(req); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/dashboard/signin") {
		t.Fatalf("a signed-out session's cookie: %d %q", p.Status, p.Header.Get("Location"))
	}
	// The API token of the same application still works: sign-out revoked only the session.
	e.Get("/").OK(t)
}

func TestSessionExpires(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Service: service.Config{TokenTTL: time.Second}})
	s := newSession(t, e.Base)
	ok := s.signIn(e.Key, e.Secret)
	cookie := sessionCookie(t, ok)
	time.Sleep(1100 * time.Millisecond)
	// The browser drops the cookie with the token's lifetime...
	if p := s.get("/dashboard/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/dashboard/signin") {
		t.Fatalf("expired session: %d to %q", p.Status, p.Header.Get("Location"))
	}
	// ...and a cookie kept past it opens nothing: the token behind it has expired.
	req, _ := http.NewRequest("GET", e.Base+"/dashboard/", nil)
	req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	if p := newSession(t, e.Base).do(req); p.Status != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "reason=expired") {
		t.Fatalf("an expired token's cookie: %d to %q", p.Status, p.Header.Get("Location"))
	}
	s.get("/dashboard/signin?reason=expired").want(t, "sign-in after expiry", 200, "Your session expired.")
	// The progress endpoint answers a script with 401, not a redirect to HTML.
	req, _ = http.NewRequest("GET", e.Base+"/dashboard/progress?id=x", nil)
	req.Header.Set("Accept", "application/json")
	if p := s.do(req); p.Status != http.StatusUnauthorized {
		t.Fatalf("progress without a session: %d", p.Status)
	}
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	e := apptest.Start(t)
	svc := service.New(e.Store, service.Config{})
	srv := httptest.NewServer(dashboard.Mount(http.NotFoundHandler(), dashboard.New(dashboard.Config{PublicURL: "https://pay.example.com"}, svc, nil)))
	defer srv.Close()
	s := newSession(t, srv.URL)
	p := s.get("/dashboard/signin")
	p = s.post("/dashboard/signin", url.Values{"key": {e.Key}, "secret": {e.Secret}}, true)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.Status)
	}
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "masspay_session" && !c.Secure {
			t.Fatalf("session cookie %+v is not Secure under an https public URL", c)
		}
	}
	// The API's paths stay the API's.
	if p := s.get("/mass-payments"); p.Status != http.StatusNotFound {
		t.Fatalf("API path through Mount: %d", p.Status)
	}
}

func TestMassPaymentPagesAndActions(t *testing.T) {
	e := apptest.Start(t)
	s := newSession(t, e.Base)
	s.signIn(e.Key, e.Secret)

	done := sendBatch(t, e, e.Client, 30, 10, "1.25", map[string]any{"correlationId": "payroll-2026-11",
		"metadata": map[string]any{"batch": "November payroll"}})
	e.WaitStatus(done.Href, "complete")
	deferred := sendBatch(t, e, e.Client, 2, 0, "2.00", map[string]any{"status": "deferred"})

	// Overview: both, newest first, with totals and counts; filters by status and correlationId.
	o := s.get("/dashboard/")
	o.want(t, "overview", 200, done.ID, deferred.ID, "$37.50", "payroll-2026-11", `data-count="failed">3<`)
	if strings.Index(o.Body, deferred.ID) > strings.Index(o.Body, done.ID) {
		t.Errorf("overview is not newest first")
	}
	f := s.get("/dashboard/?status=deferred")
	f.want(t, "status filter", 200, deferred.ID)
	if strings.Contains(f.Body, done.ID) {
		t.Errorf("status=deferred lists the complete batch")
	}
	f = s.get("/dashboard/?correlationId=payroll-2026-11")
	f.want(t, "correlationId filter", 200, done.ID)
	if strings.Contains(f.Body, deferred.ID) {
		t.Errorf("correlationId filter lists the other batch")
	}
	s.get("/dashboard/?correlationId=nothing-like-it").want(t, "no match", 200, "No mass payment matches these filters.")
	s.get("/dashboard/?status=paid").want(t, "unknown status", http.StatusBadRequest, "Invalid status. Allowed values are deferred, pending, processing, complete, cancelled.")
	s.get("/dashboard/mass-payments/"+done.ID+"?status=paid").want(t, "unknown item status", http.StatusBadRequest, "Invalid status.")

	// The batch page: fields, metadata, the failed items with their code and message, transfer links.
	b := s.get("/dashboard/mass-payments/" + done.ID + "?status=failed")
	b.want(t, "batch page, failed items", 200, "November payroll", "payroll-2026-11", "Restricted", `aria-current="page" data-filter="failed"`)
	if n := strings.Count(b.Body, `data-item-status="failed"`); n != 3 || strings.Contains(b.Body, `data-item-status="success"`) {
		t.Fatalf("failed filter shows %d failed rows (want 3) or some other", n)
	}
	all := s.get("/dashboard/mass-payments/" + done.ID)
	if n := strings.Count(all.Body, `href="/dashboard/transfers/`); n < 27 {
		t.Fatalf("%d transfer links on the batch page, want one per paid item (27) and the funding transfer", n)
	}
	items := e.Get(done.Href + "/items?status=success&limit=1").OK(t)
	first := apptest.Dig(items, "_embedded", "items").([]any)[0]
	tr := apptest.ID(apptest.Dig(first, "_links", "transfer", "href").(string))
	s.get("/dashboard/transfers/"+tr).want(t, "transfer page", 200, "$1.25", "pending", done.ID, "Funding transfer")

	// Progress JSON.
	var prog struct {
		MassPayments []struct {
			ID                              string
			Status                          string
			Items, Pending, Success, Failed int
		}
	}
	pj := s.get("/dashboard/progress?id=" + done.ID + "&id=" + deferred.ID)
	if err := json.Unmarshal([]byte(pj.Body), &prog); err != nil || len(prog.MassPayments) != 2 {
		t.Fatalf("progress: %v %s", err, pj.Body)
	}
	if p := prog.MassPayments[0]; p.Status != "complete" || p.Items != 30 || p.Success != 27 || p.Failed != 3 || p.Pending != 0 {
		t.Fatalf("progress of the complete batch: %+v", p)
	}

	// CSV: the columns of `masspay results`, one row per item, as the items are.
	c := s.get("/dashboard/mass-payments/" + done.ID + "/results.csv")
	if c.Status != 200 || !strings.HasPrefix(c.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(c.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", c.Status, c.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(c.Body)).ReadAll()
	if err != nil || len(rows) != 31 || strings.Join(rows[0], ",") != strings.Join(resultcsv.Columns, ",") {
		t.Fatalf("csv: %v, %d rows, header %v", err, len(rows), rows[0])
	}
	failed := 0
	for _, r := range rows[1:] {
		if r[2] != "1.25" || r[4] != done.Href {
			t.Fatalf("csv row %v", r)
		}
		switch r[6] {
		case "failed":
			failed++
			if r[7] != "Restricted" || r[8] == "" || r[9] != "" {
				t.Fatalf("failed row %v", r)
			}
		case "success":
			if r[9] == "" {
				t.Fatalf("paid row without transfer %v", r)
			}
		}
	}
	if failed != 3 {
		t.Fatalf("%d failed rows in the csv, want 3", failed)
	}

	// Actions: without the CSRF token, 403 and nothing changes; with it, the batch is cancelled.
	page := s.get("/dashboard/mass-payments/" + deferred.ID)
	page.want(t, "deferred batch", 200, "Start processing", "Yes, cancel the batch")
	s.post("/dashboard/mass-payments/"+deferred.ID+"/cancel", nil, false).want(t, "cancel without csrf", http.StatusForbidden)
	s.post("/dashboard/mass-payments/"+deferred.ID+"/cancel", url.Values{"csrf": {"forged"}}, false).want(t, "cancel with a forged token", http.StatusForbidden)
	if st := status(t, e.Client, deferred.Href); st != "deferred" {
		t.Fatalf("after refused cancels: %s", st)
	}
	p := s.post("/dashboard/mass-payments/"+deferred.ID+"/cancel", nil, true)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", p.Status, p.Body)
	}
	if st := status(t, e.Client, deferred.Href); st != "cancelled" {
		t.Fatalf("after cancel: %s", st)
	}
	s.get(p.Header.Get("Location")).want(t, "after cancel", 200, "The mass payment was cancelled.")
	// What the API refuses, the dashboard refuses: a cancelled batch cannot be started.
	s.post("/dashboard/mass-payments/"+deferred.ID+"/start", nil, true).want(t, "start a cancelled batch", http.StatusBadRequest, "Only a deferred mass payment can be updated")

	// Start a deferred batch.
	d2 := sendBatch(t, e, e.Client, 3, 0, "1.00", map[string]any{"status": "deferred"})
	s.get("/dashboard/mass-payments/" + d2.ID)
	if p := s.post("/dashboard/mass-payments/"+d2.ID+"/start", nil, true); p.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", p.Status)
	}
	e.WaitStatus(d2.Href, "complete")
	e.Verify()
}

func TestPaging(t *testing.T) {
	e := apptest.Start(t)
	s := newSession(t, e.Base)
	s.signIn(e.Key, e.Secret)
	var ids []string
	for range 22 {
		ids = append(ids, sendBatch(t, e, e.Client, 1, 0, "1.00", map[string]any{"status": "deferred"}).ID)
	}
	first := s.get("/dashboard/")
	first.want(t, "first page", 200, "1–20 of 22", `href="/dashboard/?offset=20"`)
	if strings.Contains(first.Body, ids[0]) || strings.Contains(first.Body, ids[1]) || !strings.Contains(first.Body, ids[21]) {
		t.Fatalf("the first page is not the 20 newest")
	}
	second := s.get("/dashboard/?offset=20")
	second.want(t, "second page", 200, "21–22 of 22", ids[0], ids[1], `rel="prev"`)
	// Filters stay on the page links.
	s.get("/dashboard/?status=deferred").want(t, "filtered paging", 200, `href="/dashboard/?offset=20&amp;status=deferred"`)
}

func TestOtherAccountSeesNothing(t *testing.T) {
	e := apptest.Start(t)
	mine := sendBatch(t, e, e.Client, 2, 0, "1.00", map[string]any{"status": "deferred"})
	other := e.NewApplication(100_00)
	s := newSession(t, e.Base)
	s.signIn(other.Key, other.Secret)

	o := s.get("/dashboard/")
	o.want(t, "other overview", 200, "$100.00", "No mass payments yet.")
	if strings.Contains(o.Body, mine.ID) {
		t.Fatal("another account's batch on the overview")
	}
	for _, path := range []string{"/dashboard/mass-payments/" + mine.ID, "/dashboard/mass-payments/" + mine.ID + "/results.csv",
		"/dashboard/mass-payments/" + mine.ID + "?status=failed"} {
		s.get(path).want(t, path, http.StatusNotFound, "Mass payment not found.")
	}
	if p := s.get("/dashboard/progress?id=" + mine.ID); p.Body != "{\"massPayments\":[]}\n" {
		t.Fatalf("progress of another account's batch: %s", p.Body)
	}
	s.post("/dashboard/mass-payments/"+mine.ID+"/cancel", nil, true).want(t, "cancel another's batch", http.StatusNotFound)
	if st := status(t, e.Client, mine.Href); st != "deferred" {
		t.Fatalf("another account's cancel changed the batch: %s", st)
	}
	s.get("/dashboard/nowhere").want(t, "unknown page", http.StatusNotFound)
}

func TestWebhooksHealth(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Service: service.Config{WebhookRetries: []time.Duration{time.Hour}}})
	var hits []int
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits = append(hits, 200) }))
	defer healthy.Close()
	bad := e.Post("/webhook-subscriptions", map[string]any{"url": failing.URL + "/hook", "secret": "s3cret-value"}).Created(t)
	e.Post("/webhook-subscriptions", map[string]any{"url": healthy.URL + "/hook", "secret": "s3cret-value"}).Created(t)
	b := sendBatch(t, e, e.Client, 1, 0, "1.00", nil)
	e.WaitStatus(b.Href, "complete")

	s := newSession(t, e.Base)
	s.signIn(e.Key, e.Secret)
	// Wait until both subscriptions have an attempt recorded.
	var p page
	for deadline := time.Now().Add(20 * time.Second); ; {
		p = s.get("/dashboard/webhooks")
		if strings.Contains(p.Body, "HTTP 503") && strings.Contains(p.Body, "HTTP 200") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no attempts on the webhooks page:\n%s", p.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.want(t, "webhooks", 200, failing.URL+"/hook", healthy.URL+"/hook", "Failing deliveries", "Retry now", "badge-active")
	if strings.Contains(p.Body, "s3cret-value") {
		t.Fatal("a webhook secret on the page")
	}
	// Pause the failing one through the API: it is marked.
	e.Post(bad, map[string]any{"paused": true}).OK(t)
	p = s.get("/dashboard/webhooks")
	p.want(t, "paused", 200, `<span class="badge badge-paused">paused</span>`)

	// Retry a failing delivery: the API's manual retry records it.
	m := regexpWebhookRetry.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no retry form:\n%s", p.Body)
	}
	s.post("/dashboard/webhooks/"+m[1]+"/retry", nil, false).want(t, "retry without csrf", http.StatusForbidden)
	r := s.post("/dashboard/webhooks/"+m[1]+"/retry", nil, true)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("retry: %d %s", r.Status, r.Body)
	}
	retries := e.Get("/webhooks/" + m[1] + "/retries").OK(t)
	if n := apptest.Dig(retries, "total"); n != float64(1) {
		t.Fatalf("retries after the dashboard's retry: %v", retries)
	}
	s.get(r.Header.Get("Location")).want(t, "after retry", 200, "The webhook was queued to be sent again.")
}

// fixedClock is the service's clock in the ACH test: it moves only when the test sets it.
type fixedClock struct{ ns atomic.Int64 }

func (c *fixedClock) Now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *fixedClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Under --clearing ach, a transfer's page shows the entry that carried it: its trace number and
// effective date, as GET /transfers/{id} gives them in achDetails.
func TestTransferACHDetails(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	clk := &fixedClock{}
	clk.Set(time.Date(2026, 11, 9, 9, 0, 0, 0, ny)) // a Monday, before the first window
	cfg := nacha.Config{ODFI: "121042882", CompanyName: "Acme Payouts", CompanyID: "1234567890", Dir: t.TempDir()}.WithDefaults()
	e := apptest.Start(t, apptest.Options{Service: service.Config{ACH: &cfg, Now: clk.Now, TokenTTL: 1000 * time.Hour}})
	s := newSession(t, e.Base)
	s.signIn(e.Key, e.Secret)
	b := sendBatch(t, e, e.Client, 1, 0, "12.34", nil)
	e.WaitStatus(b.Href, "complete")
	first := apptest.Dig(e.Get(b.Href+"/items").OK(t), "_embedded", "items").([]any)[0]
	tr := apptest.ID(apptest.Dig(first, "_links", "transfer", "href").(string))
	if p := s.get("/dashboard/transfers/" + tr); strings.Contains(p.Body, `id="ach"`) {
		t.Fatal("ACH entries on a transfer in no file yet")
	}
	clk.Set(time.Date(2026, 11, 9, 10, 30, 1, 0, ny)) // past the 10:30 cutoff: the file is written
	var trace string
	for deadline := time.Now().Add(10 * time.Second); trace == ""; time.Sleep(20 * time.Millisecond) {
		trace, _ = apptest.Dig(e.Get("/transfers/"+tr).OK(t), "achDetails", "destination", "traceId").(string)
		if time.Now().After(deadline) {
			t.Fatal("no ACH file written for the transfer")
		}
	}
	eff := apptest.Dig(e.Get("/transfers/"+tr).OK(t), "achDetails", "destination", "effectiveDate").(string)
	s.get("/dashboard/transfers/"+tr).want(t, "transfer with ACH", 200, `id="ach"`, `data-field="trace">`+trace+`<`,
		`data-field="effective">`+eff+`<`, "credit to the destination", "PPD")
}

// from is a dashboard user whose connections come from the loopback address ip, so that the
// per-address throttle can tell users apart.
func from(t *testing.T, base, ip string) *session {
	s := newSession(t, base)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	s.http.Transport = &http.Transport{DialContext: d.DialContext}
	return s
}

// The sign-in shares the API's token throttle: guesses at the form are refused unheard (429 with
// Retry-After) past the address's burst, guesses at POST /token count toward the form and those
// at the form toward POST /token, and a user from another address still signs in.
func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	guess := func(s *session) page {
		t.Helper()
		s.get("/dashboard/signin")
		return s.post("/dashboard/signin", url.Values{"key": {e.Key}, "secret": {"guess"}}, true)
	}
	a := from(t, e.Base, "127.0.0.11")
	counts := map[int]int{}
	for range 30 {
		p := guess(a)
		counts[p.Status]++
		if p.Status == http.StatusTooManyRequests && (p.Header.Get("Retry-After") == "" || !strings.Contains(p.Body, "Too many failed sign-ins")) {
			t.Fatalf("429 without Retry-After or its message: %v\n%s", p.Header, p.Body)
		}
	}
	if counts[http.StatusUnauthorized] > 10 || counts[http.StatusTooManyRequests] < 20 {
		t.Fatalf("30 guesses at the sign-in: %v, want at most 10 answered 401 and the rest 429", counts)
	}
	// The right secret from the guessing address is not heard either, at the form or at POST /token.
	a.get("/dashboard/signin")
	a.post("/dashboard/signin", url.Values{"key": {e.Key}, "secret": {e.Secret}}, true).want(t, "right secret, throttled address", http.StatusTooManyRequests)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"another-key"}, "client_secret": {"x"}}
	res, err := a.http.PostForm(e.Base+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("POST /token from the address that guessed at the sign-in: %d, want 429", res.StatusCode)
	}
	// Guesses at POST /token from a fresh address count toward its sign-in.
	b := from(t, e.Base, "127.0.0.12")
	for range 10 {
		res, err := b.http.PostForm(e.Base+"/token", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	b.get("/dashboard/signin")
	b.post("/dashboard/signin", url.Values{"key": {e.Key}, "secret": {e.Secret}}, true).want(t, "sign-in after 10 token guesses", http.StatusTooManyRequests)
	// Another address signs in (the key has failed less than its own burst).
	from(t, e.Base, "127.0.0.13").signIn(e.Key, e.Secret)
}

// The dashboard checks its input as the API does: a path, query or form field that is not UTF-8
// text (a NUL, a bad byte) is a 400, before any page or the sign-in sees it; a form over the
// bound is a 413.
func TestBadBytes(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	s := newSession(t, e.Base)
	for _, c := range []struct{ what, key, secret string }{{"NUL in the key", e.Key + "\x00", e.Secret},
		{"bad byte in the secret", e.Key, "\xff" + e.Secret}, {"NUL alone", "\x00", "\x00"}} {
		s.get("/dashboard/signin")
		s.post("/dashboard/signin", url.Values{"key": {c.key}, "secret": {c.secret}}, true).want(t, c.what, http.StatusBadRequest, "UTF-8 text")
	}
	s.get("/dashboard/signin")
	s.post("/dashboard/signin", url.Values{"key": {e.Key}, "secret": {e.Secret}, "next\x00": {"/dashboard/"}}, true).want(t, "NUL in a field's name", http.StatusBadRequest)
	s.get("/dashboard/signin?next=%2Fdashboard%2F%00").want(t, "NUL in the query", http.StatusBadRequest)
	s.get("/dashboard/transfers/%ff").want(t, "bad byte in the path", http.StatusBadRequest)
	s.get("/dashboard/signin")
	s.post("/dashboard/signin", url.Values{"key": {e.Key}, "secret": {strings.Repeat("x", 70<<10)}}, true).want(t, "oversized form", http.StatusRequestEntityTooLarge)
	// Nothing of it signed in or broke the sign-in.
	s.signIn(e.Key, e.Secret)
	s.get("/dashboard/?correlationId=%00").want(t, "NUL in a signed-in page's query", http.StatusBadRequest)
}
