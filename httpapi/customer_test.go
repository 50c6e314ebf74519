package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"masspay/apptest"
)

// total returns the total of a list endpoint.
func total(t *testing.T, c *apptest.Client, path string) int {
	t.Helper()
	return int(c.Get(path).OK(t)["total"].(float64))
}

// embedded returns the embedded list name of a collection response.
func embedded(body map[string]any, name string) []map[string]any {
	list, _ := apptest.Dig(body, "_embedded", name).([]any)
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i], _ = v.(map[string]any)
	}
	return out
}

func receiveOnly(email string) map[string]any {
	return map[string]any{"firstName": "Rita", "lastName": "Receiver", "email": email, "type": "receive-only"}
}

func personal(first, email string) map[string]any {
	return map[string]any{"firstName": first, "lastName": "Person", "email": email, "type": "personal",
		"address1": "99-99 33rd St", "city": "Some City", "state": "ny", "postalCode": "11101",
		"dateOfBirth": "1970-01-01", "ssn": "1234"}
}

func business(email string) map[string]any {
	return map[string]any{"firstName": "Ben", "lastName": "Owner", "email": email, "type": "business",
		"address1": "99-99 33rd St", "city": "Some City", "state": "NY", "postalCode": "11101",
		"businessName": "Jane Corp llc", "businessType": "llc", "ein": "00-0000000",
		"businessClassification": "9ed3f670-7d6f-11e3-b1ce-5404a6144203",
		"controller": map[string]any{"firstName": "John", "lastName": "Controller", "title": "CEO",
			"dateOfBirth": "1980-01-31", "ssn": "1234",
			"address": map[string]any{"address1": "1749 18th st", "city": "Des Moines", "stateProvinceRegion": "IA",
				"postalCode": "50266", "country": "US"}}}
}

