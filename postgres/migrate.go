package postgres

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"masspay/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are PostgreSQL's: the common files, its own (migrations/), the Go migrations, and
// the advisory lock.
func Migrations() sqlstore.Migrations {
	own, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory is there
	}
	return sqlstore.Migrations{Dialect: goose.DialectPostgres, Own: own, Locker: advisoryLocker{},
		TableExists: `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1)`}
}

// migrate applies the pending migrations with goose, through a database/sql handle on the pool
// (goose's API), under the advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	return Migrations().Migrate(ctx, db)
}

// advisoryLocker is goose's lock.SessionLocker on a session advisory lock, so that of several
// nodes starting at once one migrates and the others wait, then find nothing left to do. It is
// keyed by schema, as advisory locks are database-wide and several stores may share a database
// (tests give each a schema). Unlike goose's lock.NewPostgresSessionLocker, which polls
// pg_try_advisory_lock every second or more under one key for the whole database, it waits in
// pg_advisory_lock: a node that starts beside another goes on the moment that one is done.
type advisoryLocker struct{}

const migrationLockKey = `hashtextextended('masspay-migrate/' || COALESCE(current_schema(), ''), 0)`

func (advisoryLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`)
	return err
}

func (advisoryLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+migrationLockKey+`)`)
	return err
}
