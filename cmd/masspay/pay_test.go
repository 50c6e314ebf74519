package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"masspay"
	"masspay/apptest"
	"masspay/client"
	"masspay/contract"
	"masspay/payout"
)

// Every request the commands send goes through the contract check: each answer must be one that
// Dwolla's OpenAPI document defines, which proves the commands use only Dwolla's documented API.
func init() { apiTransport = contractTransport{http.DefaultTransport} }

type contractTransport struct{ next http.RoundTripper }

func (ct contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := ct.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	spec, err := contract.Load()
	if err != nil {
		return nil, err
	}
	if err := spec.Check(req, res.StatusCode, res.Header, body); err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	return res, nil
}

// cliResult is what one run of a command printed and its exit code.
type cliResult struct {
	stdout, stderr string
	code           int
}

// cli runs `masspay args...` in process against env's server with env's credentials (from
// MASSPAY_* variables, as a user would set them).
func cli(t *testing.T, ctx context.Context, env *apptest.Env, args ...string) cliResult {
	t.Helper()
	vars := map[string]string{"MASSPAY_URL": env.Base, "MASSPAY_KEY": env.Key, "MASSPAY_SECRET": env.Secret}
	var out, errb bytes.Buffer
	err := run(ctx, args, func(k string) string { return vars[k] }, &out, &errb)
	r := cliResult{stdout: out.String(), stderr: errb.String()}
	if err != nil {
		code, ok := err.(exitError)
		if !ok {
			t.Fatalf("masspay %s: error %v is not an exit code\nstderr: %s", strings.Join(args, " "), err, r.stderr)
		}
		r.code = int(code)
	}
	return r
}

func (r cliResult) want(t *testing.T, code int) cliResult {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// oneLine asserts that stderr is exactly one line starting with "masspay: " and containing want.
func (r cliResult) oneLine(t *testing.T, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "masspay: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want one line with %q", r.stderr, want)
	}
}

