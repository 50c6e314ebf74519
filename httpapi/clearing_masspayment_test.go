package httpapi_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"masspay"
	"masspay/apptest"
)

// itemTransfers returns the transfer ids of a mass payment's items, in item order.
func itemTransfers(t *testing.T, e *apptest.Env, loc string) []string {
	t.Helper()
	var out []string
	for _, v := range apptest.Dig(e.Get(loc+"/items?limit=200").OK(t), "_embedded", "items").([]any) {
		href, _ := apptest.Dig(v, "_links", "transfer", "href").(string)
		out = append(out, apptest.ID(href))
	}
	return out
}

func status(t *testing.T, e *apptest.Env, transferID string) string {
	t.Helper()
	s, _ := e.Get("/transfers/" + transferID).OK(t)["status"].(string)
	return s
}

// A bank-sourced mass payment end to end: the engine creates the funding and item transfers,
// two simulations clear them (bank to bank takes two, as with Dwolla), an R03 payee bank returns
// its credit, and every event reaches a signed webhook.
func TestMassPaymentClearing(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	rcv := newReceiver(t, "mass-secret", 0)
	subscribe(t, e.Client, rcv.srv.URL, "mass-secret")
	bank, balance := e.Funding(e.Client)
	banks := e.Payees(e.Client, 2)
	wallet := e.VerifiedPayees(e.Client, 1)[0]
	returned := addCustomer(t, e, e.AccountID)
	r03 := e.Base + "/funding-sources/" + addSource(t, e, e.AccountID, returned, masspay.FundingBank, "R03")

	loc := e.Post("/mass-payments", apptest.MassPayment(bank, "2.50", banks[0].Href, banks[1].Href, wallet.Href, r03)).Created(t)
	e.WaitStatus(loc, "complete")
	ts := itemTransfers(t, e, loc)
	funding := apptest.ID(apptest.Dig(e.Get("/transfers/"+ts[0]).OK(t), "_links", "funding-transfer", "href").(string))

	simulate(t, e.Client)
	if s := status(t, e, funding); s != "processed" {
		t.Fatalf("funding transfer %s after one simulation", s)
	}
	if got := []string{status(t, e, ts[0]), status(t, e, ts[1]), status(t, e, ts[2]), status(t, e, ts[3])}; !slices.Equal(got,
		[]string{"pending", "pending", "processed", "pending"}) {
		t.Fatalf("item transfers after one simulation: %v", got)
	}
	if b := balanceOf(t, e, wallet.Href); b != 2_50 {
		t.Fatalf("payee balance = %d", b)
	}
	e.Verify()

	simulate(t, e.Client)
	if got := []string{status(t, e, ts[0]), status(t, e, ts[1]), status(t, e, ts[3])}; !slices.Equal(got, []string{"processed", "processed", "failed"}) {
		t.Fatalf("item transfers after two simulations: %v", got)
	}
	f := e.Get("/transfers/" + ts[3] + "/failure").OK(t)
	if f["code"] != "R03" || apptest.Dig(f, "_links", "customer", "href") != e.Base+"/customers/"+returned {
		t.Fatalf("failure = %v", f)
	}
	// The funding brought 10.00 in, three items went out, the returned one came back.
	if b := balanceOf(t, e, balance); b != 5000_00+2_50 {
		t.Fatalf("owner balance = %d, want %d", b, 5000_00+2_50)
	}
	e.Verify()

	// Every event of the account reaches the subscription, signed.
	var total float64
	eventually(t, 15*time.Second, "every event delivered", func() bool {
		total = e.Get("/events").OK(t)["total"].(float64)
		_, bodies, _ := rcv.state()
		return len(bodies) >= int(total)
	})
	_, bodies, bad := rcv.state()
	if len(bad) > 0 {
		t.Fatalf("bad requests: %v", bad)
	}
	seen := map[string]bool{}
	for _, b := range bodies {
		var ev struct{ Topic string }
		json.Unmarshal(b, &ev)
		seen[ev.Topic] = true
	}
	for _, topic := range []string{"mass_payment_created", "mass_payment_completed", "bank_transfer_created", "bank_transfer_completed",
		"transfer_created", "customer_transfer_created", "transfer_completed", "customer_transfer_completed", "transfer_failed",
		"customer_transfer_failed", "customer_funding_source_removed"} {
		if !seen[topic] {
			t.Errorf("no %s webhook among %d (topics %v)", topic, len(bodies), seen)
		}
	}
	e.Verify()
}

func TestMassPaymentClearingFailures(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := e.Funding(e.Client)
	payees := e.Payees(e.Client, 2)

	t.Run("ErrR01FailsTheBatch", func(t *testing.T) {
		r01 := e.Base + "/funding-sources/" + addSource(t, e, e.AccountID, "", masspay.FundingBank, "R01")
		loc := e.Post("/mass-payments", apptest.MassPayment(r01, "1.00", apptest.Hrefs(payees)...)).Created(t)
		e.WaitStatus(loc, "complete")
		before := balanceOf(t, e, balance)
		simulate(t, e.Client)
		for _, id := range itemTransfers(t, e, loc) {
			tr := e.Get("/transfers/" + id).OK(t)
			if tr["status"] != "failed" || apptest.Dig(tr, "_links", "failure") == nil {
				t.Fatalf("item transfer = %v", tr)
			}
			if f := e.Get("/transfers/" + id + "/failure").OK(t); f["code"] != "R01" ||
				apptest.Dig(f, "_links", "failed-funding-source", "href") != r01 {
				t.Fatalf("failure = %v", f)
			}
		}
		if b := balanceOf(t, e, balance); b != before {
			t.Fatalf("balance = %d, want %d", b, before)
		}
		e.Verify()
	})
	t.Run("CancelAnItem", func(t *testing.T) {
		loc := e.Post("/mass-payments", apptest.MassPayment(bank, "4.00", apptest.Hrefs(payees)...)).Created(t)
		e.WaitStatus(loc, "complete")
		ts := itemTransfers(t, e, loc)
		before := balanceOf(t, e, balance)
		e.Post("/transfers/"+ts[0], map[string]string{"status": "cancelled"}).OK(t)
		simulate(t, e.Client)
		simulate(t, e.Client)
		if s0, s1 := status(t, e, ts[0]), status(t, e, ts[1]); s0 != "cancelled" || s1 != "processed" {
			t.Fatalf("item transfers %s, %s", s0, s1)
		}
		// The cancelled item's share of the funding stays in the owner's balance, as with Dwolla.
		if b := balanceOf(t, e, balance); b != before+4_00 {
			t.Fatalf("balance = %d, want %d", b, before+4_00)
		}
		e.Verify()
	})
}
