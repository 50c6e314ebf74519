package httpapi_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"masspay/apptest"
)

// fieldErrors asserts a 400 ValidationError with exactly the want (path -> code) entries.
func fieldErrors(t *testing.T, res *apptest.Response, want map[string]string) {
	t.Helper()
	res.Error(t, 400, "ValidationError")
	if got := res.FieldErrors(); !maps.Equal(got, want) {
		t.Fatalf("errors = %v, want %v: %s", got, want, res.Body)
	}
}

// unchanged asserts that the customer at loc still reads as before.
func unchanged(t *testing.T, c *apptest.Client, loc string, before map[string]any) {
	t.Helper()
	after := c.Get(loc).OK(t)
	for _, k := range []string{"firstName", "lastName", "email", "status", "businessName", "address1", "phone"} {
		if after[k] != before[k] {
			t.Errorf("%s = %v, was %v", k, after[k], before[k])
		}
	}
}

func TestCustomerUpdate(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	create := func(body map[string]any) (string, map[string]any) {
		loc := e.Post("/customers", body).Created(t)
		return loc, e.Get(loc).OK(t)
	}

	t.Run("OKUnverified", func(t *testing.T) {
		body := receiveOnly("upd1@example.com")
		body["businessName"] = "Old Name"
		loc, _ := create(body)
		c := e.Post(loc, map[string]any{"firstName": "Rose", "lastName": "Reader", "email": "rose@example.com",
			"businessName": "New Name", "ipAddress": "10.0.0.1"}).OK(t)
		want := map[string]any{"firstName": "Rose", "lastName": "Reader", "email": "rose@example.com",
			"businessName": "New Name", "status": "unverified", "type": "receive-only"}
		for k, v := range want {
			if c[k] != v {
				t.Errorf("%s = %v, want %v", k, c[k], v)
			}
		}
		if got := e.Get(loc).OK(t); got["email"] != "rose@example.com" || got["firstName"] != "Rose" {
			t.Errorf("GET after update = %v", got)
		}
		// An empty business name unsets it, as Dwolla documents.
		if c := e.Post(loc, map[string]any{"businessName": ""}).OK(t); c["businessName"] != nil {
			t.Errorf("businessName = %v after unsetting", c["businessName"])
		}
		// Changing only the case of one's own email is not a duplicate of oneself.
		if c := e.Post(loc, map[string]any{"email": "Rose@Example.com"}).OK(t); c["email"] != "Rose@Example.com" {
			t.Errorf("email = %v", c["email"])
		}
		if c := e.Post(loc, map[string]any{}).OK(t); c["firstName"] != "Rose" {
			t.Errorf("an empty update changed the customer: %v", c)
		}
	})
	t.Run("OKVerifiedPersonal", func(t *testing.T) {
		body := personal("Paula", "upd2@example.com")
		body["address2"] = "Apt 1"
		loc, _ := create(body)
		c := e.Post(loc, map[string]any{"email": "paula@example.com", "address1": "1 New St", "address2": "",
			"city": "Des Moines", "state": "ia", "postalCode": "50309", "phone": "5555555555", "ipAddress": "10.0.0.2"}).OK(t)
		want := map[string]any{"email": "paula@example.com", "address1": "1 New St", "city": "Des Moines", "state": "IA",
			"postalCode": "50309", "phone": "5555555555", "firstName": "Paula", "status": "verified"}
		for k, v := range want {
			if c[k] != v {
				t.Errorf("%s = %v, want %v", k, c[k], v)
			}
		}
		for _, k := range []string{"address2", "ipAddress"} {
			if _, has := c[k]; has {
				t.Errorf("%s = %v, want absent", k, c[k])
			}
		}
	})
	t.Run("OKVerifiedBusiness", func(t *testing.T) {
		loc, _ := create(business("upd3@example.com"))
		c := e.Post(loc, map[string]any{"doingBusinessAs": "Jane's Electronics", "website": "https://www.example.com"}).OK(t)
		if c["doingBusinessAs"] != "Jane's Electronics" || c["website"] != "https://www.example.com" ||
			c["businessName"] != "Jane Corp llc" || apptest.Dig(c, "controller", "firstName") != "John" {
			t.Fatalf("customer = %v", c)
		}
	})
	t.Run("OKDeactivateReactivate", func(t *testing.T) {
		for _, tc := range []struct{ name, body, status string }{
			{"Unverified", "unverified", "unverified"}, {"Verified", "personal", "verified"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := receiveOnly("cycle-" + tc.name + "@example.com")
				body["type"] = tc.body
				if tc.body == "personal" {
					body = personal("Val", "cycle-"+tc.name+"@example.com")
				}
				loc, c := create(body)
				if apptest.Dig(c, "_links", "deactivate", "href") != loc || apptest.Dig(c, "_links", "reactivate") != nil {
					t.Fatalf("links of an active customer = %v", c["_links"])
				}
				c = e.Post(loc, map[string]any{"status": "deactivated"}).OK(t)
				if c["status"] != "deactivated" || apptest.Dig(c, "_links", "reactivate", "href") != loc ||
					apptest.Dig(c, "_links", "deactivate") != nil {
					t.Fatalf("deactivated customer = %v", c)
				}
				if st := e.Get(loc).OK(t)["status"]; st != "deactivated" {
					t.Fatalf("GET status = %v", st)
				}
				c = e.Post(loc, map[string]any{"status": "reactivated"}).OK(t)
				if c["status"] != tc.status {
					t.Fatalf("reactivated status = %v, want %s", c["status"], tc.status)
				}
				got := topics(t, e, e.AccountID, apptest.ID(loc))
				wantTopics := []string{"customer_created", "customer_deactivated", "customer_activated"}
				if tc.status == "verified" {
					wantTopics = []string{"customer_created", "customer_verified", "customer_deactivated", "customer_activated"}
				}
				if !slices.Equal(got, wantTopics) {
					t.Fatalf("topics = %v, want %v", got, wantTopics)
				}
				// The events are served with the customer's link, as Dwolla's are.
				events := embedded(e.Get("/events?limit=200").OK(t), "events")
				found := 0
				for _, ev := range events {
					if ev["resourceId"] == apptest.ID(loc) && (ev["topic"] == "customer_deactivated" || ev["topic"] == "customer_activated") {
						found++
						if apptest.Dig(ev, "_links", "customer", "href") != loc {
							t.Errorf("event %v has customer link %v", ev["topic"], apptest.Dig(ev, "_links", "customer"))
						}
					}
				}
				if found != 2 {
					t.Errorf("GET /events shows %d of the 2 status events", found)
				}
			})
		}
	})

	t.Run("ErrSuspend", func(t *testing.T) {
		loc, before := create(receiveOnly("susp@example.com"))
		res := e.Post(loc, map[string]any{"status": "suspended"})
		fieldErrors(t, res, map[string]string{"/status": "NotAllowed"})
		unchanged(t, e.Client, loc, before)
	})
	t.Run("ErrInvalidStatus", func(t *testing.T) {
		loc, before := create(receiveOnly("badstatus@example.com"))
		for _, st := range []any{"verified", "", "DEACTIVATED"} {
			fieldErrors(t, e.Post(loc, map[string]any{"status": st}), map[string]string{"/status": "Invalid"})
		}
		fieldErrors(t, e.Post(loc, map[string]any{"status": true}), map[string]string{"/status": "InvalidFormat"})
		unchanged(t, e.Client, loc, before)
	})
	t.Run("ErrStatusWithOtherFields", func(t *testing.T) {
		loc, before := create(receiveOnly("statusplus@example.com"))
		res := e.Post(loc, map[string]any{"status": "deactivated", "email": "new@example.com", "firstName": "New"})
		fieldErrors(t, res, map[string]string{"/email": "NotAllowed", "/firstName": "NotAllowed"})
		unchanged(t, e.Client, loc, before)
	})
	t.Run("ErrStatusTransitions", func(t *testing.T) {
		loc, _ := create(receiveOnly("transitions@example.com"))
		fieldErrors(t, e.Post(loc, map[string]any{"status": "reactivated"}), map[string]string{"/status": "NotAllowed"})
		e.Post(loc, map[string]any{"status": "deactivated"}).OK(t)
		fieldErrors(t, e.Post(loc, map[string]any{"status": "deactivated"}), map[string]string{"/status": "NotAllowed"})
		// Dwolla's sandbox gives a personal customer named "suspended" that status.
		sloc, before := create(personal("suspended", "suspended@example.com"))
		if before["status"] != "suspended" {
			t.Fatalf("status = %v", before["status"])
		}
		if apptest.Dig(before, "_links", "deactivate") != nil {
			t.Errorf("a suspended customer has a deactivate link")
		}
		fieldErrors(t, e.Post(sloc, map[string]any{"status": "deactivated"}), map[string]string{"/status": "NotAllowed"})
		unchanged(t, e.Client, sloc, before)
		if n := len(topics(t, e, e.AccountID, apptest.ID(sloc))); n != 1 {
			t.Errorf("%d events for the suspended customer, want only customer_created", n)
		}
	})
	t.Run("ErrInformationOfInactiveCustomer", func(t *testing.T) {
		loc, _ := create(receiveOnly("inactive@example.com"))
		e.Post(loc, map[string]any{"status": "deactivated"}).OK(t)
		before := e.Get(loc).OK(t)
		e.Post(loc, map[string]any{"firstName": "Nope"}).Error(t, 403, "InvalidResourceState")
		unchanged(t, e.Client, loc, before)
		sloc, before := create(personal("suspended", "inactive2@example.com"))
		e.Post(sloc, map[string]any{"email": "nope@example.com"}).Error(t, 403, "InvalidResourceState")
		unchanged(t, e.Client, sloc, before)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		loc, before := create(receiveOnly("valid1@example.com"))
		fieldErrors(t, e.Post(loc, map[string]any{"firstName": "", "lastName": "Bad<name>", "email": "not-an-email",
			"businessName": fmt.Sprintf("%0256d", 0)}),
			map[string]string{"/firstName": "Required", "/lastName": "InvalidFormat", "/email": "InvalidFormat", "/businessName": "InvalidFormat"})
		fieldErrors(t, e.Post(loc, map[string]any{"firstName": 7, "email": []any{}}),
			map[string]string{"/firstName": "InvalidFormat", "/email": "InvalidFormat"})
		unchanged(t, e.Client, loc, before)

		vloc, vbefore := create(personal("Vic", "valid2@example.com"))
		fieldErrors(t, e.Post(vloc, map[string]any{"address1": "", "city": "", "state": "ZZ", "postalCode": "123",
			"phone": "555-5555", "address2": fmt.Sprintf("%051d", 0), "email": "ok@example.com"}),
			map[string]string{"/address1": "Required", "/city": "Required", "/state": "InvalidFormat",
				"/postalCode": "InvalidFormat", "/phone": "InvalidFormat", "/address2": "InvalidFormat"})
		unchanged(t, e.Client, vloc, vbefore)
	})
	t.Run("ErrFieldNotAllowed", func(t *testing.T) {
		loc, before := create(receiveOnly("notallowed1@example.com"))
		// Upgrades, verification data and fields of other types are refused, not ignored.
		fieldErrors(t, e.Post(loc, map[string]any{"type": "personal", "ssn": "1234", "address1": "1 Main St",
			"correlationId": "x", "controller": map[string]any{"firstName": "C"}, "firstName": "Fine"}),
			map[string]string{"/type": "NotAllowed", "/ssn": "NotAllowed", "/address1": "NotAllowed",
				"/correlationId": "NotAllowed", "/controller": "NotAllowed"})
		unchanged(t, e.Client, loc, before)

		vloc, vbefore := create(personal("Vera", "notallowed2@example.com"))
		fieldErrors(t, e.Post(vloc, map[string]any{"firstName": "Other", "lastName": "Name", "website": "https://x.example"}),
			map[string]string{"/firstName": "NotAllowed", "/lastName": "NotAllowed", "/website": "NotAllowed"})
		unchanged(t, e.Client, vloc, vbefore)
	})
	t.Run("ErrDuplicateEmail", func(t *testing.T) {
		create(receiveOnly("taken@example.com"))
		loc, before := create(receiveOnly("dup@example.com"))
		res := e.Post(loc, map[string]any{"email": "TAKEN@example.com", "firstName": "Changed"})
		fieldErrors(t, res, map[string]string{"/email": "Duplicate"})
		unchanged(t, e.Client, loc, before)
	})
	t.Run("ErrBadBody", func(t *testing.T) {
		loc, before := create(receiveOnly("badbody@example.com"))
		e.Post(loc, "{not json").Error(t, 400, "BadRequest")
		e.Post(loc, []any{"status", "deactivated"}).Error(t, 400, "BadRequest")
		unchanged(t, e.Client, loc, before)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		e.Post("/customers/00000000-0000-0000-0000-000000000000", map[string]any{"status": "deactivated"}).Error(t, 404, "NotFound")
		loc, before := create(receiveOnly("mine@example.com"))
		other := e.NewApplication(0)
		res := other.Post(loc, map[string]any{"status": "deactivated"})
		if res.Error(t, 404, "NotFound")["message"] != "Customer not found." {
			t.Errorf("message = %v", res.JSON["message"])
		}
		other.Post(loc, map[string]any{"firstName": "Theirs"}).Error(t, 404, "NotFound")
		unchanged(t, e.Client, loc, before)
	})
}

