package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"masspay"
	"masspay/app"
	"masspay/engine"
	"masspay/nacha"
	"masspay/service"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", getenv, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	store := fs.storeFlags()
	publicURL := fs.String("public-url", "", "base URL of every href and Location (default http://<addr>)")
	itemLimit := fs.String("item-limit", "10000.00", "largest amount of one mass payment item, USD")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	webhookRetries := fs.String("webhook-retries", "", "gaps between webhook retries, e.g. 1s,2s (default Dwolla's 15m,45m,2h,3h,6h,12h,24h,24h)")
	clearing := fs.String("clearing", "sandbox", "bank transfer clearing: sandbox (POST /sandbox-simulations), auto=DURATION, or ach (NACHA files, the --ach-* flags)")
	ach := fs.achFlags()
	lease := fs.Duration("lease", 30*time.Second, "how long a node holds a mass payment without renewing; a dead node's batch continues elsewhere after it")
	poll := fs.Duration("poll", time.Second, "how often the engine looks for work when no wake-up arrives")
	nodeID := fs.String("node-id", "", "this process's name in mass payment leases (default a random id)")
	security := fs.securityFlags()
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := security.check(); err != nil {
		fmt.Fprintln(stderr, err)
		return exitError(2)
	}
	retries, err := parseDurations(*webhookRetries)
	if err != nil {
		fmt.Fprintf(stderr, "--webhook-retries: %v\n", err)
		return exitError(2)
	}
	var achConfig *nacha.Config
	var clearingAuto time.Duration
	if *clearing == "ach" {
		if achConfig, err = ach.config(*store.data); err != nil {
			fmt.Fprintln(stderr, err)
			return exitError(2)
		}
	} else if clearingAuto, err = parseClearing(*clearing); err != nil {
		fmt.Fprintf(stderr, "--clearing: %v\n", err)
		return exitError(2)
	}
	if *lease <= 0 || *poll <= 0 {
		fmt.Fprintln(stderr, "--lease and --poll must be positive durations")
		return exitError(2)
	}
	limit, err := masspay.ParseAmount(*itemLimit)
	if err != nil || limit == 0 {
		fs.Usage()
		return exitError(2)
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if strings.EqualFold(*logFormat, "json") {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	return app.Run(ctx, app.Config{
		Addr:        *addr,
		MaxConns:    *security.maxConns,
		DataDir:     *store.data,
		DatabaseURL: *store.database,
		PublicURL:   *publicURL,
		Service: service.Config{ItemLimit: limit, WebhookRetries: retries, ClearingAuto: clearingAuto, ACH: achConfig,
			WebhookAllowPrivate: security.allowPrivate.value},
		Workers: app.DefaultWorkers(engine.Config{Lease: *lease, Poll: *poll, NodeID: *nodeID}),
		Logger:  slog.New(handler),
		Out:     stdout,
	})
}

// parseDurations reads a comma-separated list of positive durations ("" is none).
func parseDurations(v string) ([]time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []time.Duration
	for _, part := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration", part)
		}
		out = append(out, d)
	}
	return out, nil
}

// parseClearing reads "sandbox" (0: clearing only by simulation) or "auto=DURATION".
func parseClearing(v string) (time.Duration, error) {
	if v == "sandbox" {
		return 0, nil
	}
	if after, ok := strings.CutPrefix(v, "auto="); ok {
		if d, err := time.ParseDuration(after); err == nil && d > 0 {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q: want sandbox, ach or auto=DURATION (e.g. auto=30s)", v)
}