func TestCustomerCreate(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)

	t.Run("ReceiveOnly", func(t *testing.T) {
		body := receiveOnly("rita@example.com")
		body["correlationId"] = "cust-1.A_b"
		body["businessName"] = "Rita's"
		loc := e.Post("/customers", body).Created(t)
		if !strings.HasPrefix(loc, e.Base+"/customers/") {
			t.Fatalf("Location = %q", loc)
		}
		c := e.Get(loc).OK(t)
		want := map[string]any{"id": apptest.ID(loc), "firstName": "Rita", "lastName": "Receiver", "email": "rita@example.com",
			"type": "receive-only", "status": "unverified", "correlationId": "cust-1.A_b", "businessName": "Rita's"}
		for k, v := range want {
			if c[k] != v {
				t.Errorf("%s = %v, want %v", k, c[k], v)
			}
		}
		if !strings.HasSuffix(fmt.Sprint(c["created"]), "Z") {
			t.Errorf("created = %v", c["created"])
		}
		for _, rel := range []string{"self", "receive", "edit", "funding-sources", "transfers", "mass-payments"} {
			if apptest.Dig(c, "_links", rel, "href") == nil {
				t.Errorf("no %s link", rel)
			}
		}
		if apptest.Dig(c, "_links", "send") != nil {
			t.Error("an unverified customer has a send link")
		}
		if apptest.Dig(c, "_links", "funding-sources", "href") != loc+"/funding-sources" {
			t.Errorf("funding-sources link = %v", apptest.Dig(c, "_links", "funding-sources"))
		}
		if n := total(t, e.Client, loc+"/funding-sources"); n != 0 {
			t.Errorf("receive-only customer has %d funding sources", n)
		}
	})
	t.Run("UnverifiedByDefault", func(t *testing.T) {
		body := receiveOnly("u1@example.com")
		delete(body, "type")
		c := e.Get(e.Post("/customers", body).Created(t)).OK(t)
		if c["type"] != "unverified" || c["status"] != "unverified" {
			t.Fatalf("type %v status %v", c["type"], c["status"])
		}
		body = receiveOnly("u2@example.com")
		body["type"] = "unverified"
		if c := e.Get(e.Post("/customers", body).Created(t)).OK(t); c["type"] != "unverified" {
			t.Fatalf("type %v", c["type"])
		}
	})
	t.Run("PersonalVerified", func(t *testing.T) {
		loc := e.Post("/customers", personal("Vera", "vera@example.com")).Created(t)
		c := e.Get(loc).OK(t)
		if c["status"] != "verified" || c["type"] != "personal" || apptest.Dig(c, "_links", "send") == nil {
			t.Fatalf("customer = %v", c)
		}
		if c["address1"] != "99-99 33rd St" || c["city"] != "Some City" || c["state"] != "NY" || c["postalCode"] != "11101" {
			t.Errorf("address = %v", c)
		}
		for _, secret := range []string{"ssn", "dateOfBirth"} {
			if _, has := c[secret]; has {
				t.Errorf("%s rendered", secret)
			}
		}
		list := e.Get(loc + "/funding-sources").OK(t)
		fss := embedded(list, "funding-sources")
		if len(fss) != 1 || fss[0]["type"] != "balance" || fss[0]["name"] != "Balance" || fss[0]["status"] != "verified" {
			t.Fatalf("funding sources = %v", fss)
		}
		bal := e.Get(apptest.Dig(fss[0], "_links", "balance", "href").(string)).OK(t)
		if apptest.Dig(bal, "balance", "value") != "0.00" {
			t.Errorf("balance = %v", bal)
		}
	})
	t.Run("PersonalSandboxStatuses", func(t *testing.T) {
		for i, first := range []string{"retry", "kba", "document", "suspended", "verified"} {
			c := e.Get(e.Post("/customers", personal(first, fmt.Sprintf("sandbox%d@example.com", i))).Created(t)).OK(t)
			if c["status"] != first {
				t.Errorf("firstName %s: status %v", first, c["status"])
			}
			n := total(t, e.Client, "/customers/"+c["id"].(string)+"/funding-sources")
			if want := map[bool]int{true: 1, false: 0}[first == "verified"]; n != want {
				t.Errorf("firstName %s: %d funding sources, want %d", first, n, want)
			}
		}
	})
	t.Run("Business", func(t *testing.T) {
		c := e.Get(e.Post("/customers", business("biz@example.com")).Created(t)).OK(t)
		if c["status"] != "verified" || c["type"] != "business" || c["businessName"] != "Jane Corp llc" || c["businessType"] != "llc" {
			t.Fatalf("customer = %v", c)
		}
		if apptest.Dig(c, "controller", "title") != "CEO" || apptest.Dig(c, "controller", "address", "city") != "Des Moines" {
			t.Errorf("controller = %v", c["controller"])
		}
		if _, has := c["ein"]; has || apptest.Dig(c, "controller", "ssn") != nil || apptest.Dig(c, "controller", "dateOfBirth") != nil {
			t.Error("a sensitive field is rendered")
		}
	})
	t.Run("SoleProprietorship", func(t *testing.T) {
		body := business("sole@example.com")
		body["businessType"] = "soleProprietorship"
		delete(body, "controller")
		delete(body, "ein")
		body["dateOfBirth"], body["ssn"] = "1980-01-31", "123-45-6789"
		c := e.Get(e.Post("/customers", body).Created(t)).OK(t)
		if c["status"] != "verified" || c["businessType"] != "soleProprietorship" || c["controller"] != nil {
			t.Fatalf("customer = %v", c)
		}
	})
	t.Run("Events", func(t *testing.T) {
		got := topics(t, e, e.AccountID, "")
		created, verified := 0, 0
		for _, tp := range got {
			created += map[bool]int{true: 1}[tp == "customer_created"]
			verified += map[bool]int{true: 1}[tp == "customer_verified"]
		}
		// The subtests above run in order: 11 customers (receive-only, 2 unverified, personal, 5
		// sandbox, business, sole prop), of which 4 are verified (personal, sandbox "verified",
		// business, sole prop).
		if created != 11 || verified != 4 {
			t.Fatalf("customer_created %d, customer_verified %d: %v", created, verified, got)
		}
	})
}

