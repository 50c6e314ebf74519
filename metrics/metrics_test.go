package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"masspay"
	"masspay/app"
	"masspay/metrics"
)

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return string(b)
}

// Transactions are counted by kind and outcome; a store that stops answering leaves the
// backlog out of a scrape, and the rest is still served.
func TestStoreFigures(t *testing.T) {
	t.Parallel()
	st, err := app.OpenStore(context.Background(), t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(nil)
	m.WatchStore(st, st.PoolStats)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	wrapped := m.Store(st)
	ctx := context.Background()
	boom := errors.New("boom")
	wrapped.Write(ctx, func(q masspay.Q) error { return nil })
	wrapped.Write(ctx, func(q masspay.Q) error { return boom })
	wrapped.Write(ctx, func(q masspay.Q) error { return boom })
	wrapped.Read(ctx, func(q masspay.Q) error { return nil })

	body := get(t, srv.URL)
	for _, want := range []string{
		`masspay_store_transaction_duration_seconds_count{kind="write",outcome="commit"} 1`,
		`masspay_store_transaction_duration_seconds_count{kind="write",outcome="rollback"} 2`,
		`masspay_store_transaction_duration_seconds_count{kind="read",outcome="ok"} 1`,
		"masspay_pending_items 0",
		`masspay_store_pool_max_connections{pool="write"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape has no %q", want)
		}
	}

	st.Close()
	body = get(t, srv.URL)
	if strings.Contains(body, "masspay_pending_items ") || !strings.Contains(body, "go_goroutines ") {
		t.Errorf("scrape of a closed store: want the backlog left out and the rest served:\n%s", body)
	}
}
