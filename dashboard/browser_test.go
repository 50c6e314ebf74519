package dashboard_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/engine"
	"masspay/resultcsv"
	"masspay/service"
)

// The browser tests drive Debian's chromium (or another Chrome) headless through chromedp. They
// skip with a notice where no browser is installed, and fail under CI=true, which requires them
// (.ci/run installs chromium).

// browserPath finds a Chromium or Chrome binary: MASSPAY_CHROMIUM, or one on PATH.
func browserPath() string {
	if p := os.Getenv("MASSPAY_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab is one headless browser with one page, and the console errors the page reported.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
}

// newTab starts a fresh browser (its own user data directory: no cookies, no cache) for the test.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	path := browserPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium found (set MASSPAY_CHROMIUM or install Debian's chromium): CI requires the browser tests")
		}
		t.Skip("NOTICE: no chromium found (apt-get install chromium, or set MASSPAY_CHROMIUM): browser tests skipped")
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	tb := &tab{t: t, ctx: ctx, base: base}
	msgs := chromedp.Console(ctx)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	// Errors the page reports (a script error, a Content-Security-Policy violation); the
	// network's own reports of a 4xx are the tests' subject, not an error of the page.
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if (m.Type == chromedp.ConsoleError || m.IsException()) && m.Source != "network" {
				tb.mu.Lock()
				tb.errs = append(tb.errs, m.String())
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.errs {
			t.Errorf("browser console: %s", e)
		}
	})
	return tb
}

// do runs actions, failing the test on an error.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates and returns the document's HTTP status.
func (b *tab) open(path string) int {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return int(res.Status)
}

// submit runs actions that load a page (a click on a submit button) and returns its status.
func (b *tab) submit(what string, actions ...chromedp.Action[chromedp.Void]) int {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return int(res.Status)
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

func eval[T any](b *tab, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// signIn signs in through the form as a person would: the keyboard, then the button.
func (b *tab) signIn(key, secret string) {
	b.t.Helper()
	if st := b.open("/dashboard/"); st != 200 {
		b.t.Fatalf("sign-in page: %d", st)
	}
	b.do("fill the sign-in form", chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), key), chromedp.SendKeys(chromedp.CSS("#secret"), secret))
	if st := b.submit("sign in", chromedp.Click(chromedp.CSS(`form[action="/dashboard/signin"] button`))); st != 200 {
		b.t.Fatalf("after sign-in: %d", st)
	}
	if loc := eval[string](b, "location.pathname"); loc != "/dashboard/" {
		b.t.Fatalf("after sign-in at %s", loc)
	}
}

// slowStore is the real store, each write transaction of the engine started a little late, so
// that a 5,000-item batch takes seconds and the page's counts can be watched while they move.
type slowStore struct {
	masspay.Store
	delay time.Duration
}

func (s slowStore) Write(ctx context.Context, fn func(masspay.Q) error) error {
	time.Sleep(s.delay)
	return s.Store.Write(ctx, fn)
}

// slowWorkers are the server's workers, the engine (in chunks of 250 items) on slowStore.
func slowWorkers() app.Workers {
	w := app.DefaultWorkers(engine.Config{})
	w[0] = func(ctx context.Context, env app.Env) error {
		env.Store = slowStore{env.Store, 150 * time.Millisecond}
		return app.EngineWorker(engine.Config{ChunkSize: 250})(ctx, env)
	}
	return w
}

