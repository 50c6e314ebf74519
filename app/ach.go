package app

import (
	"context"
	"time"

	"masspay/service"
)

// achTick is how often the ACH worker looks at the clock (a window's cutoff, settlement).
const achTick = time.Second

// startACH records the ACH settings a server runs with (so that `masspay ach cutoff` beside it
// uses the same) and writes any file a crash left recorded but not on disk. Nothing under
// sandbox clearing.
func startACH(ctx context.Context, svc *service.Service) error {
	a, err := configuredACH(svc)
	if a == nil {
		return err
	}
	if err := a.Record(ctx); err != nil {
		return err
	}
	_, err = a.Deliver(ctx)
	return err
}

// ACHWorker runs real ACH clearing (--clearing ach): when a window's cutoff passes on a banking
// day it makes the window's file (of several nodes, one does: see service.ACH.Cutoff), and it
// settles entries whose return window is over. A window whose cutoff passed while no server ran
// is not made late: its transfers go in the next window. Nothing under sandbox clearing.
func ACHWorker(ctx context.Context, env Env) error {
	svc, logger := env.Service, env.Logger
	a, err := configuredACH(svc)
	if a == nil {
		return err
	}
	now := svc.Config().Now
	last := now()
	tick := time.NewTicker(achTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		t := now()
		if w, ok := a.Calendar().Passed(last, t); ok {
			res, err := a.Cutoff(ctx, &w)
			if err == nil && len(res.Held) > 0 {
				logger.Error("ach cutoff: transfers over 99,999,999.99 cannot be sent as one entry; they stay pending", "transfers", res.Held)
			}
			switch {
			case err != nil && ctx.Err() == nil:
				logger.Error("ach cutoff", "window", w.ID(), "error", err)
				continue // the window is tried again at the next tick
			case err == nil && res.File != nil:
				logger.Info("ach file", "window", w.ID(), "file", res.Path, "entries", res.File.EntryCount,
					"debits", res.File.DebitTotal, "credits", res.File.CreditTotal)
			}
		} else if _, err := a.Deliver(ctx); err != nil && ctx.Err() == nil {
			logger.Error("ach delivery", "error", err)
		}
		last = t
		for {
			n, err := a.Settle(ctx)
			if err != nil && ctx.Err() == nil {
				logger.Error("ach settlement", "error", err)
			}
			if err != nil || n == 0 {
				break
			}
		}
	}
}

// configuredACH is the service's ACH clearing, or nil under sandbox clearing.
func configuredACH(svc *service.Service) (*service.ACH, error) {
	if svc.Config().ACH == nil {
		return nil, nil
	}
	return svc.ACH(*svc.Config().ACH)
}
