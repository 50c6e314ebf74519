package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"masspay"
	"masspay/apptest"
)

// Fixtures for the clearing, transfer and webhook tests: they write what the engine and the
// funding-source endpoints would have written, straight through the store, following
// docs/ledger.md (a pending deposit is not posted; a payout is posted at creation).

func write(t *testing.T, e *apptest.Env, fn func(q masspay.Q) error) {
	t.Helper()
	if err := e.Store.Write(context.Background(), func(q masspay.Q) error { return fn(q) }); err != nil {
		t.Fatalf("store write: %v", err)
	}
}

// ownSources returns the account's own bank and balance.
func ownSources(t *testing.T, e *apptest.Env, accountID string) (bank, balance string) {
	t.Helper()
	write(t, e, func(q masspay.Q) error {
		list, err := q.FundingSourceList(context.Background(), masspay.FundingSourceFilter{AccountID: accountID})
		for _, f := range list {
			if f.Type == masspay.FundingBank {
				bank = f.ID
			} else {
				balance = f.ID
			}
		}
		return err
	})
	return bank, balance
}

func addSource(t *testing.T, e *apptest.Env, accountID, customerID, typ, name string) string {
	t.Helper()
	f := &masspay.FundingSource{ID: uuid.NewString(), AccountID: accountID, CustomerID: customerID, Type: typ,
		Status: masspay.FundingVerified, Name: name, Channels: []string{}, Created: time.Now()}
	if typ == masspay.FundingBank {
		f.BankAccountType, f.RoutingNumber, f.AccountNumber, f.Channels = "checking", "222222226", uuid.NewString()[:10], []string{"ach"}
	}
	write(t, e, func(q masspay.Q) error { return q.FundingSourceInsert(context.Background(), f) })
	return f.ID
}

func addCustomer(t *testing.T, e *apptest.Env, accountID string) string {
	t.Helper()
	c := &masspay.Customer{ID: uuid.NewString(), AccountID: accountID, FirstName: "Jane", LastName: "Doe",
		Email: uuid.NewString() + "@example.com", Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusVerified,
		Created: time.Now()}
	write(t, e, func(q masspay.Q) error { return q.CustomerInsert(context.Background(), c) })
	return c.ID
}

// xfer describes a transfer to insert.
type xfer struct {
	from, to          string
	fromCust, toCust  string
	cents             int64
	posted            bool // post at creation (a payout from a balance)
	massPayment, item string
	funding           string
	correlation       string
	status            masspay.TransferStatus
}

func addTransfer(t *testing.T, e *apptest.Env, accountID string, x xfer) *masspay.Transfer {
	t.Helper()
	tr := &masspay.Transfer{ID: uuid.NewString(), AccountID: accountID, SourceID: x.from, DestinationID: x.to,
		SourceCustomerID: x.fromCust, DestCustomerID: x.toCust, Amount: x.cents, Status: masspay.TransferPending,
		Posted: x.posted, Bank: true, MassPaymentID: x.massPayment, ItemID: x.item, FundingTransferID: x.funding,
		CorrelationID: x.correlation, Created: time.Now().UTC().Truncate(time.Microsecond)}
	if x.status != "" {
		tr.Status = x.status
	}
	write(t, e, func(q masspay.Q) error {
		if err := q.TransferInsertMany(context.Background(), []*masspay.Transfer{tr}); err != nil {
			return err
		}
		if !x.posted {
			return nil
		}
		return q.LedgerPost(context.Background(), []masspay.LedgerEntry{
			{FundingSourceID: x.from, TransferID: tr.ID, Amount: -x.cents, Created: tr.Created},
			{FundingSourceID: x.to, TransferID: tr.ID, Amount: x.cents, Created: tr.Created},
		})
	})
	return tr
}

func source(t *testing.T, e *apptest.Env, id string) *masspay.FundingSource {
	t.Helper()
	var f *masspay.FundingSource
	write(t, e, func(q masspay.Q) (err error) { f, err = q.FundingSourceGet(context.Background(), id); return err })
	return f
}

func transfer(t *testing.T, e *apptest.Env, id string) *masspay.Transfer {
	t.Helper()
	var tr *masspay.Transfer
	write(t, e, func(q masspay.Q) (err error) { tr, err = q.TransferGet(context.Background(), id); return err })
	return tr
}

// topics returns the topics of the account's events, oldest first: those about resourceID, or
// all of them when resourceID is empty.
func topics(t *testing.T, e *apptest.Env, accountID, resourceID string) []string {
	t.Helper()
	var out []string
	write(t, e, func(q masspay.Q) error {
		list, _, err := q.EventList(context.Background(), masspay.EventFilter{AccountID: accountID, Page: masspay.Page{Limit: 1000}})
		for i := len(list) - 1; i >= 0; i-- {
			if resourceID == "" || list[i].ResourceID == resourceID {
				out = append(out, list[i].Topic)
			}
		}
		return err
	})
	return out
}

// simulate runs POST /sandbox-simulations and returns its total.
func simulate(t *testing.T, c *apptest.Client) int {
	t.Helper()
	body := c.Post("/sandbox-simulations", nil).OK(t)
	if apptest.Dig(body, "_links", "self", "resource-type") != "sandbox-simulation" {
		t.Fatalf("simulation = %v", body)
	}
	n, _ := body["total"].(float64)
	return int(n)
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