func TestBrowserBatchToComplete(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Workers: slowWorkers()})
	b := newTab(t, e.Base)
	b.signIn(e.Key, e.Secret)

	// A 5,000-item batch, every 50th payee deactivated: 4,900 paid, 100 failed. Deferred, so the
	// page shows it before it starts; the browser starts it.
	mp := sendBatch(t, e, e.Client, 5000, 50, "0.50", map[string]any{"status": "deferred", "correlationId": "payroll-big"})
	if st := b.open("/dashboard/mass-payments/" + mp.ID); st != 200 {
		t.Fatalf("batch page: %d", st)
	}
	if got := b.text(`[data-count="pending"]`); got != "5,000" {
		t.Fatalf("pending before start: %q", got)
	}
	if st := b.submit("start", chromedp.Click(chromedp.CSS("#start"))); st != 200 {
		t.Fatalf("after start: %d", st)
	}
	b.text(".notice-good")
	// Mark the page: a reload would lose the mark.
	eval[bool](b, "window.__sameDocument = true")
	var seen []int
	for deadline := time.Now().Add(2 * time.Minute); ; {
		state := eval[[]string](b, `[document.querySelector('[data-mp-status] [data-field="status"]').textContent,
			document.querySelector('.progress [data-count="success"]').textContent,
			document.querySelector('.progress [data-count="failed"]').textContent]`)
		done, _ := strconv.Atoi(strings.ReplaceAll(state[1], ",", ""))
		failed, _ := strconv.Atoi(strings.ReplaceAll(state[2], ",", ""))
		if n := done + failed; len(seen) == 0 || seen[len(seen)-1] != n {
			seen = append(seen, n)
		}
		if state[0] == "complete" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not complete after 2 minutes; counts seen %v", seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("items done as the page showed them: %v", seen)
	if !eval[bool](b, "window.__sameDocument === true") {
		t.Fatal("the page reloaded: the counts must move without a reload")
	}
	var moving int
	for i, n := range seen {
		if i > 0 && n < seen[i-1] {
			t.Fatalf("counts went back: %v", seen)
		}
		if n > 0 && n < 5000 {
			moving++
		}
	}
	if moving == 0 || seen[len(seen)-1] != 5000 {
		t.Fatalf("counts seen %v: want some between 0 and 5,000, then 5,000", seen)
	}
	if got := b.text(".progress .counts"); !strings.Contains(got, "4,900 paid") || !strings.Contains(got, "100 failed") || !strings.Contains(got, "0 pending") {
		t.Fatalf("final counts: %q", got)
	}
	bar := eval[[]string](b, `[document.querySelector('.bar-ok').getAttribute('width'), document.querySelector('.bar-bad').getAttribute('x'),
		document.querySelector('.bar-bad').getAttribute('width'), document.querySelector('.progress .bar').getAttribute('aria-valuenow')]`)
	if strings.Join(bar, " ") != "98 98 2 5000" {
		t.Fatalf("bar (paid width, failed x, failed width, aria-valuenow) = %v, want 98 98 2 5000", bar)
	}
	if !eval[bool](b, `!document.querySelector('[data-done-for]').hidden`) {
		t.Fatal("no 'processing finished' notice")
	}

	// Filter the failed items: the tab, then every row failed, with its code and message.
	if st := b.submit("failed tab", chromedp.Click(chromedp.CSS(`a[data-filter="failed"]`))); st != 200 {
		t.Fatalf("failed items: %d", st)
	}
	rows := eval[[]string](b, `Array.from(document.querySelectorAll('#items tbody tr')).map(r => r.dataset.itemStatus + ' ' + r.querySelector('.fail-code').textContent + ' ' + r.querySelector('.fail-msg').textContent)`)
	if len(rows) != 50 {
		t.Fatalf("%d failed rows on the first page, want 50", len(rows))
	}
	for _, r := range rows {
		if r != "failed Restricted Receiver restricted." {
			t.Fatalf("failed row %q", r)
		}
	}
	if got := b.text(".pager span"); got != "1–50 of 100" {
		t.Fatalf("pager %q", got)
	}
	if got := eval[string](b, `document.querySelector('a[aria-current="page"][data-filter]').textContent`); !strings.HasPrefix(got, "Failed") {
		t.Fatalf("current tab %q", got)
	}

	// Download the CSV through the browser and check its rows.
	dir := t.TempDir()
	progress := chromedp.Events(b.ctx, browser.DownloadProgress)
	b.do("download", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
		return err
	}), chromedp.Click(chromedp.CSS("#download")))
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download cancelled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 5001 || strings.Join(recs[0], ",") != strings.Join(resultcsv.Columns, ",") {
		t.Fatalf("downloaded csv: %v, %d rows, header %v", err, len(recs), recs[0])
	}
	count := map[string]int{}
	items := map[string]bool{}
	for _, r := range recs[1:] {
		count[r[6]]++
		items[r[5]] = true
		if r[2] != "0.50" || r[4] != mp.Href || (r[6] == "success") != (r[9] != "") || (r[6] == "failed") != (r[7] == "Restricted") {
			t.Fatalf("csv row %v", r)
		}
	}
	if count["success"] != 4900 || count["failed"] != 100 || len(items) != 5000 {
		t.Fatalf("csv: %v, %d distinct items", count, len(items))
	}

	// The overview shows it complete.
	b.open("/dashboard/")
	if got := b.text(`[data-mp-status="` + mp.ID + `"]`); got != "complete" {
		t.Fatalf("overview status %q", got)
	}
	e.Verify()
}

