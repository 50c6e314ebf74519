package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"masspay/service"
)

// achTick is how often the ACH worker looks at the clock (a window's cutoff, settlement).
const achTick = time.Second

// startACH records the ACH settings a server runs with (so that `masspay ach cutoff` beside it
// uses the same) and writes any file a crash left recorded but not on disk. A file of ours in the
// directory that the store does not record is logged (service.UnrecordedError): the server
// starts, and makes and writes no file until an operator has moved it away. Nothing under sandbox
// clearing.
func startACH(ctx context.Context, svc *service.Service, logger *slog.Logger) error {
	a, err := configuredACH(svc)
	if a == nil {
		return err
	}
	if err := a.Record(ctx); err != nil {
		return err
	}
	names, err := a.Unrecorded(ctx)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		logUnrecorded(logger, &service.UnrecordedError{Dir: a.Config().Dir, Names: names})
		return nil
	}
	_, err = a.Deliver(ctx)
	return err
}

// logUnrecorded logs files of ours in the ACH directory that the store does not record: by name
// only, never their content (account numbers).
func logUnrecorded(logger *slog.Logger, u *service.UnrecordedError) {
	logger.Error("ach: files in the ACH directory are not recorded in the store", "dir", u.Dir, "files", u.Names, "error", u.Error())
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
	// A refusal for unrecorded files comes back every tick until an operator acts: it is
	// logged when it starts and whenever the files it names change.
	var reported string
	fail := func(msg string, err error, args ...any) {
		var u *service.UnrecordedError
		if !errors.As(err, &u) {
			reported = ""
			logger.Error(msg, append(args, "error", err)...)
		} else if key := strings.Join(u.Names, "/"); key != reported {
			reported = key
			logUnrecorded(logger, u)
		}
	}
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
				fail("ach cutoff", err, "window", w.ID())
				continue // the window is tried again at the next tick
			case err == nil && res.File != nil:
				logger.Info("ach file", "window", w.ID(), "file", res.Path, "entries", res.File.EntryCount,
					"debits", res.File.DebitTotal, "credits", res.File.CreditTotal)
			}
		} else if _, err := a.Deliver(ctx); err != nil && ctx.Err() == nil {
			fail("ach delivery", err)
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
