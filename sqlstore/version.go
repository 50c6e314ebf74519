package sqlstore

import (
	"context"

	"github.com/pressly/goose/v3"
)

// SchemaVersion returns the newest migration applied to the store (0: none), as goose recorded
// it, read in a read transaction so that a readiness probe never waits behind the writer.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	tx, err := s.driver.Begin(ctx, false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var v int64
	err = tx.QueryRow(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+goose.DefaultTablename+` WHERE is_applied`).Scan(&v)
	return v, err
}
