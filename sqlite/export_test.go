package sqlite

import (
	"context"

	"masspay/sqlstore"
)

// OpenWALLimit is Open with a WAL bound of limit bytes, small enough for a test to pass it many
// times over.
func OpenWALLimit(ctx context.Context, dataDir string, limit int64) (*sqlstore.Store, error) {
	return open(ctx, dataDir, limit)
}
