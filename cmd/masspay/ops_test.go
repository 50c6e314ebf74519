package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"masspay/app"
	"masspay/apptest"
)

// scrape reads base/metrics and returns the families by name.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("scrape: %d %s", res.StatusCode, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// seriesValue returns the value of the series of family name whose labels include want (name=value
// pairs): a counter's or gauge's value, a histogram's sample count. Absent series are 0.
func seriesValue(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	sum := 0.0
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

// webhookReceiver answers its first request 500 and every later one 200, and counts both.
type webhookReceiver struct {
	mu       sync.Mutex
	ok, fail int
}

func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	io.Copy(io.Discard, req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ok+r.fail == 0 {
		r.fail++
		w.WriteHeader(500)
		return
	}
	r.ok++
}

func (r *webhookReceiver) counts() (ok, fail int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ok, r.fail
}

// A batch through a real `masspay serve`, then /metrics scraped and its figures checked against
// what happened; then the request log: one JSON line per request with its ids, no secret.
func TestMetricsAndRequestLog(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir, dbURL := t.TempDir(), apptest.DatabaseURL(t)
	storeArgs := []string{"--data", dir}
	if dbURL != "" {
		storeArgs = []string{"--database", dbURL}
	}
	out, err := exec.Command(bin, append([]string{"apps", "create", "--json", "--balance", "100.00"}, storeArgs...)...).Output()
	if err != nil {
		t.Fatalf("apps create: %v %s", err, out)
	}
	var creds struct{ AccountID, Key, Secret string }
	if err := json.Unmarshal(out, &creds); err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(context.Background(), dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recv := &webhookReceiver{}
	hooks := httptest.NewServer(recv)
	defer hooks.Close()

	srv := startServer(t, bin, append(storeArgs, "--metrics-addr", "127.0.0.1:0", "--log-format", "json",
		"--webhook-retries", "50ms,50ms")...)
	if srv.metrics == "" {
		t.Fatalf("no metrics address logged:\n%s", srv.log())
	}
	c := &apptest.Client{T: t, Base: srv.base, AccountID: creds.AccountID, Key: creds.Key, Secret: creds.Secret}
	env := &apptest.Env{T: t, Store: st, Base: srv.base}
	_, balance := env.Funding(c)
	payees := apptest.Hrefs(env.Payees(c, 5))
	const hookSecret = "webhook-secret-never-logged"
	c.Post("/webhook-subscriptions", map[string]string{"url": hooks.URL, "secret": hookSecret}).Created(t)
	// 100.00 pays three items of 30.00; the last two fail for want of funds.
	res := c.Post("/mass-payments", apptest.MassPayment(balance, "30.00", payees...))
	loc := res.Created(t)
	requestID := res.Header.Get("X-Request-Id")
	c.WaitStatus(loc, "complete")
	// The dashboard, mounted beside the API, goes through the same request log and metrics.
	dres, err := http.Get(srv.base + "/dashboard/signin")
	if err != nil {
		t.Fatal(err)
	}
	dres.Body.Close()
	dashID := dres.Header.Get("X-Request-Id")
	if dres.StatusCode != 200 || dashID == "" {
		t.Fatalf("GET /dashboard/signin: %d, X-Request-Id %q", dres.StatusCode, dashID)
	}

	// Webhooks go out after the batch: wait until the outbox is empty and every answer the
	// receiver gave is counted.
	var fams map[string]*dto.MetricFamily
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		fams = scrape(t, srv.metrics)
		ok, fail := recv.counts()
		delivered := seriesValue(fams, "masspay_webhook_delivery_duration_seconds", "outcome", "delivered")
		failed := seriesValue(fams, "masspay_webhook_delivery_duration_seconds", "outcome", "failed")
		if ok > 0 && seriesValue(fams, "masspay_webhook_outbox_depth") == 0 && delivered == float64(ok) && failed == float64(fail) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhooks: receiver answered %d ok, %d failed; metrics say %v delivered, %v failed, outbox %v",
				ok, fail, delivered, failed, seriesValue(fams, "masspay_webhook_outbox_depth"))
		}
	}
	checks := []struct {
		what string
		got  float64
		want float64
	}{
		{"items succeeded", seriesValue(fams, "masspay_items_processed_total", "outcome", "success"), 3},
		{"items failed", seriesValue(fams, "masspay_items_processed_total", "outcome", "failed"), 2},
		{"batches completed", seriesValue(fams, "masspay_batch_duration_seconds"), 1},
		{"pending mass payments", seriesValue(fams, "masspay_pending_mass_payments"), 0},
		{"pending items", seriesValue(fams, "masspay_pending_items"), 0},
		{"webhook attempts that failed", seriesValue(fams, "masspay_webhook_delivery_duration_seconds", "outcome", "failed"), 1},
		{"POST /mass-payments answered 201", seriesValue(fams, "masspay_http_request_duration_seconds",
			"route", "POST /mass-payments", "method", "POST", "status", "201"), 1},
		{"POST /token answered 200", seriesValue(fams, "masspay_http_request_duration_seconds",
			"route", "POST /token", "status", "200"), 1},
		{"the dashboard's sign-in page answered 200", seriesValue(fams, "masspay_http_request_duration_seconds",
			"route", "GET /dashboard/signin", "method", "GET", "status", "200"), 1},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: %v, want %v", ch.what, ch.got, ch.want)
		}
	}
	if n := seriesValue(fams, "masspay_http_request_duration_seconds", "route", "GET /mass-payments/{id}", "status", "200"); n < 1 {
		t.Errorf("GET /mass-payments/{id} by pattern: %v requests, want the polls counted", n)
	}
	if n := seriesValue(fams, "masspay_store_transaction_duration_seconds", "kind", "write", "outcome", "commit"); n < 3 {
		t.Errorf("%v write transactions committed, want the batch's and the webhooks'", n)
	}
	pools := []string{"write", "read"}
	if dbURL != "" {
		pools = []string{"main"}
	}
	for _, p := range pools {
		if _, ok := findSeries(fams, "masspay_store_pool_max_connections", "pool", p); !ok {
			t.Errorf("no pool figures for pool %q", p)
		}
	}
	if fams["go_goroutines"] == nil {
		t.Error("no Go runtime figures")
	}

	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	logs := srv.log()
	if strings.Contains(logs, creds.Secret) || strings.Contains(logs, hookSecret) {
		t.Fatal("a secret is in the log")
	}
	var line, dashLine map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if l["msg"] == "mass payment complete" {
			if _, ok := l["duration_ms"].(float64); !ok {
				t.Errorf("engine line without duration_ms: %s", sc.Text())
			}
		}
		if l["msg"] == "request" && l["request_id"] == requestID {
			if line != nil {
				t.Fatalf("two log lines for request %s", requestID)
			}
			line = l
		}
		if l["msg"] == "request" && l["request_id"] == dashID {
			dashLine = l
		}
	}
	if line == nil {
		t.Fatalf("no request line with request_id %s in:\n%s", requestID, logs)
	}
	if dashLine == nil || dashLine["route"] != "GET /dashboard/signin" || dashLine["status"] != 200.0 {
		t.Errorf("the dashboard's request line (request_id %s): %v", dashID, dashLine)
	}
	want := map[string]any{"method": "POST", "route": "POST /mass-payments", "status": 201.0, "account_id": creds.AccountID}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("request line %s = %v, want %v", k, line[k], v)
		}
	}
	if ms, ok := line["duration_ms"].(float64); !ok || ms <= 0 {
		t.Errorf("request line duration_ms = %v", line["duration_ms"])
	}
	if b, ok := line["bytes"].(float64); !ok || b != 0 {
		t.Errorf("request line bytes = %v, want 0 (a 201 has no body)", line["bytes"])
	}
}

func findSeries(fams map[string]*dto.MetricFamily, name, label, val string) (*dto.Metric, bool) {
	f := fams[name]
	if f == nil {
		return nil, false
	}
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if l.GetName() == label && l.GetValue() == val {
				return m, true
			}
		}
	}
	return nil, false
}
