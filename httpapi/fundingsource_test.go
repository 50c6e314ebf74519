package httpapi_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"masspay/apptest"
)

func bank(account, name string) map[string]any {
	return map[string]any{"routingNumber": "222222226", "accountNumber": account, "bankAccountType": "checking", "name": name}
}

// accountSource returns the id of the account's own funding source of type typ.
func accountSource(t *testing.T, c *apptest.Client, typ string) string {
	t.Helper()
	for _, fs := range embedded(c.Get("/accounts/"+c.AccountID+"/funding-sources").OK(t), "funding-sources") {
		if fs["type"] == typ && fs["removed"] == false {
			return fs["id"].(string)
		}
	}
	t.Fatalf("no %s funding source", typ)
	return ""
}

func TestFundingSourceCreate(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	cust := e.Post("/customers", receiveOnly("fs@example.com")).Created(t)

	t.Run("Account", func(t *testing.T) {
		loc := e.Post("/funding-sources", bank("12345678", "Payroll")).Created(t)
		fs := e.Get(loc).OK(t)
		want := map[string]any{"id": apptest.ID(loc), "status": "unverified", "type": "bank", "bankAccountType": "checking",
			"name": "Payroll", "removed": false, "bankName": "SANDBOX TEST BANK"}
		for k, v := range want {
			if fs[k] != v {
				t.Errorf("%s = %v, want %v", k, fs[k], v)
			}
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(fmt.Sprint(fs["fingerprint"])) {
			t.Errorf("fingerprint = %v", fs["fingerprint"])
		}
		if strings.Contains(string(e.Get(loc).Body), "12345678") {
			t.Error("the account number is rendered")
		}
		if apptest.Dig(fs, "_links", "account", "href") != e.Base+"/accounts/"+e.AccountID {
			t.Errorf("account link = %v", apptest.Dig(fs, "_links", "account"))
		}
		for _, rel := range []string{"self", "remove", "initiate-micro-deposits"} {
			if apptest.Dig(fs, "_links", rel, "href") == nil {
				t.Errorf("no %s link", rel)
			}
		}
		if ch := fs["channels"].([]any); len(ch) != 1 || ch[0] != "ach" {
			t.Errorf("channels = %v", ch)
		}
	})
	t.Run("Customer", func(t *testing.T) {
		b := bank("555000111", "GL")
		b["bankAccountType"] = "general-ledger"
		fs := e.Get(e.Post(cust+"/funding-sources", b).Created(t)).OK(t)
		if fs["bankAccountType"] != "general-ledger" || apptest.Dig(fs, "_links", "customer", "href") != cust {
			t.Fatalf("funding source = %v", fs)
		}
	})
	t.Run("ErrReceiveOnlyOneBank", func(t *testing.T) {
		e.Post(cust+"/funding-sources", bank("555000222", "Second")).Error(t, 400, "MaxNumberOfResources")
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		first := e.Post("/funding-sources", bank("999888777", "One")).Created(t)
		body := e.Post("/funding-sources", bank("999888777", "Two")).Error(t, 400, "DuplicateResource")
		if body["message"] != "Bank already exists: id="+apptest.ID(first) || apptest.Dig(body, "_links", "about", "href") != first {
			t.Fatalf("body = %v", body)
		}
		// The same bank under another owner is no duplicate; once removed, it can be added again.
		e.Post("/customers/"+apptest.ID(e.Post("/customers", personal("Dee", "dee@example.com")).Created(t))+"/funding-sources",
			bank("999888777", "Mine")).Created(t)
		e.Post(first, map[string]any{"removed": true}).OK(t)
		e.Post("/funding-sources", bank("999888777", "Again")).Created(t)
	})
	t.Run("ErrUnknownCustomer", func(t *testing.T) {
		body := e.Post("/customers/nope/funding-sources", bank("123123123", "x")).Error(t, 404, "NotFound")
		if body["message"] != "Customer not found." {
			t.Fatalf("message %v", body["message"])
		}
	})
	before := total(t, e.Client, "/accounts/"+e.AccountID+"/funding-sources")
	for _, tc := range []struct {
		name string
		body map[string]any
		want map[string]string
	}{
		{"ErrRequired", map[string]any{}, map[string]string{"/routingNumber": "Required", "/accountNumber": "Required",
			"/bankAccountType": "Required", "/name": "Required"}},
		{"ErrRoutingChecksum", map[string]any{"routingNumber": "222222222", "accountNumber": "1234", "bankAccountType": "savings", "name": "x"},
			map[string]string{"/routingNumber": "InvalidFormat"}},
		{"ErrRoutingPrefix", map[string]any{"routingNumber": "131000000", "accountNumber": "1234", "bankAccountType": "savings", "name": "x"},
			map[string]string{"/routingNumber": "InvalidFormat"}},
		{"ErrAccountNumber", map[string]any{"routingNumber": "021000021", "accountNumber": "12a4", "bankAccountType": "savings", "name": "x"},
			map[string]string{"/accountNumber": "InvalidFormat"}},
		{"ErrAccountBankType", map[string]any{"routingNumber": "021000021", "accountNumber": "1234", "bankAccountType": "loan", "name": "x"},
			map[string]string{"/bankAccountType": "Invalid"}},
		{"ErrNameLength", map[string]any{"routingNumber": "021000021", "accountNumber": "1234", "bankAccountType": "savings", "name": strings.Repeat("n", 51)},
			map[string]string{"/name": "InvalidFormat"}},
		{"ErrTypeRoutingNumber", map[string]any{"routingNumber": 222222226, "accountNumber": "1234", "bankAccountType": "savings", "name": "x"},
			map[string]string{"/routingNumber": "InvalidFormat"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.Post("/funding-sources", tc.body)
			res.Error(t, 400, "ValidationError")
			if got := res.FieldErrors(); !mapsEqual(got, tc.want) {
				t.Fatalf("errors %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("ErrMalformedJSON", func(t *testing.T) {
		e.Post("/funding-sources", `{"name":`).Error(t, 400, "BadRequest")
	})
	t.Run("NothingCreated", func(t *testing.T) {
		if after := total(t, e.Client, "/accounts/"+e.AccountID+"/funding-sources"); after != before {
			t.Fatalf("funding sources %d -> %d", before, after)
		}
	})
	t.Run("Events", func(t *testing.T) {
		got := topics(t, e, e.AccountID, "")
		if !slices.Contains(got, "funding_source_added") || !slices.Contains(got, "customer_funding_source_added") ||
			!slices.Contains(got, "funding_source_removed") {
			t.Fatalf("topics %v", got)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFundingSourceListAndUpdate(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	other := e.NewApplication(0)
	loc := e.Post("/funding-sources", bank("11112222", "Old name")).Created(t)
	id := apptest.ID(loc)
	list := "/accounts/" + e.AccountID + "/funding-sources"

	t.Run("List", func(t *testing.T) {
		body := e.Get(list).OK(t)
		fss := embedded(body, "funding-sources")
		if body["total"] != float64(3) || len(fss) != 3 { // the sandbox bank, the balance, the new bank
			t.Fatalf("list = %v", body)
		}
		if apptest.Dig(body, "_links", "self", "href") != e.Base+list || apptest.Dig(body, "_links", "account", "href") == nil {
			t.Errorf("links = %v", body["_links"])
		}
	})
	t.Run("Rename", func(t *testing.T) {
		fs := e.Post(loc, map[string]any{"name": "New name"}).OK(t)
		if fs["name"] != "New name" || e.Get(loc).OK(t)["name"] != "New name" {
			t.Fatalf("fs = %v", fs)
		}
	})
	t.Run("UpdateBankDetails", func(t *testing.T) {
		was := e.Get(loc).OK(t)["fingerprint"]
		fs := e.Post(loc, map[string]any{"routingNumber": "021000021", "accountNumber": "99990000", "bankAccountType": "savings", "name": "Moved"}).OK(t)
		if fs["fingerprint"] == was || fs["bankAccountType"] != "savings" || fs["name"] != "Moved" || fs["bankName"] != nil {
			t.Fatalf("fs = %v", fs)
		}
	})
	t.Run("ErrVerifiedBankDetails", func(t *testing.T) {
		seeded := accountSource(t, e.Client, "bank")
		e.Post("/funding-sources/"+seeded, map[string]any{"accountNumber": "5555"}).Error(t, 403, "InvalidResourceState")
		if fs := e.Post("/funding-sources/"+seeded, map[string]any{"name": "Renamed"}).OK(t); fs["name"] != "Renamed" {
			t.Fatalf("fs = %v", fs)
		}
	})
	t.Run("ErrBalance", func(t *testing.T) {
		bal := "/funding-sources/" + accountSource(t, e.Client, "balance")
		for _, body := range []map[string]any{{"name": "x"}, {"removed": true}} {
			res := e.Post(bal, body)
			res.Error(t, 400, "ValidationError")
			if !strings.Contains(string(res.Body), "Only funding sources of type='bank' can be updated.") {
				t.Fatalf("body %s", res.Body)
			}
		}
	})
	t.Run("ErrBody", func(t *testing.T) {
		for _, tc := range []struct {
			body any
			path string
		}{
			{map[string]any{}, "/name"},
			{map[string]any{"name": ""}, "/name"},
			{map[string]any{"name": 7}, "/name"},
			{map[string]any{"removed": false}, "/removed"},
			{map[string]any{"removed": "yes"}, "/removed"},
			{map[string]any{"removed": true, "name": "x"}, "/removed"},
			{map[string]any{"routingNumber": "123"}, "/routingNumber"},
		} {
			res := e.Post(loc, tc.body)
			res.Error(t, 400, "ValidationError")
			if _, ok := res.FieldErrors()[tc.path]; !ok {
				t.Errorf("%v: errors %v", tc.body, res.FieldErrors())
			}
		}
		e.Post(loc, "nope").Error(t, 400, "BadRequest")
	})
	t.Run("Remove", func(t *testing.T) {
		fs := e.Post(loc, map[string]any{"removed": true}).OK(t)
		if fs["removed"] != true || apptest.Dig(fs, "_links", "remove") != nil {
			t.Fatalf("fs = %v", fs)
		}
		body := e.Post(loc, map[string]any{"name": "again"}).Error(t, 403, "InvalidResourceState")
		if body["message"] != "A removed bank cannot be updated." {
			t.Fatalf("message %v", body["message"])
		}
		e.Post(loc, map[string]any{"removed": true}).Error(t, 403, "InvalidResourceState")
	})
	t.Run("RemovedFilter", func(t *testing.T) {
		ids := func(q string) []string {
			var out []string
			for _, fs := range embedded(e.Get(list+q).OK(t), "funding-sources") {
				out = append(out, fs["id"].(string))
			}
			return out
		}
		if got := ids("?removed=true"); !slices.Equal(got, []string{id}) {
			t.Fatalf("removed=true: %v", got)
		}
		if got := ids("?removed=false"); len(got) != 2 || slices.Contains(got, id) {
			t.Fatalf("removed=false: %v", got)
		}
		if got := ids(""); len(got) != 3 {
			t.Fatalf("all: %v", got)
		}
		e.Get(list+"?removed=maybe").Error(t, 400, "ValidationError")
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		for _, path := range []string{loc, loc + "/balance", loc + "/micro-deposits"} {
			if body := other.Get(path).Error(t, 404, "NotFound"); body["message"] != "Funding source not found." {
				t.Errorf("%s: %v", path, body["message"])
			}
		}
		other.Post(loc, map[string]any{"name": "mine"}).Error(t, 404, "NotFound")
		other.Post(loc+"/micro-deposits", nil).Error(t, 404, "NotFound")
		if body := other.Get(list).Error(t, 404, "NotFound"); body["message"] != "Account not found." {
			t.Errorf("list: %v", body["message"])
		}
		e.Get("/funding-sources/nope").Error(t, 404, "NotFound")
		if e.Get(loc).OK(t)["name"] != "Moved" {
			t.Error("another account renamed the bank")
		}
	})
}

func TestFundingSourceBalance(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bal := "/funding-sources/" + accountSource(t, e.Client, "balance")
	fs := e.Get(bal).OK(t)
	if apptest.Dig(fs, "_links", "balance", "href") != e.Base+bal+"/balance" {
		t.Fatalf("balance link = %v", apptest.Dig(fs, "_links", "balance"))
	}
	body := e.Get(bal + "/balance").OK(t)
	if apptest.Dig(body, "balance", "value") != "5000.00" || apptest.Dig(body, "total", "value") != "5000.00" ||
		apptest.Dig(body, "balance", "currency") != "USD" || body["lastUpdated"] == nil ||
		apptest.Dig(body, "_links", "self", "resource-type") != "balance" ||
		apptest.Dig(body, "_links", "funding-source", "href") != e.Base+bal {
		t.Fatalf("balance = %v", body)
	}
	e.Get("/funding-sources/"+accountSource(t, e.Client, "bank")+"/balance").Error(t, 404, "NotFound")
}

func TestMicroDeposits(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	amounts := func(a1, a2 any) map[string]any {
		return map[string]any{"amount1": map[string]any{"value": a1, "currency": "USD"},
			"amount2": map[string]any{"value": a2, "currency": "USD"}}
	}
	cust := e.Post("/customers", receiveOnly("md@example.com")).Created(t)
	loc := e.Post(cust+"/funding-sources", bank("24681357", "Verify me")).Created(t)
	md := loc + "/micro-deposits"

	t.Run("ErrNotInitiated", func(t *testing.T) {
		e.Get(md).Error(t, 404, "NotFound")
		e.Post(md, amounts("0.01", "0.02")).Error(t, 403, "InvalidResourceState")
	})
	t.Run("Initiate", func(t *testing.T) {
		if got := e.Post(md, nil).Created(t); got != md {
			t.Fatalf("Location = %q, want %q", got, md)
		}
		body := e.Get(md).OK(t)
		if body["status"] != "pending" || body["created"] == nil || apptest.Dig(body, "_links", "self", "href") != md {
			t.Fatalf("micro-deposits = %v", body)
		}
		if apptest.Dig(e.Get(loc).OK(t), "_links", "verify-micro-deposits", "href") != md {
			t.Error("no verify-micro-deposits link")
		}
		e.Post(md, nil).Error(t, 403, "InvalidResourceState")
	})
	t.Run("ErrAmounts", func(t *testing.T) {
		for _, tc := range []struct {
			body any
			want map[string]string
		}{
			{amounts("abc", "0.02"), map[string]string{"/amount1/value": "InvalidFormat"}},
			{amounts("0.01", "-1"), map[string]string{"/amount2/value": "InvalidFormat"}},
			{map[string]any{"amount1": map[string]any{"value": "0.01", "currency": "EUR"}}, map[string]string{"/amount1/currency": "Invalid", "/amount2": "Required"}},
			{map[string]any{"amount1": "0.01", "amount2": map[string]any{"currency": "USD"}}, map[string]string{"/amount1": "InvalidFormat", "/amount2/value": "Required"}},
		} {
			res := e.Post(md, tc.body)
			res.Error(t, 400, "ValidationError")
			if got := res.FieldErrors(); !mapsEqual(got, tc.want) {
				t.Errorf("%v: errors %v, want %v", tc.body, got, tc.want)
			}
		}
		e.Post(md, `{"amount1":`).Error(t, 400, "BadRequest")
	})
	t.Run("ErrWrongAmounts", func(t *testing.T) {
		res := e.Post(md, amounts("0.10", "0.02"))
		res.Error(t, 400, "ValidationError")
		if res.FieldErrors()["/amount1/value"] != "Invalid" || !strings.Contains(string(res.Body), "Wrong amount(s).") {
			t.Fatalf("body %s", res.Body)
		}
	})
	t.Run("Verify", func(t *testing.T) {
		body := e.Post(md, amounts("0.03", 0.07)).OK(t) // the C# SDK sends numbers
		if body["status"] != "processed" {
			t.Fatalf("micro-deposits = %v", body)
		}
		fs := e.Get(loc).OK(t)
		if fs["status"] != "verified" || apptest.Dig(fs, "_links", "verify-micro-deposits") != nil {
			t.Fatalf("fs = %v", fs)
		}
		body = e.Post(md, nil).Error(t, 403, "InvalidResourceState")
		if body["message"] != "Bank already verified." {
			t.Fatalf("message %v", body["message"])
		}
		e.Post(md, amounts("0.03", "0.07")).Error(t, 403, "InvalidResourceState")
		got := topics(t, e, e.AccountID, "")
		for _, want := range []string{"customer_microdeposits_added", "customer_microdeposits_completed", "customer_funding_source_verified"} {
			if !slices.Contains(got, want) {
				t.Errorf("no %s in %v", want, got)
			}
		}
	})
	t.Run("MaxAttempts", func(t *testing.T) {
		loc := e.Post("/funding-sources", bank("13572468", "Locked")).Created(t)
		md := loc + "/micro-deposits"
		e.Post(md, nil).Created(t)
		for i := 0; i < 3; i++ {
			e.Post(md, amounts("0.09", "0.09")).Error(t, 400, "ValidationError")
		}
		e.Post(md, amounts("0.01", "0.02")).Error(t, 403, "InvalidResourceState")
		if st := e.Get(md).OK(t)["status"]; st != "max-attempts" {
			t.Fatalf("status %v", st)
		}
		fs := e.Get(loc).OK(t)
		if fs["status"] != "unverified" || apptest.Dig(fs, "_links", "failed-verification-micro-deposits") == nil {
			t.Fatalf("fs = %v", fs)
		}
		if got := topics(t, e, e.AccountID, ""); !slices.Contains(got, "microdeposits_maxattempts") {
			t.Fatalf("topics %v", got)
		}
	})
	t.Run("ErrBalance", func(t *testing.T) {
		e.Post("/funding-sources/"+accountSource(t, e.Client, "balance")+"/micro-deposits", nil).Error(t, 403, "InvalidResourceState")
	})
}
