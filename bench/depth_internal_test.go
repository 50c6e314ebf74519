package bench

import (
	"context"
	"testing"

	"masspay/app"
	"masspay/service"
)

// TestStoreBytesWhileWALHeld: the store's size counts every committed write, even when the WAL
// cannot be copied into the database file at that moment (a reader still in it, or the store's
// own checkpointer holding the checkpoint lock, as under load). Measured from the file after a
// checkpoint whose result nobody checked, the growth came out 0 (TestRunAtDepth's BytesPerItem).
func TestStoreBytesWhileWALHeld(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := app.OpenStore(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	na, err := service.New(store, service.Config{}).CreateApplication(ctx, service.NewApplicationParams{Name: "bench", Balance: 100})
	if err != nil {
		t.Fatal(err)
	}
	before, err := storeBytes(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	// A reader on the snapshot before the writes: no checkpoint can copy what follows it.
	reader, err := store.Driver().Begin(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback(ctx)
	var n int
	if err := reader.QueryRow(ctx, `SELECT COUNT(*) FROM customers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := payees(ctx, store, na.AccountID, 2000); err != nil {
		t.Fatal(err)
	}
	after, err := storeBytes(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("2000 payees written, store size %d -> %d", before, after)
	}
}
