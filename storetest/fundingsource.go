package storetest

import (
	"errors"
	"fmt"
	"testing"

	"masspay"
)

var fundingSourceTests = []test{
	{"FundingSourceInsertGet", testFundingSourceInsertGet},
	{"DestinationGetMany", testDestinationGetMany},
	{"DestinationRevision", testDestinationRevision},
	{"FundingSourceList", testFundingSourceList},
	{"FundingSourceUpdate", testFundingSourceUpdate},
	{"LedgerPostMovesBalances", testLedgerPost},
	{"LedgerPostRefusesNegativeBalance", testLedgerPostOverdraft},
}

func testFundingSourceInsertGet(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.customer("c1", "acc1")
	bank := newBank("fs1", "acc1", "c1")
	bank.Status = masspay.FundingUnverified
	bank.Channels = []string{"ach", "wire"}
	bank.MicroDeposits = masspay.MicroDeposits{Status: masspay.MicroDepositsPending, Amount1: 3, Amount2: 9, Attempts: 1,
		Created: at(5)}
	bal := newBalance("fs2", "acc1", "")
	f.write(func(q masspay.Q) error {
		must(t, q.FundingSourceInsert(f.ctx, bank))
		return q.FundingSourceInsert(f.ctx, bal)
	})
	err := f.writeErr(func(q masspay.Q) error { return q.FundingSourceInsert(f.ctx, newBank("fs1", "acc1", "")) })
	wantErr(t, "FundingSourceInsert of a used ID", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		for _, want := range []masspay.FundingSource{*bank, *bal} {
			got, err := q.FundingSourceGet(f.ctx, want.ID)
			must(t, err)
			want.Created = stored(want.Created)
			want.MicroDeposits.Created = stored(want.MicroDeposits.Created)
			equal(t, "funding source", got, &want)
		}
		return nil
	})
}

func testDestinationGetMany(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.account("acc2")
	// More than one batch of the IN lists a store may split the lookup into, across accounts
	// (callers check ownership themselves), owned by the account or by customers of each status.
	statuses := []masspay.CustomerStatus{masspay.CustomerStatusUnverified, masspay.CustomerStatusSuspended, masspay.CustomerStatusDeactivated}
	var want []string
	f.write(func(q masspay.Q) error {
		for i := range 1201 {
			id := fmt.Sprintf("fs%04d", i)
			want = append(want, id)
			acc, cust := []string{"acc1", "acc2"}[i%2], ""
			if i%4 != 0 {
				cust = fmt.Sprintf("c%04d", i)
				c := &masspay.Customer{ID: cust, AccountID: acc, FirstName: "F", LastName: cust, Email: cust + "@example.com",
					Type: masspay.CustomerReceiveOnly, Status: statuses[i%3], Created: t0}
				if err := q.CustomerInsert(f.ctx, c); err != nil {
					return err
				}
			}
			fs := newBank(id, acc, cust)
			fs.Removed = i%5 == 0
			if err := q.FundingSourceInsert(f.ctx, fs); err != nil {
				return err
			}
		}
		return nil
	})
	f.read(func(q masspay.Q) error {
		got, err := q.DestinationGetMany(f.ctx, append(append([]string{"missing"}, want...), want[7]))
		must(t, err)
		equal(t, "number found", len(got), len(want))
		for i, id := range want {
			d := got[id]
			var wantStatus masspay.CustomerStatus
			wantCust := ""
			if i%4 != 0 {
				wantCust, wantStatus = fmt.Sprintf("c%04d", i), statuses[i%3]
			}
			if d == nil || d.ID != id || d.AccountID != []string{"acc1", "acc2"}[i%2] || d.CustomerID != wantCust ||
				d.CustomerStatus != wantStatus || d.Type != masspay.FundingBank || d.Removed != (i%5 == 0) {
				t.Fatalf("DestinationGetMany[%s] = %+v", id, d)
			}
		}
		none, err := q.DestinationGetMany(f.ctx, nil)
		must(t, err)
		equal(t, "lookup of no ids", len(none), 0)
		return nil
	})
}

