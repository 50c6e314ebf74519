// Package app wires masspay together: it opens the store a configuration names, and runs the
// API, the engine and the background workers in one process. cmd/masspay and the end-to-end
// tests both start masspay through it.
package app

import (
	"context"
	"fmt"
	"strings"

	"masspay/postgres"
	"masspay/sqlite"
	"masspay/sqlstore"
)

// OpenStore opens PostgreSQL when databaseURL is set, and the embedded SQLite store in dataDir
// otherwise. A databaseURL that is not a postgres:// or postgresql:// URL is refused: taken
// for "no URL", it would put payments in a local file instead of the database meant.
func OpenStore(ctx context.Context, dataDir, databaseURL string) (*sqlstore.Store, error) {
	return openStore(ctx, dataDir, databaseURL, postgres.Open, sqlite.Open)
}

// openStore opens the store dataDir or databaseURL names with the backend's opener.
func openStore(ctx context.Context, dataDir, databaseURL string,
	pg func(context.Context, string) (*sqlstore.Store, error), lite func(context.Context, string) (*sqlstore.Store, error),
) (*sqlstore.Store, error) {
	if databaseURL != "" {
		if !IsPostgres(databaseURL) {
			return nil, fmt.Errorf("database URL must start with postgres:// or postgresql:// (a SQLite store is a data directory)")
		}
		return pg(ctx, databaseURL)
	}
	return lite(ctx, dataDir)
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// OpenStoreReadOnly opens a store to inspect it, beside a running server or on a copy, writing
// nothing and applying no migration: SQLite read-only (see sqlite.OpenReadOnly), PostgreSQL in
// read-only transactions (see postgres.OpenReadOnly).
func OpenStoreReadOnly(ctx context.Context, dataDir, databaseURL string) (*sqlstore.Store, error) {
	return openStore(ctx, dataDir, databaseURL, postgres.OpenReadOnly, sqlite.OpenReadOnly)
}
