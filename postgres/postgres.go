// Package postgres opens the masspay store on PostgreSQL through pgx v5 (a pgxpool, natively:
// COPY for bulk inserts, arrays for lists), for one node or many sharing one database. Migrations
// run through goose under an advisory lock so that nodes starting together do not race.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"masspay/sqlstore"
)

// Dialect is PostgreSQL's.
var Dialect = sqlstore.Dialect{
	Name:                     "postgres",
	RowLock:                  " FOR UPDATE",
	SkipLocked:               " FOR UPDATE SKIP LOCKED",
	MergeOrderedArms:         true,
	SortFewCustomerTransfers: true,
	CustomerWindow:           16,
	IsUniqueViolation: func(err error) bool {
		e, ok := errors.AsType[*pgconn.PgError](err)
		return ok && e.Code == "23505"
	},
	NotifySQL: notifySQL,
	// Keyed by schema too: several stores may share one database (tests give each a schema), and
	// advisory locks are database-wide.
	LockSQL: `SELECT pg_advisory_xact_lock(hashtextextended(COALESCE(current_schema(), '') || '/' || $1::text, 0))`,
}

// Open connects to url, applies pending migrations under the advisory lock and returns the store.
// The store also holds one LISTEN connection, so that Q.Notify committed on any node sharing
// the database wakes this process's subscribers.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("read current schema: %w", err)
	}
	l := &listener{cfg: cfg.ConnConfig.Copy(), prefix: schema + "/"}
	s := sqlstore.New(&Driver{pool: pool}, Dialect, l.Close)
	if err := l.start(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
