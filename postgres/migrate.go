package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"masspay/sqlstore"
)

// migrate applies pending migrations on one connection while holding a session advisory lock,
// so that of several nodes starting at once, one migrates and the others wait and find nothing
// left to do.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	return sqlstore.Migrate(ctx, conn, ms, true)
}
