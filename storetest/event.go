package storetest

import (
	"testing"

	"masspay"
)

var eventTests = []test{
	{"EventInsertGetList", testEvents},
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
