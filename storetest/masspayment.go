package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"masspay"
)

var massPaymentTests = []test{
	{"MassPaymentInsertGet", testMassPaymentInsertGet},
	{"MassPaymentInsert5000Items", testMassPaymentInsert5000},
	{"MassPaymentInsertIsAllOrNothing", testMassPaymentInsertAllOrNothing},
	{"MassPaymentList", testMassPaymentList},
	{"MassPaymentUpdate", testMassPaymentUpdate},
	{"MassPaymentClaim", testMassPaymentClaim},
	{"MassPaymentClaimConcurrent", testMassPaymentClaimConcurrent},
	{"MassPaymentRenewLease", testMassPaymentRenewLease},
}

func testMassPaymentInsertGet(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	m, items := newMassPayment("mp1", "acc1", "src", "dst", masspay.MassPaymentDeferred, 2)
	m.CustomerID, m.SourceType = "c1", masspay.FundingBalance
	m.Metadata = map[string]string{"batch": "42", "note": "ünïcode"}
	m.CorrelationID, m.ClearingSource, m.Addenda = "corr-1", "next-available", "ADDENDA"
	items[1].Metadata = map[string]string{"k": "v"}
	items[1].CorrelationID, items[1].ClearingDestination = "item-corr", "next-available"
	items[1].Addenda, items[1].ProcessingChannel = "ITEM ADDENDA", "real-time-payments"
	f.write(func(q masspay.Q) error { return q.MassPaymentInsert(f.ctx, m, items) })
	err := f.writeErr(func(q masspay.Q) error {
		m2, items2 := newMassPayment("mp1", "acc1", "src", "dst", masspay.MassPaymentPending, 1)
		items2[0].ID = "other-item"
		return q.MassPaymentInsert(f.ctx, m2, items2)
	})
	wantErr(t, "MassPaymentInsert of a used ID", err, masspay.ErrUnique)

	got := f.getMassPayment("mp1")
	if got.Seq <= 0 {
		t.Errorf("Seq = %d, want > 0", got.Seq)
	}
	want := *m
	want.Seq, want.Created = got.Seq, stored(m.Created)
	equal(t, "mass payment", got, &want)
	for _, it := range items {
		equal(t, "item", f.getItem(it.ID), it)
	}
}

func testMassPaymentInsert5000(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	m, items := newMassPayment("mp1", "acc1", "src", "dst", masspay.MassPaymentPending, masspay.MaxItems)
	for i, it := range items {
		it.DestinationID = fmt.Sprintf("dst-%d", i)
		it.CorrelationID = fmt.Sprintf("corr-%d", i)
	}
	f.write(func(q masspay.Q) error { return q.MassPaymentInsert(f.ctx, m, items) })
	f.read(func(q masspay.Q) error {
		list, total, err := q.ItemList(f.ctx, masspay.ItemFilter{MassPaymentID: "mp1", Page: masspay.Page{Limit: masspay.MaxItems + 1}})
		must(t, err)
		equal(t, "total", total, masspay.MaxItems)
		equal(t, "listed", len(list), masspay.MaxItems)
		for i, it := range list {
			if it.Idx != i || it.ID != items[i].ID || it.DestinationID != items[i].DestinationID ||
				it.Amount != items[i].Amount || it.CorrelationID != items[i].CorrelationID {
				t.Fatalf("item %d = %+v, want %+v", i, it, items[i])
			}
		}
		return nil
	})
	equal(t, "violations", f.violations(), []string(nil))
}

func testMassPaymentInsertAllOrNothing(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	m, items := newMassPayment("mp1", "acc1", "src", "dst", masspay.MassPaymentPending, masspay.MaxItems)
	items[masspay.MaxItems-1].ID = items[0].ID // the last item, in the last statement, breaks a unique index
	err := f.writeErr(func(q masspay.Q) error { return q.MassPaymentInsert(f.ctx, m, items) })
	wantErr(t, "MassPaymentInsert with a repeated item ID", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		_, err := q.MassPaymentGet(f.ctx, "mp1")
		wantErr(t, "MassPaymentGet", err, masspay.ErrNoRows)
		_, total, err := q.ItemList(f.ctx, masspay.ItemFilter{MassPaymentID: "mp1", Page: masspay.Page{Limit: 1}})
		must(t, err)
		equal(t, "items left behind", total, 0)
		return nil
	})
}

