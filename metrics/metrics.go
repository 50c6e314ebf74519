// Package metrics exposes masspay's figures in Prometheus' format: HTTP requests by route,
// items and batches processed, webhook deliveries, the work waiting (read from the store at
// scrape time) and the store's transactions and connection pools. It implements the observer
// interfaces of httpapi, engine and webhook, which therefore know nothing of Prometheus; the
// wiring (app) hands one Metrics to each. Counters start from zero with the process, as
// Prometheus expects.
package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"masspay"
)

// Metrics holds masspay's collectors in a registry of its own (no global state: tests run
// several servers in one process).
type Metrics struct {
	reg        *prometheus.Registry
	logger     *slog.Logger
	requests   *prometheus.HistogramVec
	items      *prometheus.CounterVec
	batches    prometheus.Histogram
	deliveries *prometheus.HistogramVec
	txs        *prometheus.HistogramVec
}

// New returns the metrics of one process, with the Go runtime's and the process's own.
func New(logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		logger: logger,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "masspay_http_request_duration_seconds",
			Help:    "API requests by route pattern, method and status, and how long they took (_count: requests).",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "masspay_items_processed_total",
			Help: "Mass payment items the engine decided, by outcome (success or failed).",
		}, []string{"outcome"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "masspay_batch_duration_seconds",
			Help:    "Mass payments completed by this process, and the time from its claim to completion (_count: batches completed).",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14), // 50 ms to about 7 minutes
		}),
		deliveries: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "masspay_webhook_delivery_duration_seconds",
			Help:    "Webhook delivery attempts by outcome (delivered: 2xx; failed: another status; error: no answer), and the time to the answer (_count: attempts).",
			Buckets: prometheus.DefBuckets,
		}, []string{"outcome"}),
		txs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "masspay_store_transaction_duration_seconds",
			Help:    "Store transactions by kind (read or write) and outcome (write: commit or rollback; read: ok or error), and how long they took.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms to about 4 s
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.items, m.batches, m.deliveries, m.txs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry. A collector that fails (the store unreachable) leaves its
// figures out and logs why; the others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      errorLog{m.logger},
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Registry returns the registry, for collectors added by the wiring (ACH files, for one).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

type errorLog struct{ logger *slog.Logger }

func (l errorLog) Println(v ...any) { l.logger.Warn("metrics", "error", fmt.Sprint(v...)) }

// ObserveRequest counts one API request (httpapi.Observer).
func (m *Metrics) ObserveRequest(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(took.Seconds())
}

// ItemsProcessed counts a committed chunk's items (engine.Observer).
func (m *Metrics) ItemsProcessed(success, failed int) {
	m.items.WithLabelValues(string(masspay.ItemSuccess)).Add(float64(success))
	m.items.WithLabelValues(string(masspay.ItemFailed)).Add(float64(failed))
}

// BatchCompleted counts a completed mass payment (engine.Observer).
func (m *Metrics) BatchCompleted(items int, took time.Duration) {
	m.batches.Observe(took.Seconds())
}

// WebhookDelivered counts one delivery attempt (webhook.Observer).
func (m *Metrics) WebhookDelivered(outcome string, took time.Duration) {
	m.deliveries.WithLabelValues(outcome).Observe(took.Seconds())
}

// Store returns st with every Read and Write timed and counted.
func (m *Metrics) Store(st masspay.Store) masspay.Store { return &store{Store: st, m: m} }

type store struct {
	masspay.Store
	m *Metrics
}

func (s *store) Read(ctx context.Context, fn func(masspay.Q) error) error {
	start := time.Now()
	err := s.Store.Read(ctx, fn)
	s.m.txs.WithLabelValues("read", outcome(err, "ok", "error")).Observe(time.Since(start).Seconds())
	return err
}

func (s *store) Write(ctx context.Context, fn func(masspay.Q) error) error {
	start := time.Now()
	err := s.Store.Write(ctx, fn)
	s.m.txs.WithLabelValues("write", outcome(err, "commit", "rollback")).Observe(time.Since(start).Seconds())
	return err
}

func outcome(err error, ok, failed string) string {
	if err != nil {
		return failed
	}
	return ok
}

// WatchStore adds the figures read from the store at scrape time: the work waiting (st's
// Backlog) and, when pools is not nil, its connection pools.
func (m *Metrics) WatchStore(st masspay.Store, pools func() map[string]sql.DBStats) {
	m.reg.MustRegister(&backlogCollector{st: st})
	if pools != nil {
		m.reg.MustRegister(&poolCollector{pools: pools})
	}
}
