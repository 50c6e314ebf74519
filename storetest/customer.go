package storetest

import (
	"testing"
	"time"

	"masspay"
)

var customerTests = []test{
	{"CustomerInsertGet", testCustomerInsertGet},
	{"CustomerUniqueEmailAndCorrelationID", testCustomerUnique},
	{"CustomerList", testCustomerList},
	{"CustomerUpdate", testCustomerUpdate},
}

func testCustomerUpdate(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	c := &masspay.Customer{ID: "c1", AccountID: "acc1", FirstName: "Ann", LastName: "Lee", Email: "ann@example.com",
		Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusVerified, CorrelationID: "corr-1",
		Details: map[string]string{"address1": "1 Main St"}, Created: t0}
	other := &masspay.Customer{ID: "c2", AccountID: "acc1", FirstName: "Bo", LastName: "Ng", Email: "bo@example.com",
		Type: masspay.CustomerReceiveOnly, Status: masspay.CustomerStatusUnverified, Created: t0}
	f.write(func(q masspay.Q) error { must(t, q.CustomerInsert(f.ctx, c)); return q.CustomerInsert(f.ctx, other) })

	upd := *c
	upd.FirstName, upd.LastName, upd.Email, upd.BusinessName = "Anna", "Leigh", "anna@example.com", "Leigh Ltd"
	upd.Details = map[string]string{"address1": "2 Side St", "phone": "5555555555"}
	upd.Status, upd.PriorStatus = masspay.CustomerStatusDeactivated, masspay.CustomerStatusVerified
	// Fields an update does not write: they must stay as stored.
	upd.Type, upd.CorrelationID, upd.Created = masspay.CustomerBusiness, "changed", t0.Add(time.Hour)
	f.write(func(q masspay.Q) error { return q.CustomerUpdate(f.ctx, &upd) })
	f.read(func(q masspay.Q) error {
		got, err := q.CustomerGet(f.ctx, "c1")
		must(t, err)
		want := upd
		want.Type, want.CorrelationID, want.Created = c.Type, c.CorrelationID, stored(t0)
		equal(t, "customer", got, &want)
		// A search finds the customer by what it is now, not by what it was.
		search := func(text string) []string {
			list, _, err := q.CustomerList(f.ctx, masspay.CustomerFilter{AccountID: "acc1", Search: text, Page: masspay.Page{Limit: 5}})
			must(t, err)
			return ids(list, func(c *masspay.Customer) string { return c.ID })
		}
		equal(t, "search by the new business name", search("LEIGH LTD"), []string{"c1"})
		equal(t, "search by the old email", search("ann@"), []string{})
		return nil
	})

	dup := *other
	dup.Email = "anna@example.com"
	wantErr(t, "a used email", f.writeErr(func(q masspay.Q) error { return q.CustomerUpdate(f.ctx, &dup) }), masspay.ErrUnique)
}

func testCustomerInsertGet(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	c := &masspay.Customer{ID: "c1", AccountID: "acc1", FirstName: "Ann", LastName: "Lee", Email: "ann@example.com",
		Type: masspay.CustomerBusiness, Status: masspay.CustomerStatusDocument, BusinessName: "Lee & Co",
		CorrelationID: "corr-1", Details: map[string]string{"address1": "1 Main St", "city": "Des Moines"}, Created: t0}
	f.write(func(q masspay.Q) error { return q.CustomerInsert(f.ctx, c) })
	f.read(func(q masspay.Q) error {
		got, err := q.CustomerGet(f.ctx, "c1")
		must(t, err)
		want := *c
		want.Created = stored(t0)
		equal(t, "customer", got, &want)
		return nil
	})
}

func testCustomerUnique(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.account("acc2")
	cust := func(id, account, email, corr string) *masspay.Customer {
		return &masspay.Customer{ID: id, AccountID: account, FirstName: "F", LastName: "L", Email: email,
			Type: masspay.CustomerReceiveOnly, Status: masspay.CustomerStatusUnverified, CorrelationID: corr, Created: t0}
	}
	insert := func(c *masspay.Customer) error {
		return f.writeErr(func(q masspay.Q) error { return q.CustomerInsert(f.ctx, c) })
	}
	must(t, insert(cust("c1", "acc1", "a@example.com", "corr")))
	must(t, insert(cust("c2", "acc1", "b@example.com", "")))
	must(t, insert(cust("c3", "acc1", "c@example.com", "")))
	must(t, insert(cust("c4", "acc2", "a@example.com", "corr")))
	wantErr(t, "a used email", insert(cust("c5", "acc1", "a@example.com", "")), masspay.ErrUnique)
	wantErr(t, "a used correlation ID", insert(cust("c6", "acc1", "d@example.com", "corr")), masspay.ErrUnique)
	wantErr(t, "a used ID", insert(cust("c1", "acc1", "e@example.com", "")), masspay.ErrUnique)
}

