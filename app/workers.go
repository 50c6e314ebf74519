package app

import (
	"context"
	"log/slog"

	"masspay/engine"
	"masspay/service"
	"masspay/sqlstore"
)

// DefaultWorkers are the background loops `masspay serve` runs.
func DefaultWorkers(cfg engine.Config) Workers {
	return Workers{EngineWorker(cfg)}
}

// EngineWorker runs the mass payment engine. On SQLite (one process per store) it takes over the
// batches a previous run left in processing at once, instead of waiting for their leases to run out.
func EngineWorker(cfg engine.Config) func(ctx context.Context, store *sqlstore.Store, svc *service.Service, logger *slog.Logger) error {
	return func(ctx context.Context, store *sqlstore.Store, svc *service.Service, logger *slog.Logger) error {
		c := cfg
		if store.Dialect() == "sqlite" {
			c.ReclaimOnStart = true
		}
		return engine.New(store, c, logger.With("worker", "engine")).Run(ctx)
	}
}
