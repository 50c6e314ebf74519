package storetest

import (
	"testing"

	"masspay"
)

var itemTests = []test{
	{"ItemListAndGet", testItemList},
	{"ItemListPending", testItemListPending},
	{"ItemUpdateMany", testItemUpdateMany},
	{"ItemUpdateManyConflictsOnNonPending", testItemUpdateManyConflict},
}

// itemsWithOutcomes inserts a mass payment of 6 items, and another of 2, and gives item 1 a
// success and item 3 a failure.
func itemsWithOutcomes(f *fx) []*masspay.Item {
	f.t.Helper()
	_, items := f.massPayment("mp1", "acc1", masspay.MassPaymentProcessing, 6)
	f.massPayment("mp2", "acc1", masspay.MassPaymentPending, 2)
	items[1].Status, items[1].TransferID = masspay.ItemSuccess, "t1"
	items[3].Status = masspay.ItemFailed
	items[3].Error = &masspay.FieldError{Code: masspay.FCodeInsufficientFunds, Message: "Insufficient funds.",
		Path: "/items/3/amount"}
	f.write(func(q masspay.Q) error { return q.ItemUpdateMany(f.ctx, []*masspay.Item{items[1], items[3]}) })
	return items
}

func testItemList(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	items := itemsWithOutcomes(f)
	for _, it := range items {
		equal(t, "item", f.getItem(it.ID), it)
	}
	page := masspay.Page{Limit: 25}
	cases := []struct {
		name      string
		filter    masspay.ItemFilter
		want      []string
		wantTotal int
	}{
		{"AllInOrder", masspay.ItemFilter{MassPaymentID: "mp1", Page: page},
			[]string{"mp1-0", "mp1-1", "mp1-2", "mp1-3", "mp1-4", "mp1-5"}, 6},
		{"Pending", masspay.ItemFilter{MassPaymentID: "mp1", Statuses: []string{"pending"}, Page: page},
			[]string{"mp1-0", "mp1-2", "mp1-4", "mp1-5"}, 4},
		{"Outcomes", masspay.ItemFilter{MassPaymentID: "mp1", Statuses: []string{"success", "failed"}, Page: page},
			[]string{"mp1-1", "mp1-3"}, 2},
		{"PageOfPending", masspay.ItemFilter{MassPaymentID: "mp1", Statuses: []string{"pending"},
			Page: masspay.Page{Limit: 2, Offset: 1}}, []string{"mp1-2", "mp1-4"}, 4},
		{"OtherMassPayment", masspay.ItemFilter{MassPaymentID: "mp2", Page: page}, []string{"mp2-0", "mp2-1"}, 2},
	}
	f.read(func(q masspay.Q) error {
		for _, tc := range cases {
			list, total, err := q.ItemList(f.ctx, tc.filter)
			must(t, err)
			equal(t, tc.name+" IDs", ids(list, func(it *masspay.Item) string { return it.ID }), tc.want)
			equal(t, tc.name+" total", total, tc.wantTotal)
		}
		return nil
	})
}

func testItemListPending(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	items := itemsWithOutcomes(f)
	cases := []struct {
		name           string
		fromIdx, limit int
		want           []string
	}{
		{"FromStart", 0, 10, []string{"mp1-0", "mp1-2", "mp1-4", "mp1-5"}},
		{"FromIdxSkipsDone", 1, 2, []string{"mp1-2", "mp1-4"}},
		{"Last", 5, 10, []string{"mp1-5"}},
		{"PastEnd", 6, 10, []string{}},
	}
	f.read(func(q masspay.Q) error {
		for _, tc := range cases {
			list, err := q.ItemListPending(f.ctx, "mp1", tc.fromIdx, tc.limit)
			must(t, err)
			equal(t, tc.name, ids(list, func(it *masspay.Item) string { return it.ID }), tc.want)
		}
		list, err := q.ItemListPending(f.ctx, "mp1", 0, 1)
		must(t, err)
		equal(t, "first pending item", list, []*masspay.Item{items[0]})
		return nil
	})
}

func testItemUpdateMany(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	items := itemsWithOutcomes(f)
	// Status, transfer and error are written; nothing else an item carries is.
	upd := *items[0]
	upd.Status, upd.TransferID = masspay.ItemSuccess, "t0"
	changed := upd
	changed.Amount, changed.DestinationID = 1, "elsewhere"
	f.write(func(q masspay.Q) error {
		must(t, q.ItemUpdateMany(f.ctx, nil))
		return q.ItemUpdateMany(f.ctx, []*masspay.Item{&changed})
	})
	equal(t, "updated item", f.getItem(upd.ID), &upd)
	equal(t, "untouched item", f.getItem(items[2].ID), items[2])

	// The live counts move with the outcomes, in the same call: mp1 had one success and one
	// failure; items of two mass payments in one call each count toward their own.
	counts(f, "mp1", 2, 1)
	other := f.getItem("mp2-1")
	other.Status, other.Error = masspay.ItemFailed, &masspay.FieldError{Code: masspay.FCodeInvalid, Message: "Receiver not found.", Path: "/items/destination/href"}
	last := f.getItem("mp1-5")
	last.Status = masspay.ItemFailed
	last.Error = other.Error
	f.write(func(q masspay.Q) error { return q.ItemUpdateMany(f.ctx, []*masspay.Item{other, last}) })
	counts(f, "mp1", 2, 2)
	counts(f, "mp2", 0, 1)
}

// counts asserts a mass payment's live counts, and that pending is what remains.
func counts(f *fx, id string, succeeded, failed int) {
	f.t.Helper()
	m := f.getMassPayment(id)
	equal(f.t, id+" succeeded, failed, pending", []int{m.Succeeded, m.Failed, m.Pending()},
		[]int{succeeded, failed, m.ItemCount - succeeded - failed})
}

func testItemUpdateManyConflict(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	items := itemsWithOutcomes(f)
	pending, done := *items[0], *items[1]
	pending.Status, pending.TransferID = masspay.ItemSuccess, "t0"
	done.Status, done.TransferID = masspay.ItemSuccess, "t-again" // item 1 already succeeded with t1
	err := f.writeErr(func(q masspay.Q) error { return q.ItemUpdateMany(f.ctx, []*masspay.Item{&pending, &done}) })
	if code := masspay.ErrorCode(err); code != masspay.ECodeConflict {
		t.Fatalf("ItemUpdateMany with a non-pending item: err = %v, want a %s error", err, masspay.ECodeConflict)
	}
	// The caller's transaction rolled back: neither item changed.
	equal(t, "pending item after the conflict", f.getItem(items[0].ID), items[0])
	equal(t, "done item after the conflict", f.getItem(items[1].ID), items[1])
	counts(f, "mp1", 1, 1)
}
