// Package engine turns pending mass payments into transfers. It claims one batch at a time with a
// lease, processes its items in chunks (one transaction per chunk: transfers, ledger entries,
// item outcomes, events and the batch's cursor commit together), and completes the batch when no
// pending item is left. A crash loses at most the chunk in flight, which the next claim does
// again; an item is never paid twice because its outcome and its transfer commit together (and
// the database allows one transfer per item).
package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/google/uuid"

	"masspay"
)

// Config tunes the engine. Zero values take the defaults.
type Config struct {
	// ChunkSize is how many items one transaction processes (default 1000).
	ChunkSize int
	// Lease is how long a claim lasts without renewal (default 30 s). Every chunk renews it; a
	// node that dies leaves it to run out, and then another node continues the batch.
	Lease time.Duration
	// Poll is how often the engine looks for work when no wake-up arrives (default 1 s).
	Poll time.Duration
	// ReclaimOnStart takes over every processing batch at start, without waiting for leases to
	// run out. Only correct when no other node can be running: SQLite, one process per store.
	ReclaimOnStart bool
	// NodeID names this process in leases (default a random id).
	NodeID string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Observer is told what the engine committed (default: nobody).
	Observer Observer
}

// Observer receives the engine's figures, for metrics. Its methods must not block.
type Observer interface {
	// ItemsProcessed counts the items of one committed chunk by outcome.
	ItemsProcessed(success, failed int)
	// BatchCompleted reports a completed mass payment and how long this node took from its
	// claim to its completion.
	BatchCompleted(items int, took time.Duration)
}

type nopObserver struct{}

func (nopObserver) ItemsProcessed(int, int)           {}
func (nopObserver) BatchCompleted(int, time.Duration) {}

func (c Config) withDefaults() Config {
	c.ChunkSize = cmp.Or(c.ChunkSize, 1000)
	c.Lease = cmp.Or(c.Lease, 30*time.Second)
	c.Poll = cmp.Or(c.Poll, time.Second)
	c.NodeID = cmp.Or(c.NodeID, uuid.NewString())
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// Engine processes mass payments.
type Engine struct {
	store  masspay.Store
	cfg    Config
	logger *slog.Logger
}

// New returns an Engine.
func New(store masspay.Store, cfg Config, logger *slog.Logger) *Engine {
	return &Engine{store: store, cfg: cfg.withDefaults(), logger: logger}
}

func (e *Engine) now() time.Time { return e.cfg.Now().UTC().Truncate(time.Microsecond) }

// Run processes batches until ctx ends. It wakes on the store's work channel and polls as a
// fallback.
func (e *Engine) Run(ctx context.Context) error {
	wake, cancel := e.store.Subscribe(masspay.ChannelWork)
	defer cancel()
	if e.cfg.ReclaimOnStart {
		if err := e.reclaim(ctx); err != nil && ctx.Err() == nil {
			e.logger.Error("reclaim batches", "error", err)
		}
	}
	t := time.NewTicker(e.cfg.Poll)
	defer t.Stop()
	for {
		for {
			did, err := e.ProcessNext(ctx)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				e.logger.Error("process mass payment", "error", err)
				break
			}
			if !did {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-t.C:
		}
	}
}

// reclaim expires every lease so that this node claims the batches a previous run left.
func (e *Engine) reclaim(ctx context.Context) error {
	for {
		var mp *masspay.MassPayment
		err := e.store.Write(ctx, func(q masspay.Q) (err error) {
			// A claim with Now far ahead treats every lease as run out.
			mp, err = q.MassPaymentClaim(ctx, masspay.ClaimParams{Owner: e.cfg.NodeID, Now: e.now().Add(100 * 365 * 24 * time.Hour),
				LeaseUntil: e.now().Add(e.cfg.Lease)})
			return err
		})
		if errors.Is(err, masspay.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		e.logger.Info("reclaimed mass payment", "mass_payment_id", mp.ID)
		if err := e.process(ctx, mp); err != nil {
			return err
		}
	}
}

// ProcessNext claims one batch and processes it to completion. It reports whether there was one.
func (e *Engine) ProcessNext(ctx context.Context) (bool, error) {
	var mp *masspay.MassPayment
	err := e.store.Write(ctx, func(q masspay.Q) (err error) {
		mp, err = q.MassPaymentClaim(ctx, masspay.ClaimParams{Owner: e.cfg.NodeID, Now: e.now(), LeaseUntil: e.now().Add(e.cfg.Lease)})
		return err
	})
	if errors.Is(err, masspay.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim: %w", err)
	}
	return true, e.process(ctx, mp)
}

// errLeaseLost stops a batch whose lease another node took over.
var errLeaseLost = errors.New("lease lost")

func (e *Engine) process(ctx context.Context, mp *masspay.MassPayment) error {
	start := time.Now()
	var pre *ahead
	for {
		next := make(chan *ahead, 1)
		done, err := e.chunk(ctx, mp, pre, next)
		for attempt := 1; err != nil && !errors.Is(err, errLeaseLost) && attempt < 4 && ctx.Err() == nil; attempt++ {
			// A chunk is all or nothing and starts from the committed state, so running it
			// again after a failure (a deadlock between nodes, a busy database) is safe. It
			// reads everything again, in its transaction.
			e.logger.Warn("chunk failed; retrying", "mass_payment_id", mp.ID, "attempt", attempt, "error", err)
			time.Sleep(time.Duration(attempt*attempt) * 50 * time.Millisecond)
			next = make(chan *ahead, 1)
			done, err = e.chunk(ctx, mp, nil, next)
		}
		if errors.Is(err, errLeaseLost) {
			e.logger.Warn("lease lost; another node continues the batch", "mass_payment_id", mp.ID)
			return nil
		}
		if err != nil {
			return fmt.Errorf("mass payment %s: %w", mp.ID, err)
		}
		if done {
			took := time.Since(start)
			e.cfg.Observer.BatchCompleted(mp.ItemCount, took)
			e.logger.Info("mass payment complete", "mass_payment_id", mp.ID, "items", mp.ItemCount,
				"duration_ms", took.Milliseconds())
			return nil
		}
		pre = <-next
	}
}

// ahead is what a chunk reads, read ahead of its transaction on the read side while the chunk
// before it writes: on a machine with two cores the reads cost the writer nothing. The items
// cannot change meanwhile (only the lease holder changes a pending item, and a stale read fails
// the item updates); the destinations can, so the chunk's transaction compares the destinations
// revision and reads them again if it moved.
type ahead struct {
	from  int // the cursor the items were read from
	items []*masspay.Item
	dests map[string]*masspay.Destination
	rev   int64
	err   error
}

func (e *Engine) readAhead(ctx context.Context, mpID string, from int) *ahead {
	a := &ahead{from: from}
	a.err = e.store.Read(ctx, func(q masspay.Q) (err error) {
		if a.rev, err = q.DestinationRevision(ctx); err != nil {
			return err
		}
		if a.items, err = q.ItemListPending(ctx, mpID, from, e.cfg.ChunkSize); err != nil {
			return err
		}
		a.dests, err = q.DestinationGetMany(ctx, destinationIDs(a.items))
		return err
	})
	return a
}

func destinationIDs(items []*masspay.Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.DestinationID
	}
	return ids
}

// chunk processes the next chunk of mp's pending items in one transaction, or completes mp when
// none is left. mp's cursor advances only when the transaction commits. pre, when not nil, holds
// the chunk's reads done ahead; chunk starts reading the next chunk's and delivers them on
// next. They are left running only when chunk commits a chunk that is not the last (the caller
// receives them); when the transaction fails, chunk waits for them itself.
func (e *Engine) chunk(ctx context.Context, mp *masspay.MassPayment, pre *ahead, next chan *ahead) (done bool, err error) {
	var nextMP masspay.MassPayment
	var paid []*masspay.Item
	readingAhead := false
	err = e.store.Write(ctx, func(q masspay.Q) error {
		nextMP = *mp
		now := e.now()
		held, err := q.MassPaymentRenewLease(ctx, mp.ID, e.cfg.NodeID, now.Add(e.cfg.Lease))
		if err != nil {
			return err
		}
		if !held {
			return errLeaseLost
		}
		nextMP.LeaseUntil = now.Add(e.cfg.Lease)
		b := &batch{q: q, mp: &nextMP, now: now}
		if err := b.load(ctx); err != nil {
			return err
		}
		items, dests, err := e.reads(ctx, q, mp, pre)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			done = true
			return b.complete(ctx)
		}
		// mp.ID passed, not read by the goroutine: *mp is written once this chunk commits.
		go func(id string, from int) { next <- e.readAhead(ctx, id, from) }(mp.ID, items[len(items)-1].Idx+1)
		readingAhead = true
		paid = items
		return b.pay(ctx, items, dests)
	})
	if err == nil {
		*mp = nextMP
		e.observe(paid)
	} else if readingAhead {
		// No chunk follows this one from these reads, but they may still hold a connection of
		// the store: wait for them, so that nothing of the engine outlives Run (a server closes
		// its store once Run returns, and the data directory may then be removed).
		<-next
	}
	return done, err
}

