package storetest

import (
	"testing"

	"masspay"
)

var violationTests = []test{
	{"Violations", testViolations},
}

// consistent builds a small consistent store: a deposit into the account's balance, and a
// bank-funded mass payment "mp" of two items (100 and 200 cents) with its funding transfer
// "ft", item mp-0 paid by transfer t0 and item mp-1 still pending.
func consistent(f *fx) {
	f.t.Helper()
	f.account("acc1")
	f.bank("bank", "acc1", "")
	f.balance("bal", "acc1", "")
	f.deposit("d1", "acc1", "bank", "bal", 10000)
	m, items := newMassPayment("mp", "acc1", "bank", "dest", masspay.MassPaymentPending, 2)
	f.write(func(q masspay.Q) error { return q.MassPaymentInsert(f.ctx, m, items) })
	ft := newTransfer("ft", "acc1", "bank", "bal", 300)
	ft.MassPaymentID, ft.Bank = "mp", true
	tr0 := newTransfer("t0", "acc1", "bank", "dest", 100)
	tr0.MassPaymentID, tr0.ItemID, tr0.FundingTransferID, tr0.Bank = "mp", "mp-0", "ft", true
	f.transfers(ft, tr0)
	m.Status, m.FundingTransferID = masspay.MassPaymentProcessing, "ft"
	items[0].Status, items[0].TransferID = masspay.ItemSuccess, "t0"
	f.write(func(q masspay.Q) error {
		must(f.t, q.MassPaymentUpdate(f.ctx, m))
		return q.ItemUpdateMany(f.ctx, items[:1])
	})
	equal(f.t, "violations of a consistent store", f.violations(), []string(nil))
}

// testViolations breaks each invariant in turn, on a store of its own, and expects exactly that
// invariant's message. Where the store's own methods refuse to break it, raw SQL does.
func testViolations(t *testing.T, newStore NewStoreFunc) {
	cases := []struct {
		name    string
		breakIt func(f *fx)
		want    string
	}{
		{"BalanceEqualsEntries", func(f *fx) {
			f.exec(`UPDATE funding_sources SET balance = balance + 5 WHERE id = 'bal'`)
		}, "balance of funding source bal is 10005 cents but its ledger entries sum to 10000"},
		{"BalanceNotNegative", func(f *fx) {
			// The CHECK constraint is the first line; take it away to see the second.
			switch f.s.Dialect() {
			case "sqlite":
				f.exec(`PRAGMA ignore_check_constraints = ON; UPDATE funding_sources SET balance = -5 WHERE id = 'bal';
 PRAGMA ignore_check_constraints = OFF`)
			case "postgres":
				// The CHECK names two columns, so PostgreSQL names it after the table alone.
				f.exec(`ALTER TABLE funding_sources DROP CONSTRAINT funding_sources_check`)
				f.exec(`UPDATE funding_sources SET balance = -5 WHERE id = 'bal'`)
			default:
				f.t.Skipf("no way to bypass the balance CHECK on %s", f.s.Dialect())
			}
			f.exec(`INSERT INTO ledger_entries (funding_source_id, transfer_id, amount, created)
 VALUES ('bal', 'neg', -10005, 0), ('bank', 'neg', 10005, 0)`)
		}, "balance of funding source bal is negative (-5 cents, floor 0)"},
		{"TransferEntriesSumToZero", func(f *fx) {
			f.exec(`INSERT INTO ledger_entries (funding_source_id, transfer_id, amount, created) VALUES ('bank', 'odd', 7, 0)`)
		}, "ledger entries of transfer odd do not balance: they sum to 7 cents over 1 entries"},
		{"SuccessfulItemHasATransfer", func(f *fx) {
			f.exec(`UPDATE mass_payment_items SET status = 'success' WHERE id = 'mp-1'`)
			f.exec(`UPDATE mass_payments SET items_succeeded = 2 WHERE id = 'mp'`)
		}, "successful item mp-1 has 0 transfers, want 1"},
		{"SucceededCountEqualsItems", func(f *fx) {
			f.exec(`UPDATE mass_payments SET items_succeeded = 0 WHERE id = 'mp'`)
		}, "mass payment mp counts 0 successful items but has 1"},
		{"FailedCountEqualsItems", func(f *fx) {
			f.exec(`UPDATE mass_payments SET items_failed = 1 WHERE id = 'mp'`)
		}, "mass payment mp counts 1 failed items but has 0"},
		{"PendingItemHasNoTransfer", func(f *fx) {
			tr := newTransfer("t1", "acc1", "bank", "dest", 200)
			tr.MassPaymentID, tr.ItemID, tr.FundingTransferID = "mp", "mp-1", "ft"
			f.transfers(tr)
		}, "item mp-1 is not successful but has 1 transfers, want 0"},
		{"ItemLinksItsOwnTransfer", func(f *fx) {
			tr := newTransfer("t1", "acc1", "bank", "dest", 200)
			tr.MassPaymentID, tr.ItemID, tr.FundingTransferID = "mp", "mp-1", "ft"
			f.transfers(tr)
			it := f.getItem("mp-1")
			it.Status, it.TransferID = masspay.ItemSuccess, "t1"
			f.write(func(q masspay.Q) error { return q.ItemUpdateMany(f.ctx, []*masspay.Item{it}) })
			f.exec(`UPDATE mass_payment_items SET transfer_id = 't1' WHERE id = 'mp-0'`)
		}, "item mp-0 links a transfer made for another item (0, 0)"},
		{"TotalEqualsItems", func(f *fx) {
			f.exec(`UPDATE mass_payment_items SET amount = 150 WHERE id = 'mp-1'`)
		}, "mass payment mp has total 300 cents but its items sum to 250"},
		{"ItemCountEqualsItems", func(f *fx) {
			f.exec(`UPDATE mass_payments SET item_count = 3 WHERE id = 'mp'`)
		}, "mass payment mp should have 3 items but has 2"},
		{"FundingTransferEqualsTotal", func(f *fx) {
			f.exec(`UPDATE transfers SET amount = 299 WHERE id = 'ft'`)
		}, "mass payment mp has total 300 cents but its funding transfer is 299"},
		{"OneFundingTransfer", func(f *fx) {
			tr := newTransfer("ft2", "acc1", "bank", "bal", 300)
			tr.MassPaymentID = "mp"
			f.transfers(tr)
		}, "mass payment mp has 2 funding transfers, want at most one (0)"},
		{"CompleteHasNoPendingItems", func(f *fx) {
			m := f.getMassPayment("mp")
			m.Status = masspay.MassPaymentComplete
			f.write(func(q masspay.Q) error { return q.MassPaymentUpdate(f.ctx, m) })
		}, "complete mass payment mp has 1 pending items, want 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, newStore)
			consistent(f)
			tc.breakIt(f)
			equal(t, "violations", f.violations(), []string{tc.want})
		})
	}
}