func TestCustomerCreateErrors(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	e.Post("/customers", receiveOnly("taken@example.com")).Created(t)
	withCorr := receiveOnly("corr@example.com")
	withCorr["correlationId"] = "taken-id"
	e.Post("/customers", withCorr).Created(t)
	before := total(t, e.Client, "/customers")

	with := func(base map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(out, kv[i].(string))
			} else {
				out[kv[i].(string)] = kv[i+1]
			}
		}
		return out
	}
	ro := receiveOnly("new@example.com")
	for _, tc := range []struct {
		name string
		body map[string]any
		want map[string]string // path -> code
	}{
		{"ErrTypeFirstName", with(ro, "firstName", 5), map[string]string{"/firstName": "InvalidFormat"}},
		{"ErrRequired", map[string]any{}, map[string]string{"/firstName": "Required", "/lastName": "Required", "/email": "Required"}},
		{"ErrNames", with(ro, "firstName", "<script>", "lastName", strings.Repeat("x", 51)),
			map[string]string{"/firstName": "InvalidFormat", "/lastName": "InvalidFormat"}},
		{"ErrEmail", with(ro, "email", "not-an-email"), map[string]string{"/email": "InvalidFormat"}},
		{"ErrCorrelationID", with(ro, "correlationId", "has space"), map[string]string{"/correlationId": "InvalidFormat"}},
		{"ErrBusinessNameLength", with(ro, "businessName", strings.Repeat("b", 256)), map[string]string{"/businessName": "InvalidFormat"}},
		{"ErrType", with(ro, "type", "premium"), map[string]string{"/type": "Invalid"}},
		{"ErrPersonalMissing", with(ro, "type", "personal"), map[string]string{"/address1": "Required", "/city": "Required",
			"/state": "Required", "/postalCode": "Required", "/dateOfBirth": "Required", "/ssn": "Required"}},
		{"ErrPersonalInvalid", with(personal("Pat", "pat@example.com"), "state", "Iowa", "postalCode", "1234",
			"dateOfBirth", "1970-13-01", "ssn", "12345"), map[string]string{"/state": "InvalidFormat", "/postalCode": "InvalidFormat",
			"/dateOfBirth": "InvalidFormat", "/ssn": "InvalidFormat"}},
		{"ErrUnderage", with(personal("Kid", "kid@example.com"), "dateOfBirth", "2020-01-01"), map[string]string{"/dateOfBirth": "Invalid"}},
		{"ErrBusinessMissing", with(business("b2@example.com"), "controller", nil, "ein", nil, "businessClassification", nil),
			map[string]string{"/controller": "Required", "/ein": "Required", "/businessClassification": "Required"}},
		{"ErrBusinessType", with(business("b3@example.com"), "businessType", "nonprofit"), map[string]string{"/businessType": "Invalid"}},
		{"ErrController", with(business("b4@example.com"), "controller", map[string]any{"firstName": "J", "address": map[string]any{"country": "USA"}}),
			map[string]string{"/controller/lastName": "Required", "/controller/title": "Required", "/controller/dateOfBirth": "Required",
				"/controller/address/address1": "Required", "/controller/address/city": "Required",
				"/controller/address/stateProvinceRegion": "Required", "/controller/address/postalCode": "Required",
				"/controller/address/country": "InvalidFormat"}},
		{"ErrControllerType", with(business("b5@example.com"), "controller", "John"), map[string]string{"/controller": "InvalidFormat"}},
		{"ErrDuplicateEmail", with(ro, "email", "TAKEN@example.com"), map[string]string{"/email": "Duplicate"}},
		{"ErrDuplicateCorrelationID", with(ro, "correlationId", "taken-id"), map[string]string{"/correlationId": "Duplicate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.Post("/customers", tc.body)
			res.Error(t, 400, "ValidationError")
			got := res.FieldErrors()
			for path, code := range tc.want {
				if got[path] != code {
					t.Errorf("%s: got %q, want %q (all: %v)", path, got[path], code, got)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("errors %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("ErrDuplicateEmailMessage", func(t *testing.T) {
		body := e.Post("/customers", receiveOnly("taken@example.com")).Error(t, 400, "ValidationError")
		errs := apptest.Dig(body, "_embedded", "errors").([]any)
		if m := errs[0].(map[string]any); m["message"] != "A customer with the specified email already exists." || m["_links"] == nil {
			t.Fatalf("error = %v", m)
		}
	})
	t.Run("ErrMalformedJSON", func(t *testing.T) {
		e.Post("/customers", `{"firstName": "a",`).Error(t, 400, "BadRequest")
		e.Post("/customers", `[1]`).Error(t, 400, "BadRequest")
	})
	t.Run("NothingCreated", func(t *testing.T) {
		if after := total(t, e.Client, "/customers"); after != before {
			t.Fatalf("customers %d -> %d", before, after)
		}
		if n := strings.Count(strings.Join(topics(t, e, e.AccountID, ""), " "), "customer_created"); n != before {
			t.Fatalf("%d customer_created events for %d customers", n, before)
		}
	})
}

func TestCustomerList(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	var ids []string
	for i, b := range []map[string]any{receiveOnly("a@example.com"), personal("Vic", "b@example.com"),
		personal("retry", "c@example.com"), receiveOnly("findme@example.org")} {
		if i == 3 {
			b["lastName"] = "Needle"
		}
		ids = append(ids, apptest.ID(e.Post("/customers", b).Created(t)))
	}
	list := func(query string) ([]string, map[string]any) {
		t.Helper()
		body := e.Get("/customers" + query).OK(t)
		var got []string
		for _, c := range embedded(body, "customers") {
			got = append(got, c["id"].(string))
		}
		return got, body
	}

	t.Run("NewestFirst", func(t *testing.T) {
		got, body := list("")
		if !slices.Equal(got, []string{ids[3], ids[2], ids[1], ids[0]}) || body["total"] != float64(4) {
			t.Fatalf("got %v total %v", got, body["total"])
		}
	})
	t.Run("Paging", func(t *testing.T) {
		got, body := list("?limit=2&offset=1")
		if !slices.Equal(got, []string{ids[2], ids[1]}) || body["total"] != float64(4) {
			t.Fatalf("got %v", got)
		}
		if apptest.Dig(body, "_links", "next", "href") != e.Base+"/customers?limit=2&offset=3" {
			t.Errorf("next = %v", apptest.Dig(body, "_links", "next"))
		}
	})
	t.Run("Search", func(t *testing.T) {
		if got, _ := list("?search=needle"); !slices.Equal(got, []string{ids[3]}) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("Email", func(t *testing.T) {
		if got, _ := list("?email=B@example.com"); !slices.Equal(got, []string{ids[1]}) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("Status", func(t *testing.T) {
		if got, _ := list("?status=verified"); !slices.Equal(got, []string{ids[1]}) {
			t.Fatalf("got %v", got)
		}
		if got, _ := list("?status=retry&status=unverified"); !slices.Equal(got, []string{ids[3], ids[2], ids[0]}) {
			t.Fatalf("repeated: got %v", got)
		}
		if got, _ := list("?status[]=retry&status[]=verified"); !slices.Equal(got, []string{ids[2], ids[1]}) {
			t.Fatalf("brackets: got %v", got)
		}
	})
	t.Run("ErrStatus", func(t *testing.T) {
		res := e.Get("/customers?status=happy")
		res.Error(t, 400, "ValidationError")
		if res.FieldErrors()["/status"] != "Invalid" {
			t.Fatalf("errors %v", res.FieldErrors())
		}
	})
	t.Run("ErrLimit", func(t *testing.T) {
		e.Get("/customers?limit=zero").Error(t, 400, "ValidationError")
	})
	t.Run("OtherAccount", func(t *testing.T) {
		other := e.NewApplication(0)
		if n := total(t, other, "/customers"); n != 0 {
			t.Fatalf("other account sees %d customers", n)
		}
		for _, path := range []string{"/customers/" + ids[0], "/customers/" + ids[1] + "/funding-sources"} {
			body := other.Get(path).Error(t, 404, "NotFound")
			if body["message"] != "Customer not found." {
				t.Errorf("%s: message %v", path, body["message"])
			}
		}
		other.Post("/customers/"+ids[0]+"/funding-sources", map[string]any{"routingNumber": "222222226",
			"accountNumber": "123456789", "bankAccountType": "checking", "name": "x"}).Error(t, 404, "NotFound")
		e.Get("/customers/not-an-id").Error(t, 404, "NotFound")
	})
}
