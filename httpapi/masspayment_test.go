package httpapi_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"masspay"
	"masspay/apptest"
)

// seedBody is the full request of Dwolla's docs: every field a mass payment accepts.
func seedBody(source string, dests ...string) map[string]any {
	items := make([]any, len(dests))
	for i, d := range dests {
		items[i] = map[string]any{
			"_links":            map[string]any{"destination": map[string]any{"href": d}},
			"amount":            map[string]any{"value": fmt.Sprintf("%d.%02d", i+1, i), "currency": "USD"},
			"metadata":          map[string]any{"payment": fmt.Sprint("p", i)},
			"correlationId":     fmt.Sprintf("item-%d", i),
			"clearing":          map[string]any{"destination": "next-available"},
			"achDetails":        map[string]any{"destination": map[string]any{"addenda": map[string]any{"values": []string{"ABC123_AddendaValue"}}}},
			"processingChannel": map[string]any{"destination": "instant"},
		}
	}
	return map[string]any{
		"_links":        map[string]any{"source": map[string]any{"href": source}},
		"items":         items,
		"metadata":      map[string]any{"batch1": "batch1"},
		"correlationId": "6d127333-69e9-4c2b-8cae-df850228e130",
		"clearing":      map[string]any{"source": "next-available"},
		"achDetails":    map[string]any{"source": map[string]any{"addenda": map[string]any{"values": []string{"ABC123_AddendaValue"}}}},
	}
}

func TestMassPaymentFromBalance(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	payees := e.Payees(e.Client, 3)
	loc := e.Post("/mass-payments", seedBody(balance, apptest.Hrefs(payees)...)).Created(t)
	if !strings.HasPrefix(loc, e.Base+"/mass-payments/") {
		t.Fatalf("Location = %q", loc)
	}
	mp := e.WaitStatus(loc, "complete")
	if apptest.Dig(mp, "total", "value") != "6.03" || apptest.Dig(mp, "totalFees", "value") != "0.00" ||
		mp["correlationId"] != "6d127333-69e9-4c2b-8cae-df850228e130" || apptest.Dig(mp, "metadata", "batch1") != "batch1" ||
		apptest.Dig(mp, "_links", "source", "href") != balance || apptest.Dig(mp, "_links", "items", "href") != loc+"/items" {
		t.Fatalf("mass payment = %v", mp)
	}
	if c, _ := mp["created"].(string); len(c) != len("2017-08-31T19:18:02.000Z") || !strings.HasSuffix(c, "Z") {
		t.Fatalf("created = %q", c)
	}
	items := e.Get(loc + "/items").OK(t)
	list := apptest.Dig(items, "_embedded", "items").([]any)
	if items["total"] != float64(3) || len(list) != 3 {
		t.Fatalf("items = %v", items)
	}
	for i, v := range list {
		it := v.(map[string]any)
		if it["status"] != "success" || apptest.Dig(it, "amount", "value") != fmt.Sprintf("%d.%02d", i+1, i) ||
			apptest.Dig(it, "_links", "destination", "href") != payees[i].Href || apptest.Dig(it, "_links", "mass-payment", "href") != loc {
			t.Fatalf("item %d = %v", i, it)
		}
		if got := e.Get(apptest.Dig(it, "_links", "self", "href").(string)).OK(t); got["id"] != it["id"] {
			t.Fatalf("GET item = %v", got)
		}
		tr := e.Get(apptest.Dig(it, "_links", "transfer", "href").(string)).OK(t)
		if tr["correlationId"] != fmt.Sprintf("item-%d", i) || apptest.Dig(tr, "amount", "value") != apptest.Dig(it, "amount", "value") ||
			apptest.Dig(tr, "metadata", "payment") != fmt.Sprint("p", i) || tr["status"] != "pending" ||
			apptest.Dig(tr, "_links", "source-funding-source", "href") != balance ||
			apptest.Dig(tr, "_links", "destination-funding-source", "href") != payees[i].Href ||
			apptest.Dig(tr, "_links", "destination", "href") != e.Base+"/customers/"+payees[i].CustomerID ||
			apptest.Dig(tr, "_links", "source", "href") != e.Base+"/accounts/"+e.AccountID ||
			apptest.Dig(tr, "clearing", "destination") != "next-available" || apptest.Dig(tr, "processingChannel", "destination") != "real-time-payments" {
			t.Fatalf("transfer %d = %v", i, tr)
		}
	}
	if got := balanceOf(t, e, balance); got != 5000_00-603 {
		t.Fatalf("balance = %d, want %d", got, 5000_00-603)
	}
	e.Verify()
}

