package httpapi_test

import (
	"slices"
	"testing"

	"masspay"
	"masspay/apptest"
)

// Sandbox late returns: a bank named "R01-late" or "R03-late" lets its transfers be processed by
// one simulation and returns them (post-settlement) at the next, reversing the money.
func TestLateReturns(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)

	t.Run("R01LateDeposit", func(t *testing.T) {
		c := e.NewApplication(0)
		_, balance := ownSources(t, e, c.AccountID)
		late := addSource(t, e, c.AccountID, "", masspay.FundingBank, "R01-late")
		d := addTransfer(t, e, c.AccountID, xfer{from: late, to: balance, cents: 20_00})
		if n := simulate(t, c); n != 1 || transfer(t, e, d.ID).Status != masspay.TransferProcessed {
			t.Fatalf("first simulation: total %d, deposit %+v", n, transfer(t, e, d.ID))
		}
		if b := balanceOf(t, e, balance); b != 20_00 {
			t.Fatalf("balance = %d after the deposit", b)
		}
		c.Get("/transfers/"+d.ID+"/failure").Error(t, 404, "NotFound")
		e.Verify()

		if n := simulate(t, c); n != 1 {
			t.Fatalf("second simulation total = %d, want 1", n)
		}
		got := transfer(t, e, d.ID)
		if got.Status != masspay.TransferFailed || got.FailureCode != "R01" {
			t.Fatalf("deposit = %+v", got)
		}
		if b := balanceOf(t, e, balance); b != 0 {
			t.Fatalf("balance = %d after the return, want 0", b)
		}
		f := c.Get("/transfers/" + d.ID + "/failure").OK(t)
		if f["code"] != "R01" || apptest.Dig(f, "_links", "failed-funding-source", "href") != e.Base+"/funding-sources/"+late {
			t.Fatalf("failure = %v", f)
		}
		if tr := c.Get("/transfers/" + d.ID).OK(t); apptest.Dig(tr, "_links", "failure") == nil {
			t.Fatalf("transfer = %v", tr)
		}
		if got := topics(t, e, c.AccountID, d.ID); !slices.Equal(got, []string{"bank_transfer_completed", "bank_transfer_failed"}) {
			t.Fatalf("topics = %v", got)
		}
		if source(t, e, late).Removed {
			t.Fatal("an R01 return removed the bank")
		}
		if n := simulate(t, c); n != 0 {
			t.Fatalf("third simulation total = %d, want 0", n)
		}
		e.Verify()
	})

	t.Run("R01LateWaitsForTheBalance", func(t *testing.T) {
		c := e.NewApplication(0)
		bank, balance := ownSources(t, e, c.AccountID)
		late := addSource(t, e, c.AccountID, "", masspay.FundingBank, "R01-late")
		d := addTransfer(t, e, c.AccountID, xfer{from: late, to: balance, cents: 20_00})
		simulate(t, c)
		addTransfer(t, e, c.AccountID, xfer{from: balance, to: bank, cents: 15_00, posted: true}) // spent
		simulate(t, c)
		// Balances never go below zero: the return waits until the balance covers it.
		if got := transfer(t, e, d.ID); got.Status != masspay.TransferProcessed || balanceOf(t, e, balance) != 5_00 {
			t.Fatalf("deposit = %+v, balance %d", got, balanceOf(t, e, balance))
		}
		addTransfer(t, e, c.AccountID, xfer{from: bank, to: balance, cents: 20_00})
		simulate(t, c) // returns come first, so this pass only clears the new deposit
		if b := balanceOf(t, e, balance); b != 25_00 {
			t.Fatalf("balance = %d, want 25.00", b)
		}
		simulate(t, c)
		if got := transfer(t, e, d.ID); got.Status != masspay.TransferFailed || got.FailureCode != "R01" {
			t.Fatalf("deposit = %+v", got)
		}
		if b := balanceOf(t, e, balance); b != 5_00 {
			t.Fatalf("balance = %d, want 5.00", b)
		}
		e.Verify()
	})

	t.Run("R01LateFundedMassPayment", func(t *testing.T) {
		_, balance := e.Funding(e.Client)
		late := e.Base + "/funding-sources/" + addSource(t, e, e.AccountID, "", masspay.FundingBank, "R01-late")
		wallets := e.VerifiedPayees(e.Client, 2)
		banks := e.Payees(e.Client, 1)
		loc := e.Post("/mass-payments", apptest.MassPayment(late, "3.00", wallets[0].Href, wallets[1].Href, banks[0].Href)).Created(t)
		e.WaitStatus(loc, "complete")
		ts := itemTransfers(t, e, loc)
		funding := apptest.ID(apptest.Dig(e.Get("/transfers/"+ts[0]).OK(t), "_links", "funding-transfer", "href").(string))
		before := balanceOf(t, e, balance)

		simulate(t, e.Client)
		if got := []string{status(t, e, funding), status(t, e, ts[0]), status(t, e, ts[1]), status(t, e, ts[2])}; !slices.Equal(got,
			[]string{"processed", "processed", "processed", "pending"}) {
			t.Fatalf("after one simulation: %v", got)
		}
		e.Verify()

		simulate(t, e.Client)
		// The funding debit comes back: the bank payee's credit, not yet sent, returns with it;
		// the wallets' credits were paid and stay so.
		if got := []string{status(t, e, funding), status(t, e, ts[0]), status(t, e, ts[1]), status(t, e, ts[2])}; !slices.Equal(got,
			[]string{"failed", "processed", "processed", "failed"}) {
			t.Fatalf("after two simulations: %v", got)
		}
		for _, id := range []string{funding, ts[2]} {
			if f := e.Get("/transfers/" + id + "/failure").OK(t); f["code"] != "R01" ||
				apptest.Dig(f, "_links", "failed-funding-source", "href") != late {
				t.Fatalf("failure of %s = %v", id, f)
			}
		}
		// 9.00 came in and went back out; two 3.00 items were paid from the owner's balance.
		if b := balanceOf(t, e, balance); b != before-6_00 {
			t.Fatalf("owner balance = %d, want %d", b, before-6_00)
		}
		if b := balanceOf(t, e, wallets[0].Href); b != 3_00 {
			t.Fatalf("wallet balance = %d", b)
		}
		if got := topics(t, e, e.AccountID, funding); !slices.Contains(got, "bank_transfer_failed") {
			t.Fatalf("funding topics = %v", got)
		}
		if got := topics(t, e, e.AccountID, ts[2]); !slices.Contains(got, "transfer_failed") || !slices.Contains(got, "customer_transfer_failed") {
			t.Fatalf("item topics = %v", got)
		}
		e.Verify()
	})

	t.Run("R03LatePayee", func(t *testing.T) {
		_, balance := e.Funding(e.Client)
		payee := addCustomer(t, e, e.AccountID)
		lateID := addSource(t, e, e.AccountID, payee, masspay.FundingBank, "R03-late")
		loc := e.Post("/mass-payments", apptest.MassPayment(balance, "7.00", e.Base+"/funding-sources/"+lateID)).Created(t)
		e.WaitStatus(loc, "complete")
		tr := itemTransfers(t, e, loc)[0]
		before := balanceOf(t, e, balance)

		simulate(t, e.Client)
		if s := status(t, e, tr); s != "processed" {
			t.Fatalf("item transfer %s after one simulation", s)
		}
		e.Verify()
		simulate(t, e.Client)
		if s := status(t, e, tr); s != "failed" {
			t.Fatalf("item transfer %s after two simulations", s)
		}
		if b := balanceOf(t, e, balance); b != before+7_00 {
			t.Fatalf("owner balance = %d, want %d", b, before+7_00)
		}
		f := e.Get("/transfers/" + tr + "/failure").OK(t)
		if f["code"] != "R03" || apptest.Dig(f, "_links", "failed-funding-source", "href") != e.Base+"/funding-sources/"+lateID ||
			apptest.Dig(f, "_links", "customer", "href") != e.Base+"/customers/"+payee {
			t.Fatalf("failure = %v", f)
		}
		if !source(t, e, lateID).Removed {
			t.Fatal("R03-late bank not removed")
		}
		if got := topics(t, e, e.AccountID, tr); !slices.Equal(got, []string{"transfer_created", "customer_transfer_created",
			"transfer_completed", "customer_transfer_completed", "transfer_failed", "customer_transfer_failed"}) {
			t.Fatalf("topics = %v", got)
		}
		if got := topics(t, e, e.AccountID, lateID); !slices.Contains(got, "customer_funding_source_removed") {
			t.Fatalf("bank topics = %v", got)
		}
		e.Verify()
	})
	e.Verify()
}
