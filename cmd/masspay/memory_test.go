package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/bench"
)

// envInt is the integer in the environment variable name, or def.
func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

// TestServeMemoryBounded runs a real `masspay serve`, grows its store through the API (history
// batches of 5,000 items, one after the other), and then posts ten 5,000-item mass payments at
// once while two clients read the list endpoints in a loop, until all ten are complete. The
// server's peak resident set over that phase (VmHWM, reset at its start) must stay under the
// bound: by default 260 MB at 20,000 items of history (this build peaks near 200 MB there; the
// build before the accept turns and the smaller read caches near 300 MB). Issue 15 asks for
// 400 MB at 1M items: MASSPAY_TEST_RSS_HISTORY=1000000 MASSPAY_TEST_RSS_LIMIT_MB=400 checks
// that, as README's "Memory" section did (ten minutes of history through the API).
func TestServeMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("grows a store through a real server; skipped with -short")
	}
	if _, _, err := bench.ProcRSS(0); err != nil {
		t.Skipf("no /proc: %v", err)
	}
	history := envInt(t, "MASSPAY_TEST_RSS_HISTORY", 20_000)
	limit := int64(envInt(t, "MASSPAY_TEST_RSS_LIMIT_MB", 260)) * 1_000_000
	const perBatch, concurrent = masspay.MaxItems, bench.Concurrent

	bin := buildBinary(t)
	dir, dbURL, storeArgs := testStore(t)
	accountID, key, secret := appsCreate(t, bin, storeArgs...)
	st, err := app.OpenStore(context.Background(), dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	env := &apptest.Env{T: t, Store: st, Base: "http://masspay"}
	client := &apptest.Client{T: t, AccountID: accountID, Key: key, Secret: secret}
	_, balance := env.Funding(client)
	payees := env.Payees(client, perBatch)
	body, _ := json.Marshal(apptest.MassPayment(balance, "1.00", apptest.Hrefs(payees)...))

	srv := startServer(t, bin, storeArgs...)
	pid := srv.cmd.Process.Pid
	token, ok := tryToken(&apptest.Client{Base: srv.base, Key: key, Secret: secret})
	if !ok {
		t.Fatalf("no token; server log:\n%s", srv.logs)
	}
	post := func(i int) string {
		status, loc, err := postMassPayment(srv.base, token, fmt.Sprint("rss-", i), body)
		if err != nil || status != http.StatusCreated {
			t.Errorf("POST /mass-payments: %d %v", status, err)
		}
		return loc
	}
	wait := func(locs ...string) {
		deadline := time.Now().Add(10 * time.Minute)
		for _, loc := range locs {
			for incomplete(t, token, loc) {
				if time.Now().After(deadline) {
					t.Fatalf("%s not complete after 10 minutes", loc)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	start := time.Now()
	n, last := 0, ""
	for ; n*perBatch < history || last == ""; n++ {
		last = post(n)
		wait(last)
	}
	_, grown, _ := bench.ProcRSS(pid)
	t.Logf("history: %d items through the API in %v; server peak RSS so far %.0f MB", n*perBatch, time.Since(start).Round(time.Second), float64(grown)/1e6)

	if err := bench.ResetPeakRSS(pid); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
	before, _, _ := bench.ProcRSS(pid)
	paths := []string{"/accounts/" + accountID + "/transfers", "/customers/" + payees[0].CustomerID + "/transfers", "/events",
		"/accounts/" + accountID + "/mass-payments", "/mass-payments/" + apptest.ID(last) + "/items"}
	ctx, stop := context.WithCancel(context.Background())
	var readers sync.WaitGroup
	var reads [2]int
	for r := range reads {
		readers.Go(func() {
			for i := r; ctx.Err() == nil; i++ {
				req, _ := http.NewRequestWithContext(ctx, "GET", srv.base+paths[i%len(paths)]+"?limit=25", nil)
				req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK && ctx.Err() == nil {
					t.Errorf("GET %s: %d", paths[i%len(paths)], res.StatusCode)
					return
				}
				reads[r]++
			}
		})
	}
	start = time.Now()
	locs := make([]string, concurrent)
	var posts sync.WaitGroup
	for i := range locs {
		posts.Go(func() { locs[i] = post(n + i) })
	}
	posts.Wait()
	accepted := time.Since(start)
	wait(locs...)
	took := time.Since(start)
	stop()
	readers.Wait()
	rss, peak, err := bench.ProcRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d batches of %d items at once at %d items of history: all accepted in %v, complete in %v, %d list reads meanwhile;"+
		" server RSS %.0f MB before, %.0f MB after, peak %.0f MB (bound %.0f MB)",
		concurrent, perBatch, n*perBatch, accepted.Round(time.Millisecond), took.Round(time.Millisecond), reads[0]+reads[1],
		float64(before)/1e6, float64(rss)/1e6, float64(peak)/1e6, float64(limit)/1e6)
	if peak > limit {
		t.Errorf("server peak RSS %.0f MB, over the bound of %.0f MB", float64(peak)/1e6, float64(limit)/1e6)
	}
}

// incomplete reads the mass payment at loc and reports whether it is not complete yet.
func incomplete(t *testing.T, token, loc string) bool {
	req, _ := http.NewRequest("GET", loc, nil)
	req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var mp struct{ Status string }
	if err := json.NewDecoder(res.Body).Decode(&mp); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", loc, res.StatusCode, err)
	}
	return mp.Status != "complete"
}
