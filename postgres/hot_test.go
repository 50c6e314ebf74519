package postgres_test

import (
	"fmt"
	"testing"

	"masspay"
	"masspay/postgres"
	"masspay/postgres/pgtest"
)

// The engine's outcome update of each item stays on the item's page (migration 00041): written as
// the engine writes them, a chunk of a thousand at a time, no item moves to another block, so each
// update can be HOT (no new index entry).
func TestItemUpdatesStayOnTheirPage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := open(t, pgtest.URL(t))
	const n = 3000
	mp := &masspay.MassPayment{ID: masspay.NewID(), AccountID: masspay.NewID(), SourceID: masspay.NewID(), SourceType: "balance",
		Status: masspay.MassPaymentProcessing, ItemCount: n}
	items := make([]*masspay.Item, n)
	for i := range items {
		items[i] = &masspay.Item{MassPaymentID: mp.ID, ID: masspay.NewID(), Idx: i, DestinationID: masspay.NewID(),
			Amount: int64(100 + i), Metadata: map[string]string{"n": fmt.Sprint(i)}, CorrelationID: fmt.Sprintf("item-%d", i),
			Status: masspay.ItemPending}
		mp.Total += items[i].Amount
	}
	if err := s.Write(ctx, func(q masspay.Q) error { return q.MassPaymentInsert(ctx, mp, items) }); err != nil {
		t.Fatal(err)
	}
	pool := s.Driver().(*postgres.Driver).Pool()
	blocks := func() map[string]string {
		rows, err := pool.Query(ctx, `SELECT id, (ctid::text::point)[0]::text FROM mass_payment_items WHERE mass_payment_id = $1`, mp.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var id, block string
			if err := rows.Scan(&id, &block); err != nil {
				t.Fatal(err)
			}
			out[id] = block
		}
		return out
	}
	before := blocks()
	for lo := 0; lo < n; lo += 1000 {
		for _, it := range items[lo : lo+1000] {
			it.Status, it.TransferID = masspay.ItemSuccess, masspay.NewID()
		}
		if err := s.Write(ctx, func(q masspay.Q) error { return q.ItemUpdateMany(ctx, items[lo:lo+1000]) }); err != nil {
			t.Fatal(err)
		}
	}
	after := blocks()
	moved := 0
	for id, b := range before {
		if after[id] != b {
			moved++
		}
	}
	if len(before) != n || moved > 0 {
		t.Fatalf("%d of %d items moved to another page", moved, len(before))
	}
}
