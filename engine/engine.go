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
}

func (c Config) withDefaults() Config {
	c.ChunkSize = cmp.Or(c.ChunkSize, 1000)
	c.Lease = cmp.Or(c.Lease, 30*time.Second)
	c.Poll = cmp.Or(c.Poll, time.Second)
	c.NodeID = cmp.Or(c.NodeID, uuid.NewString())
	if c.Now == nil {
		c.Now = time.Now
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
	for {
		done, err := e.chunk(ctx, mp)
		for attempt := 1; err != nil && !errors.Is(err, errLeaseLost) && attempt < 4 && ctx.Err() == nil; attempt++ {
			// A chunk is all or nothing and starts from the committed state, so running it
			// again after a failure (a deadlock between nodes, a busy database) is safe.
			e.logger.Warn("chunk failed; retrying", "mass_payment_id", mp.ID, "attempt", attempt, "error", err)
			time.Sleep(time.Duration(attempt*attempt) * 50 * time.Millisecond)
			done, err = e.chunk(ctx, mp)
		}
		if errors.Is(err, errLeaseLost) {
			e.logger.Warn("lease lost; another node continues the batch", "mass_payment_id", mp.ID)
			return nil
		}
		if err != nil {
			return fmt.Errorf("mass payment %s: %w", mp.ID, err)
		}
		if done {
			e.logger.Info("mass payment complete", "mass_payment_id", mp.ID, "items", mp.ItemCount,
				"duration", time.Since(start).Round(time.Millisecond))
			return nil
		}
	}
}

// chunk processes the next chunk of mp's pending items in one transaction, or completes mp when
// none is left. mp's cursor advances only when the transaction commits.
func (e *Engine) chunk(ctx context.Context, mp *masspay.MassPayment) (done bool, err error) {
	var next masspay.MassPayment
	err = e.store.Write(ctx, func(q masspay.Q) error {
		// Write may run this again after a transient conflict (PostgreSQL): every attempt
		// starts from the committed state, never from what a rolled-back attempt changed.
		next, done = *mp, false
		now := e.now()
		held, err := q.MassPaymentRenewLease(ctx, mp.ID, e.cfg.NodeID, now.Add(e.cfg.Lease))
		if err != nil {
			return err
		}
		if !held {
			return errLeaseLost
		}
		next.LeaseUntil = now.Add(e.cfg.Lease)
		b := &batch{q: q, mp: &next, now: now}
		if err := b.load(ctx); err != nil {
			return err
		}
		items, err := q.ItemListPending(ctx, mp.ID, mp.NextIdx, e.cfg.ChunkSize)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			done = true
			return b.complete(ctx)
		}
		return b.pay(ctx, items)
	})
	if err == nil {
		*mp = next
	}
	return done, err
}

// ChunkSize is the number of items one transaction processes.
func (e *Engine) ChunkSize() int { return e.cfg.ChunkSize }