// A deactivated customer receives nothing: its items fail "Receiver restricted." while the
// others of the same batch are paid, and once reactivated it is paid again.
func TestCustomerDeactivatedReceivesNothing(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	var dests []string
	var locs []string
	for i := range 2 {
		loc := e.Post("/customers", receiveOnly(fmt.Sprintf("payee%d@example.com", i))).Created(t)
		locs = append(locs, loc)
		dests = append(dests, e.Post(loc+"/funding-sources", bank(fmt.Sprintf("100000000%d", i), "Payee bank")).Created(t))
	}
	e.Post(locs[0], map[string]any{"status": "deactivated"}).OK(t)

	pay := func() []any {
		t.Helper()
		mp := e.Post("/mass-payments", apptest.MassPayment(balance, "1.00", dests...)).Created(t)
		e.WaitStatus(mp, "complete")
		return apptest.Dig(e.Get(mp+"/items").OK(t), "_embedded", "items").([]any)
	}
	items := pay()
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		dest := apptest.Dig(it, "_links", "destination", "href")
		switch dest {
		case dests[0]:
			errs, _ := apptest.Dig(it, "_embedded", "errors").([]any)
			if apptest.Dig(it, "status") != "failed" || len(errs) != 1 || apptest.Dig(errs[0], "code") != "Restricted" ||
				apptest.Dig(errs[0], "message") != "Receiver restricted." || apptest.Dig(it, "_links", "transfer") != nil {
				t.Errorf("item to the deactivated customer = %v", it)
			}
		case dests[1]:
			if apptest.Dig(it, "status") != "success" || apptest.Dig(it, "_links", "transfer") == nil {
				t.Errorf("item to the active customer = %v", it)
			}
		default:
			t.Errorf("item to %v", dest)
		}
	}
	if n := total(t, e.Client, locs[0]+"/transfers"); n != 0 {
		t.Errorf("the deactivated customer has %d transfers", n)
	}

	e.Post(locs[0], map[string]any{"status": "reactivated"}).OK(t)
	for _, it := range pay() {
		if apptest.Dig(it, "status") != "success" {
			t.Errorf("after reactivation, item = %v", it)
		}
	}
	e.Verify()
}

