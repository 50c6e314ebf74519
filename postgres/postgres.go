// Package postgres opens the masspay store on PostgreSQL through pgx v5, for one node or many
// sharing one database. Migrations run under an advisory lock so that nodes starting together
// do not race.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"masspay/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migrations (a test checks they match SQLite's).
func Migrations() ([]sqlstore.Migration, error) {
	return sqlstore.ReadMigrations(migrations, "migrations")
}

// migrationLock is the advisory lock key held while migrating ("masspay" in ASCII).
const migrationLock = 0x6d61737370617900

// Dialect is PostgreSQL's.
var Dialect = sqlstore.Dialect{
	Name:        "postgres",
	Dollar:      true,
	ArrayInsert: true,
	MaxParams:   60000,
	RowLock:     " FOR UPDATE",
	SkipLocked:  " FOR UPDATE SKIP LOCKED",
	IsUniqueViolation: func(err error) bool {
		e, ok := errors.AsType[*pgconn.PgError](err)
		return ok && e.Code == "23505"
	},
	NotifySQL: notifySQL,
	// Keyed by schema too: several stores may share one database (tests give each a schema), and
	// advisory locks are database-wide.
	LockSQL: `SELECT pg_advisory_xact_lock(hashtextextended(COALESCE(current_schema(), '') || '/' || ?::text, 0))`,
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
	db := stdlib.OpenDBFromPool(pool)
	// database/sql queues for the pool's connections itself, so that its statistics (waits, in
	// use; the metrics) show the pool's real limit.
	db.SetMaxOpenConns(int(cfg.MaxConns))
	if err := migrate(ctx, db); err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("read current schema: %w", err)
	}
	l := &listener{cfg: cfg.ConnConfig.Copy(), prefix: schema + "/"}
	s := sqlstore.New(db, db, Dialect, l.Close, func() error { pool.Close(); return nil })
	if err := l.start(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
