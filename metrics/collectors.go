package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"masspay"
)

var (
	pendingBatchesDesc = prometheus.NewDesc("masspay_pending_mass_payments",
		"Mass payments waiting for the engine or in its hands (pending or processing).", nil, nil)
	pendingItemsDesc = prometheus.NewDesc("masspay_pending_items",
		"Items of those mass payments not yet decided.", nil, nil)
	outboxDesc = prometheus.NewDesc("masspay_webhook_outbox_depth",
		"Webhooks due now or waiting for a retry.", nil, nil)
)

// backlogCollector reads the work waiting from the store at each scrape: it is the state of the
// database, shared by every node, not a count this process kept.
type backlogCollector struct{ st masspay.Store }

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingBatchesDesc
	ch <- pendingItemsDesc
	ch <- outboxDesc
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var b masspay.Backlog
	err := c.st.Read(ctx, func(q masspay.Q) (err error) { b, err = q.Backlog(ctx); return err })
	if err != nil {
		ch <- prometheus.NewInvalidMetric(pendingBatchesDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(pendingBatchesDesc, prometheus.GaugeValue, float64(b.MassPayments))
	ch <- prometheus.MustNewConstMetric(pendingItemsDesc, prometheus.GaugeValue, float64(b.Items))
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(b.Webhooks))
}

var (
	poolLabels   = []string{"pool"}
	poolOpenDesc = prometheus.NewDesc("masspay_store_pool_connections",
		"Connections of the store's pool by state (in_use or idle).", []string{"pool", "state"}, nil)
	poolMaxDesc = prometheus.NewDesc("masspay_store_pool_max_connections",
		"The most connections the pool opens (0: no limit).", poolLabels, nil)
	poolWaitsDesc = prometheus.NewDesc("masspay_store_pool_waits_total",
		"Times a transaction waited for a free connection.", poolLabels, nil)
	poolWaitDesc = prometheus.NewDesc("masspay_store_pool_wait_seconds_total",
		"Time spent waiting for a free connection.", poolLabels, nil)
)

// poolCollector reports the store's connection pools.
type poolCollector struct{ pools func() map[string]sql.DBStats }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolOpenDesc
	ch <- poolMaxDesc
	ch <- poolWaitsDesc
	ch <- poolWaitDesc
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, s := range c.pools() {
		ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(s.InUse), name, "in_use")
		ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(s.Idle), name, "idle")
		ch <- prometheus.MustNewConstMetric(poolMaxDesc, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolWaitsDesc, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}