func testCustomerList(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.account("acc2")
	f.account("acc3")
	f.write(func(q masspay.Q) error {
		for _, c := range []*masspay.Customer{
			{ID: "c1", AccountID: "acc1", FirstName: "Ann", LastName: "Lee", Email: "ann@x.example", Status: "verified"},
			{ID: "c2", AccountID: "acc1", FirstName: "Bob", LastName: "Stone", Email: "bob@y.example", Status: "unverified",
				BusinessName: "Acme Corp"},
			{ID: "c3", AccountID: "acc1", FirstName: "Cat", LastName: "Ng", Email: "CAT@z.example", Status: "suspended"},
			{ID: "c4", AccountID: "acc2", FirstName: "Ann", LastName: "Lee", Email: "ann@x.example", Status: "verified"},
			{ID: "c5", AccountID: "acc2", FirstName: "Dan", LastName: "Ward", Email: "dan_w@q.example", Status: "verified",
				BusinessName: "100% Dan"},
			{ID: "c6", AccountID: "acc3", FirstName: "Émile", LastName: "Müller", Email: "em@q.example", Status: "verified"},
		} {
			c.Type, c.Created = masspay.CustomerPersonal, t0
			if err := q.CustomerInsert(f.ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	page := masspay.Page{Limit: 25}
	cases := []struct {
		name      string
		filter    masspay.CustomerFilter
		want      []string
		wantTotal int
	}{
		{"AllNewestFirst", masspay.CustomerFilter{AccountID: "acc1", Page: page}, []string{"c3", "c2", "c1"}, 3},
		{"OtherAccount", masspay.CustomerFilter{AccountID: "acc2", Page: page}, []string{"c5", "c4"}, 2},
		{"EmailIgnoresCase", masspay.CustomerFilter{AccountID: "acc1", Email: "cat@Z.example", Page: page}, []string{"c3"}, 1},
		{"SearchBusinessName", masspay.CustomerFilter{AccountID: "acc1", Search: "acme", Page: page}, []string{"c2"}, 1},
		{"SearchFirstName", masspay.CustomerFilter{AccountID: "acc1", Search: "ANN", Page: page}, []string{"c1"}, 1},
		{"SearchLastName", masspay.CustomerFilter{AccountID: "acc1", Search: "ston", Page: page}, []string{"c2"}, 1},
		{"SearchEmail", masspay.CustomerFilter{AccountID: "acc1", Search: "z.example", Page: page}, []string{"c3"}, 1},
		// Case is folded the same on every store, beyond ASCII; a search does not span two fields.
		{"SearchFoldsUnicode", masspay.CustomerFilter{AccountID: "acc3", Search: "MÜLLER", Page: page}, []string{"c6"}, 1},
		{"SearchAccents", masspay.CustomerFilter{AccountID: "acc3", Search: "éMILE", Page: page}, []string{"c6"}, 1},
		{"SearchWithinOneField", masspay.CustomerFilter{AccountID: "acc3", Search: "émilemüller", Page: page}, []string{}, 0},
		// LIKE's wildcards and its escape are plain characters in a search.
		{"SearchUnderscoreIsLiteral", masspay.CustomerFilter{AccountID: "acc2", Search: "_", Page: page}, []string{"c5"}, 1},
		{"SearchPercentIsLiteral", masspay.CustomerFilter{AccountID: "acc2", Search: "0% d", Page: page}, []string{"c5"}, 1},
		{"SearchPercentIsNoWildcard", masspay.CustomerFilter{AccountID: "acc2", Search: "a%e", Page: page}, []string{}, 0},
		{"SearchBackslashIsLiteral", masspay.CustomerFilter{AccountID: "acc2", Search: `\_`, Page: page}, []string{}, 0},
		{"Statuses", masspay.CustomerFilter{AccountID: "acc1", Statuses: []string{"verified", "suspended"}, Page: page},
			[]string{"c3", "c1"}, 2},
		{"Page", masspay.CustomerFilter{AccountID: "acc1", Page: masspay.Page{Limit: 1, Offset: 1}}, []string{"c2"}, 3},
		{"PagePastEnd", masspay.CustomerFilter{AccountID: "acc1", Page: masspay.Page{Limit: 5, Offset: 3}}, []string{}, 3},
	}
	f.read(func(q masspay.Q) error {
		for _, tc := range cases {
			list, total, err := q.CustomerList(f.ctx, tc.filter)
			must(t, err)
			equal(t, tc.name+" IDs", ids(list, func(c *masspay.Customer) string { return c.ID }), tc.want)
			equal(t, tc.name+" total", total, tc.wantTotal)
		}
		return nil
	})
}
