package app

import (
	"context"
	"log/slog"
	"time"

	"masspay"
	"masspay/engine"
	"masspay/metrics"
	"masspay/service"
	"masspay/webhook"
)

// DefaultWorkers are the background loops `masspay serve` runs; m, when not nil, receives their
// figures.
func DefaultWorkers(cfg engine.Config, m *metrics.Metrics) Workers {
	var hooks webhook.Observer
	if m != nil {
		cfg.Observer, hooks = m, m
	}
	return Workers{EngineWorker(cfg), WebhookWorker(hooks), ClearingWorker}
}

// EngineWorker runs the mass payment engine. On SQLite (one process per store) it takes over the
// batches a previous run left in processing at once, instead of waiting for their leases to run out.
func EngineWorker(cfg engine.Config) func(ctx context.Context, store masspay.Store, svc *service.Service, logger *slog.Logger) error {
	return func(ctx context.Context, store masspay.Store, svc *service.Service, logger *slog.Logger) error {
		c := cfg
		if store.Dialect() == "sqlite" {
			c.ReclaimOnStart = true
		}
		return engine.New(store, c, logger.With("worker", "engine")).Run(ctx)
	}
}

// WebhookWorker delivers the webhook outbox, telling obs (when not nil) of every attempt.
func WebhookWorker(obs webhook.Observer) func(ctx context.Context, store masspay.Store, svc *service.Service, logger *slog.Logger) error {
	return func(ctx context.Context, store masspay.Store, svc *service.Service, logger *slog.Logger) error {
		return webhook.New(store, webhook.Config{
			Render:   svc.RenderEvent,
			Retries:  svc.Config().WebhookRetries,
			Logger:   logger.With("worker", "webhook"),
			Observer: obs,
		}).Run(ctx)
	}
}

// ClearingWorker processes pending bank transfers once they are Service.ClearingAuto old, for
// hands-off flows without POST /sandbox-simulations. It does nothing under sandbox clearing.
func ClearingWorker(ctx context.Context, store masspay.Store, svc *service.Service, logger *slog.Logger) error {
	age := svc.Config().ClearingAuto
	if age <= 0 {
		return nil
	}
	every := min(max(age/2, 50*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := svc.ClearPendingBefore(ctx, time.Now().Add(-age))
		if err != nil && ctx.Err() == nil {
			logger.Error("automatic clearing", "error", err)
		}
		if n >= service.SimulationLimit {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
