package sqlstore

import (
	"context"
	"fmt"

	"masspay"
)

// Explain runs fn in a read transaction and, before each query that fn's Q methods run, calls plan
// with the transaction, the query and its arguments: a backend's planner tests read the plans of
// the statements the Q methods really run (EXPLAIN QUERY PLAN, EXPLAIN), not copies of them.
func (s *Store) Explain(ctx context.Context, fn func(masspay.Q) error, plan func(tx Tx, query string, args []any) error) error {
	tx, err := s.driver.Begin(ctx, false)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(&q{tx: explainTx{Tx: tx, plan: plan}, s: s})
}

// explainTx is a Tx that hands each query to plan before running it.
type explainTx struct {
	Tx
	plan func(tx Tx, query string, args []any) error
}

func (t explainTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if err := t.plan(t.Tx, query, args); err != nil {
		return nil, err
	}
	return t.Tx.Query(ctx, query, args...)
}

func (t explainTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	if err := t.plan(t.Tx, query, args); err != nil {
		return errRow{err}
	}
	return t.Tx.QueryRow(ctx, query, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
