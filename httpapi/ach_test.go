package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moov-io/ach"

	"masspay"
	"masspay/apptest"
	"masspay/nacha"
	"masspay/service"
)

// fakeClock is the service's clock in the ACH tests: it moves only when the test sets it, so
// windows pass and return windows close on the calendar's real dates in a second.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock { c := &fakeClock{}; c.Set(t); return c }
func (c *fakeClock) Now() time.Time       { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Set(t time.Time)      { c.ns.Store(t.UnixNano()) }

// startACH starts a server with --clearing ach, its clock at now, writing files to a fresh
// directory.
func startACH(t *testing.T, now time.Time) (*apptest.Env, *fakeClock, nacha.Config) {
	t.Helper()
	clk := newFakeClock(now)
	cfg := nacha.Config{ODFI: "121042882", CompanyName: "Acme Payouts", CompanyID: "1234567890", Dir: t.TempDir()}.WithDefaults()
	private := true // the tests' receivers run on loopback
	e := apptest.Start(t, apptest.Options{Service: service.Config{ACH: &cfg, Now: clk.Now, TokenTTL: 1000 * time.Hour, WebhookAllowPrivate: &private}})
	return e, clk, cfg
}

// waitFiles waits (10 s at most) until dir holds n NACHA files and returns them, read back and
// validated with moov-io/ach, by name.
func waitFiles(t *testing.T, dir string, n int) map[string]*ach.File {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		names, _ := filepath.Glob(filepath.Join(dir, "*.ach"))
		if len(names) == n {
			out := map[string]*ach.File{}
			for _, p := range names {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				f, err := nacha.Read(b)
				if err != nil {
					t.Fatalf("%s does not validate: %v\n%s", p, err, b)
				}
				out[filepath.Base(p)] = f
			}
			return out
		}
		if len(names) > n || time.Now().After(deadline) {
			t.Fatalf("%d files in %s, want %d", len(names), dir, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sentEntry is an entry as the file has it, with its batch header.
type sentEntry struct {
	header *ach.BatchHeader
	entry  *ach.EntryDetail
}

// entriesByID indexes a file's entries by individual id.
func entriesByID(f *ach.File) map[string]sentEntry {
	out := map[string]sentEntry{}
	for _, b := range f.Batches {
		for _, ed := range b.GetEntries() {
			out[strings.TrimSpace(ed.IdentificationNumber)] = sentEntry{b.GetHeader(), ed}
		}
	}
	return out
}

// waitTransfer waits (10 s at most) until a transfer has status want.
func waitTransfer(t *testing.T, e *apptest.Env, id, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		body := e.Get("/transfers/" + id).OK(t)
		if body["status"] == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("transfer %s is %v, want %s", id, body["status"], want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A balance-sourced batch and a bank-sourced batch through real ACH: the first window's file
// carries the balance batch's credits and the bank batch's single funding debit; the credits of
// the bank batch go in the first window after that debit is processed; every entry settles on
// its effective date (same-day for next-available, the next banking day otherwise) and is
// processed when its return window is over, with the clearing's events and webhooks.
func TestACHClearing(t *testing.T) {
	t.Parallel()
	ny, _ := time.LoadLocation("America/New_York")
	at := func(day, hm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+hm, ny)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	e, clk, cfg := startACH(t, at("2026-11-09", "09:00:00")) // a Monday (dates in the past: webhooks are due at once)
	rcv := newReceiver(t, "ach-secret", 0)
	subscribe(t, e.Client, rcv.srv.URL, "ach-secret")
	bank, balance := e.Funding(e.Client)
	payees := e.Payees(e.Client, 3)
	// The third payee's bank is a savings account.
	write(t, e, func(q masspay.Q) error {
		fs, err := q.FundingSourceGet(context.Background(), apptest.ID(payees[2].Href))
		if err != nil {
			return err
		}
		fs.BankAccountType = "savings"
		return q.FundingSourceUpdate(context.Background(), fs)
	})

	// A balance-sourced batch: the first item same-day with addenda, the second standard.
	mp := apptest.MassPayment(balance, "12.34", payees[0].Href, payees[1].Href)
	item0 := mp["items"].([]any)[0].(map[string]any)
	item0["clearing"] = map[string]any{"destination": "next-available"}
	item0["achDetails"] = map[string]any{"destination": map[string]any{"addenda": map[string]any{"values": []string{"invoice-1 thanks"}}}}
	loc1 := e.Post("/mass-payments", mp).Created(t)
	// A bank-sourced batch: its funding debit same-day, with addenda.
	mp2 := apptest.MassPayment(bank, "5.00", payees[2].Href)
	mp2["clearing"] = map[string]any{"source": "next-available"}
	mp2["achDetails"] = map[string]any{"source": map[string]any{"addenda": map[string]any{"values": []string{"batch two"}}}}
	loc2 := e.Post("/mass-payments", mp2).Created(t)
	e.WaitStatus(loc1, "complete")
	e.WaitStatus(loc2, "complete")
	ts1, ts2 := itemTransfers(t, e, loc1), itemTransfers(t, e, loc2)
	funding := apptest.ID(apptest.Dig(e.Get("/transfers/"+ts2[0]).OK(t), "_links", "funding-transfer", "href").(string))
	if body := e.Get("/transfers/" + ts1[0]).OK(t); body["individualAchId"] != nil || apptest.Dig(body, "achDetails", "destination", "traceId") != nil {
		t.Fatalf("a transfer in no file shows ACH details: %v", body)
	}
	e.Post("/sandbox-simulations", nil).Error(t, 404, "NotFound")

	// 10:30: the first window's file.
	clk.Set(at("2026-11-09", "10:30:01"))
	files := waitFiles(t, cfg.Dir, 1)
	f1 := files["masspay-20261109-A.ach"]
	if f1 == nil {
		t.Fatalf("files %v, want masspay-20261109-A.ach", slices.Collect(mapKeys(files)))
	}
	sent := entriesByID(f1)
	if len(sent) != 3 {
		t.Fatalf("first file has %d entries, want 3 (two credits, one funding debit)", len(sent))
	}
	type want struct {
		transfer, sec, eff, addenda, side string
		code                              int
		amount                            int
	}
	for _, w := range []want{
		{ts1[0], "PPD", "261109", "invoice-1 thanks", "destination", ach.CheckingCredit, 12_34},
		{ts1[1], "PPD", "261110", "", "destination", ach.CheckingCredit, 12_34},
		{funding, "CCD", "261109", "batch two", "source", ach.CheckingDebit, 5_00},
	} {
		body := e.Get("/transfers/" + w.transfer).OK(t)
		id, _ := body["individualAchId"].(string)
		s, ok := sent[id]
		if !ok {
			t.Fatalf("transfer %s: individualAchId %q not in the file", w.transfer, id)
		}
		if s.header.StandardEntryClassCode != w.sec || s.header.EffectiveEntryDate != w.eff || s.entry.TransactionCode != w.code ||
			s.entry.Amount != w.amount || s.header.CompanyEntryDescription != "PAYOUT" || s.header.CompanyName != "Acme Payouts" {
			t.Errorf("transfer %s entry: %s eff %s code %d amount %d", w.transfer, s.header.StandardEntryClassCode,
				s.header.EffectiveEntryDate, s.entry.TransactionCode, s.entry.Amount)
		}
		var addenda string
		if len(s.entry.Addenda05) == 1 {
			addenda = s.entry.Addenda05[0].PaymentRelatedInformation
		}
		if strings.TrimSpace(addenda) != w.addenda || len(s.entry.Addenda05) > 1 {
			t.Errorf("transfer %s addenda %q, want %q", w.transfer, addenda, w.addenda)
		}
		side := apptest.Dig(body, "achDetails", w.side).(map[string]any)
		eff, _ := time.Parse("060102", w.eff)
		if side["traceId"] != s.entry.TraceNumber || side["effectiveDate"] != eff.Format(time.DateOnly) ||
			side["companyId"] != "1234567890" || side["routingNumber"] != "121042882" || side["companyEntryDescription"] != "PAYOUT" {
			t.Errorf("transfer %s achDetails.%s = %v", w.transfer, w.side, side)
		}
	}
	// An item of the bank batch waits for its funding debit to be processed.
	if body := e.Get("/transfers/" + ts2[0]).OK(t); body["individualAchId"] != nil {
		t.Fatalf("item credit of a bank-sourced batch sent before its funding: %v", body)
	}
	// Sent transfers cannot be cancelled any more.
	e.Post("/transfers/"+ts1[0], map[string]string{"status": "cancelled"}).Error(t, 400, "ValidationError")

	// The 14:45 window: nothing due, no file.
	clk.Set(at("2026-11-09", "14:45:01"))
	time.Sleep(1500 * time.Millisecond)
	waitFiles(t, cfg.Dir, 1)

	// Settlement: entries effective 11-09 are processed once their return window (2 banking
	// days: 11-10 and 11-12, Veterans Day skipped) is over.
	clk.Set(at("2026-11-12", "23:00:00"))
	time.Sleep(1500 * time.Millisecond)
	if s := status(t, e, ts1[0]); s != "pending" {
		t.Fatalf("transfer processed inside its return window: %s", s)
	}
	clk.Set(at("2026-11-13", "09:00:00"))
	waitTransfer(t, e, funding, "processed")
	waitTransfer(t, e, ts1[0], "processed")
	if s := status(t, e, ts1[1]); s != "pending" {
		t.Fatalf("standard entry (effective 11-10) processed on 11-13: %s", s)
	}
	// The funded credit goes in the next window, on the savings account.
	clk.Set(at("2026-11-13", "10:30:01"))
	files = waitFiles(t, cfg.Dir, 2)
	f2 := files["masspay-20261113-A.ach"]
	if f2 == nil {
		t.Fatalf("files %v, want masspay-20261113-A.ach", slices.Collect(mapKeys(files)))
	}
	body := e.Get("/transfers/" + ts2[0]).OK(t)
	s2 := entriesByID(f2)[body["individualAchId"].(string)]
	if len(entriesByID(f2)) != 1 || s2.entry == nil || s2.entry.TransactionCode != ach.SavingsCredit || s2.header.EffectiveEntryDate != "261116" {
		t.Fatalf("second file: %d entries, item credit %+v", len(entriesByID(f2)), s2.entry)
	}
	if apptest.Dig(body, "achDetails", "source", "traceId") == nil || apptest.Dig(body, "achDetails", "destination", "traceId") == nil {
		t.Fatalf("funded item shows its funding debit as source and its credit as destination: %v", body["achDetails"])
	}
	clk.Set(at("2026-11-14", "09:00:00"))
	waitTransfer(t, e, ts1[1], "processed")
	clk.Set(at("2026-11-19", "09:00:00")) // effective 11-16 (Monday), returns until 11-18
	waitTransfer(t, e, ts2[0], "processed")

	// The same events and webhooks as the sandbox's clearing.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, bodies, bad := rcv.state()
		topics := map[string]int{}
		for _, b := range bodies {
			var ev struct{ Topic string }
			json.Unmarshal(b, &ev)
			topics[ev.Topic]++
		}
		if len(bad) > 0 {
			t.Fatalf("bad webhooks: %v", bad)
		}
		if topics["bank_transfer_completed"] == 1 && topics["transfer_completed"] == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook topics %v, want bank_transfer_completed 1 and transfer_completed 3", topics)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.Verify()
	a, err := service.New(e.Store, service.Config{}).LoadACH(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v, err := a.CheckDir(context.Background()); err != nil || len(v) > 0 {
		t.Fatalf("directory against the store: %v %v", v, err)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
