package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"masspay/sqlstore"
)

// OpenReadOnly connects to url for reading only, as `masspay verify` does: it applies no
// migration (a schema that is behind stays behind, and the caller says so), listens for nothing,
// and every transaction is READ ONLY (default_transaction_read_only), so nothing it runs can
// write.
func OpenReadOnly(ctx context.Context, url string) (*sqlstore.Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	return sqlstore.New(&Driver{pool: pool}, Dialect), nil
}
