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
	addr := fs.Addr("addr", "127.0.0.1:8080", "listen address of the API", false)
	metricsAddr := fs.Addr("metrics-addr", "127.0.0.1:9090", `listen address of GET /metrics (Prometheus); "off" serves none`, true)
	store := fs.storeFlags()
	publicURL := fs.Checked("public-url", "", "an http:// or https:// URL", "base URL of every href and Location (default http://<addr>)",
		func(s string) error {
			if s != "" && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
				return errInvalid
			}
			return nil
		})
	itemLimit := fs.Amount("item-limit", "10000.00", "largest amount of one mass payment item, USD")
	logFormat := fs.Choice("log-format", "text", "log format: text or json", "text", "json")
	retries := define(fs, "webhook-retries", nil, "", "gaps between webhook retries, e.g. 1s,2s (default Dwolla's 15m,45m,2h,3h,6h,12h,24h,24h)",
		"a comma-separated list of positive durations such as 1s,2s", parseDurations)
	clearing := fs.Checked("clearing", "sandbox", "sandbox, ach or auto=DURATION such as auto=30s",
		"bank transfer clearing: sandbox (POST /sandbox-simulations), auto=DURATION, or ach (NACHA files, the --ach-* flags)",
		func(s string) error {
			if s == "ach" {
				return nil
			}
			_, err := parseClearing(s)
			return err
		})
	ach := fs.achFlags()
	achLink := fs.achLinkFlags()
	lease := fs.Duration("lease", 30*time.Second, "how long a node holds a mass payment without renewing; a dead node's batch continues elsewhere after it")
	poll := fs.Duration("poll", time.Second, "how often the engine looks for work when no wake-up arrives")
	nodeID := fs.String("node-id", "", "this process's name in mass payment leases (default a random id)")
	security := fs.securityFlags()
	if err := fs.parse(args); err != nil {
		return err
	}
	var achConfig *nacha.Config
	var linkConfig app.ACHLinkConfig
	var clearingAuto time.Duration
	if *clearing == "ach" {
		var err error
		if achConfig, err = ach.config(*store.data); err != nil {
			return fs.fail("%v", err)
		}
		if linkConfig, err = achLink.config(achConfig); err != nil {
			return fs.fail("%v", err)
		}
	} else {
		clearingAuto, _ = parseClearing(*clearing) // checked as the flag was set
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(handler)
	if *metricsAddr == "off" {
		*metricsAddr = ""
	}
	return app.Run(ctx, app.Config{
		Addr:        *addr,
		MaxConns:    *security.maxConns,
		MaxAccepts:  *security.maxAccepts,
		DataDir:     *store.data,
		DatabaseURL: *store.database,
		PublicURL:   *publicURL,
		Service: service.Config{ItemLimit: *itemLimit, WebhookRetries: *retries, ClearingAuto: clearingAuto, ACH: achConfig,
			WebhookAllowPrivate: *security.allowPrivate},
		Workers:     append(app.DefaultWorkers(engine.Config{Lease: *lease, Poll: *poll, NodeID: *nodeID}), app.ACHLinkWorker(linkConfig)),
		Logger:      logger,
		Out:         stdout,
		MetricsAddr: *metricsAddr,
	})
}

// Amount adds a flag that takes a positive amount in dollars and cents.
func (f *flagSet) Amount(name, def, usage string) *int64 {
	cents, err := masspay.ParseAmount(def)
	if err != nil {
		panic(err)
	}
	return define(f, name, cents, def, usage, "a positive amount such as 100.00", func(s string) (int64, error) {
		c, err := masspay.ParseAmount(s)
		if err == nil && c == 0 {
			err = errInvalid
		}
		return c, err
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
	return 0, errInvalid
}
