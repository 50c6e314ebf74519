package storetest

import (
	"fmt"
	"slices"
	"testing"

	"masspay"
)

var transferTests = []test{
	{"TransferInsertGet", testTransferInsertGet},
	{"TransferUniqueItem", testTransferUniqueItem},
	{"TransferList", testTransferList},
	{"TransferListAcrossKeyGenerations", testTransferListAcrossKeyGenerations},
	{"TransferListFundedBy", testTransferListFundedBy},
	{"TransferListPendingBank", testTransferListPendingBank},
	{"TransferListPendingBankBefore", testTransferListPendingBankBefore},
	{"TransferUpdate", testTransferUpdate},
}

func testTransferInsertGet(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	full := &masspay.Transfer{ID: "t1", AccountID: "acc1", SourceID: "s", DestinationID: "d", SourceCustomerID: "c1",
		DestCustomerID: "c2", Amount: 12345, Status: masspay.TransferPending, Posted: true, Bank: true,
		FundingTransferID: "ft", MassPaymentID: "mp", ItemID: "item", CorrelationID: "corr",
		Metadata: map[string]string{"a": "b"}, ClearingSource: "standard", ClearingDest: "next-available",
		SourceAddenda: "SRC", DestAddenda: "DST", ProcessingChannel: "real-time-payments", FailureCode: "R01", Created: at(1)}
	plain := newTransfer("t2", "acc1", "s", "d", 1)
	f.transfers(full, plain)
	err := f.writeErr(func(q masspay.Q) error {
		return q.TransferInsertMany(f.ctx, []*masspay.Transfer{newTransfer("t1", "acc1", "s", "d", 1)})
	})
	wantErr(t, "TransferInsertMany of a used ID", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		var seq int64
		for _, want := range []masspay.Transfer{*full, *plain} {
			got, err := q.TransferGet(f.ctx, want.ID)
			must(t, err)
			if got.Seq <= seq {
				t.Errorf("%s: Seq = %d, want more than %d (insertion order)", want.ID, got.Seq, seq)
			}
			seq = got.Seq
			want.Seq, want.Created = got.Seq, stored(want.Created)
			equal(t, "transfer", got, &want)
		}
		return nil
	})
}

func testTransferUniqueItem(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	forItem := func(id, item string) *masspay.Transfer {
		tr := newTransfer(id, "acc1", "s", "d", 100)
		tr.ItemID = item
		return tr
	}
	f.transfers(forItem("t1", "i1"), forItem("t2", ""), forItem("t3", ""))
	insert := func(ts ...*masspay.Transfer) error {
		return f.writeErr(func(q masspay.Q) error { return q.TransferInsertMany(f.ctx, ts) })
	}
	wantErr(t, "a second transfer for an item", insert(forItem("t4", "i1")), masspay.ErrUnique)
	wantErr(t, "two transfers for one item in one call", insert(forItem("t5", "i2"), forItem("t6", "i2")), masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		_, err := q.TransferGet(f.ctx, "t5")
		wantErr(t, "TransferGet of a transfer from the failed call", err, masspay.ErrNoRows)
		return nil
	})
}