// writeFile writes a CSV file of rows (the first is the header) and returns its path.
func writeFile(t *testing.T, rows [][]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "payouts.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// massPayments returns the hrefs of the account's mass payments, oldest first.
func massPayments(env *apptest.Env) []string {
	body := env.Get("/accounts/" + env.AccountID + "/mass-payments?limit=200").OK(env.T)
	list, _ := apptest.Dig(body, "_embedded", "mass-payments").([]any)
	out := make([]string, len(list))
	for i, mp := range list {
		out[len(list)-1-i] = apptest.Dig(mp, "_links", "self", "href").(string)
	}
	return out
}

func balanceOf(env *apptest.Env, href string) string {
	return apptest.Dig(env.Get(href+"/balance").OK(env.T), "balance", "value").(string)
}

// TestPay12000Rows pays a 12,000-row file (three batches) from the account's balance, through an
// interruption after the first batch and a complete second run, and checks that it paid once,
// that the results file has one row per input row, in order, matching the API's items and
// transfers, and that `masspay results` exports the same rows for a batch.
func TestPay12000Rows(t *testing.T) {
	if testing.Short() {
		t.Skip("12,000 payments; skipped with -short")
	}
	t.Parallel()
	env := apptest.Start(t)
	_, balance := env.Funding(env.Client)
	payees := env.Payees(env.Client, 1000)
	rows := [][]string{{"destination", "amount", "correlationId", "metadata.invoice"}}
	var total int64
	for i := range 12000 {
		cents := int64(i%41 + 1)
		dest := payees[i%len(payees)].Href // a URL; every fifth row gives the bare id instead
		if i%5 == 0 {
			dest = apptest.ID(dest)
		}
		corr, inv := "", ""
		if i%3 == 0 {
			corr, inv = fmt.Sprintf("pay-%d", i), fmt.Sprintf("INV %d", i)
		}
		if i >= 11998 { // the last two rows are alike but for their correlation ids
			cents, dest, corr, inv = 8, payees[7].Href, fmt.Sprintf("twin-%d", i), ""
		}
		total += cents
		rows = append(rows, []string{dest, masspay.FormatAmount(cents), corr, inv})
	}
	file := writeFile(t, rows)
	out := filepath.Join(t.TempDir(), "results.csv")
	before := balanceOf(env, balance)

	plan := cli(t, context.Background(), env, "pay", file, "--dry-run").want(t, 0)
	for _, w := range []string{"12000 payments, " + masspay.FormatAmount(total) + " USD, in 3 mass payment(s)",
		"batch 1/3: rows 2-5001, 5000 items", "batch 3/3: rows 10002-12001, 2000 items", "dry run: nothing was sent"} {
		if !strings.Contains(plan.stdout, w) {
			t.Errorf("dry run output lacks %q:\n%s", w, plan.stdout)
		}
	}
	if n := len(massPayments(env)); n != 0 {
		t.Fatalf("dry run made %d mass payments", n)
	}

	// A run stopped (Ctrl-C) as soon as the first batch is sent.
	ctx, cancel := context.WithCancel(context.Background())
	stopAfterFirst := &watchWriter{on: "batch 1/3", do: cancel}
	vars := map[string]string{"MASSPAY_URL": env.Base, "MASSPAY_KEY": env.Key, "MASSPAY_SECRET": env.Secret}
	var errb bytes.Buffer
	err := run(ctx, []string{"pay", file, "--source", balance}, func(k string) string { return vars[k] }, stopAfterFirst, &errb)
	if err != exitError(exitInterrupted) || !strings.Contains(errb.String(), "run the same command again") {
		t.Fatalf("interrupted run: %v, %q", err, errb.String())
	}
	if n := len(massPayments(env)); n != 1 {
		t.Fatalf("after the interrupted run: %d mass payments, want 1", n)
	}

	// The same command again carries on: batch 1 is found, 2 and 3 are sent.
	r := cli(t, context.Background(), env, "pay", file, "--source", apptest.ID(balance), "--out", out).want(t, 0)
	for _, w := range []string{"batch 1/3: 5000 items", "already sent by an earlier run", "batch 2/3: 5000 items",
		"batch 3/3: 2000 items", "progress: 12000/12000 items done (12000 paid, 0 failed)",
		"paid 12000 of 12000 items (" + masspay.FormatAmount(total) + " of " + masspay.FormatAmount(total) + " USD) in 3 mass payment(s); 0 failed",
		"results: " + out + " (12000 rows)"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, r.stdout)
		}
	}
	if strings.Count(r.stdout, "already sent") != 1 {
		t.Errorf("want exactly batch 1 found:\n%s", r.stdout)
	}
	mps := massPayments(env)
	if len(mps) != 3 {
		t.Fatalf("%d mass payments, want 3", len(mps))
	}
	beforeCents, _ := masspay.ParseAmount(before)
	after := balanceOf(env, balance)
	if after != masspay.FormatAmount(beforeCents-total) {
		t.Errorf("balance %s after paying %s from %s", after, masspay.FormatAmount(total), before)
	}

	// A third run pays nothing more.
	again := cli(t, context.Background(), env, "pay", file, "--source", balance).want(t, 0)
	if strings.Count(again.stdout, "already sent by an earlier run") != 3 || len(massPayments(env)) != 3 || balanceOf(env, balance) != after {
		t.Errorf("re-run paid again: %d mass payments, balance %s\n%s", len(massPayments(env)), balanceOf(env, balance), again.stdout)
	}

	// Results: one row per input row, in input order, matching the API's items one by one (masspay
	// lists a batch's items in the order they were sent).
	res := readCSV(t, out)
	if strings.Join(res[0], ",") != "row,destination,amount,correlationId,massPayment,item,status,errorCode,errorMessage,transfer" {
		t.Fatalf("header %v", res[0])
	}
	res = res[1:]
	if len(res) != 12000 {
		t.Fatalf("%d result rows", len(res))
	}
	for b, mp := range mps {
		items := allItems(env, mp)
		for k, it := range items {
			i := b*5000 + k
			in, got := rows[i+1], res[i]
			want := []string{fmt.Sprint(i + 2), apptest.ID(in[0]), in[1], in[2], mp, apptest.ID(it["self"]), "success", "", "", apptest.ID(it["transfer"])}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("result row %d = %v\nwant %v", i+2, got, want)
			}
		}
	}
	// The transfer of a result row pays that row's destination that row's amount.
	tr := env.Get("/transfers/" + res[11999][9]).OK(t)
	if apptest.Dig(tr, "amount", "value") != "0.08" || apptest.Dig(tr, "correlationId") != "twin-11999" {
		t.Errorf("transfer of row 12001: %v", tr)
	}

	// `masspay results` exports the same rows for one batch (without input row numbers).
	one := filepath.Join(t.TempDir(), "batch2.csv")
	cli(t, context.Background(), env, "results", mps[1], "--out", one).want(t, 0)
	exp := readCSV(t, one)[1:]
	if len(exp) != 5000 {
		t.Fatalf("results of batch 2: %d rows", len(exp))
	}
	for k := range exp {
		if strings.Join(exp[k][1:], "|") != strings.Join(res[5000+k][1:], "|") || exp[k][0] != "" {
			t.Fatalf("results row %d = %v, pay wrote %v", k, exp[k], res[5000+k])
		}
	}
	env.Verify()
}