func testMassPaymentList(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	insert := func(id, account, customer, corr string) {
		status := masspay.MassPaymentPending
		if id == "m1" {
			status = masspay.MassPaymentComplete
		}
		m, items := newMassPayment(id, account, "src", "dst", status, 1)
		m.CustomerID, m.CorrelationID = customer, corr
		f.write(func(q masspay.Q) error { return q.MassPaymentInsert(f.ctx, m, items) })
	}
	insert("m1", "acc1", "", "")
	insert("m2", "acc1", "", "corr-2")
	insert("m3", "acc1", "", "")
	insert("m4", "acc1", "c1", "")
	insert("m5", "acc2", "", "")
	page := masspay.Page{Limit: 25}
	cases := []struct {
		name      string
		filter    masspay.MassPaymentFilter
		want      []string
		wantTotal int
	}{
		{"AccountNewestFirst", masspay.MassPaymentFilter{AccountID: "acc1", Page: page}, []string{"m3", "m2", "m1"}, 3},
		{"Customer", masspay.MassPaymentFilter{AccountID: "acc1", CustomerID: "c1", Page: page}, []string{"m4"}, 1},
		{"CorrelationID", masspay.MassPaymentFilter{AccountID: "acc1", CorrelationID: "corr-2", Page: page}, []string{"m2"}, 1},
		{"Status", masspay.MassPaymentFilter{AccountID: "acc1", Statuses: []string{string(masspay.MassPaymentComplete)}, Page: page}, []string{"m1"}, 1},
		{"Statuses", masspay.MassPaymentFilter{AccountID: "acc1", Statuses: []string{"complete", "pending"}, Page: page}, []string{"m3", "m2", "m1"}, 3},
		{"StatusAndCorrelationID", masspay.MassPaymentFilter{AccountID: "acc1", CorrelationID: "corr-2", Statuses: []string{"complete"}, Page: page}, []string{}, 0},
		{"OtherAccount", masspay.MassPaymentFilter{AccountID: "acc2", Page: page}, []string{"m5"}, 1},
		{"Page", masspay.MassPaymentFilter{AccountID: "acc1", Page: masspay.Page{Limit: 1, Offset: 1}}, []string{"m2"}, 3},
	}
	f.read(func(q masspay.Q) error {
		for _, tc := range cases {
			list, total, err := q.MassPaymentList(f.ctx, tc.filter)
			must(t, err)
			equal(t, tc.name+" IDs", ids(list, func(m *masspay.MassPayment) string { return m.ID }), tc.want)
			equal(t, tc.name+" total", total, tc.wantTotal)
		}
		return nil
	})
}

func testMassPaymentUpdate(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.massPayment("mp1", "acc1", masspay.MassPaymentPending, 3)
	m := f.getMassPayment("mp1")
	upd := *m
	upd.Status, upd.FundingTransferID, upd.NextIdx = masspay.MassPaymentComplete, "ft1", 3
	upd.LeaseOwner, upd.LeaseUntil, upd.Completed = "node-1", at(30), at(31)
	changed := upd
	changed.Total, changed.ItemCount, changed.SourceID = 1, 1, "other" // not mutable: ignored
	f.write(func(q masspay.Q) error { return q.MassPaymentUpdate(f.ctx, &changed) })
	want := upd
	want.LeaseUntil, want.Completed = stored(upd.LeaseUntil), stored(upd.Completed)
	equal(t, "updated mass payment", f.getMassPayment("mp1"), &want)
}

