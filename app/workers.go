package app

import (
	"context"
	"time"

	"masspay/engine"
	"masspay/httpapi"
	"masspay/service"
	"masspay/webhook"
)

// DefaultWorkers are the background loops `masspay serve` runs.
func DefaultWorkers(cfg engine.Config) Workers {
	return Workers{EngineWorker(cfg), WebhookWorker, ClearingWorker, ACHWorker}
}

// EngineWorker runs the mass payment engine. On SQLite (one process per store) it takes over the
// batches a previous run left in processing at once, instead of waiting for their leases to run out.
func EngineWorker(cfg engine.Config) func(ctx context.Context, env Env) error {
	return func(ctx context.Context, env Env) error {
		c := cfg
		if env.Store.Dialect() == "sqlite" {
			c.ReclaimOnStart = true
		}
		if env.Metrics != nil && c.Observer == nil {
			c.Observer = env.Metrics
		}
		return engine.New(env.Store, c, env.Logger.With("worker", "engine")).Run(ctx)
	}
}

// WebhookWorker delivers the webhook outbox. Its bodies are the API's event documents.
func WebhookWorker(ctx context.Context, env Env) error {
	cfg := webhook.Config{
		Render:  httpapi.WebhookBody(env.PublicURL),
		Retries: env.Service.Config().WebhookRetries,
		// The same rule as at subscription (service.Config.AllowPrivateReceivers).
		AllowPrivate: env.Service.Config().AllowPrivateReceivers(),
		Logger:       env.Logger.With("worker", "webhook"),
	}
	if env.Metrics != nil {
		cfg.Observer = env.Metrics
	}
	return webhook.New(env.Store, cfg).Run(ctx)
}

// ClearingWorker processes pending bank transfers once they are Service.ClearingAuto old, for
// hands-off flows without POST /sandbox-simulations. It does nothing under sandbox clearing.
func ClearingWorker(ctx context.Context, env Env) error {
	svc, logger := env.Service, env.Logger
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
