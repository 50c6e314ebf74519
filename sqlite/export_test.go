package sqlite

import (
	"context"
	"database/sql"

	"masspay/sqlstore"
)

// OpenWALLimit is Open with a WAL bound of limit bytes, small enough for a test to pass it many
// times over.
func OpenWALLimit(ctx context.Context, dataDir string, limit int64) (*sqlstore.Store, error) {
	return open(ctx, dataDir, limit, true)
}

// OpenNoIdleCheckpoints is Open with a checkpointer that never checkpoints on its own timing
// (only past the WAL's bound and at close): what a write commits reaches the database file only
// through Store.Sync.
func OpenNoIdleCheckpoints(ctx context.Context, dataDir string) (*sqlstore.Store, error) {
	return open(ctx, dataDir, WALLimit, false)
}

// ReadPool is the store's pool of read connections.
func (d *Driver) ReadPool() *sql.DB { return d.read }
