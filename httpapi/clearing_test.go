package httpapi_test

import (
	"slices"
	"testing"
	"time"

	"masspay"
	"masspay/apptest"
	"masspay/service"
)

func TestSandboxSimulation(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := ownSources(t, e, e.AccountID)
	start := balanceOf(t, e, balance)

	t.Run("DepositProcessed", func(t *testing.T) {
		d := addTransfer(t, e, e.AccountID, xfer{from: bank, to: balance, cents: 12_34})
		if n := simulate(t, e.Client); n != 1 {
			t.Fatalf("total = %d, want 1", n)
		}
		if got := transfer(t, e, d.ID); got.Status != masspay.TransferProcessed || !got.Posted {
			t.Fatalf("deposit = %+v", got)
		}
		if got := balanceOf(t, e, balance); got != start+12_34 {
			t.Fatalf("balance = %d, want %d", got, start+12_34)
		}
		if got := topics(t, e, e.AccountID, d.ID); !slices.Equal(got, []string{"bank_transfer_completed"}) {
			t.Fatalf("topics = %v", got)
		}
		if n := simulate(t, e.Client); n != 0 {
			t.Fatalf("second simulation total = %d, want 0", n)
		}
		e.Verify()
	})
	t.Run("ErrR01FailsDeposit", func(t *testing.T) {
		r01 := addSource(t, e, e.AccountID, "", masspay.FundingBank, "R01")
		before := balanceOf(t, e, balance)
		d := addTransfer(t, e, e.AccountID, xfer{from: r01, to: balance, cents: 50_00})
		simulate(t, e.Client)
		got := transfer(t, e, d.ID)
		if got.Status != masspay.TransferFailed || got.FailureCode != "R01" || got.Posted {
			t.Fatalf("deposit = %+v", got)
		}
		if b := balanceOf(t, e, balance); b != before {
			t.Fatalf("balance moved on a failed deposit: %d -> %d", before, b)
		}
		f := e.Get("/transfers/" + d.ID + "/failure").OK(t)
		if f["code"] != "R01" || f["description"] != "Insufficient Funds" ||
			apptest.Dig(f, "_links", "failed-funding-source", "href") != e.Base+"/funding-sources/"+r01 ||
			apptest.Dig(f, "_links", "self", "resource-type") != "failure" {
			t.Fatalf("failure = %v", f)
		}
		if got := topics(t, e, e.AccountID, d.ID); !slices.Equal(got, []string{"bank_transfer_failed"}) {
			t.Fatalf("topics = %v", got)
		}
		e.Verify()
	})
	t.Run("ErrR03ReversesPayoutAndRemovesBank", func(t *testing.T) {
		r03 := addSource(t, e, e.AccountID, "", masspay.FundingBank, "R03")
		before := balanceOf(t, e, balance)
		p := addTransfer(t, e, e.AccountID, xfer{from: balance, to: r03, cents: 7_00, posted: true, item: "item-r03"})
		if b := balanceOf(t, e, balance); b != before-7_00 {
			t.Fatalf("payout not debited at creation: %d", b)
		}
		simulate(t, e.Client)
		if got := transfer(t, e, p.ID); got.Status != masspay.TransferFailed || got.FailureCode != "R03" {
			t.Fatalf("payout = %+v", got)
		}
		if b := balanceOf(t, e, balance); b != before {
			t.Fatalf("balance = %d after the return, want %d", b, before)
		}
		if !source(t, e, r03).Removed {
			t.Fatal("R03 bank not removed")
		}
		f := e.Get("/transfers/" + p.ID + "/failure").OK(t)
		if f["code"] != "R03" || apptest.Dig(f, "_links", "failed-funding-source", "href") != e.Base+"/funding-sources/"+r03 {
			t.Fatalf("failure = %v", f)
		}
		if got := topics(t, e, e.AccountID, p.ID); !slices.Equal(got, []string{"transfer_failed"}) {
			t.Fatalf("topics = %v", got)
		}
		if got := topics(t, e, e.AccountID, r03); !slices.Equal(got, []string{"funding_source_removed"}) {
			t.Fatalf("bank topics = %v", got)
		}
		e.Verify()
	})
	t.Run("PayoutProcessed", func(t *testing.T) {
		before := balanceOf(t, e, balance)
		p := addTransfer(t, e, e.AccountID, xfer{from: balance, to: bank, cents: 1_00, posted: true})
		simulate(t, e.Client)
		if got := transfer(t, e, p.ID); got.Status != masspay.TransferProcessed {
			t.Fatalf("payout = %+v", got)
		}
		if b := balanceOf(t, e, balance); b != before-1_00 {
			t.Fatalf("balance = %d, want %d", b, before-1_00)
		}
		e.Get("/transfers/"+p.ID+"/failure").Error(t, 404, "NotFound")
		e.Verify()
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		other := e.NewApplication(0)
		p := addTransfer(t, e, e.AccountID, xfer{from: balance, to: bank, cents: 1_00, posted: true})
		if n := simulate(t, other); n != 0 {
			t.Fatalf("another account's simulation cleared %d transfers", n)
		}
		other.Get("/transfers/"+p.ID+"/failure").Error(t, 404, "NotFound")
		if got := transfer(t, e, p.ID); got.Status != masspay.TransferPending {
			t.Fatalf("payout = %+v", got)
		}
	})
	e.Verify()
}

