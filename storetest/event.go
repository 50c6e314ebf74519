package storetest

import (
	"fmt"
	"testing"

	"masspay"
)

var eventTests = []test{
	{"EventInsertGetList", testEvents},
	{"ListTotalCapped", testListTotalCapped},
}

func testEvents(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	ev := func(id, account, customer string, sec int) *masspay.Event {
		return &masspay.Event{ID: id, AccountID: account, CustomerID: customer, Topic: masspay.TopicTransferCreated,
			ResourceType: "transfers", ResourceID: "t-" + id, CorrelationID: "corr-" + id, Created: at(sec)}
	}
	events := []*masspay.Event{ev("e1", "acc1", "", 1), ev("e2", "acc1", "c1", 2), ev("e3", "acc2", "", 3)}
	f.write(func(q masspay.Q) error { return q.EventInsertMany(f.ctx, events) })
	f.write(func(q masspay.Q) error { return q.EventInsertMany(f.ctx, []*masspay.Event{ev("e4", "acc1", "", 4)}) })
	f.write(func(q masspay.Q) error { return q.EventInsertMany(f.ctx, nil) })
	err := f.writeErr(func(q masspay.Q) error { return q.EventInsertMany(f.ctx, []*masspay.Event{ev("e1", "acc1", "", 5)}) })
	wantErr(t, "EventInsertMany of a used ID", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		var seq int64
		for _, e := range events {
			got, err := q.EventGet(f.ctx, e.ID)
			must(t, err)
			if got.Seq <= seq {
				t.Errorf("%s: Seq = %d, want more than %d (insertion order)", e.ID, got.Seq, seq)
			}
			seq = got.Seq
			want := *e
			want.Seq, want.Created = got.Seq, stored(e.Created)
			equal(t, "event", got, &want)
		}
		list, total, err := q.EventList(f.ctx, masspay.EventFilter{AccountID: "acc1", Page: masspay.Page{Limit: 25}})
		must(t, err)
		equal(t, "events, newest first", ids(list, func(e *masspay.Event) string { return e.ID }), []string{"e4", "e2", "e1"})
		equal(t, "total", total, 3)
		list, total, err = q.EventList(f.ctx, masspay.EventFilter{AccountID: "acc1", Page: masspay.Page{Limit: 1, Offset: 1}})
		must(t, err)
		equal(t, "page", ids(list, func(e *masspay.Event) string { return e.ID }), []string{"e2"})
		equal(t, "total of a page", total, 3)
		return nil
	})
}

// A list counts at most ListCountCap (10,000) matches past its offset: the total is exact up to
// there and capped beyond, and a deep page is still the right page, with a total past it.
func testListTotalCapped(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	const n = 10_050
	evs := make([]*masspay.Event, n)
	for i := range evs {
		evs[i] = &masspay.Event{ID: fmt.Sprintf("e%05d", i), AccountID: "acc1", Topic: masspay.TopicTransferCreated,
			ResourceType: "transfers", ResourceID: "t", Created: at(i)}
	}
	f.write(func(q masspay.Q) error { return q.EventInsertMany(f.ctx, evs) })
	f.read(func(q masspay.Q) error {
		for _, c := range []struct{ offset, total int }{{0, 10_000}, {40, 10_040}, {10_000, n}, {10_040, n}} {
			list, total, err := q.EventList(f.ctx, masspay.EventFilter{AccountID: "acc1", Page: masspay.Page{Limit: 25, Offset: c.offset}})
			must(t, err)
			if total != c.total {
				t.Errorf("offset %d: total %d, want %d", c.offset, total, c.total)
			}
			want := min(25, n-c.offset)
			if len(list) != want || list[0].ID != fmt.Sprintf("e%05d", n-1-c.offset) {
				t.Errorf("offset %d: %d events from %s, want %d from e%05d", c.offset, len(list), list[0].ID, want, n-1-c.offset)
			}
		}
		return nil
	})

	// A customer's transfers are counted per side (sent; received and not sent), each side
	// under the cap: here neither side reaches it, together they pass it, and the total is
	// still capped; a deep page interleaves the sides in order.
	ts := make([]*masspay.Transfer, n)
	for i := range ts {
		src, dst := "c1", "c9" // sent
		switch i % 3 {
		case 1:
			src, dst = "", "c1" // received
		case 2:
			dst = "c1" // to itself: counted and listed once
		}
		ts[i] = newTransfer(fmt.Sprintf("t%05d", i), "acc1", "s", "d", 1)
		ts[i].SourceCustomerID, ts[i].DestCustomerID, ts[i].Created = src, dst, at(i)
	}
	f.transfers(ts...)
	f.read(func(q masspay.Q) error {
		for _, c := range []struct{ offset, total int }{{0, 10_000}, {40, 10_040}, {10_000, n}, {10_040, n}} {
			list, total, err := q.TransferList(f.ctx, masspay.TransferFilter{AccountID: "acc1", CustomerID: "c1", Page: masspay.Page{Limit: 25, Offset: c.offset}})
			must(t, err)
			if total != c.total {
				t.Errorf("customer transfers at offset %d: total %d, want %d", c.offset, total, c.total)
			}
			want := min(25, n-c.offset)
			got := ids(list, func(tr *masspay.Transfer) string { return tr.ID })
			for i := range want {
				if len(got) != want || got[i] != fmt.Sprintf("t%05d", n-1-c.offset-i) {
					t.Fatalf("customer transfers at offset %d: %v, want %d from t%05d down", c.offset, got, want, n-1-c.offset)
				}
			}
		}
		return nil
	})

	// The ACH file and correction lists (masspay ach ls, ach corrections) count the same way.
	f.write(func(q masspay.Q) error {
		for i := range n {
			if err := q.ACHFileInsert(f.ctx, &masspay.ACHFile{ID: fmt.Sprintf("f%05d", i), Name: fmt.Sprintf("f%05d.ach", i),
				Date: fmt.Sprintf("d%05d", i), Modifier: "A", Created: at(i)}, nil); err != nil {
				return err
			}
			if _, err := q.ACHCorrectionInsert(f.ctx, &masspay.ACHCorrection{ID: fmt.Sprintf("c%05d", i), TransferID: fmt.Sprintf("t%05d", i),
				Created: at(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	f.read(func(q masspay.Q) error {
		for _, c := range []struct{ offset, total int }{{0, 10_000}, {10_040, n}} {
			files, total, err := q.ACHFileList(f.ctx, masspay.Page{Limit: 25, Offset: c.offset})
			must(t, err)
			if total != c.total || len(files) != min(25, n-c.offset) || files[0].ID != fmt.Sprintf("f%05d", n-1-c.offset) {
				t.Errorf("ACH files at offset %d: total %d, %d files from %s; want %d, from f%05d", c.offset, total, len(files), files[0].ID, c.total, n-1-c.offset)
			}
			cs, total, err := q.ACHCorrectionList(f.ctx, masspay.Page{Limit: 25, Offset: c.offset})
			must(t, err)
			if total != c.total || len(cs) != min(25, n-c.offset) || cs[0].ID != fmt.Sprintf("c%05d", n-1-c.offset) {
				t.Errorf("ACH corrections at offset %d: total %d, %d from %s; want %d, from c%05d", c.offset, total, len(cs), cs[0].ID, c.total, n-1-c.offset)
			}
		}
		return nil
	})
}