func testTransferList(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	mk := func(id, account, srcCustomer, dstCustomer string, cents int64, status masspay.TransferStatus, corr string, sec int) *masspay.Transfer {
		tr := newTransfer(id, account, "s-"+id, "d-"+id, cents)
		tr.SourceCustomerID, tr.DestCustomerID, tr.Status, tr.CorrelationID, tr.Created = srcCustomer, dstCustomer, status, corr, at(sec)
		return tr
	}
	f.transfers(
		mk("x1", "acc1", "", "", 1000, "processed", "", 1),       // account to account
		mk("x2", "acc1", "", "c1", 200, "pending", "corr-x2", 2), // account to customer c1
		mk("x3", "acc1", "c1", "c2", 50, "processed", "", 3),     // between customers: not the account's
		mk("x4", "acc1", "", "c2", 300, "failed", "", 4),         // account to customer c2
		mk("x5", "acc2", "", "", 700, "pending", "", 5),          // another account
		mk("x6", "acc1", "c2", "c3", 70, "pending", "", 6),       // sent by c2
		mk("x7", "acc1", "c2", "c2", 80, "processed", "", 7),     // c2 to itself: once in its list
	)
	page := masspay.Page{Limit: 25}
	acc := func(tf masspay.TransferFilter) masspay.TransferFilter {
		tf.AccountID = "acc1"
		if tf.Limit == 0 {
			tf.Page = page
		}
		return tf
	}
	cases := []struct {
		name      string
		filter    masspay.TransferFilter
		want      []string
		wantTotal int
	}{
		{"AccountNewestFirst", acc(masspay.TransferFilter{}), []string{"x4", "x2", "x1"}, 3},
		{"CustomerAsDestination", acc(masspay.TransferFilter{CustomerID: "c1"}), []string{"x3", "x2"}, 2},
		{"CustomerAsEitherSide", acc(masspay.TransferFilter{CustomerID: "c2"}), []string{"x7", "x6", "x4", "x3"}, 4},
		{"CustomerPageAcrossSides", acc(masspay.TransferFilter{CustomerID: "c2", Page: masspay.Page{Limit: 2, Offset: 1}}), []string{"x6", "x4"}, 4},
		{"CustomerLastPage", acc(masspay.TransferFilter{CustomerID: "c2", Page: masspay.Page{Limit: 2, Offset: 3}}), []string{"x3"}, 4},
		{"CustomerStatuses", acc(masspay.TransferFilter{CustomerID: "c2", Statuses: []string{"processed"}}), []string{"x7", "x3"}, 2},
		{"CustomerAmount", acc(masspay.TransferFilter{CustomerID: "c2", StartAmount: 75, EndAmount: 300}), []string{"x7", "x4"}, 2},
		{"Statuses", acc(masspay.TransferFilter{Statuses: []string{"pending", "failed"}}), []string{"x4", "x2"}, 2},
		{"CorrelationID", acc(masspay.TransferFilter{CorrelationID: "corr-x2"}), []string{"x2"}, 1},
		{"StartAmountInclusive", acc(masspay.TransferFilter{StartAmount: 300}), []string{"x4", "x1"}, 2},
		{"EndAmountInclusive", acc(masspay.TransferFilter{EndAmount: 300}), []string{"x4", "x2"}, 2},
		{"AmountRange", acc(masspay.TransferFilter{StartAmount: 201, EndAmount: 999}), []string{"x4"}, 1},
		{"StartDateInclusive", acc(masspay.TransferFilter{StartDate: at(2)}), []string{"x4", "x2"}, 2},
		{"EndDateExclusive", acc(masspay.TransferFilter{EndDate: at(4)}), []string{"x2", "x1"}, 2},
		{"Page", acc(masspay.TransferFilter{Page: masspay.Page{Limit: 1, Offset: 1}}), []string{"x2"}, 3},
		{"OtherAccount", masspay.TransferFilter{AccountID: "acc2", Page: page}, []string{"x5"}, 1},
	}
	f.read(func(q masspay.Q) error {
		for _, tc := range cases {
			list, total, err := q.TransferList(f.ctx, tc.filter)
			must(t, err)
			equal(t, tc.name+" IDs", ids(list, func(tr *masspay.Transfer) string { return tr.ID }), tc.want)
			equal(t, tc.name+" total", total, tc.wantTotal)
		}
		return nil
	})
}

// The customer and correlation indexes are read a generation (16,384 transfers by seq) at a
// time (migration 00030): a customer's and a correlation id's transfers are found in every
// generation, the oldest and the newest included, newest first and counted whole.
func testTransferListAcrossKeyGenerations(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	const n = 3*16384 + 100
	ts := make([]*masspay.Transfer, n)
	var want []string
	for i := range ts {
		ts[i] = newTransfer(fmt.Sprintf("g%05d", i), "acc1", "s", "d", 1)
		ts[i].DestCustomerID, ts[i].CorrelationID = fmt.Sprintf("c%d", i%1000), fmt.Sprintf("corr-%d", i%1000)
		if i%1000 == 7 {
			want = append(want, ts[i].ID)
		}
	}
	ts[n-1].DestCustomerID, ts[n-1].CorrelationID = "c7", "corr-7" // the newest, in the last generation
	want = append(want, ts[n-1].ID)
	slices.Reverse(want)
	f.write(func(q masspay.Q) error { return q.TransferInsertMany(f.ctx, ts) })
	f.read(func(q masspay.Q) error {
		for _, tf := range []masspay.TransferFilter{{CustomerID: "c7"}, {CorrelationID: "corr-7"}} {
			tf.AccountID, tf.Limit = "acc1", 100
			list, total, err := q.TransferList(f.ctx, tf)
			must(t, err)
			equal(t, fmt.Sprintf("%+v IDs", tf), ids(list, func(tr *masspay.Transfer) string { return tr.ID }), want)
			equal(t, fmt.Sprintf("%+v total", tf), total, len(want))
		}
		return nil
	})
}