// A bank-sourced mass payment: one funding transfer for the total, item transfers that follow it.
func TestClearingFundedTransfers(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := ownSources(t, e, e.AccountID)
	cust := addCustomer(t, e, e.AccountID)
	custBalance := addSource(t, e, e.AccountID, cust, masspay.FundingBalance, "Balance")
	custBank := addSource(t, e, e.AccountID, cust, masspay.FundingBank, "Checking")
	r03 := addSource(t, e, e.AccountID, cust, masspay.FundingBank, "R03")

	t.Run("OK", func(t *testing.T) {
		start := balanceOf(t, e, balance)
		fund := addTransfer(t, e, e.AccountID, xfer{from: bank, to: balance, cents: 60_00, massPayment: "mp-ok"})
		toBal := addTransfer(t, e, e.AccountID, xfer{from: bank, to: custBalance, toCust: cust, cents: 10_00, massPayment: "mp-ok", item: "i1", funding: fund.ID})
		toBank := addTransfer(t, e, e.AccountID, xfer{from: bank, to: custBank, toCust: cust, cents: 20_00, massPayment: "mp-ok", item: "i2", funding: fund.ID})
		toR03 := addTransfer(t, e, e.AccountID, xfer{from: bank, to: r03, toCust: cust, cents: 30_00, massPayment: "mp-ok", item: "i3", funding: fund.ID})

		simulate(t, e.Client)
		if got := transfer(t, e, fund.ID); got.Status != masspay.TransferProcessed {
			t.Fatalf("funding = %+v", got)
		}
		if got := transfer(t, e, toBal.ID); got.Status != masspay.TransferProcessed {
			t.Fatalf("to balance = %+v", got)
		}
		for _, tr := range []*masspay.Transfer{toBank, toR03} {
			if got := transfer(t, e, tr.ID); got.Status != masspay.TransferPending || !got.Posted {
				t.Fatalf("to bank after one pass = %+v", got)
			}
		}
		if b := balanceOf(t, e, custBalance); b != 10_00 {
			t.Fatalf("customer balance = %d", b)
		}
		if b := balanceOf(t, e, balance); b != start {
			t.Fatalf("owner balance = %d, want %d (funding in, items out)", b, start)
		}
		if got := topics(t, e, e.AccountID, toBal.ID); !slices.Equal(got, []string{"transfer_completed", "customer_transfer_completed"}) {
			t.Fatalf("item topics = %v", got)
		}
		e.Verify()

		simulate(t, e.Client)
		if got := transfer(t, e, toBank.ID); got.Status != masspay.TransferProcessed {
			t.Fatalf("to bank after two passes = %+v", got)
		}
		if got := transfer(t, e, toR03.ID); got.Status != masspay.TransferFailed || got.FailureCode != "R03" {
			t.Fatalf("to R03 = %+v", got)
		}
		// The returned item's money goes back to the owner's balance, where the funding landed.
		if b := balanceOf(t, e, balance); b != start+30_00 {
			t.Fatalf("owner balance = %d, want %d", b, start+30_00)
		}
		f := e.Get("/transfers/" + toR03.ID + "/failure").OK(t)
		if apptest.Dig(f, "_links", "customer", "href") != e.Base+"/customers/"+cust {
			t.Fatalf("failure = %v", f)
		}
		e.Verify()
	})
	t.Run("ErrR01FailsFundingAndItems", func(t *testing.T) {
		r01 := addSource(t, e, e.AccountID, "", masspay.FundingBank, "R01")
		start := balanceOf(t, e, balance)
		fund := addTransfer(t, e, e.AccountID, xfer{from: r01, to: balance, cents: 5_00, massPayment: "mp-r01"})
		item := addTransfer(t, e, e.AccountID, xfer{from: r01, to: custBalance, toCust: cust, cents: 5_00, massPayment: "mp-r01", item: "i4", funding: fund.ID})
		simulate(t, e.Client)
		for _, tr := range []*masspay.Transfer{fund, item} {
			if got := transfer(t, e, tr.ID); got.Status != masspay.TransferFailed || got.FailureCode != "R01" || got.Posted {
				t.Fatalf("transfer = %+v", got)
			}
		}
		if b := balanceOf(t, e, balance); b != start {
			t.Fatalf("owner balance = %d, want %d", b, start)
		}
		if got := topics(t, e, e.AccountID, item.ID); !slices.Equal(got, []string{"transfer_failed", "customer_transfer_failed"}) {
			t.Fatalf("item topics = %v", got)
		}
		e.Verify()
	})
}

