package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"masspay"
	"masspay/dashboard"
	"masspay/httpapi"
	"masspay/metrics"
	"masspay/service"
)

// Config is everything `masspay serve` needs.
type Config struct {
	Addr        string // listen address, e.g. 127.0.0.1:8080 (port 0 picks one)
	MaxConns    int    // connections held open at most (default DefaultMaxConns; listener.go)
	MaxAccepts  int    // mass payments read and accepted at once (default httpapi.DefaultAccepts)
	DataDir     string // SQLite data directory
	DatabaseURL string // postgres://... selects PostgreSQL
	PublicURL   string // base of hrefs; default http://<bound addr>
	Service     service.Config
	Workers     Workers
	Logger      *slog.Logger
	// Out receives the first-run credentials (key and secret) on a fresh store.
	Out io.Writer
	// OnReady, when set, is called with the bound address once the server accepts requests.
	OnReady func(addr string)
	// MetricsAddr is where /metrics is served, e.g. 127.0.0.1:9090 ("": not served).
	MetricsAddr string
	// Metrics collects the figures of the API, the workers and the store (nil: Run makes its
	// own). One Metrics serves one Run.
	Metrics *metrics.Metrics
}

// Workers are the background loops that run beside the API. Each gets what the server was
// wired with and runs until its context ends.
type Workers []func(ctx context.Context, env Env) error

// Env is what a worker is given: the store (its transactions measured), the service, the
// logger, the API's public URL (webhook bodies carry absolute links) and the metrics its
// figures go to.
type Env struct {
	Store     masspay.Store
	Service   *service.Service
	Logger    *slog.Logger
	PublicURL string
	Metrics   *metrics.Metrics
}

// Run serves the API until ctx ends, then shuts down cleanly: stop accepting, finish in-flight
// requests, stop the workers, close the store.
func Run(ctx context.Context, cfg Config) error {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := cfg.Metrics
	if m == nil {
		m = metrics.New(logger)
	}
	if cfg.DatabaseURL == "" {
		release, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer release()
	}
	raw, err := OpenStore(ctx, cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer raw.Close()
	m.WatchStore(raw, raw.PoolStats)
	store := m.Store(raw)
	svc := service.New(store, cfg.Service)
	if store.Dialect() == "sqlite" {
		// One process per SQLite store (the lock above): a key still in flight belongs to a
		// request of a run that was killed, and holding it would only make the client's retry
		// wait.
		if err := svc.ReleaseInFlightKeys(ctx); err != nil {
			return err
		}
	}
	if err := startACH(ctx, svc, logger); err != nil {
		return fmt.Errorf("ach: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	var mln net.Listener
	if cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("listen for metrics: %w", err)
		}
		defer mln.Close()
	}
	// Only once the addresses are bound: credentials printed by a start that then fails would be
	// those of an account the next start does not print again.
	if err := bootstrap(ctx, svc, cfg.Out); err != nil {
		return err
	}
	addr := ln.Addr().String()
	public := cfg.PublicURL
	if public == "" {
		public = "http://" + addr
	}
	var ready atomic.Bool
	api := httpapi.New(httpapi.Config{PublicURL: public, Ready: ready.Load, Observer: m, Accepts: cfg.MaxAccepts,
		Readiness: func(ctx context.Context) error { return Ready(ctx, raw) }}, svc, logger)
	errLog := slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	dash := dashboard.New(dashboard.Config{PublicURL: public}, svc, httpapi.RequestLogger(logger))
	site := api.Site(func(api http.Handler) http.Handler { return dashboard.Mount(api, dash) })
	limited := newConnLimiter(ln, cmp.Or(cfg.MaxConns, DefaultMaxConns))
	srv := newHTTPServer(site, limited)
	srv.ErrorLog = errLog
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workersDone := make(chan error, len(cfg.Workers))
	env := Env{Store: store, Service: svc, Logger: logger, PublicURL: public, Metrics: m}
	for _, w := range cfg.Workers {
		go func() { workersDone <- w(workCtx, env) }()
	}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(limited) }()
	var msrv *http.Server
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
		go func() { serveErr <- msrv.Serve(mln) }()
		logger.Info("metrics serving", "addr", mln.Addr().String())
	}
	ready.Store(true)
	logger.Info("masspay serving", "addr", addr, "public_url", public, "store", store.Dialect())
	if cfg.OnReady != nil {
		cfg.OnReady(addr)
	}
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	ready.Store(false)
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shutErr := srv.Shutdown(shutCtx)
	if msrv != nil {
		msrv.Shutdown(shutCtx)
	}
	stopWork()
	for range cfg.Workers {
		if werr := <-workersDone; werr != nil && !errors.Is(werr, context.Canceled) {
			logger.Error("worker stopped", "error", werr)
		}
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("masspay stopped")
	return shutErr
}

// bootstrap creates a first sandbox account and application on a fresh, empty store and prints
// its credentials, so a newcomer can call the API at once. Of several nodes starting together on
// a fresh PostgreSQL database, one creates it and prints; the others find it made.
func bootstrap(ctx context.Context, svc *service.Service, out io.Writer) error {
	na, err := svc.CreateFirstApplication(ctx, service.NewApplicationParams{Name: "masspay sandbox", Balance: 5000_00})
	if err != nil {
		return fmt.Errorf("create first application: %w", err)
	}
	if na == nil {
		return nil
	}
	if out != nil {
		fmt.Fprintf(out, "masspay: fresh store, created a sandbox account with 5000.00 USD\n  account: %s\n  key:     %s\n  secret:  %s\n(the secret is shown only now)\n",
			na.AccountID, na.Key, na.Secret)
	}
	return nil
}