// observe counts a committed chunk's items by outcome.
func (e *Engine) observe(items []*masspay.Item) {
	var success, failed int
	for _, it := range items {
		switch it.Status {
		case masspay.ItemSuccess:
			success++
		case masspay.ItemFailed:
			failed++
		}
	}
	if success+failed > 0 {
		e.cfg.Observer.ItemsProcessed(success, failed)
	}
}

// reads returns the chunk's items and their destinations: pre's when they are current, else
// read in the transaction.
func (e *Engine) reads(ctx context.Context, q masspay.Q, mp *masspay.MassPayment, pre *ahead) ([]*masspay.Item, map[string]*masspay.Destination, error) {
	if pre == nil || pre.err != nil || pre.from != mp.NextIdx {
		// Nothing was read ahead (the batch's first chunk, or a retry): a quarter chunk, so that
		// the pipeline fills after a short transaction rather than a full one read serially.
		items, err := q.ItemListPending(ctx, mp.ID, mp.NextIdx, max(1, e.cfg.ChunkSize/4))
		if err != nil {
			return nil, nil, err
		}
		dests, err := q.DestinationGetMany(ctx, destinationIDs(items))
		return items, dests, err
	}
	rev, err := q.DestinationRevision(ctx)
	if err != nil {
		return nil, nil, err
	}
	if rev != pre.rev {
		dests, err := q.DestinationGetMany(ctx, destinationIDs(pre.items))
		return pre.items, dests, err
	}
	// A funding source created since pre was read is not in it: look up the missing ones.
	var missing []string
	for _, it := range pre.items {
		if pre.dests[it.DestinationID] == nil {
			missing = append(missing, it.DestinationID)
		}
	}
	if len(missing) > 0 {
		found, err := q.DestinationGetMany(ctx, missing)
		if err != nil {
			return nil, nil, err
		}
		maps.Copy(pre.dests, found)
	}
	return pre.items, pre.dests, nil
}

// ChunkSize is the number of items one transaction processes.
func (e *Engine) ChunkSize() int { return e.cfg.ChunkSize }
