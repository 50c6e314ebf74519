package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"masspay/achlink"
	"masspay/service"
)

// ACHLinkConfig is how files travel to and from the bank (docs/ach.md): over SFTP when SFTP is
// set, else through the local folders of the ACH settings (the outbound folder is written by the
// ACH worker; the inbound one is polled here).
type ACHLinkConfig struct {
	SFTP *achlink.SFTPConfig
	Poll time.Duration // how often the link runs
}

// DefaultACHPoll is how often the link uploads files and looks for returns.
const DefaultACHPoll = 30 * time.Second

// ACHLinkWorker uploads each written file to the bank over SFTP (recording the upload in the
// store, so that a file is uploaded once, under its own name, and retried at the next poll when
// an upload fails), imports the return and NOC files of the inbox and archives them, and tries
// held returns again. It runs in the background: a dead server delays only the link. Nothing
// under sandbox clearing.
func ACHLinkWorker(cfg ACHLinkConfig) func(ctx context.Context, env Env) error {
	return func(ctx context.Context, env Env) error {
		logger := env.Logger
		a, err := configuredACH(env.Service)
		if a == nil {
			return err
		}
		poll := cfg.Poll
		if poll <= 0 {
			poll = DefaultACHPoll
		}
		l := &achLink{cfg: cfg, a: a, logger: logger, rejected: map[string]bool{}}
		tick := time.NewTicker(poll)
		defer tick.Stop()
		for {
			l.poll(ctx)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}
}

type achLink struct {
	cfg      ACHLinkConfig
	a        *service.ACH
	logger   *slog.Logger
	rejected map[string]bool // inbound files that do not import, reported once
}

func (l *achLink) poll(ctx context.Context) {
	if n, err := l.a.ApplyHeld(ctx); err != nil && ctx.Err() == nil {
		l.logger.Error("ach held returns", "error", err)
	} else if n > 0 {
		l.logger.Info("ach held returns applied", "returns", n)
	}
	var inbox achlink.Inbox = achlink.Dir(l.a.Config().Inbound)
	if l.cfg.SFTP == nil {
		l.handOver(ctx)
	} else {
		s, err := achlink.DialSFTP(ctx, *l.cfg.SFTP)
		if err != nil {
			if ctx.Err() == nil {
				l.logger.Error("ach sftp", "error", err)
			}
			return
		}
		defer s.Close()
		if !l.upload(ctx, s) {
			return
		}
		if l.cfg.SFTP.Inbound != "" {
			inbox = s
		}
	}
	l.receive(ctx, inbox)
}

// handOver, without SFTP, records the written files as delivered: the outbound folder is where
// the team's own tool takes them from. So turning SFTP on later uploads only the files made after,
// never again the ones already handed over.
func (l *achLink) handOver(ctx context.Context) {
	files, err := l.a.Uploads(ctx)
	for _, f := range files {
		if err = l.a.SetUploaded(ctx, f.ID); err != nil {
			break
		}
	}
	if err != nil && ctx.Err() == nil {
		l.logger.Error("ach hand-over", "error", err)
	}
}

// upload sends the written files not yet uploaded; false when the session failed.
func (l *achLink) upload(ctx context.Context, s *achlink.SFTP) bool {
	files, err := l.a.Uploads(ctx)
	if err != nil {
		l.logger.Error("ach upload", "error", err)
		return false
	}
	for _, f := range files {
		if err := s.Put(f.Name, f.Content); err != nil {
			if ctx.Err() == nil {
				l.logger.Error("ach upload: retried at the next poll", "file", f.Name, "error", err)
			}
			return false
		}
		if err := l.a.SetUploaded(ctx, f.ID); err != nil {
			l.logger.Error("ach upload", "file", f.Name, "error", err)
			return false
		}
		l.logger.Info("ach upload", "file", f.Name, "entries", f.EntryCount)
	}
	return true
}

// receive imports the inbox's files and archives each one imported (or imported before).
func (l *achLink) receive(ctx context.Context, inbox achlink.Inbox) {
	names, err := inbox.List()
	if err != nil {
		l.logger.Error("ach inbound", "error", err)
		return
	}
	for _, name := range names {
		b, err := inbox.Get(name)
		if err != nil {
			l.logger.Error("ach inbound", "file", name, "error", err)
			return
		}
		res, err := l.a.Import(ctx, name, b)
		var bad *service.ImportError
		switch {
		case errors.As(err, &bad):
			if key := name + "\x00" + string(b); !l.rejected[key] {
				l.rejected[key] = true
				l.logger.Error("ach import: file left in the inbound folder", "file", name, "error", bad.Err)
			}
			continue
		case err != nil:
			if ctx.Err() == nil {
				l.logger.Error("ach import", "file", name, "error", err)
			}
			return
		}
		im := res.Import
		if res.Already {
			l.logger.Info("ach import: imported before, nothing changed", "file", name, "sha256", im.SHA256)
		} else {
			l.logger.Info("ach import", "file", name, "sha256", im.SHA256, "matched", im.Matched, "already", im.Already,
				"unmatched", im.Unmatched, "corrections", im.Corrections, "held", im.Held)
			if im.Report != "" {
				l.logger.Warn("ach import: entries not applied", "file", name, "report", im.Report)
			}
		}
		if err := inbox.Archive(name); err != nil {
			l.logger.Error("ach archive", "file", name, "error", err)
			return
		}
	}
}
