package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"masspay"
)

var transferTests = []test{
	{"TransferInsertGet", testTransferInsertGet},
	{"TransferUniqueItem", testTransferUniqueItem},
	{"TransferList", testTransferList},
	{"TransferListAcrossKeyGenerations", testTransferListAcrossKeyGenerations},
	{"TransferListCustomerPages", testTransferListCustomerPages},
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

// A customer's transfers are merged from the index of senders and, a generation (16,384
// transfers) at a time, the index of receivers: every page, at every offset, those crossing a
// generation's boundary included, is the customer's transfers on either side, once each, newest
// first, filtered and counted (up to offset+countCap) as the account's are. They are read a
// window of generations per query as well (SetCustomerWindow), the pages across a window's
// boundary included. The expected pages are the inserted transfers filtered here.
//
// countCap is sqlstore.ListCountCap, Dwolla's cap of a list's total.
const countCap = 10_000

func testTransferListCustomerPages(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	for i := range 40 {
		f.customer(fmt.Sprintf("o%d", i), "acc1")
	}
	const n = 2*16384 + 700 // generations 0, 1 and 2
	statuses := []masspay.TransferStatus{masspay.TransferPending, masspay.TransferProcessed, masspay.TransferFailed}
	ts := make([]*masspay.Transfer, n)
	for i := range ts {
		tr := newTransfer(fmt.Sprintf("t%05d", i), "acc1", "s", "d", int64(1+i%500))
		tr.SourceCustomerID, tr.DestCustomerID = fmt.Sprintf("o%d", i%40), fmt.Sprintf("p%d", i%30)
		if i%4 == 0 {
			tr.SourceCustomerID = "me"
		}
		if i%5 == 3 {
			tr.DestCustomerID = "me"
		}
		if i%211 == 0 {
			tr.SourceCustomerID, tr.DestCustomerID = "me", "me"
		}
		if i%13 == 0 {
			tr.AccountID = "acc2"
		}
		tr.Status, tr.CorrelationID, tr.Created = statuses[i%3], fmt.Sprintf("corr-%d", i%9), at(i)
		ts[i] = tr
	}
	f.write(func(q masspay.Q) error { return q.TransferInsertMany(f.ctx, ts) })
	type filter struct {
		name string
		tf   masspay.TransferFilter
		keep func(tr *masspay.Transfer) bool
	}
	filters := []filter{
		{"all", masspay.TransferFilter{}, func(*masspay.Transfer) bool { return true }},
		{"pending", masspay.TransferFilter{Statuses: []string{"pending"}}, func(tr *masspay.Transfer) bool { return tr.Status == masspay.TransferPending }},
		{"amounts", masspay.TransferFilter{StartAmount: 100, EndAmount: 300}, func(tr *masspay.Transfer) bool { return tr.Amount >= 100 && tr.Amount <= 300 }},
		{"dates", masspay.TransferFilter{StartDate: at(5000), EndDate: at(30000)}, func(tr *masspay.Transfer) bool {
			return !tr.Created.Before(at(5000)) && tr.Created.Before(at(30000))
		}},
		{"correlation", masspay.TransferFilter{CorrelationID: "corr-4"}, func(tr *masspay.Transfer) bool { return tr.CorrelationID == "corr-4" }},
		{"search", masspay.TransferFilter{Search: "First O1"}, func(tr *masspay.Transfer) bool {
			for _, c := range []string{tr.SourceCustomerID, tr.DestCustomerID} {
				if c != "me" && strings.HasPrefix(c, "o1") {
					return true
				}
			}
			return false
		}},
		{"failed, amounts and correlation", masspay.TransferFilter{Statuses: []string{"failed"}, StartAmount: 50, CorrelationID: "corr-2"},
			func(tr *masspay.Transfer) bool {
				return tr.Status == masspay.TransferFailed && tr.Amount >= 50 && tr.CorrelationID == "corr-2"
			}},
		// Fewer than 1,000: PostgreSQL sorts them (Dialect.SortFewCustomerTransfers).
		{"pending, correlation and amounts", masspay.TransferFilter{Statuses: []string{"pending"}, CorrelationID: "corr-3", EndAmount: 100},
			func(tr *masspay.Transfer) bool {
				return tr.Status == masspay.TransferPending && tr.CorrelationID == "corr-3" && tr.Amount <= 100
			}},
	}
	want := func(fl filter) []string {
		var out []string
		for i := n - 1; i >= 0; i-- {
			tr := ts[i]
			if tr.AccountID == "acc1" && (tr.SourceCustomerID == "me" || tr.DestCustomerID == "me") && fl.keep(tr) {
				out = append(out, tr.ID)
			}
		}
		return out
	}
	page := func(q masspay.Q, fl filter, all []string, offset, limit int) []*masspay.Transfer {
		t.Helper()
		tf := fl.tf
		tf.AccountID, tf.CustomerID, tf.Page = "acc1", "me", masspay.Page{Limit: limit, Offset: offset}
		list, total, err := q.TransferList(f.ctx, tf)
		must(t, err)
		what := fmt.Sprintf("%s, offset %d, limit %d", fl.name, offset, limit)
		end := min(offset+limit, len(all))
		equal(t, what+" IDs", ids(list, func(tr *masspay.Transfer) string { return tr.ID }), append([]string{}, all[min(offset, end):end]...))
		equal(t, what+" total", total, min(len(all), offset+countCap))
		return list
	}
	// Every page of the unfiltered list, more than countCap long, and the places in it at which
	// a generation begins.
	all := want(filters[0])
	if len(all) <= countCap {
		t.Fatalf("the customer has %d transfers, want more than %d", len(all), countCap)
	}
	var boundaries []int
	f.read(func(q masspay.Q) error {
		var seqs []int64
		for offset := 0; offset <= len(all); offset += 397 {
			for _, tr := range page(q, filters[0], all, offset, 397) {
				seqs = append(seqs, tr.Seq)
			}
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i-1]/16384 != seqs[i]/16384 {
				boundaries = append(boundaries, i)
			}
		}
		return nil
	})
	if len(boundaries) != 2 {
		t.Fatalf("the customer's transfers begin %d generations, want 2", len(boundaries))
	}
	windows, ok := f.s.(interface{ SetCustomerWindow(generations int) })
	for _, window := range []int{0, 1, 2} {
		if window > 0 {
			if !ok {
				t.Logf("store %T reads no window of generations", f.s)
				break
			}
			windows.SetCustomerWindow(window)
		}
		f.read(func(q masspay.Q) error {
			for _, fl := range filters {
				if window == 2 {
					break // the boundaries' pages only
				}
				all := want(fl)
				if len(all) < 10 {
					t.Fatalf("%s: %d transfers, want more to page through", fl.name, len(all))
				}
				for _, offset := range []int{0, len(all) / 2, len(all) - 3, len(all) + 5} {
					page(q, fl, all, offset, 7)
				}
			}
			// Pages that begin or end at a generation's boundary (and, a window of one or two
			// generations, a window's), or cross it.
			for _, b := range boundaries {
				for _, p := range [][2]int{{b - 3, 7}, {b, 1}, {b - 1, 1}, {b - 50, 100}} {
					page(q, filters[0], all, p[0], p[1])
				}
			}
			return nil
		})
	}
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
