// Package app wires masspay together: it opens the store a configuration names, and runs the
// API, the engine and the background workers in one process. cmd/masspay and the end-to-end
// tests both start masspay through it.
package app

import (
	"context"
	"strings"

	"masspay/postgres"
	"masspay/sqlite"
	"masspay/sqlstore"
)

// OpenStore opens PostgreSQL when databaseURL is a postgres:// URL, and the embedded SQLite
// store in dataDir otherwise.
func OpenStore(ctx context.Context, dataDir, databaseURL string) (*sqlstore.Store, error) {
	if IsPostgres(databaseURL) {
		return postgres.Open(ctx, databaseURL)
	}
	if after, ok := strings.CutPrefix(databaseURL, "sqlite://"); ok && after != "" {
		dataDir = after
	}
	return sqlite.Open(ctx, dataDir)
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}