// allItems lists a mass payment's items as maps of self and transfer hrefs.
func allItems(env *apptest.Env, mp string) []map[string]string {
	var out []map[string]string
	for off := 0; ; off += 200 {
		body := env.Get(fmt.Sprintf("%s/items?limit=200&offset=%d", mp, off)).OK(env.T)
		list, _ := apptest.Dig(body, "_embedded", "items").([]any)
		if len(list) == 0 {
			return out
		}
		for _, it := range list {
			tr, _ := apptest.Dig(it, "_links", "transfer", "href").(string)
			out = append(out, map[string]string{"self": apptest.Dig(it, "_links", "self", "href").(string), "transfer": tr})
		}
	}
}

// watchWriter calls do once when something written to it contains on.
type watchWriter struct {
	bytes.Buffer
	on string
	do func()
}

func (w *watchWriter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if w.do != nil && strings.Contains(w.String(), w.on) {
		w.do()
		w.do = nil
	}
	return n, err
}

// TestPayRefusesBadFile: every problem is listed with its row and column, and nothing is sent.
func TestPayRefusesBadFile(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	_, balance := env.Funding(env.Client)
	good := env.Payees(env.Client, 1)[0].Href
	file := writeFile(t, [][]string{
		{"destination", "amount", "correlationId", "clearing"},
		{good, "10.00", "ok-1", ""},
		{good, "12,50", "", ""},
		{"", "1.00", "", ""},
		{good, "1.00", "has space", "tomorrow"},
		{"not-an-id", "$3", "", ""},
		{good, "0.00", "", ""},
	})
	r := cli(t, context.Background(), env, "pay", file, "--source", balance).want(t, exitBadFile)
	want := []string{
		`payouts.csv: row 3, column amount: "12,50" is not an amount; expected a positive amount in dollars like 12.34`,
		`payouts.csv: row 4, column destination: empty; expected a funding source URL or id`,
		`payouts.csv: row 5, column correlationId: "has space" is not a correlation id`,
		`payouts.csv: row 5, column clearing: "tomorrow" is not a clearing; expected next-available or an empty cell`,
		`payouts.csv: row 6, column destination: "not-an-id" is not a funding source`,
		`payouts.csv: row 6, column amount: "$3" is not an amount`,
		`payouts.csv: row 7, column amount: "0.00" is not an amount`,
		`masspay: payouts.csv: 7 problems; nothing was sent`,
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stderr:\n%s\nwant %d lines", r.stderr, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q\nwant %q...", i+1, lines[i], w)
		}
	}
	if n := len(massPayments(env)); n != 0 {
		t.Errorf("%d mass payments made from a bad file", n)
	}
	// A file that is not there is one line too.
	cli(t, context.Background(), env, "pay", filepath.Join(t.TempDir(), "missing.csv"), "--source", balance).
		want(t, exitBadFile).oneLine(t, "missing.csv: no such file or directory")
}