func TestTransferCancel(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := ownSources(t, e, e.AccountID)
	cancel := map[string]string{"status": "cancelled"}

	t.Run("OK", func(t *testing.T) {
		before := balanceOf(t, e, balance)
		p := addTransfer(t, e, e.AccountID, xfer{from: balance, to: bank, cents: 3_00, posted: true})
		body := e.Post("/transfers/"+p.ID, cancel).OK(t)
		if body["status"] != "cancelled" || body["id"] != p.ID || apptest.Dig(body, "_links", "cancel") != nil {
			t.Fatalf("cancelled = %v", body)
		}
		if b := balanceOf(t, e, balance); b != before {
			t.Fatalf("balance = %d, want %d after the reversal", b, before)
		}
		if got := topics(t, e, e.AccountID, p.ID); !slices.Equal(got, []string{"bank_transfer_cancelled"}) {
			t.Fatalf("topics = %v", got)
		}
		res := e.Post("/transfers/"+p.ID, cancel)
		res.Error(t, 400, "ValidationError")
		if fe := res.FieldErrors(); fe["/status"] != "NotAllowed" {
			t.Fatalf("errors = %v", fe)
		}
		e.Verify()
	})
	t.Run("FundingTakesItsItems", func(t *testing.T) {
		fund := addTransfer(t, e, e.AccountID, xfer{from: bank, to: balance, cents: 2_00, massPayment: "mp-c"})
		item := addTransfer(t, e, e.AccountID, xfer{from: bank, to: balance, cents: 2_00, massPayment: "mp-c", item: "ic", funding: fund.ID})
		e.Post("/transfers/"+fund.ID, cancel).OK(t)
		if got := transfer(t, e, item.ID); got.Status != masspay.TransferCancelled {
			t.Fatalf("item = %+v", got)
		}
		if n := simulate(t, e.Client); n != 0 {
			t.Fatalf("simulation after cancel cleared %d", n)
		}
		e.Verify()
	})
	t.Run("ErrStatusInvalid", func(t *testing.T) {
		p := addTransfer(t, e, e.AccountID, xfer{from: balance, to: bank, cents: 1_00, posted: true})
		for _, body := range []any{map[string]string{"status": "processed"}, map[string]any{"status": 1}, map[string]any{}} {
			res := e.Post("/transfers/"+p.ID, body)
			res.Error(t, 400, "ValidationError")
			if fe := res.FieldErrors(); fe["/status"] != "Invalid" {
				t.Fatalf("errors = %v", fe)
			}
		}
		e.Post("/transfers/"+p.ID, "{").Error(t, 400, "BadRequest")
		if got := transfer(t, e, p.ID); got.Status != masspay.TransferPending {
			t.Fatalf("transfer changed: %+v", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		e.Post("/transfers/nope", cancel).Error(t, 404, "NotFound")
		p := addTransfer(t, e, e.AccountID, xfer{from: balance, to: bank, cents: 1_00, posted: true})
		e.NewApplication(0).Post("/transfers/"+p.ID, cancel).Error(t, 404, "NotFound")
	})
	e.Verify()
}

func ids(body map[string]any) []string {
	var out []string
	list, _ := apptest.Dig(body, "_embedded", "transfers").([]any)
	for _, v := range list {
		out = append(out, apptest.Dig(v, "id").(string))
	}
	return out
}

func TestTransferLists(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := ownSources(t, e, e.AccountID)
	cust := addCustomer(t, e, e.AccountID)
	custBalance := addSource(t, e, e.AccountID, cust, masspay.FundingBalance, "Balance")
	path := "/accounts/" + e.AccountID + "/transfers"
	// The opening balance arrived as a processed deposit.
	opening := ids(e.Get(path).OK(t))
	if len(opening) != 1 {
		t.Fatalf("opening transfers = %v", opening)
	}
	a := addTransfer(t, e, e.AccountID, xfer{from: balance, to: bank, cents: 1_00, posted: true, correlation: "corr-a"})
	b := addTransfer(t, e, e.AccountID, xfer{from: balance, to: custBalance, toCust: cust, cents: 25_00, posted: true, status: masspay.TransferProcessed})
	c := addTransfer(t, e, e.AccountID, xfer{from: bank, to: balance, cents: 99_00})

	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	cases := []struct {
		name, query string
		want        []string
	}{
		{"All", "", []string{c.ID, b.ID, a.ID, opening[0]}},
		{"Status", "?status=pending", []string{c.ID, a.ID}},
		{"StatusRepeated", "?status=pending&status=processed", []string{c.ID, b.ID, a.ID, opening[0]}},
		{"CorrelationID", "?correlationId=corr-a", []string{a.ID}},
		{"Amounts", "?startAmount=2.00&endAmount=50.00", []string{b.ID}},
		{"DatesInclusive", "?startDate=" + today + "&endDate=" + today, []string{c.ID, b.ID, a.ID, opening[0]}},
		{"DatesAfter", "?startDate=" + tomorrow, nil},
		{"Page", "?limit=1&offset=1", []string{b.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := e.Get(path + tc.query).OK(t)
			if got := ids(body); !slices.Equal(got, tc.want) {
				t.Fatalf("ids = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("Rendering", func(t *testing.T) {
		body := e.Get(path + "?correlationId=corr-a").OK(t)
		tr := apptest.Dig(body, "_embedded", "transfers").([]any)[0]
		if apptest.Dig(tr, "amount", "value") != "1.00" || apptest.Dig(tr, "correlationId") != "corr-a" ||
			apptest.Dig(tr, "_links", "cancel", "href") != e.Base+"/transfers/"+a.ID ||
			apptest.Dig(tr, "_links", "destination-funding-source", "href") != e.Base+"/funding-sources/"+bank ||
			body["total"] != float64(1) {
			t.Fatalf("list = %v", body)
		}
	})
	t.Run("Customer", func(t *testing.T) {
		body := e.Get("/customers/" + cust + "/transfers").OK(t)
		if got := ids(body); !slices.Equal(got, []string{b.ID}) {
			t.Fatalf("ids = %v", got)
		}
		if apptest.Dig(body, "_embedded", "transfers").([]any)[0].(map[string]any)["_links"].(map[string]any)["destination"].(map[string]any)["href"] != e.Base+"/customers/"+cust {
			t.Fatalf("destination link = %v", body)
		}
	})
	t.Run("ErrFilters", func(t *testing.T) {
		res := e.Get(path + "?status=done&startAmount=abc&endDate=2024-13-01&limit=0")
		res.Error(t, 400, "ValidationError")
		fe := res.FieldErrors()
		for _, p := range []string{"/status", "/startAmount", "/endDate", "/limit"} {
			if fe[p] != "Invalid" {
				t.Fatalf("errors = %v, want Invalid at %s", fe, p)
			}
		}
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		other := e.NewApplication(0)
		other.Get(path).Error(t, 404, "NotFound")
		other.Get("/customers/"+cust+"/transfers").Error(t, 404, "NotFound")
	})
	e.Verify()
}

func TestAutomaticClearing(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t, apptest.Options{Service: service.Config{ClearingAuto: 200 * time.Millisecond}})
	bank, balance := ownSources(t, e, e.AccountID)
	start := balanceOf(t, e, balance)
	d := addTransfer(t, e, e.AccountID, xfer{from: bank, to: balance, cents: 4_00})
	eventually(t, 10*time.Second, "automatic clearing", func() bool {
		return transfer(t, e, d.ID).Status == masspay.TransferProcessed
	})
	if b := balanceOf(t, e, balance); b != start+4_00 {
		t.Fatalf("balance = %d, want %d", b, start+4_00)
	}
	e.Verify()
}
