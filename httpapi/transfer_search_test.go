package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"masspay"
	"masspay/apptest"
	"masspay/service"
)

// namedCustomer inserts a verified customer with the given names and a balance, and returns
// both ids.
func namedCustomer(t *testing.T, e *apptest.Env, accountID, first, last, email, business string) (id, balance string) {
	t.Helper()
	c := &masspay.Customer{ID: uuid.NewString(), AccountID: accountID, FirstName: first, LastName: last, Email: email,
		BusinessName: business, Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusVerified, Created: time.Now()}
	if business != "" {
		c.Type = masspay.CustomerBusiness
	}
	write(t, e, func(q masspay.Q) error { return q.CustomerInsert(context.Background(), c) })
	return c.ID, addSource(t, e, accountID, c.ID, masspay.FundingBalance, "Balance")
}

func TestTransferSearch(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	bank, balance := ownSources(t, e, e.AccountID)
	alice, aliceBal := namedCustomer(t, e, e.AccountID, "Alice", "Liddell", "alice@example.com", "")
	bob, bobBal := namedCustomer(t, e, e.AccountID, "Bob", "Stone", "bob@rocks.example", "")
	acme, acmeBal := namedCustomer(t, e, e.AccountID, "Wile", "Coyote", "wile@example.com", "Acme Widgets")

	toAlice := addTransfer(t, e, e.AccountID, xfer{from: balance, to: aliceBal, toCust: alice, cents: 1_00, posted: true, status: masspay.TransferProcessed})
	toBob := addTransfer(t, e, e.AccountID, xfer{from: balance, to: bobBal, toCust: bob, cents: 2_00, posted: true, status: masspay.TransferProcessed})
	fromAcme := addTransfer(t, e, e.AccountID, xfer{from: acmeBal, fromCust: acme, to: balance, cents: 3_00})
	aliceToBob := addTransfer(t, e, e.AccountID, xfer{from: aliceBal, fromCust: alice, to: bobBal, toCust: bob, cents: 50})
	addTransfer(t, e, e.AccountID, xfer{from: balance, to: bank, cents: 4_00, posted: true}) // no customer: never found

	cases := []struct {
		name, path, search string
		want               []string
	}{
		{"FirstName", "/accounts/" + e.AccountID, "alice", []string{toAlice.ID}},
		{"CaseInsensitive", "/accounts/" + e.AccountID, "LIDD", []string{toAlice.ID}},
		{"Email", "/accounts/" + e.AccountID, "rocks.example", []string{toBob.ID}},
		{"BusinessNameEitherSide", "/accounts/" + e.AccountID, "widgets", []string{fromAcme.ID}},
		{"Several", "/accounts/" + e.AccountID, "t", []string{fromAcme.ID, toBob.ID}},
		{"NoMatch", "/accounts/" + e.AccountID, "zebra", nil},
		// On a customer's list the search names the other side, so the customer's own name
		// finds nothing.
		{"CustomerCounterparty", "/customers/" + alice, "bob", []string{aliceToBob.ID}},
		{"CustomerOwnNameNotMatched", "/customers/" + alice, "alice", nil},
		{"CustomerAccountSideNotMatched", "/customers/" + alice, "example.com", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := e.Get(tc.path + "/transfers?search=" + url.QueryEscape(tc.search)).OK(t)
			if got := ids(body); !slices.Equal(got, tc.want) {
				t.Fatalf("ids = %v, want %v", got, tc.want)
			}
			if body["total"] != float64(len(tc.want)) {
				t.Fatalf("total = %v, want %d", body["total"], len(tc.want))
			}
			if len(tc.want) > 0 {
				self, _ := apptest.Dig(body, "_links", "first", "href").(string)
				if u, err := url.Parse(self); err != nil || u.Query().Get("search") != tc.search {
					t.Fatalf("paging links lose the search: %s", self)
				}
			}
		})
	}
	t.Run("WithOtherFilters", func(t *testing.T) {
		body := e.Get("/accounts/" + e.AccountID + "/transfers?search=t&startAmount=2.50").OK(t)
		if got := ids(body); !slices.Equal(got, []string{fromAcme.ID}) {
			t.Fatalf("ids = %v", got)
		}
	})
	e.Verify()
}

// An account's transfer list reaches the newest 10,000 matches, as Dwolla's does: the total
// says 10,000 and the pages past it are empty, with no next link.
func TestAccountTransferListCap(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.NewApplication(0)
	bank, balance := ownSources(t, e, c.AccountID)
	const n = service.AccountTransferListCap + 5
	now := time.Now().UTC().Truncate(time.Microsecond)
	ts := make([]*masspay.Transfer, n)
	for i := range ts {
		ts[i] = &masspay.Transfer{ID: masspay.NewID(), AccountID: c.AccountID, SourceID: bank, DestinationID: balance,
			Amount: int64(i + 1), Status: masspay.TransferCancelled, Bank: true, Created: now}
	}
	write(t, e, func(q masspay.Q) error { return q.TransferInsertMany(context.Background(), ts) })
	path := "/accounts/" + c.AccountID + "/transfers"

	t.Run("OK", func(t *testing.T) {
		body := c.Get(path + "?limit=1").OK(t)
		if body["total"] != float64(service.AccountTransferListCap) {
			t.Fatalf("total = %v", body["total"])
		}
		if want := "offset=9999"; !strings.Contains(fmt.Sprint(apptest.Dig(body, "_links", "last", "href")), want) {
			t.Fatalf("last = %v, want %s", apptest.Dig(body, "_links", "last", "href"), want)
		}
	})
	t.Run("LastPageClamped", func(t *testing.T) {
		body := c.Get(path + "?limit=25&offset=9990").OK(t)
		got := ids(body)
		// Newest first: the 10,000th newest is ts[5] (amount 6 cents).
		if len(got) != 10 || got[9] != ts[5].ID {
			t.Fatalf("%d transfers, last %v; want 10 ending with %s", len(got), got[len(got)-1:], ts[5].ID)
		}
		if apptest.Dig(body, "_links", "next") != nil {
			t.Fatalf("next past the cap: %v", apptest.Dig(body, "_links", "next"))
		}
	})
	t.Run("PastTheCap", func(t *testing.T) {
		body := c.Get(path + "?offset=10000").OK(t)
		if got := ids(body); len(got) != 0 || body["total"] != float64(service.AccountTransferListCap) {
			t.Fatalf("ids = %v, total = %v", got, body["total"])
		}
	})
	t.Run("FiltersReachOlder", func(t *testing.T) {
		// The oldest transfers are beyond the cap of the plain list, but a narrower filter
		// reaches them.
		body := c.Get(path + "?endAmount=0.05").OK(t)
		if got := ids(body); len(got) != 5 || got[4] != ts[0].ID || body["total"] != float64(5) {
			t.Fatalf("ids = %v, total = %v", got, body["total"])
		}
	})
}