// TestRetryFailed: a batch with failed items is re-sent once; a second retry-failed finds the
// batch the first made. A batch that is not complete is refused with the reason.
func TestRetryFailed(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	_, balance := env.Funding(env.Client)
	payees := env.Payees(env.Client, 10)
	rows := [][]string{{"destination", "amount", "correlationId", "metadata.invoice"}}
	for i, p := range payees {
		rows = append(rows, []string{p.Href, fmt.Sprintf("%d.00", i+1), fmt.Sprintf("c-%d", i), fmt.Sprintf("INV-%d", i)})
	}
	// Payees 2, 5 and 7 are deactivated: their items fail with Restricted.
	failing := []int{2, 5, 7}
	for _, i := range failing {
		env.Post("/customers/"+payees[i].CustomerID, map[string]any{"status": "deactivated"}).OK(t)
	}
	file := writeFile(t, rows)
	out := filepath.Join(t.TempDir(), "results.csv")
	r := cli(t, context.Background(), env, "pay", file, "--source", balance, "--out", out).want(t, exitItemsFailed)
	if !strings.Contains(r.stdout, "paid 7 of 10 items (38.00 of 55.00 USD) in 1 mass payment(s); 3 failed (17.00 USD)") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	mp := massPayments(env)[0]
	if !strings.Contains(r.stdout, "masspay retry-failed "+mp) {
		t.Errorf("no retry hint:\n%s", r.stdout)
	}
	res := readCSV(t, out)[1:]
	for i, row := range res {
		wantStatus, wantCode := "success", ""
		if i == 2 || i == 5 || i == 7 {
			wantStatus, wantCode = "failed", "Restricted"
		}
		if row[0] != fmt.Sprint(i+2) || row[6] != wantStatus || row[7] != wantCode || (wantStatus == "success") != (row[9] != "") {
			t.Errorf("result row %d = %v", i+2, row)
		}
	}

	// Not complete: a deferred batch is refused, and says why.
	deferred := apptest.MassPayment(balance, "1.00", payees[0].Href)
	deferred["status"] = "deferred"
	dmp := env.Post("/mass-payments", deferred).Created(t)
	cli(t, context.Background(), env, "retry-failed", dmp).want(t, exitRefused).
		oneLine(t, "is deferred, not complete: it was never released")

	// The failing receivers are fixed; the failed items are re-sent, once.
	for _, i := range failing {
		env.Post("/customers/"+payees[i].CustomerID, map[string]any{"status": "reactivated"}).OK(t)
	}
	retryOut := filepath.Join(t.TempDir(), "retry.csv")
	first := cli(t, context.Background(), env, "retry-failed", mp, "--out", retryOut).want(t, 0)
	if !strings.Contains(first.stdout, "re-sent 3 failed items (17.00 USD) of "+mp) ||
		!strings.Contains(first.stdout, "paid 3 of 3 items (17.00 of 17.00 USD)") {
		t.Errorf("retry-failed:\n%s", first.stdout)
	}
	second := cli(t, context.Background(), env, "retry-failed", mp).want(t, 0)
	if !strings.Contains(second.stdout, "were already re-sent as") {
		t.Errorf("second retry-failed:\n%s", second.stdout)
	}
	all := massPayments(env)
	if len(all) != 3 { // the batch, the deferred one, and one retry
		t.Fatalf("%d mass payments, want 3", len(all))
	}
	retry := all[2]
	items := env.Get(retry + "/items").OK(t)
	list := apptest.Dig(items, "_embedded", "items").([]any)
	if len(list) != 3 {
		t.Fatalf("retry batch has %d items", len(list))
	}
	for k, it := range list {
		i := failing[k]
		if apptest.Dig(it, "_links", "destination", "href") != payees[i].Href || apptest.Dig(it, "amount", "value") != fmt.Sprintf("%d.00", i+1) ||
			apptest.Dig(it, "correlationId") != fmt.Sprintf("c-%d", i) || apptest.Dig(it, "metadata", "invoice") != fmt.Sprintf("INV-%d", i) ||
			apptest.Dig(it, "status") != "success" {
			t.Errorf("retry item %d = %v", k, it)
		}
	}
	if got := readCSV(t, retryOut); len(got) != 4 || got[1][4] != retry {
		t.Errorf("retry results %v", got)
	}
	// The retry batch itself has nothing failed.
	cli(t, context.Background(), env, "retry-failed", retry).want(t, 0)
	env.Verify()
}