func testTransferListFundedBy(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	funded := func(id, by string) *masspay.Transfer {
		tr := newTransfer(id, "acc1", "s", "d", 100)
		tr.FundingTransferID = by
		return tr
	}
	f.transfers(newTransfer("ft", "acc1", "bank", "bal", 300), funded("f1", "ft"), funded("other", "ft2"), funded("f2", "ft"))
	f.read(func(q masspay.Q) error {
		list, err := q.TransferListFundedBy(f.ctx, "ft")
		must(t, err)
		equal(t, "funded transfers, oldest first", ids(list, func(tr *masspay.Transfer) string { return tr.ID }),
			[]string{"f1", "f2"})
		none, err := q.TransferListFundedBy(f.ctx, "nothing")
		must(t, err)
		equal(t, "funded by nothing", len(none), 0)
		return nil
	})
}

func testTransferListPendingBank(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	mk := func(id, account string, status masspay.TransferStatus, bank bool) *masspay.Transfer {
		tr := newTransfer(id, account, "s", "d", 100)
		tr.Status, tr.Bank = status, bank
		return tr
	}
	f.transfers(mk("p1", "acc1", "pending", true), mk("p2", "acc1", "pending", false), mk("p3", "acc1", "processed", true),
		mk("p4", "acc1", "pending", true), mk("p5", "acc2", "pending", true), mk("p6", "acc1", "pending", true))
	f.write(func(q masspay.Q) error {
		list, err := q.TransferListPendingBank(f.ctx, "acc1", 10)
		must(t, err)
		equal(t, "pending bank transfers, oldest first", ids(list, func(tr *masspay.Transfer) string { return tr.ID }),
			[]string{"p1", "p4", "p6"})
		list, err = q.TransferListPendingBank(f.ctx, "acc1", 2)
		must(t, err)
		equal(t, "limit 2", ids(list, func(tr *masspay.Transfer) string { return tr.ID }), []string{"p1", "p4"})
		return nil
	})
}

func testTransferListPendingBankBefore(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	mk := func(id, account string, status masspay.TransferStatus, bank bool, sec int) *masspay.Transfer {
		tr := newTransfer(id, account, "s", "d", 100)
		tr.Status, tr.Bank, tr.Created = status, bank, at(sec)
		return tr
	}
	f.transfers(mk("p1", "acc1", "pending", true, 1), mk("p2", "acc2", "pending", true, 2), mk("p3", "acc1", "pending", false, 3),
		mk("p4", "acc1", "processed", true, 4), mk("p5", "acc2", "pending", true, 10), mk("p6", "acc1", "pending", true, 5),
		mk("p7", "acc1", "pending", true, 11))
	f.write(func(q masspay.Q) error {
		list, err := q.TransferListPendingBankBefore(f.ctx, at(10), 10)
		must(t, err)
		equal(t, "pending bank transfers of every account created before, oldest first",
			ids(list, func(tr *masspay.Transfer) string { return tr.ID }), []string{"p1", "p2", "p6"})
		list, err = q.TransferListPendingBankBefore(f.ctx, at(10), 2)
		must(t, err)
		equal(t, "limit 2", ids(list, func(tr *masspay.Transfer) string { return tr.ID }), []string{"p1", "p2"})
		return nil
	})
}

func testTransferUpdate(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	tr := newTransfer("t1", "acc1", "s", "d", 100)
	f.transfers(tr)
	var orig *masspay.Transfer
	f.read(func(q masspay.Q) (err error) { orig, err = q.TransferGet(f.ctx, "t1"); return err })
	upd := *orig
	upd.Status, upd.Posted, upd.FailureCode = masspay.TransferFailed, true, "R03"
	changed := upd
	changed.Amount, changed.DestinationID = 5, "elsewhere" // not mutable: ignored
	f.write(func(q masspay.Q) error { return q.TransferUpdate(f.ctx, &changed) })
	f.read(func(q masspay.Q) error {
		got, err := q.TransferGet(f.ctx, "t1")
		must(t, err)
		equal(t, "updated transfer", got, &upd)
		return nil
	})
}