func testMassPaymentClaim(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.massPayment("deferred", "acc1", masspay.MassPaymentDeferred, 1)
	f.massPayment("m1", "acc1", masspay.MassPaymentPending, 1)
	f.massPayment("complete", "acc1", masspay.MassPaymentComplete, 1)
	f.massPayment("m2", "acc1", masspay.MassPaymentPending, 1)
	f.massPayment("cancelled", "acc1", masspay.MassPaymentCancelled, 1)
	claim := func(owner string, now int) (*masspay.MassPayment, error) {
		var m *masspay.MassPayment
		err := f.writeErr(func(q masspay.Q) (err error) {
			m, err = q.MassPaymentClaim(f.ctx, masspay.ClaimParams{Owner: owner, Now: at(now), LeaseUntil: at(now + 30)})
			return err
		})
		return m, err
	}
	expect := func(owner string, now int, wantID string) {
		t.Helper()
		m, err := claim(owner, now)
		if wantID == "" {
			if !errors.Is(err, masspay.ErrNoRows) {
				t.Fatalf("claim by %s at +%ds = %v, %v; want ErrNoRows", owner, now, m, err)
			}
			return
		}
		must(t, err)
		if m.ID != wantID || m.Status != masspay.MassPaymentProcessing || m.LeaseOwner != owner ||
			!m.LeaseUntil.Equal(stored(at(now+30))) {
			t.Fatalf("claim by %s at +%ds = %s %s owner %s until %v; want %s processing, owner %s, until %v",
				owner, now, m.ID, m.Status, m.LeaseOwner, m.LeaseUntil, wantID, owner, stored(at(now+30)))
		}
		equal(t, "claimed mass payment as stored", f.getMassPayment(wantID), m)
	}
	expect("a", 0, "m1")  // oldest pending first
	expect("b", 0, "m2")  // then the next
	expect("c", 10, "")   // both leased until +30s: nothing left
	expect("c", 30, "")   // a lease is held up to its end
	expect("c", 31, "m1") // an expired lease is claimed again, oldest first
	expect("d", 31, "m2")
	expect("d", 31, "")
}

func testMassPaymentClaimConcurrent(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	const n = 8
	for i := range n {
		f.massPayment(fmt.Sprintf("m%d", i), "acc1", masspay.MassPaymentPending, 1)
	}
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	for w := range n + 2 {
		wg.Go(func() {
			owner := fmt.Sprintf("node-%d", w)
			err := f.s.Write(f.ctx, func(q masspay.Q) error {
				m, err := q.MassPaymentClaim(f.ctx, masspay.ClaimParams{Owner: owner, Now: t0, LeaseUntil: at(30)})
				if err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				if prev, ok := claimed[m.ID]; ok {
					t.Errorf("%s claimed by both %s and %s", m.ID, prev, owner)
				}
				claimed[m.ID] = owner
				return nil
			})
			if err != nil && !errors.Is(err, masspay.ErrNoRows) {
				t.Errorf("claim by %s: %v", owner, err)
			}
		})
	}
	wg.Wait()
	equal(t, "batches claimed", len(claimed), n)
}

func testMassPaymentRenewLease(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.massPayment("m1", "acc1", masspay.MassPaymentPending, 1)
	f.write(func(q masspay.Q) error {
		_, err := q.MassPaymentClaim(f.ctx, masspay.ClaimParams{Owner: "a", Now: t0, LeaseUntil: at(30)})
		return err
	})
	renew := func(id, owner string, until int) bool {
		var ok bool
		f.write(func(q masspay.Q) (err error) {
			ok, err = q.MassPaymentRenewLease(f.ctx, id, owner, at(until))
			return err
		})
		return ok
	}
	equal(t, "renew by the owner", renew("m1", "a", 60), true)
	equal(t, "lease after renewal", f.getMassPayment("m1").LeaseUntil, stored(at(60)))
	equal(t, "renew by another node", renew("m1", "b", 90), false)
	equal(t, "lease after a refused renewal", f.getMassPayment("m1").LeaseUntil, stored(at(60)))
	equal(t, "renew of a missing batch", renew("missing", "a", 90), false)
	// Another node took the batch over after the lease ran out: the first owner has lost it.
	f.write(func(q masspay.Q) error {
		_, err := q.MassPaymentClaim(f.ctx, masspay.ClaimParams{Owner: "b", Now: at(61), LeaseUntil: at(91)})
		return err
	})
	equal(t, "renew by the previous owner", renew("m1", "a", 120), false)
	m := f.getMassPayment("m1")
	m.Status = masspay.MassPaymentComplete
	f.write(func(q masspay.Q) error { return q.MassPaymentUpdate(f.ctx, m) })
	equal(t, "renew of a finished batch", renew("m1", "b", 120), false)
}