// TestPayErrors: a wrong secret, an unknown source and a server that is down each give one line
// and their own exit code.
func TestPayErrors(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	bank, balance := env.Funding(env.Client)
	file := writeFile(t, [][]string{{"destination", "amount"}, {env.Payees(env.Client, 1)[0].Href, "1.00"}})

	wrong := *env
	wrong.Client = &apptest.Client{T: t, Base: env.Base, Key: env.Key, Secret: "not-the-secret"}
	cli(t, context.Background(), &wrong, "pay", file, "--source", balance).want(t, exitAuth).
		oneLine(t, "the API refused the key and secret (invalid_client")

	cli(t, context.Background(), env, "pay", file, "--source", "0b0e7bc3-2c3f-4a57-9a51-3a4a1d1d2f01").want(t, exitRefused).
		oneLine(t, "source 0b0e7bc3-2c3f-4a57-9a51-3a4a1d1d2f01: no such funding source for these credentials (404 NotFound")

	cli(t, context.Background(), env, "pay", file, "--source", "savings").want(t, exitRefused).
		oneLine(t, "source savings: expected a funding source URL")

	down := *env
	down.Base = "http://127.0.0.1:1"
	cli(t, context.Background(), &down, "pay", file, "--source", balance).want(t, exitUnreachable).
		oneLine(t, "cannot reach the API at http://127.0.0.1:1: connection refused (is the server running, and is --url right?)")
	cli(t, context.Background(), &down, "results", balance).want(t, exitUnreachable).oneLine(t, "cannot reach the API")

	cli(t, context.Background(), env, "retry-failed", env.Base+"/mass-payments/0b0e7bc3-2c3f-4a57-9a51-3a4a1d1d2f01").
		want(t, exitRefused).oneLine(t, "404 NotFound")
	cli(t, context.Background(), env, "pay").want(t, exitUsage)
	cli(t, context.Background(), env, "pay", file).want(t, exitUsage).oneLine(t, "no --source")
	if n := len(massPayments(env)); n != 0 {
		t.Errorf("%d mass payments made", n)
	}

	// Paid from the balance, the same payments are not paid again from the bank.
	cli(t, context.Background(), env, "pay", file, "--source", balance).want(t, 0)
	cli(t, context.Background(), env, "pay", file, "--source", bank).want(t, exitRefused).
		oneLine(t, "these payments were already sent from another source")
	if n := len(massPayments(env)); n != 1 {
		t.Errorf("%d mass payments made, want 1", n)
	}
}

// dwollaShaped hands the commands mass payments as Dwolla's API has them, without masspay's
// itemCounts, and counts the item-list totals asked for instead.
type dwollaShaped struct {
	next      http.RoundTripper
	strip     bool
	stripped  atomic.Int64
	itemTotal atomic.Int64
}

func (d *dwollaShaped) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := d.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(req.URL.Path, "/items") && req.URL.Query().Get("limit") == "1" && req.URL.Query().Get("status") != "" {
		d.itemTotal.Add(1)
	}
	if !d.strip || !strings.Contains(req.URL.Path, "/mass-payments/") || strings.HasSuffix(req.URL.Path, "/items") {
		return res, nil
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var m map[string]any
	if json.Unmarshal(body, &m) == nil && m["itemCounts"] != nil {
		delete(m, "itemCounts")
		body, _ = json.Marshal(m)
		d.stripped.Add(1)
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Del("Content-Length")
	return res, nil
}

// TestPayCountsBothWays: progress comes from the live counts when the resource carries them
// (no item-list calls), and from the item list's totals when it does not, as against Dwolla;
// both give the same figures.
func TestPayCountsBothWays(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	_, balance := env.Funding(env.Client)
	payees := env.Payees(env.Client, 30)
	for _, i := range []int{4, 17} {
		env.Post("/customers/"+payees[i].CustomerID, map[string]any{"status": "deactivated"}).OK(t)
	}
	for _, strip := range []bool{false, true} {
		rows := "destination,amount\n"
		for _, p := range payees {
			rows += fmt.Sprintf("%s,%s\n", p.Href, map[bool]string{false: "1.00", true: "2.00"}[strip])
		}
		f, err := payout.Parse("f.csv", strings.NewReader(rows))
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New(env.Base, env.Key, env.Secret)
		if err != nil {
			t.Fatal(err)
		}
		tr := &dwollaShaped{next: apiTransport, strip: strip}
		c.HTTP.Transport = tr
		var out bytes.Buffer
		o, err := (&payout.Payer{Client: c, Out: &out, Poll: 5 * time.Millisecond}).Pay(context.Background(), f, balance)
		if err != nil {
			t.Fatal(err)
		}
		if o.Failed() != 2 || !strings.Contains(out.String(), "progress: 30/30 items done (28 paid, 2 failed)") {
			t.Errorf("strip=%v: %d failed\n%s", strip, o.Failed(), out.String())
		}
		switch {
		case !strip && tr.itemTotal.Load() != 0:
			t.Errorf("live counts present, yet %d item-list totals were asked for", tr.itemTotal.Load())
		case strip && (tr.stripped.Load() == 0 || tr.itemTotal.Load() < 3):
			t.Errorf("without live counts: %d resources stripped, %d item-list totals", tr.stripped.Load(), tr.itemTotal.Load())
		}
	}
}
