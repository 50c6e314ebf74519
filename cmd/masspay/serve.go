package main

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"masspay"
	"masspay/app"
	"masspay/engine"
	"masspay/service"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", getenv, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	store := fs.storeFlags()
	publicURL := fs.String("public-url", "", "base URL of every href and Location (default http://<addr>)")
	itemLimit := fs.String("item-limit", "10000.00", "largest amount of one mass payment item, USD")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := fs.parse(args); err != nil {
		return err
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
		DataDir:     *store.data,
		DatabaseURL: *store.database,
		PublicURL:   *publicURL,
		Service:     service.Config{ItemLimit: limit},
		Workers:     app.DefaultWorkers(engine.Config{}),
		Logger:      slog.New(handler),
		Out:         stdout,
	})
}