func ptr[T any](v T) *T { return &v }

func TestBrowserCancelAndCSRF(t *testing.T) {
	e := apptest.Start(t)
	b := newTab(t, e.Base)
	b.signIn(e.Key, e.Secret)
	mp := sendBatch(t, e, e.Client, 3, 0, "5.00", map[string]any{"status": "deferred"})

	// Cancel: the disclosure, then the confirming button, by keyboard.
	b.open("/dashboard/mass-payments/" + mp.ID)
	b.do("open the cancel confirmation", chromedp.Focus(chromedp.CSS("details.confirm summary")), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("#cancel")))
	if st := b.submit("cancel", chromedp.Focus(chromedp.CSS("#cancel")), chromedp.KeyEvent("\r")); st != 200 {
		t.Fatalf("after cancel: %d", st)
	}
	if got := b.text(".notice-good"); got != "The mass payment was cancelled. None of its items will be paid." {
		t.Fatalf("notice %q", got)
	}
	if got := b.text(`[data-mp-status] [data-field="status"]`); got != "cancelled" {
		t.Fatalf("status on the page %q", got)
	}
	if st := status(t, e.Client, mp.Href); st != "cancelled" {
		t.Fatalf("status through the API: %s", st)
	}
	if n := eval[int](b, `document.querySelectorAll('#start, #cancel').length`); n != 0 {
		t.Fatal("start or cancel offered on a cancelled batch")
	}

	// A POST without the CSRF token: the form's token removed, then sent. 403, nothing changed.
	other := sendBatch(t, e, e.Client, 2, 0, "5.00", map[string]any{"status": "deferred"})
	b.open("/dashboard/mass-payments/" + other.ID)
	eval[bool](b, `document.querySelectorAll('form[action$="/start"] input[name=csrf]').forEach(i => i.remove()) || true`)
	if st := b.submit("start without csrf", chromedp.Click(chromedp.CSS("#start"))); st != 403 {
		t.Fatalf("start without the csrf token: %d, want 403", st)
	}
	if got := b.text("main h1"); got != "Form expired" {
		t.Fatalf("refusal page %q", got)
	}
	if st := status(t, e.Client, other.Href); st != "deferred" {
		t.Fatalf("refused start changed the batch: %s", st)
	}

	// Sign out: the overview asks to sign in again.
	if st := b.submit("sign out", chromedp.Click(chromedp.CSS(`form[action="/dashboard/signout"] button`))); st != 200 {
		t.Fatalf("sign out: %d", st)
	}
	b.open("/dashboard/")
	if got := eval[string](b, "location.pathname"); got != "/dashboard/signin" {
		t.Fatalf("after sign-out, the overview is at %s", got)
	}
}

func TestBrowserOtherAccount(t *testing.T) {
	e := apptest.Start(t)
	mine := sendBatch(t, e, e.Client, 2, 0, "1.00", nil)
	e.WaitStatus(mine.Href, "complete")
	other := e.NewApplication(250_00)

	b := newTab(t, e.Base)
	b.signIn(other.Key, other.Secret)
	if got := b.text(".stat-value"); got != "$250.00" {
		t.Fatalf("other account's balance %q", got)
	}
	if strings.Contains(eval[string](b, "document.body.innerHTML"), mine.ID) {
		t.Fatal("the first account's batch on the second account's overview")
	}
	for _, path := range []string{"/dashboard/mass-payments/" + mine.ID, "/dashboard/mass-payments/" + mine.ID + "?status=failed"} {
		if st := b.open(path); st != 404 {
			t.Fatalf("%s: %d, want 404", path, st)
		}
		if got := b.text("main p"); got != "Mass payment not found." {
			t.Fatalf("%s: %q", path, got)
		}
	}
	// Nor through the page's own progress endpoint.
	got := eval[string](b, `fetch('/dashboard/progress?id=`+mine.ID+`', {headers: {Accept: 'application/json'}}).then(r => r.text())`,
		chromedp.EvalAwaitPromise)
	if strings.TrimSpace(got) != `{"massPayments":[]}` {
		t.Fatalf("progress of the first account's batch, asked by the second: %s", got)
	}
}

