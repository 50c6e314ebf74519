package apptest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"masspay"
)

// Funding returns the hrefs of the client's account bank and balance funding sources.
func (e *Env) Funding(c *Client) (bank, balance string) {
	e.T.Helper()
	var list []*masspay.FundingSource
	err := e.Store.Read(context.Background(), func(q masspay.Q) (err error) {
		list, err = q.FundingSourceList(context.Background(), masspay.FundingSourceFilter{AccountID: c.AccountID})
		return err
	})
	if err != nil {
		e.T.Fatalf("list funding sources: %v", err)
	}
	for _, f := range list {
		switch f.Type {
		case masspay.FundingBank:
			bank = e.Base + "/funding-sources/" + f.ID
		case masspay.FundingBalance:
			balance = e.Base + "/funding-sources/" + f.ID
		}
	}
	return bank, balance
}

// Payee is a customer of the account with one funding source, made as a fixture.
type Payee struct {
	CustomerID string
	Href       string // the funding source
}

// Payees makes n receive-only customers of c's account, each with a bank, directly in the store
// (thousands of destinations would take long through the API), and returns their banks.
func (e *Env) Payees(c *Client, n int) []Payee {
	e.T.Helper()
	return e.payees(c, n, masspay.CustomerReceiveOnly, masspay.CustomerStatusUnverified, masspay.FundingBank)
}

// VerifiedPayees makes n verified personal customers of c's account, each with a balance, and
// returns their balances.
func (e *Env) VerifiedPayees(c *Client, n int) []Payee {
	e.T.Helper()
	return e.payees(c, n, masspay.CustomerPersonal, masspay.CustomerStatusVerified, masspay.FundingBalance)
}

func (e *Env) payees(c *Client, n int, typ string, status masspay.CustomerStatus, fsType string) []Payee {
	e.T.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	out := make([]Payee, n)
	err := e.Store.Write(context.Background(), func(q masspay.Q) error {
		for i := range out {
			cu := &masspay.Customer{ID: uuid.NewString(), AccountID: c.AccountID, FirstName: "Payee", LastName: fmt.Sprint(i),
				Email: uuid.NewString() + "@example.com", Type: typ, Status: status, Created: now}
			if err := q.CustomerInsert(context.Background(), cu); err != nil {
				return err
			}
			fs := &masspay.FundingSource{ID: uuid.NewString(), AccountID: c.AccountID, CustomerID: cu.ID, Type: fsType,
				Status: masspay.FundingUnverified, Name: "Payee bank", Channels: []string{"ach"}, Created: now}
			if fsType == masspay.FundingBank {
				fs.BankAccountType, fs.RoutingNumber, fs.AccountNumber = "checking", "222222226", fmt.Sprintf("%010d", i+1)
				fs.BankName, fs.Fingerprint = "SANDBOX TEST BANK", uuid.NewString()
			} else {
				fs.Status, fs.Name, fs.Channels = masspay.FundingVerified, "Balance", []string{}
			}
			if err := q.FundingSourceInsert(context.Background(), fs); err != nil {
				return err
			}
			out[i] = Payee{CustomerID: cu.ID, Href: e.Base + "/funding-sources/" + fs.ID}
		}
		return nil
	})
	if err != nil {
		e.T.Fatalf("make payees: %v", err)
	}
	return out
}

// Verify fails the test when the store breaks any invariant `masspay verify` checks.
func (e *Env) Verify() {
	e.T.Helper()
	var v []string
	err := e.Store.Read(context.Background(), func(q masspay.Q) (err error) { v, err = q.Violations(context.Background()); return err })
	if err != nil {
		e.T.Fatalf("verify: %v", err)
	}
	for _, s := range v {
		e.T.Errorf("invariant violated: %s", s)
	}
}

// WaitStatus polls a mass payment until it has status want, failing after 30 s.
func (c *Client) WaitStatus(href, want string) map[string]any {
	c.T.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		body := c.Get(href).OK(c.T)
		if body["status"] == want {
			return body
		}
		if time.Now().After(deadline) {
			c.T.Fatalf("%s: status %v, want %s after 30s", href, body["status"], want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MassPayment builds a mass payment body paying amount (e.g. "1.00") to each destination.
func MassPayment(source string, amount string, dests ...string) map[string]any {
	items := make([]any, len(dests))
	for i, d := range dests {
		items[i] = map[string]any{"_links": map[string]any{"destination": map[string]any{"href": d}},
			"amount": map[string]any{"value": amount, "currency": "USD"}}
	}
	return map[string]any{"_links": map[string]any{"source": map[string]any{"href": source}}, "items": items}
}

// Hrefs returns the funding source hrefs of payees.
func Hrefs(ps []Payee) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Href
	}
	return out
}

// DueBankTransfer writes what the engine writes for one item of a balance-sourced batch to a new
// payee bank: a pending, posted bank transfer, due at the next cutoff. It returns its id.
func DueBankTransfer(t *testing.T, st masspay.Store, cents int64) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	acc := &masspay.Account{ID: masspay.NewID(), Name: "Acme", Created: now}
	cu := &masspay.Customer{ID: masspay.NewID(), AccountID: acc.ID, FirstName: "Jane", LastName: "Doe",
		Email: masspay.NewID() + "@example.com", Type: masspay.CustomerReceiveOnly, Status: masspay.CustomerStatusUnverified, Created: now}
	bank := &masspay.FundingSource{ID: masspay.NewID(), AccountID: acc.ID, CustomerID: cu.ID, Type: masspay.FundingBank,
		Status: masspay.FundingUnverified, Name: "Jane's bank", BankAccountType: "checking", RoutingNumber: "222222226",
		AccountNumber: "123456789", Channels: []string{"ach"}, Created: now}
	bal := &masspay.FundingSource{ID: masspay.NewID(), AccountID: acc.ID, Type: masspay.FundingBalance,
		Status: masspay.FundingVerified, Name: "Balance", Channels: []string{}, Created: now}
	tr := &masspay.Transfer{ID: masspay.NewID(), AccountID: acc.ID, SourceID: bal.ID, DestinationID: bank.ID, DestCustomerID: cu.ID,
		Amount: cents, Status: masspay.TransferPending, Posted: true, Bank: true, Created: now}
	err := st.Write(ctx, func(q masspay.Q) error {
		for _, fn := range []func() error{
			func() error { return q.AccountInsert(ctx, acc) },
			func() error { return q.CustomerInsert(ctx, cu) },
			func() error { return q.FundingSourceInsert(ctx, bank) },
			func() error { return q.FundingSourceInsert(ctx, bal) },
			func() error {
				return q.LedgerPost(ctx, []masspay.LedgerEntry{{FundingSourceID: bank.ID, TransferID: "deposit-" + tr.ID, Amount: -cents, Created: now},
					{FundingSourceID: bal.ID, TransferID: "deposit-" + tr.ID, Amount: cents, Created: now}})
			},
			func() error { return q.TransferInsertMany(ctx, []*masspay.Transfer{tr}) },
			func() error { return q.LedgerPost(ctx, masspay.PostingEntries(tr, bal.ID, bank.ID, now)) },
		} {
			if err := fn(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr.ID
}
