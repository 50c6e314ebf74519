package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"masspay"
	"masspay/apptest"
	"masspay/engine"
	"masspay/service"
	"masspay/sqlite"
)

// retryingStore runs every write transaction twice, as sqlstore does after a transient conflict
// on PostgreSQL: the first attempt runs in full and is rolled back, the second commits. Whatever
// the first attempt left in memory must not leak into the second.
type retryingStore struct{ masspay.Store }

var errInjected = errors.New("injected transient conflict")

func (s retryingStore) Write(ctx context.Context, fn func(masspay.Q) error) error {
	err := s.Store.Write(ctx, func(q masspay.Q) error {
		if err := fn(q); err != nil {
			return err
		}
		return errInjected
	})
	if !errors.Is(err, errInjected) {
		return err
	}
	return s.Store.Write(ctx, fn)
}

// batchFixture is a SQLite store with an account and a pending mass payment of 1.00 to each of
// its payees.
type batchFixture struct {
	store  masspay.Store
	svc    *service.Service
	env    *apptest.Env
	p      *service.Principal
	id     string   // the mass payment
	payees []string // their banks' hrefs, in item order
}

// newBatch accepts a mass payment to n new payees, from the account's bank or its balance.
func newBatch(t *testing.T, n int, fromBalance bool) *batchFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := service.New(store, service.Config{})
	na, err := svc.CreateApplication(ctx, service.NewApplicationParams{Balance: 1000_00})
	if err != nil {
		t.Fatal(err)
	}
	env := &apptest.Env{T: t, Store: store, Base: "http://masspay"}
	client := &apptest.Client{T: t, AccountID: na.AccountID}
	source, balance := env.Funding(client)
	if fromBalance {
		source = balance
	}
	payees := apptest.Hrefs(env.Payees(client, n))
	p := &service.Principal{AccountID: na.AccountID, ApplicationID: "app"}
	in := &masspay.MassPaymentInput{}
	in.Links.Source.Href = source
	items := make([]masspay.ItemInput, len(payees))
	amount := masspay.AmountText("1.00")
	for i, d := range payees {
		items[i].Links.Destination.Href = d
		items[i].Amount.Value, items[i].Amount.Currency = &amount, "USD"
	}
	in.Items = &items
	id, err := svc.CreateMassPayment(ctx, p, in, nil, service.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	return &batchFixture{store: store, svc: svc, env: env, p: p, id: id, payees: payees}
}

func TestChunkRetriedAfterRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBatch(t, 3, false)
	store, svc, env, p, id := b.store, b.svc, b.env, b.p, b.id

	eng := engine.New(retryingStore{store}, engine.Config{ChunkSize: 2}, slog.New(slog.DiscardHandler))
	if did, err := eng.ProcessNext(ctx); err != nil || !did {
		t.Fatalf("process: did=%v err=%v", did, err)
	}
	mp, err := svc.GetMassPayment(ctx, p, id)
	if err != nil {
		t.Fatal(err)
	}
	if mp.Status != masspay.MassPaymentComplete {
		t.Fatalf("status %s", mp.Status)
	}
	ft, err := svc.GetTransfer(ctx, p, mp.FundingTransferID)
	if err != nil {
		t.Fatalf("the batch's funding transfer %q does not exist: %v", mp.FundingTransferID, err)
	}
	items, _, err := svc.ListMassPaymentItems(ctx, p, id, nil, masspay.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		tr, err := svc.GetTransfer(ctx, p, it.TransferID)
		if err != nil || tr.FundingTransferID != ft.ID {
			t.Fatalf("item %s: transfer %v funded by %q, want %q (err %v)", it.ID, it.TransferID, tr.FundingTransferID, ft.ID, err)
		}
	}
	env.Verify()
}

// hookedStore runs hook once, right after the first read transaction it is asked for ends.
type hookedStore struct {
	masspay.Store
	hook func()
}

func (s *hookedStore) Read(ctx context.Context, fn func(masspay.Q) error) error {
	err := s.Store.Read(ctx, fn)
	if h := s.hook; h != nil {
		s.hook = nil
		h()
	}
	return err
}

// The engine reads a chunk's items and destinations ahead, while the chunk before it writes. A
// destination removed after that read, before the chunk's transaction, must still fail its item:
// the destinations revision has moved, and the chunk reads them again.
func TestDestinationRemovedAfterReadAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBatch(t, 4, true)
	store, svc, env, p, id, payees := b.store, b.svc, b.env, b.p, b.id, b.payees

	// Chunks of two: the first Read is the second chunk's read ahead, made while the first
	// chunk's transaction is open. Then the last payee's bank is removed (it waits for that
	// transaction to commit), before the second chunk's transaction begins.
	removed := true
	hs := &hookedStore{Store: store, hook: func() {
		if _, err := svc.UpdateFundingSource(ctx, p, apptest.ID(payees[3]), &masspay.FundingSourceUpdateInput{Removed: &removed}); err != nil {
			t.Error(err)
		}
	}}
	eng := engine.New(hs, engine.Config{ChunkSize: 2}, slog.New(slog.DiscardHandler))
	if did, err := eng.ProcessNext(ctx); err != nil || !did {
		t.Fatalf("process: did=%v err=%v", did, err)
	}
	if hs.hook != nil {
		t.Fatal("the engine read nothing ahead")
	}
	items, _, err := svc.ListMassPaymentItems(ctx, p, id, nil, masspay.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		want := masspay.ItemSuccess
		if it.DestinationID == apptest.ID(payees[3]) {
			want = masspay.ItemFailed
		}
		if it.Status != want {
			t.Errorf("item %d to %s: %s (%v), want %s", it.Idx, it.DestinationID, it.Status, it.Error, want)
		}
	}
	env.Verify()
}