// The destinations revision moves with a removal or a customer's change of status, in the
// writing transaction, and with nothing else that leaves DestinationGetMany's answer as it was.
func testDestinationRevision(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	c := f.customer("c1", "acc1")
	fs := f.bank("fs1", "acc1", "c1")
	bal := f.balance("bal", "acc1", "")
	f.bank("own", "acc1", "")
	rev := func() int64 {
		var n int64
		f.read(func(q masspay.Q) (err error) { n, err = q.DestinationRevision(f.ctx); return err })
		return n
	}
	step := func(what string, moves bool, fn func(q masspay.Q) error) {
		t.Helper()
		before := rev()
		var inside int64
		f.write(func(q masspay.Q) (err error) {
			must(t, fn(q))
			inside, err = q.DestinationRevision(f.ctx)
			return err
		})
		after := rev()
		if after != inside || (after != before) != moves {
			t.Fatalf("%s: revision %d, then %d (%d inside the transaction); want moved=%v", what, before, after, inside, moves)
		}
	}
	step("rename a bank", false, func(q masspay.Q) error {
		upd := *fs
		upd.Name = "Renamed"
		return q.FundingSourceUpdate(f.ctx, &upd)
	})
	step("new funding source and customer", false, func(q masspay.Q) error {
		must(t, q.CustomerInsert(f.ctx, &masspay.Customer{ID: "c2", AccountID: "acc1", FirstName: "F", LastName: "L",
			Email: "c2@example.com", Type: masspay.CustomerReceiveOnly, Status: masspay.CustomerStatusUnverified, Created: t0}))
		return q.FundingSourceInsert(f.ctx, newBank("fs2", "acc1", "c2"))
	})
	step("move a balance", false, func(q masspay.Q) error {
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{{FundingSourceID: "own", TransferID: "t1", Amount: -5, Created: t0},
			{FundingSourceID: bal.ID, TransferID: "t1", Amount: 5, Created: t0}})
	})
	step("rename a customer", false, func(q masspay.Q) error {
		upd := *c
		upd.FirstName = "Renamed"
		return q.CustomerUpdate(f.ctx, &upd)
	})
	step("suspend a customer", true, func(q masspay.Q) error {
		upd := *c
		upd.Status = masspay.CustomerStatusSuspended
		return q.CustomerUpdate(f.ctx, &upd)
	})
	step("remove a bank", true, func(q masspay.Q) error {
		upd := *fs
		upd.Removed = true
		return q.FundingSourceUpdate(f.ctx, &upd)
	})
}

func testFundingSourceList(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.account("acc2")
	f.customer("c1", "acc1")
	f.bank("fs1", "acc1", "")
	f.balance("fs2", "acc1", "")
	removed := newBank("fs3", "acc1", "")
	removed.Removed = true
	f.write(func(q masspay.Q) error { return q.FundingSourceInsert(f.ctx, removed) })
	f.bank("fs4", "acc1", "c1")
	f.bank("fs5", "acc2", "")
	yes, no := true, false
	cases := []struct {
		name   string
		filter masspay.FundingSourceFilter
		want   []string
	}{
		{"AccountOwnOldestFirst", masspay.FundingSourceFilter{AccountID: "acc1"}, []string{"fs1", "fs2", "fs3"}},
		{"NotRemoved", masspay.FundingSourceFilter{AccountID: "acc1", Removed: &no}, []string{"fs1", "fs2"}},
		{"Removed", masspay.FundingSourceFilter{AccountID: "acc1", Removed: &yes}, []string{"fs3"}},
		{"Customer", masspay.FundingSourceFilter{AccountID: "acc1", CustomerID: "c1"}, []string{"fs4"}},
		{"OtherAccount", masspay.FundingSourceFilter{AccountID: "acc2"}, []string{"fs5"}},
	}
	f.read(func(q masspay.Q) error {
		for _, tc := range cases {
			list, err := q.FundingSourceList(f.ctx, tc.filter)
			must(t, err)
			equal(t, tc.name, ids(list, func(fs *masspay.FundingSource) string { return fs.ID }), tc.want)
		}
		return nil
	})
}

func testFundingSourceUpdate(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	fs := f.bank("fs1", "acc1", "")
	f.balance("bal", "acc1", "")
	f.deposit("d1", "acc1", "fs1", "bal", 500)
	upd := *fs
	upd.Status, upd.Name, upd.BankAccountType = masspay.FundingUnverified, "Renamed", "savings"
	upd.RoutingNumber, upd.AccountNumber, upd.Fingerprint, upd.BankName = "111", "222", "fp2", "Other Bank"
	upd.Channels, upd.Removed = []string{"wire"}, true
	upd.MicroDeposits = masspay.MicroDeposits{Status: masspay.MicroDepositsFailed, Amount1: 1, Amount2: 2, Attempts: 3, Created: at(9)}
	balUpd := newBalance("bal", "acc1", "")
	balUpd.Balance = 1_000_000 // not a mutable field: only LedgerPost moves a balance
	f.write(func(q masspay.Q) error {
		must(t, q.FundingSourceUpdate(f.ctx, &upd))
		return q.FundingSourceUpdate(f.ctx, balUpd)
	})
	f.read(func(q masspay.Q) error {
		got, err := q.FundingSourceGet(f.ctx, "fs1")
		must(t, err)
		want := upd
		want.Balance = got.Balance // a bank's balance column is not part of this contract
		want.Created, want.MicroDeposits.Created = stored(want.Created), stored(want.MicroDeposits.Created)
		equal(t, "updated funding source", got, &want)
		bal, err := q.FundingSourceGet(f.ctx, "bal")
		must(t, err)
		equal(t, "balance after FundingSourceUpdate", bal.Balance, int64(500))
		return nil
	})
}