// TestScreenshots saves the pictures in docs/ when MASSPAY_DASHBOARD_SCREENSHOTS names a
// directory: an account with batches in every state, one of them processing.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("MASSPAY_DASHBOARD_SCREENSHOTS")
	if dir == "" {
		t.Skip("set MASSPAY_DASHBOARD_SCREENSHOTS=DIR to save screenshots of the dashboard")
	}
	e := apptest.Start(t, apptest.Options{Workers: slowWorkers(), Service: service.Config{WebhookRetries: []time.Duration{time.Hour}}})
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer down.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	meta := func(kv ...string) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	oct := sendBatch(t, e, e.Client, 1200, 0, "1.10", map[string]any{"correlationId": "payroll-2026-10", "metadata": meta("period", "2026-10", "team", "contractors")})
	e.WaitStatus(oct.Href, "complete")
	sendBatch(t, e, e.Client, 40, 0, "3.00", map[string]any{"status": "deferred", "correlationId": "bonus-q4"})
	c := sendBatch(t, e, e.Client, 12, 0, "2.00", map[string]any{"status": "deferred", "correlationId": "refunds-batch-7"})
	e.Post(c.Href, map[string]any{"status": "cancelled"}).OK(t)
	nov := sendBatch(t, e, e.Client, 2400, 16, "0.75", map[string]any{"correlationId": "payroll-2026-11",
		"metadata": meta("period", "2026-11", "team", "contractors", "approvedBy", "finance@acme.example")})
	e.WaitStatus(nov.Href, "complete")
	big := sendBatch(t, e, e.Client, 5000, 0, "0.10", map[string]any{"correlationId": "creator-payouts-48"})

	b := newTab(t, e.Base)
	b.signIn(e.Key, e.Secret)
	b.open("/dashboard/")
	// Catch the big batch while it is being paid.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		n := eval[string](b, `document.querySelector('[data-mp="`+big.ID+`"] [data-count="success"]').textContent`)
		if n != "0" || time.Now().After(deadline) {
			break
		}
	}
	shot(t, b, filepath.Join(dir, "dashboard-overview.png"))
	e.WaitStatus(big.Href, "complete")
	b.open("/dashboard/mass-payments/" + nov.ID)
	shotViewport(t, b, 1280, 1180, filepath.Join(dir, "dashboard-batch.png"))
	if os.Getenv("MASSPAY_DASHBOARD_SCREENSHOTS_ALL") != "" {
		b.do("open a failed item's transfer", chromedp.Click(chromedp.CSS(`#items a[href^="/dashboard/transfers/"]`)), chromedp.WaitVisible(chromedp.CSS("dl.fields")))
		shotViewport(t, b, 1280, 800, filepath.Join(dir, "dashboard-transfer.png"))
		b.open("/dashboard/mass-payments/" + nov.ID + "?status=failed")
		shotViewport(t, b, 390, 844, filepath.Join(dir, "dashboard-mobile.png"))
	}
	// Webhooks: subscribed after the big batches (whose thousands of events would queue first),
	// then a small batch, until the failing endpoint's answers show.
	e.Post("/webhook-subscriptions", map[string]any{"url": up.URL + "/masspay/events", "secret": "a-long-webhook-secret"}).Created(t)
	e.Post("/webhook-subscriptions", map[string]any{"url": down.URL + "/hooks/payouts", "secret": "a-long-webhook-secret"}).Created(t)
	e.WaitStatus(sendBatch(t, e, e.Client, 3, 0, "25.00", map[string]any{"correlationId": "vendor-refunds"}).Href, "complete")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if b.open("/dashboard/webhooks"); eval[int](b, `document.querySelectorAll('#failing tbody tr').length`) >= 3 {
			break
		}
	}
	shotViewport(t, b, 1280, 1000, filepath.Join(dir, "dashboard-webhooks.png"))
}

// shotViewport saves what a window of width x height shows, from the top.
func shotViewport(t *testing.T, b *tab, width, height int64, path string) {
	t.Helper()
	b.do("resize", chromedp.EmulateViewport(width, height))
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func shot(t *testing.T, b *tab, path string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", path, len(png))
}