// balanceOf reads a balance funding source's balance from the store.
func balanceOf(t *testing.T, e *apptest.Env, href string) int64 {
	t.Helper()
	var b int64
	err := e.Store.Read(context.Background(), func(q masspay.Q) (err error) {
		fs, err := q.FundingSourceGet(context.Background(), apptest.ID(href))
		if err == nil {
			b = fs.Balance
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMassPaymentFromBank(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := e.Funding(e.Client)
	payees := e.Payees(e.Client, 4)
	loc := e.Post("/mass-payments", apptest.MassPayment(bank, "2.50", apptest.Hrefs(payees)...)).Created(t)
	e.WaitStatus(loc, "complete")
	var funding string
	for _, v := range apptest.Dig(e.Get(loc+"/items").OK(t), "_embedded", "items").([]any) {
		tr := e.Get(apptest.Dig(v, "_links", "transfer", "href").(string)).OK(t)
		f, _ := apptest.Dig(tr, "_links", "funding-transfer", "href").(string)
		if f == "" || (funding != "" && f != funding) {
			t.Fatalf("funding-transfer %q (first %q)", f, funding)
		}
		funding = f
		if apptest.Dig(tr, "_links", "source-funding-source", "href") != bank || tr["status"] != "pending" {
			t.Fatalf("transfer = %v", tr)
		}
	}
	ft := e.Get(funding).OK(t)
	if apptest.Dig(ft, "amount", "value") != "10.00" || apptest.Dig(ft, "_links", "destination-funding-source", "href") != balance ||
		ft["status"] != "pending" {
		t.Fatalf("funding transfer = %v", ft)
	}
	if got := balanceOf(t, e, balance); got != 5000_00 {
		t.Fatalf("balance moved before the bank debit cleared: %d", got)
	}
	e.Verify()
}

func TestMassPaymentInsufficientFunds(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	other := e.NewApplication(10_00)
	_, balance := e.Funding(other)
	payees := e.Payees(other, 3)
	body := apptest.MassPayment(balance, "6.00", apptest.Hrefs(payees)...)
	body["items"].([]any)[2].(map[string]any)["amount"] = map[string]any{"value": 3, "currency": "USD"} // a JSON number, as C# sends
	loc := other.Post("/mass-payments", body).Created(t)
	other.WaitStatus(loc, "complete")
	list := apptest.Dig(other.Get(loc+"/items").OK(t), "_embedded", "items").([]any)
	want := []string{"success", "failed", "success"}
	for i, v := range list {
		if apptest.Dig(v, "status") != want[i] {
			t.Fatalf("item %d status %v, want %s", i, apptest.Dig(v, "status"), want[i])
		}
	}
	errs := apptest.Dig(list[1], "_embedded", "errors").([]any)
	if apptest.Dig(errs[0], "code") != "InsufficientFunds" || apptest.Dig(list[1], "_links", "transfer") != nil {
		t.Fatalf("failed item = %v", list[1])
	}
	if got := balanceOf(t, e, balance); got != 1_00 {
		t.Fatalf("balance = %d, want 100", got)
	}
	failed := other.Get(loc + "/items?status=failed").OK(t)
	if failed["total"] != float64(1) {
		t.Fatalf("failed items = %v", failed)
	}
	e.Verify()
}

func TestMassPaymentItemFailures(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := e.Funding(e.Client)
	other := e.NewApplication(0)
	ok := e.Payees(e.Client, 2)
	removed := e.Payees(e.Client, 1)[0]
	foreign := e.Payees(other, 1)[0]
	err := e.Store.Write(context.Background(), func(q masspay.Q) error {
		fs, err := q.FundingSourceGet(context.Background(), apptest.ID(removed.Href))
		if err != nil {
			return err
		}
		fs.Removed = true
		return q.FundingSourceUpdate(context.Background(), fs)
	})
	if err != nil {
		t.Fatal(err)
	}
	dests := []string{ok[0].Href, e.Base + "/funding-sources/00000000-0000-0000-0000-000000000000", removed.Href,
		foreign.Href, bank, ok[1].Href}
	loc := e.Post("/mass-payments", apptest.MassPayment(balance, "1.00", dests...)).Created(t)
	e.WaitStatus(loc, "complete")
	list := apptest.Dig(e.Get(loc+"/items").OK(t), "_embedded", "items").([]any)
	want := []string{"success", "Receiver not found.", "Receiver not found.", "Receiver not found.",
		"Receiver cannot be the owner of the source funding source.", "success"}
	for i, v := range list {
		got, _ := apptest.Dig(v, "status").(string)
		if errs, _ := apptest.Dig(v, "_embedded", "errors").([]any); len(errs) > 0 {
			got = apptest.Dig(errs[0], "message").(string)
		}
		if got != want[i] {
			t.Errorf("item %d: %s, want %s", i, got, want[i])
		}
	}
	if got := balanceOf(t, e, balance); got != 5000_00-2_00 {
		t.Fatalf("balance = %d", got)
	}
	// The live counts (masspay's itemCounts extension) agree with the items, on the resource and
	// in the account's list.
	counts := map[string]any{"pending": float64(0), "success": float64(2), "failed": float64(4)}
	if got := e.Get(loc).OK(t)["itemCounts"]; !reflect.DeepEqual(got, counts) {
		t.Errorf("itemCounts = %v, want %v", got, counts)
	}
	listed := apptest.Dig(e.Get("/accounts/"+e.AccountID+"/mass-payments").OK(t), "_embedded", "mass-payments").([]any)
	if got := apptest.Dig(listed[0], "itemCounts"); !reflect.DeepEqual(got, counts) {
		t.Errorf("listed itemCounts = %v, want %v", got, counts)
	}
	e.Verify()
}

func TestMassPaymentToBalances(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	payees := e.VerifiedPayees(e.Client, 2)
	loc := e.Post("/mass-payments", apptest.MassPayment(balance, "12.34", apptest.Hrefs(payees)...)).Created(t)
	e.WaitStatus(loc, "complete")
	for _, p := range payees {
		if got := balanceOf(t, e, p.Href); got != 12_34 {
			t.Fatalf("payee balance = %d", got)
		}
	}
	it := apptest.Dig(e.Get(loc+"/items").OK(t), "_embedded", "items").([]any)[0]
	if tr := e.Get(apptest.Dig(it, "_links", "transfer", "href").(string)).OK(t); tr["status"] != "processed" {
		t.Fatalf("balance-to-balance transfer = %v", tr)
	}
	e.Verify()
}

func TestMassPaymentValidation(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := e.Funding(e.Client)
	payee := e.Payees(e.Client, 1)[0].Href
	other := e.NewApplication(100_00)
	_, otherBalance := e.Funding(other)

	cases := []struct {
		name string
		body any
		want map[string]string // path -> code
	}{
		{"ErrEveryProblemListed", map[string]any{
			"_links":        map[string]any{"source": map[string]any{"href": balance}},
			"status":        "pending",
			"correlationId": "has space",
			"metadata":      map[string]any{"a": 1},
			"items": []any{
				map[string]any{"_links": map[string]any{"destination": map[string]any{"href": payee}}, "amount": map[string]any{"value": "1.00", "currency": "USD"}},
				map[string]any{"_links": map[string]any{"destination": map[string]any{"href": payee}}, "amount": map[string]any{"value": "-1", "currency": "EUR"}},
				map[string]any{"amount": map[string]any{"value": "1.001", "currency": "USD"}, "correlationId": strings.Repeat("x", 256)},
				map[string]any{"_links": map[string]any{"destination": map[string]any{"href": payee}}, "amount": map[string]any{"value": "10000.01", "currency": "USD"},
					"achDetails": map[string]any{"destination": map[string]any{"addenda": map[string]any{"values": []string{strings.Repeat("a", 81)}}}}},
			}},
			map[string]string{"/status": "Invalid", "/correlationId": "InvalidFormat", "/metadata": "Invalid",
				"/items/1/amount/value": "InvalidFormat", "/items/1/amount/currency": "Invalid",
				"/items/2/_links/destination/href": "Required", "/items/2/amount/value": "InvalidFormat",
				"/items/2/correlationId": "InvalidFormat", "/items/3/amount/value": "Invalid",
				"/items/3/achDetails/destination/addenda/values": "InvalidFormat"}},
		{"ErrWrongTypes", map[string]any{"_links": map[string]any{"source": map[string]any{"href": 7}},
			"items": []any{map[string]any{"_links": map[string]any{"destination": map[string]any{"href": payee}}, "amount": map[string]any{"value": true, "currency": "USD"}}, "x"}},
			map[string]string{"/_links/source/href": "InvalidFormat", "/items/0/amount/value": "InvalidFormat", "/items/1": "InvalidFormat"}},
		{"ErrNoItems", map[string]any{"_links": map[string]any{"source": map[string]any{"href": balance}}},
			map[string]string{"/items": "Required"}},
		{"ErrEmptyItems", map[string]any{"_links": map[string]any{"source": map[string]any{"href": balance}}, "items": []any{}},
			map[string]string{"/items": "Invalid"}},
		{"ErrTooManyItems", apptest.MassPayment(balance, "1.00", repeat(payee, 5001)...), map[string]string{"/items": "Invalid"}},
		{"ErrNoSource", map[string]any{"items": apptest.MassPayment(balance, "1.00", payee)["items"]},
			map[string]string{"/_links/source/href": "Required"}},
		{"ErrUnknownSource", apptest.MassPayment(e.Base+"/funding-sources/5b0dbd42-0000-0000-0000-000000000000", "1.00", payee),
			map[string]string{"/_links/source/href": "Invalid"}},
		{"ErrOtherAccountsSource", apptest.MassPayment(otherBalance, "1.00", payee), map[string]string{"/_links/source/href": "Invalid"}},
		{"ErrUnverifiedSource", apptest.MassPayment(payee, "1.00", bank), map[string]string{"/_links/source/href": "Invalid"}},
		{"ErrItemClearingSource", map[string]any{"_links": map[string]any{"source": map[string]any{"href": balance}},
			"items": []any{map[string]any{"_links": map[string]any{"destination": map[string]any{"href": payee}},
				"amount": map[string]any{"value": "1.00", "currency": "USD"}, "clearing": map[string]any{"source": "next-available"}}}},
			map[string]string{"/items/0/clearing/source": "NotAllowed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.Post("/mass-payments", tc.body)
			res.Error(t, 400, "ValidationError")
			got := res.FieldErrors()
			for path, code := range tc.want {
				if got[path] != code {
					t.Errorf("%s: code %q, want %q (all: %v)", path, got[path], code, got)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d errors %v, want %d", len(got), got, len(tc.want))
			}
		})
	}
	t.Run("ErrMalformedJSON", func(t *testing.T) {
		e.Post("/mass-payments", `{"items": [`).Error(t, 400, "BadRequest")
		e.Post("/mass-payments", `[1]`).Error(t, 400, "BadRequest")
	})
	t.Run("ErrContentType", func(t *testing.T) {
		e.Post("/mass-payments", `{}`, "Content-Type", "text/plain").Error(t, 400, "BadRequest")
	})
	t.Run("ErrOversized", func(t *testing.T) {
		e.Post("/mass-payments", `{"x":"`+strings.Repeat("a", 33<<20)+`"}`).Error(t, 413, "RequestTooLarge")
	})
	t.Run("NothingStored", func(t *testing.T) {
		if res := e.Get("/accounts/" + e.AccountID + "/mass-payments").OK(t); res["total"] != float64(0) {
			t.Fatalf("rejected requests stored something: %v", res)
		}
	})
	t.Run("HALContentTypeAccepted", func(t *testing.T) {
		e.Post("/mass-payments", apptest.MassPayment(balance, "1.00", payee), "Content-Type", "application/vnd.dwolla.v1.hal+json; charset=utf-8").Created(t)
	})
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestMassPaymentDeferred(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	payee := e.Payees(e.Client, 1)[0].Href
	deferred := func() string {
		body := apptest.MassPayment(balance, "1.00", payee)
		body["status"] = "deferred"
		loc := e.Post("/mass-payments", body).Created(t)
		got := e.Get(loc).OK(t)
		if got["status"] != "deferred" || !reflect.DeepEqual(got["itemCounts"], map[string]any{"pending": float64(1), "success": float64(0), "failed": float64(0)}) {
			t.Fatalf("status = %v, itemCounts = %v", got["status"], got["itemCounts"])
		}
		return loc
	}
	t.Run("ToPending", func(t *testing.T) {
		loc := deferred()
		if got := e.Post(loc, map[string]any{"status": "pending"}).OK(t); got["status"] != "pending" && got["status"] != "processing" {
			t.Fatalf("update = %v", got)
		}
		e.WaitStatus(loc, "complete")
		e.Post(loc, map[string]any{"status": "cancelled"}).Error(t, 400, "ValidationError")
	})
	t.Run("Cancel", func(t *testing.T) {
		loc := deferred()
		if got := e.Post(loc, map[string]any{"status": "cancelled"}).OK(t); got["status"] != "cancelled" {
			t.Fatalf("update = %v", got)
		}
		res := e.Post(loc, map[string]any{"status": "pending"})
		res.Error(t, 400, "ValidationError")
		if res.FieldErrors()["/status"] != "NotAllowed" {
			t.Fatalf("errors = %v", res.FieldErrors())
		}
	})
	t.Run("ErrInvalidStatus", func(t *testing.T) {
		loc := deferred()
		res := e.Post(loc, map[string]any{"status": "complete"})
		res.Error(t, 400, "ValidationError")
		if res.FieldErrors()["/status"] != "Invalid" {
			t.Fatalf("errors = %v", res.FieldErrors())
		}
		e.Post(loc, map[string]any{"total": "1.00"}).Error(t, 400, "ValidationError")
		if st := e.Get(loc).OK(t)["status"]; st != "deferred" {
			t.Fatalf("status changed to %v", st)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		e.Post("/mass-payments/nope", map[string]any{"status": "pending"}).Error(t, 404, "NotFound")
	})
}

func TestMassPaymentIdempotency(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	payee := e.Payees(e.Client, 1)[0].Href
	body := apptest.MassPayment(balance, "1.00", payee)

	t.Run("Replay", func(t *testing.T) {
		first := e.Post("/mass-payments", body, "Idempotency-Key", "k-replay").Created(t)
		second := e.Post("/mass-payments", body, "Idempotency-Key", "k-replay").Created(t)
		if first != second {
			t.Fatalf("replay Location %q, want %q", second, first)
		}
	})
	t.Run("ErrDifferentBody", func(t *testing.T) {
		e.Post("/mass-payments", body, "Idempotency-Key", "k-diff").Created(t)
		e.Post("/mass-payments", apptest.MassPayment(balance, "2.00", payee), "Idempotency-Key", "k-diff").Error(t, 400, "BadRequest")
	})
	t.Run("InvalidNotRemembered", func(t *testing.T) {
		e.Post("/mass-payments", apptest.MassPayment(balance, "-1", payee), "Idempotency-Key", "k-fix").Error(t, 400, "ValidationError")
		e.Post("/mass-payments", body, "Idempotency-Key", "k-fix").Created(t)
	})
	t.Run("ScopedToApplication", func(t *testing.T) {
		other := e.NewApplication(100_00)
		_, ob := e.Funding(other)
		op := e.Payees(other, 1)[0].Href
		a := e.Post("/mass-payments", body, "Idempotency-Key", "k-shared").Created(t)
		b := other.Post("/mass-payments", apptest.MassPayment(ob, "1.00", op), "Idempotency-Key", "k-shared").Created(t)
		if a == b {
			t.Fatal("two applications share an idempotency key")
		}
	})
	t.Run("ConcurrentRepeatsMakeOneBatch", func(t *testing.T) {
		before := e.Get("/accounts/" + e.AccountID + "/mass-payments").OK(t)["total"].(float64)
		var wg sync.WaitGroup
		locs := make(chan string, 8)
		for range 8 {
			wg.Go(func() {
				res := e.Post("/mass-payments", body, "Idempotency-Key", "k-race")
				switch res.Status {
				case 201:
					locs <- res.Header.Get("Location")
				case 409:
					if res.JSON["code"] != "Conflict" {
						t.Errorf("409 code %v", res.JSON["code"])
					}
				default:
					t.Errorf("status %d: %s", res.Status, res.Body)
				}
			})
		}
		wg.Wait()
		close(locs)
		seen := map[string]bool{}
		for l := range locs {
			seen[l] = true
		}
		after := e.Get("/accounts/" + e.AccountID + "/mass-payments").OK(t)["total"].(float64)
		if len(seen) != 1 || after != before+1 {
			t.Fatalf("%d distinct Locations, %v new batches; want 1 and 1", len(seen), after-before)
		}
	})
	e.Verify()
}

func TestMassPaymentReads(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	payees := apptest.Hrefs(e.Payees(e.Client, 30))
	body := apptest.MassPayment(balance, "1.00", payees...)
	body["correlationId"] = "batch-a"
	body["items"].([]any)[3].(map[string]any)["_links"] = map[string]any{"destination": map[string]any{"href": balance}}
	locA := e.Post("/mass-payments", body).Created(t)
	locB := e.Post("/mass-payments", apptest.MassPayment(balance, "1.00", payees[0])).Created(t)
	e.WaitStatus(locA, "complete")
	e.WaitStatus(locB, "complete")
	other := e.NewApplication(0)

	t.Run("ItemsPaging", func(t *testing.T) {
		page := e.Get(locA + "/items?limit=10&offset=10").OK(t)
		if page["total"] != float64(30) || len(apptest.Dig(page, "_embedded", "items").([]any)) != 10 ||
			apptest.Dig(page, "_links", "next", "href") != locA+"/items?limit=10&offset=20" ||
			apptest.Dig(page, "_links", "prev", "href") != locA+"/items?limit=10&offset=0" ||
			apptest.Dig(page, "_links", "last", "href") != locA+"/items?limit=10&offset=20" {
			t.Fatalf("page = %v", page["_links"])
		}
	})
	t.Run("ItemsStatusFilter", func(t *testing.T) {
		for _, q := range []string{"?status=failed", "?status[]=failed", "?status=failed&status=pending"} {
			if got := e.Get(locA + "/items" + q).OK(t); got["total"] != float64(1) {
				t.Fatalf("%s: total %v", q, got["total"])
			}
		}
		if got := e.Get(locA + "/items?status=success&status=failed").OK(t); got["total"] != float64(30) {
			t.Fatalf("total %v", got["total"])
		}
		e.Get(locA+"/items?status=bogus").Error(t, 400, "ValidationError")
		e.Get(locA+"/items?limit=0").Error(t, 400, "ValidationError")
	})
	t.Run("AccountList", func(t *testing.T) {
		list := e.Get("/accounts/" + e.AccountID + "/mass-payments").OK(t)
		mps := apptest.Dig(list, "_embedded", "mass-payments").([]any)
		if list["total"] != float64(2) || apptest.Dig(mps[0], "_links", "self", "href") != locB {
			t.Fatalf("list = %v", list)
		}
		byCorr := e.Get("/accounts/" + e.AccountID + "/mass-payments?correlationId=batch-a").OK(t)
		if byCorr["total"] != float64(1) {
			t.Fatalf("by correlationId = %v", byCorr)
		}
	})
	t.Run("ErrCrossAccount", func(t *testing.T) {
		other.Get(locA).Error(t, 404, "NotFound")
		other.Get(locA+"/items").Error(t, 404, "NotFound")
		other.Post(locA, map[string]any{"status": "cancelled"}).Error(t, 404, "NotFound")
		it := apptest.Dig(e.Get(locA+"/items").OK(t), "_embedded", "items").([]any)[0]
		other.Get(apptest.Dig(it, "_links", "self", "href").(string)).Error(t, 404, "NotFound")
		other.Get(apptest.Dig(it, "_links", "transfer", "href").(string)).Error(t, 404, "NotFound")
		other.Get("/accounts/"+e.AccountID+"/mass-payments").Error(t, 404, "NotFound")
		// Another account's destination is unknown to this one: the item fails, nothing leaks.
		_, ob := e.Funding(other)
		loc := other.Post("/mass-payments", apptest.MassPayment(ob, "1.00", payees[0])).Created(t)
		other.WaitStatus(loc, "complete")
		it = apptest.Dig(other.Get(loc+"/items").OK(t), "_embedded", "items").([]any)[0]
		if errs, _ := apptest.Dig(it, "_embedded", "errors").([]any); len(errs) != 1 || apptest.Dig(errs[0], "message") != "Receiver not found." {
			t.Fatalf("item paying another account's funding source = %v", it)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		e.Get("/mass-payments/nope").Error(t, 404, "NotFound")
		e.Get("/mass-payment-items/nope").Error(t, 404, "NotFound")
		e.Get("/transfers/nope").Error(t, 404, "NotFound")
		e.Get("/customers/nope/mass-payments").Error(t, 404, "NotFound")
	})
	e.Verify()
}

func TestMassPaymentMaxItems(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	payees := apptest.Hrefs(e.Payees(e.Client, masspay.MaxItems))
	loc := e.Post("/mass-payments", apptest.MassPayment(balance, "0.01", payees...)).Created(t)
	mp := e.WaitStatus(loc, "complete")
	if apptest.Dig(mp, "total", "value") != "50.00" {
		t.Fatalf("total = %v", mp["total"])
	}
	if got := e.Get(loc + "/items?status=success&limit=1").OK(t)["total"]; got != float64(masspay.MaxItems) {
		t.Fatalf("successful items = %v", got)
	}
	e.Verify()
}