// observedStore reads the mass payment's live counts and its items' statuses, in one read
// transaction, after every write transaction that commits.
type observedStore struct {
	masspay.Store
	id   string
	seen [][2][3]int // per commit: {counts, items} as {succeeded, failed, pending}
}

func (s *observedStore) Write(ctx context.Context, fn func(masspay.Q) error) error {
	if err := s.Store.Write(ctx, fn); err != nil {
		return err
	}
	return s.Store.Read(ctx, func(q masspay.Q) error {
		mp, err := q.MassPaymentGet(ctx, s.id)
		if err != nil {
			return err
		}
		var byStatus [3]int
		for i, st := range []masspay.ItemStatus{masspay.ItemSuccess, masspay.ItemFailed, masspay.ItemPending} {
			_, n, err := q.ItemList(ctx, masspay.ItemFilter{MassPaymentID: s.id, Statuses: []string{string(st)}, Page: masspay.Page{Limit: 1}})
			if err != nil {
				return err
			}
			byStatus[i] = n
		}
		s.seen = append(s.seen, [2][3]int{{mp.Succeeded, mp.Failed, mp.Pending()}, byStatus})
		return nil
	})
}

// The live counts (itemCounts) are exact after every chunk's commit, failures included, and move
// chunk by chunk from all pending to all decided.
func TestLiveCountsExactAtEveryChunk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBatch(t, 9, true)
	removed := true
	for _, i := range []int{2, 7} {
		if _, err := b.svc.UpdateFundingSource(ctx, b.p, apptest.ID(b.payees[i]), &masspay.FundingSourceUpdateInput{Removed: &removed}); err != nil {
			t.Fatal(err)
		}
	}
	obs := &observedStore{Store: b.store, id: b.id}
	eng := engine.New(obs, engine.Config{ChunkSize: 4}, slog.New(slog.DiscardHandler))
	if did, err := eng.ProcessNext(ctx); err != nil || !did {
		t.Fatalf("process: did=%v err=%v", did, err)
	}
	intermediate := 0
	for i, s := range obs.seen {
		if s[0] != s[1] {
			t.Errorf("commit %d: live counts %v (succeeded, failed, pending), items say %v", i, s[0], s[1])
		}
		if pending := s[0][2]; pending > 0 && pending < 9 {
			intermediate++
		}
	}
	if last := obs.seen[len(obs.seen)-1][0]; last != [3]int{7, 2, 0} {
		t.Errorf("final counts %v, want 7 succeeded, 2 failed, 0 pending", last)
	}
	if intermediate < 2 {
		t.Errorf("only %d commits with some items pending in %v: the batch was not observed chunk by chunk", intermediate, obs.seen)
	}
	b.env.Verify()
}

// slowReadAheadStore fails the first chunk's transaction once the chunk has started reading the
// next one ahead, and makes that first read slow (as on a loaded machine). It counts the reads
// running.
type slowReadAheadStore struct {
	masspay.Store
	writes, reads atomic.Int32
	running       atomic.Int32
	started       chan struct{}
}

func (s *slowReadAheadStore) Read(ctx context.Context, fn func(masspay.Q) error) error {
	s.running.Add(1)
	defer s.running.Add(-1)
	if s.reads.Add(1) == 1 {
		close(s.started)
		time.Sleep(time.Second)
	}
	return s.Store.Read(ctx, fn)
}

func (s *slowReadAheadStore) Write(ctx context.Context, fn func(masspay.Q) error) error {
	n := s.writes.Add(1)
	return s.Store.Write(ctx, func(q masspay.Q) error {
		if err := fn(q); err != nil || n != 2 { // the first write is the claim, the second the first chunk
			return err
		}
		<-s.started
		return errInjected
	})
}

// A chunk whose transaction fails has started reading the next chunk ahead, for nothing: the
// engine waits for that read before it goes on, so that when it returns none of its reads holds
// the store (a server closes its store when its workers return, and its data directory may be
// removed next).
func TestNoReadAheadOutlivesProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBatch(t, 6, false)
	store := &slowReadAheadStore{Store: b.store, started: make(chan struct{})}
	eng := engine.New(store, engine.Config{ChunkSize: 2}, slog.New(slog.DiscardHandler))
	if did, err := eng.ProcessNext(ctx); err != nil || !did {
		t.Fatalf("process: did=%v err=%v", did, err)
	}
	if n := store.running.Load(); n != 0 {
		t.Fatalf("%d reads of the engine still running after ProcessNext returned", n)
	}
	if store.writes.Load() < 3 {
		t.Fatalf("%d writes: the failed chunk was not retried", store.writes.Load())
	}
	b.env.Verify()
}