// A verified customer deactivated after its mass payment was accepted sends nothing: the engine
// fails every item with "Sender restricted.".
func TestDeactivatedSenderSendsNothing(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	_, balance := e.Funding(e.Client)
	sender := e.Post("/customers", personal("verified", "sender@example.com")).Created(t)
	var senderBalance string
	for _, fs := range embedded(e.Get(sender+"/funding-sources").OK(t), "funding-sources") {
		if fs["type"] == "balance" {
			senderBalance = apptest.Dig(fs, "_links", "self", "href").(string)
		}
	}
	if senderBalance == "" {
		t.Fatal("the verified customer has no balance")
	}
	fund := e.Post("/mass-payments", apptest.MassPayment(balance, "50.00", senderBalance)).Created(t)
	e.WaitStatus(fund, "complete")

	payee := e.Post("/customers", receiveOnly("payee@example.com")).Created(t)
	dest := e.Post(payee+"/funding-sources", bank("1000000001", "Payee bank")).Created(t)
	body := apptest.MassPayment(senderBalance, "10.00", dest)
	body["status"] = "deferred"
	mp := e.Post("/mass-payments", body).Created(t)
	e.Post(sender, map[string]any{"status": "deactivated"}).OK(t)
	e.Post(mp, map[string]any{"status": "pending"}).OK(t)
	e.WaitStatus(mp, "complete")

	it := apptest.Dig(e.Get(mp+"/items").OK(t), "_embedded", "items").([]any)[0]
	errs, _ := apptest.Dig(it, "_embedded", "errors").([]any)
	if apptest.Dig(it, "status") != "failed" || len(errs) != 1 || apptest.Dig(errs[0], "message") != "Sender restricted." {
		t.Fatalf("item from a deactivated sender = %v", it)
	}
	if got := apptest.Dig(e.Get(senderBalance+"/balance").OK(t), "balance", "value"); got != "50.00" {
		t.Fatalf("sender balance = %v, want 50.00 untouched", got)
	}
	e.Verify()
}
