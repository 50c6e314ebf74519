package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/engine"
	"masspay/nacha"
	"masspay/service"
)

// achReturnEnv is a server under --clearing ach (its ACH worker left out: the test makes the
// cutoffs and settles) and the test's own ACH clearing on the same store, on a clock it moves.
type achReturnEnv struct {
	*apptest.Env
	a     *service.ACH
	mu    sync.Mutex
	now   time.Time
	bank  string // the account's bank (href)
	bal   string // the account's balance (href)
	payee []apptest.Payee
}

func newACHReturnEnv(t *testing.T) *achReturnEnv {
	t.Helper()
	cfg := achConfig(filepath.Join(t.TempDir(), "outbound"))
	e := apptest.Start(t, apptest.Options{Service: service.Config{ACH: &cfg},
		Workers: app.Workers{app.EngineWorker(engine.Config{}), app.WebhookWorker}})
	env := &achReturnEnv{Env: e, now: time.Now()}
	a, err := service.New(e.Store, service.Config{ACH: &cfg, Now: env.clock}).ACH(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.a = a
	env.bank, env.bal = e.Funding(e.Client)
	env.payee = e.Payees(e.Client, 4)
	return env
}

func (e *achReturnEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *achReturnEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// pay runs a mass payment of amount to each payee and returns its Location and item transfers.
func (e *achReturnEnv) pay(source, amount string, payees ...apptest.Payee) (string, []string) {
	e.T.Helper()
	loc := e.Post("/mass-payments", apptest.MassPayment(source, amount, apptest.Hrefs(payees)...)).Created(e.T)
	e.WaitStatus(loc, "complete")
	var ids []string
	for _, it := range apptest.Dig(e.Get(loc+"/items").OK(e.T), "_embedded", "items").([]any) {
		ids = append(ids, apptest.ID(apptest.Dig(it, "_links", "transfer", "href").(string)))
	}
	return loc, ids
}

func (e *achReturnEnv) cutoff() *masspay.ACHFile {
	e.T.Helper()
	res, err := e.a.Cutoff(context.Background(), nil)
	if err != nil || res.File == nil {
		e.T.Fatalf("cutoff: %+v, %v", res, err)
	}
	return res.File
}

func (e *achReturnEnv) balance() string {
	e.T.Helper()
	return apptest.Dig(e.Get(e.bal+"/balance").OK(e.T), "balance", "value").(string)
}

func (e *achReturnEnv) status(id string) string {
	e.T.Helper()
	return e.Get("/transfers/" + id).OK(e.T)["status"].(string)
}

// rehearse writes the return (or NOC) file of transfers' entries and imports it.
func (e *achReturnEnv) rehearse(r service.Rehearsal) ([]byte, *service.ImportResult) {
	e.T.Helper()
	b, err := e.a.Rehearse(context.Background(), r)
	if err != nil {
		e.T.Fatalf("rehearse %+v: %v", r, err)
	}
	res, err := e.a.Import(context.Background(), r.Code+".ach", b)
	if err != nil {
		e.T.Fatalf("import %s: %v", r.Code, err)
	}
	return b, res
}

func (e *achReturnEnv) events() []string {
	e.T.Helper()
	var out []string
	for _, ev := range apptest.Dig(e.Get("/events?limit=200").OK(e.T), "_embedded", "events").([]any) {
		m := ev.(map[string]any)
		out = append(out, m["topic"].(string)+" "+apptest.ID(apptest.Dig(m, "_links", "resource", "href").(string)))
	}
	return out
}

func counts(im *masspay.ACHImport) [5]int {
	return [5]int{im.Matched, im.Already, im.Unmatched, im.Corrections, im.Held}
}

// Returns of credits: R03 fails the transfer (its posting back in the balance, the payee's bank
// removed, the events of a sandbox failure, /failure with NACHA's texts), R23 fails another and
// keeps its bank; an NOC is recorded and shown, the bank untouched; the same file again, a broken
// file and an unknown trace number change nothing.
func TestACHReturnCredits(t *testing.T) {
	t.Parallel()
	e := newACHReturnEnv(t)
	ctx := context.Background()
	_, ids := e.pay(e.bal, "10.00", e.payee[:3]...)
	if got := e.balance(); got != "4970.00" {
		t.Fatalf("balance after the batch %s", got)
	}
	e.cutoff()

	r03, res := e.rehearse(service.Rehearsal{TransferIDs: ids[:1], Code: "R03"})
	if res.Already || counts(res.Import) != [5]int{1, 0, 0, 0, 0} {
		t.Fatalf("R03 import: %+v", res.Import)
	}
	if got := e.status(ids[0]); got != "failed" {
		t.Fatalf("returned transfer %s", got)
	}
	f := e.Get("/transfers/" + ids[0] + "/failure").OK(t)
	if f["code"] != "R03" || f["description"] != "No Account/Unable to Locate Account" || !strings.HasPrefix(f["explanation"].(string), "Account number structure") {
		t.Fatalf("failure %v", f)
	}
	if href := apptest.Dig(f, "_links", "failed-funding-source", "href").(string); apptest.ID(href) != apptest.ID(e.payee[0].Href) {
		t.Fatalf("failed funding source %s, want %s", href, e.payee[0].Href)
	}
	if removed := e.Get(e.payee[0].Href).OK(t)["removed"]; removed != true {
		t.Fatalf("R03 left the bank: removed=%v", removed)
	}
	if got := e.balance(); got != "4980.00" {
		t.Fatalf("balance after the return %s, want the 10.00 back", got)
	}
	evs := strings.Join(e.events(), "\n")
	for _, want := range []string{"transfer_failed " + ids[0], "customer_transfer_failed " + ids[0], "customer_funding_source_removed " + apptest.ID(e.payee[0].Href)} {
		if !strings.Contains(evs, want) {
			t.Errorf("no event %q in\n%s", want, evs)
		}
	}
	e.Verify()

	// The same bytes again: nothing changes.
	before := len(e.events())
	again, err := e.a.Import(ctx, "again.ach", r03)
	if err != nil || !again.Already || again.Import.Name != "R03.ach" {
		t.Fatalf("second import: %+v, %v", again, err)
	}
	if n := len(e.events()); n != before || e.balance() != "4980.00" {
		t.Fatalf("second import changed something: %d events (was %d), balance %s", n, before, e.balance())
	}

	// A return that does not close the account: failed, the bank kept.
	if _, res := e.rehearse(service.Rehearsal{TransferIDs: ids[1:2], Code: "R23"}); counts(res.Import) != [5]int{1, 0, 0, 0, 0} {
		t.Fatalf("R23 import: %+v", res.Import)
	}
	if e.status(ids[1]) != "failed" || e.Get(e.payee[1].Href).OK(t)["removed"] != false {
		t.Fatal("R23: want the transfer failed and the bank kept")
	}
	if f := e.Get("/transfers/" + ids[1] + "/failure").OK(t); f["code"] != "R23" || f["description"] != "Credit entry refused by receiver" {
		t.Fatalf("R23 failure %v", f)
	}

	// An NOC: recorded against the payee's bank, an event, the bank not rewritten.
	_, res = e.rehearse(service.Rehearsal{TransferIDs: ids[2:3], Code: "C01", CorrectedData: "99988877766"})
	if counts(res.Import) != [5]int{0, 0, 0, 1, 0} {
		t.Fatalf("C01 import: %+v", res.Import)
	}
	list, total, err := e.a.Corrections(ctx, masspay.Page{Limit: 10})
	if err != nil || total != 1 || list[0].FundingSourceID != apptest.ID(e.payee[2].Href) || list[0].Code != "C01" || list[0].CorrectedData != "99988877766" {
		t.Fatalf("corrections %+v (%d), %v", list, total, err)
	}
	var bank *masspay.FundingSource
	e.Store.Read(ctx, func(q masspay.Q) (err error) {
		bank, err = q.FundingSourceGet(ctx, list[0].FundingSourceID)
		return err
	})
	if bank.AccountNumber == "99988877766" || bank.Removed {
		t.Fatalf("the NOC rewrote or removed the bank: %+v", bank)
	}
	if !strings.Contains(strings.Join(e.events(), "\n"), "customer_funding_source_correction_received "+bank.ID) {
		t.Fatal("no correction event")
	}
	if e.status(ids[2]) != "pending" {
		t.Fatal("an NOC changed the transfer")
	}

	// A return already applied, and a trace number masspay never sent, in one file.
	var sent *masspay.ACHEntry
	e.Store.Read(ctx, func(q masspay.Q) error {
		es, err := q.ACHEntryListByTransfer(ctx, ids[0])
		sent = es[0]
		return err
	})
	orig := nacha.Original{Trace: sent.Trace, IndividualID: sent.IndividualID, RoutingNumber: sent.RoutingNumber, AccountNumber: "1", Amount: 10_00, Name: "X"}
	unknown := orig
	unknown.Trace = "121042889999999"
	b, err := nacha.Config(e.a.Config()).RehearsalFile(time.Now(), []nacha.Rehearsal{{Original: orig, Code: "R02"}, {Original: unknown, Code: "R03"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err = e.a.Import(ctx, "mixed.ach", b)
	if err != nil || counts(res.Import) != [5]int{0, 1, 1, 0, 0} || !strings.Contains(res.Import.Report, "121042889999999: no entry masspay sent") {
		t.Fatalf("mixed import: %+v, %v", res, err)
	}

	// A broken file changes nothing at all.
	before = len(e.events())
	for _, broken := range [][]byte{[]byte("garbage\n"), b[:len(b)/2], nil} {
		_, err = e.a.Import(ctx, "broken.ach", broken)
		var bad *service.ImportError
		if !errors.As(err, &bad) {
			t.Fatalf("broken file: %v", err)
		}
	}
	if n := len(e.events()); n != before || e.balance() != "4990.00" {
		t.Fatalf("broken files changed something: %d events (was %d), balance %s", n, before, e.balance())
	}
	e.Verify()
}

// A returned funding debit: before settlement it fails the funding transfer and every credit of
// the batch (none sent yet), with the code; after settlement (a late return) the credits already
// in a file stay paid, and the return waits (held) while the balance cannot cover it, then applies
// once it can. The balance never goes below zero.
func TestACHReturnFundingDebit(t *testing.T) {
	t.Parallel()
	e := newACHReturnEnv(t)
	ctx := context.Background()
	fundingOf := func(item string) string {
		return apptest.ID(apptest.Dig(e.Get("/transfers/"+item).OK(t), "_links", "funding-transfer", "href").(string))
	}

	_, items := e.pay(e.bank, "10.00", e.payee[:2]...)
	fund := fundingOf(items[0])
	e.cutoff()
	if _, res := e.rehearse(service.Rehearsal{TransferIDs: []string{fund}, Code: "R01"}); counts(res.Import) != [5]int{1, 0, 0, 0, 0} {
		t.Fatalf("R01 import: %+v", res.Import)
	}
	if e.status(fund) != "failed" || e.status(items[0]) != "failed" || e.status(items[1]) != "failed" {
		t.Fatal("want the funding debit and its credits failed")
	}
	f := e.Get("/transfers/" + items[0] + "/failure").OK(t)
	if f["code"] != "R01" || apptest.ID(apptest.Dig(f, "_links", "failed-funding-source", "href").(string)) != apptest.ID(e.bank) {
		t.Fatalf("item failure %v", f)
	}
	if evs := strings.Join(e.events(), "\n"); !strings.Contains(evs, "bank_transfer_failed "+fund) || !strings.Contains(evs, "transfer_failed "+items[0]) {
		t.Fatalf("events %s", evs)
	}
	if e.Get(e.bank).OK(t)["removed"] != false || e.balance() != "5000.00" {
		t.Fatalf("R01 removed the bank or moved the balance (%s)", e.balance())
	}
	if e.cutoffNothing() {
		e.Verify()
	}

	// A late return: the funding debit settles, its credits go in a file, the balance is spent.
	_, items = e.pay(e.bank, "10.00", e.payee[2:4]...)
	fund = fundingOf(items[0])
	e.cutoff()
	e.advance(8 * 24 * time.Hour)
	if n, err := e.a.Settle(ctx); err != nil || n == 0 {
		t.Fatalf("settle: %d, %v", n, err)
	}
	if e.status(fund) != "processed" {
		t.Fatal("funding not processed")
	}
	e.cutoff() // the credits are sent
	e.pay(e.bal, "2497.50", e.payee[0], e.payee[1])
	if got := e.balance(); got != "5.00" {
		t.Fatalf("balance %s, want 5.00", got)
	}
	_, res := e.rehearse(service.Rehearsal{TransferIDs: []string{fund}, Code: "R10"})
	if counts(res.Import) != [5]int{0, 0, 0, 0, 1} || !strings.Contains(res.Import.Report, "held") {
		t.Fatalf("late R10 import: %+v", res.Import)
	}
	if e.status(fund) != "processed" || e.balance() != "5.00" {
		t.Fatal("a held return changed the funding or the balance")
	}
	e.Verify()
	// The sent credits come back (R03): 20.00 back in the balance covers the return.
	if _, res := e.rehearse(service.Rehearsal{TransferIDs: items, Code: "R03"}); counts(res.Import) != [5]int{2, 0, 0, 0, 0} {
		t.Fatalf("credit returns: %+v", res.Import)
	}
	if e.balance() != "25.00" {
		t.Fatalf("balance %s", e.balance())
	}
	if n, err := e.a.ApplyHeld(ctx); err != nil || n != 1 {
		t.Fatalf("apply held: %d, %v", n, err)
	}
	if e.status(fund) != "failed" || e.balance() != "5.00" {
		t.Fatalf("held return: funding %s, balance %s", e.status(fund), e.balance())
	}
	if f := e.Get("/transfers/" + fund + "/failure").OK(t); f["code"] != "R10" {
		t.Fatalf("funding failure %v", f)
	}
	e.Verify()
}

// cutoffNothing reports that nothing is due (the failed batch's credits are not sent).
func (e *achReturnEnv) cutoffNothing() bool {
	e.T.Helper()
	res, err := e.a.Cutoff(context.Background(), nil)
	if err != nil || res.File != nil {
		e.T.Fatalf("cutoff after the return: %+v, %v; want nothing due", res, err)
	}
	return true
}
