package storetest

import (
	"fmt"

	"masspay"
)

// account inserts an account.
func (f *fx) account(id string) *masspay.Account {
	f.t.Helper()
	a := &masspay.Account{ID: id, Name: "Account " + id, Created: t0}
	f.write(func(q masspay.Q) error { return q.AccountInsert(f.ctx, a) })
	return a
}

// customer inserts a verified personal customer of accountID.
func (f *fx) customer(id, accountID string) *masspay.Customer {
	f.t.Helper()
	c := &masspay.Customer{ID: id, AccountID: accountID, FirstName: "First " + id, LastName: "Last " + id,
		Email: id + "@example.com", Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusVerified, Created: t0}
	f.write(func(q masspay.Q) error { return q.CustomerInsert(f.ctx, c) })
	return c
}

func newBank(id, accountID, customerID string) *masspay.FundingSource {
	return &masspay.FundingSource{ID: id, AccountID: accountID, CustomerID: customerID, Type: masspay.FundingBank,
		Status: masspay.FundingVerified, Name: "Bank " + id, BankAccountType: "checking", RoutingNumber: "222222226",
		AccountNumber: "123456789", Fingerprint: "fp-" + id, BankName: "SANDBOX TEST BANK", Channels: []string{"ach"},
		Created: t0}
}

func newBalance(id, accountID, customerID string) *masspay.FundingSource {
	return &masspay.FundingSource{ID: id, AccountID: accountID, CustomerID: customerID, Type: masspay.FundingBalance,
		Status: masspay.FundingVerified, Name: "Balance", Channels: []string{}, Created: t0}
}

// bank inserts a verified bank funding source; customerID "" makes it the account's own.
func (f *fx) bank(id, accountID, customerID string) *masspay.FundingSource {
	f.t.Helper()
	fs := newBank(id, accountID, customerID)
	f.write(func(q masspay.Q) error { return q.FundingSourceInsert(f.ctx, fs) })
	return fs
}

// balance inserts an empty balance funding source.
func (f *fx) balance(id, accountID, customerID string) *masspay.FundingSource {
	f.t.Helper()
	fs := newBalance(id, accountID, customerID)
	f.write(func(q masspay.Q) error { return q.FundingSourceInsert(f.ctx, fs) })
	return fs
}

// deposit moves cents from bank into balance with a processed, posted transfer named id.
func (f *fx) deposit(id, accountID, bank, balance string, cents int64) *masspay.Transfer {
	f.t.Helper()
	tr := newTransfer(id, accountID, bank, balance, cents)
	tr.Status, tr.Posted, tr.Bank = masspay.TransferProcessed, true, true
	f.write(func(q masspay.Q) error {
		if err := q.TransferInsertMany(f.ctx, []*masspay.Transfer{tr}); err != nil {
			return err
		}
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{
			{FundingSourceID: bank, TransferID: id, Amount: -cents, Created: t0},
			{FundingSourceID: balance, TransferID: id, Amount: cents, Created: t0},
		})
	})
	return tr
}

func newTransfer(id, accountID, source, dest string, cents int64) *masspay.Transfer {
	return &masspay.Transfer{ID: id, AccountID: accountID, SourceID: source, DestinationID: dest, Amount: cents,
		Status: masspay.TransferPending, Created: t0}
}

// transfers inserts ts in one transaction.
func (f *fx) transfers(ts ...*masspay.Transfer) {
	f.t.Helper()
	f.write(func(q masspay.Q) error { return q.TransferInsertMany(f.ctx, ts) })
}

// newMassPayment returns a mass payment with n items of 100, 200, 300... cents; item i has ID
// id+"-i" and pays destination dest.
func newMassPayment(id, accountID, source, dest string, status masspay.MassPaymentStatus, n int) (*masspay.MassPayment, []*masspay.Item) {
	m := &masspay.MassPayment{ID: id, AccountID: accountID, SourceID: source, SourceType: masspay.FundingBank,
		Status: status, ItemCount: n, Created: t0}
	items := make([]*masspay.Item, n)
	for i := range items {
		items[i] = &masspay.Item{ID: fmt.Sprintf("%s-%d", id, i), MassPaymentID: id, Idx: i, DestinationID: dest,
			Amount: int64(i+1) * 100, Status: masspay.ItemPending}
		m.Total += items[i].Amount
	}
	return m, items
}

// massPayment inserts a mass payment from newMassPayment.
func (f *fx) massPayment(id, accountID string, status masspay.MassPaymentStatus, n int) (*masspay.MassPayment, []*masspay.Item) {
	f.t.Helper()
	m, items := newMassPayment(id, accountID, "src", "dst", status, n)
	f.write(func(q masspay.Q) error { return q.MassPaymentInsert(f.ctx, m, items) })
	return m, items
}

// getMassPayment reads a mass payment.
func (f *fx) getMassPayment(id string) *masspay.MassPayment {
	f.t.Helper()
	var m *masspay.MassPayment
	f.read(func(q masspay.Q) (err error) { m, err = q.MassPaymentGet(f.ctx, id); return err })
	return m
}

// getItem reads an item.
func (f *fx) getItem(id string) *masspay.Item {
	f.t.Helper()
	var it *masspay.Item
	f.read(func(q masspay.Q) (err error) { it, err = q.ItemGet(f.ctx, id); return err })
	return it
}

// balanceOf reads the balance of a funding source.
func (f *fx) balanceOf(id string) int64 {
	f.t.Helper()
	var b int64
	f.write(func(q masspay.Q) (err error) { b, err = q.FundingSourceBalance(f.ctx, id); return err })
	return b
}

// violations runs the invariant checks.
func (f *fx) violations() []string {
	f.t.Helper()
	var v []string
	f.read(func(q masspay.Q) (err error) { v, err = q.Violations(f.ctx); return err })
	return v
}