func testLedgerPost(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.bank("bank", "acc1", "")
	f.balance("bal", "acc1", "")
	f.balance("bal2", "acc1", "")
	f.deposit("d1", "acc1", "bank", "bal", 1000)
	equal(t, "balance after deposit", f.balanceOf("bal"), int64(1000))
	// Several entries on one source in one posting move it by their sum.
	f.write(func(q masspay.Q) error {
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{
			{FundingSourceID: "bal", TransferID: "t2", Amount: -300, Created: t0},
			{FundingSourceID: "bal2", TransferID: "t2", Amount: 300, Created: t0},
			{FundingSourceID: "bal", TransferID: "t3", Amount: 40, Created: t0},
			{FundingSourceID: "bank", TransferID: "t3", Amount: -40, Created: t0},
		})
	})
	equal(t, "bal", f.balanceOf("bal"), int64(740))
	equal(t, "bal2", f.balanceOf("bal2"), int64(300))
	equal(t, "violations", f.violations(), []string(nil))
	err := f.writeErr(func(q masspay.Q) error {
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{{FundingSourceID: "missing", TransferID: "t4", Amount: 5, Created: t0}})
	})
	wantErr(t, "LedgerPost to a missing funding source", err, masspay.ErrNoRows)
	f.write(func(q masspay.Q) error { return q.LedgerPost(f.ctx, nil) })

	// A funding source whose creation was rolled back is missing, even to a store that posted
	// to it inside that transaction.
	errUndo := errors.New("undo")
	err = f.writeErr(func(q masspay.Q) error {
		must(t, q.FundingSourceInsert(f.ctx, newBalance("gone", "acc1", "")))
		must(t, q.LedgerPost(f.ctx, []masspay.LedgerEntry{{FundingSourceID: "bal", TransferID: "t5", Amount: -1, Created: t0},
			{FundingSourceID: "gone", TransferID: "t5", Amount: 1, Created: t0}}))
		return errUndo
	})
	wantErr(t, "rolled-back posting", err, errUndo)
	err = f.writeErr(func(q masspay.Q) error {
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{{FundingSourceID: "bal", TransferID: "t6", Amount: -1, Created: t0},
			{FundingSourceID: "gone", TransferID: "t6", Amount: 1, Created: t0}})
	})
	wantErr(t, "LedgerPost to a funding source whose creation was rolled back", err, masspay.ErrNoRows)
	equal(t, "bal after the rollbacks", f.balanceOf("bal"), int64(740))

	// Identical rows are each a row (a store may bind what all rows share once).
	f.write(func(q masspay.Q) error {
		e := masspay.LedgerEntry{FundingSourceID: "bal", TransferID: "t7", Amount: 1, Created: t0}
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{e, e, e, e, e})
	})
	equal(t, "bal after five identical entries", f.balanceOf("bal"), int64(745))
	equal(t, "violations", f.violations(), []string{"ledger entries of transfer t7 do not balance: they sum to 5 cents over 5 entries"})
}

func testLedgerPostOverdraft(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.bank("bank", "acc1", "")
	f.balance("bal", "acc1", "")
	f.deposit("d1", "acc1", "bank", "bal", 1000)
	err := f.writeErr(func(q masspay.Q) error {
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{
			{FundingSourceID: "bal", TransferID: "t2", Amount: -1001, Created: t0},
			{FundingSourceID: "bank", TransferID: "t2", Amount: 1001, Created: t0},
		})
	})
	if err == nil {
		t.Fatal("LedgerPost overdrawing a balance succeeded")
	}
	equal(t, "balance after the refused posting", f.balanceOf("bal"), int64(1000))
	equal(t, "violations", f.violations(), []string(nil))
	// Exactly to zero is allowed.
	f.write(func(q masspay.Q) error {
		return q.LedgerPost(f.ctx, []masspay.LedgerEntry{
			{FundingSourceID: "bal", TransferID: "t3", Amount: -1000, Created: t0},
			{FundingSourceID: "bank", TransferID: "t3", Amount: 1000, Created: t0},
		})
	})
	equal(t, "balance", f.balanceOf("bal"), int64(0))
}
