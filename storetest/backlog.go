package storetest

import (
	"testing"
	"time"

	"masspay"
)

var backlogTests = []test{{"Backlog", testBacklog}}

func testBacklog(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	backlog := func() (b masspay.Backlog) {
		f.t.Helper()
		f.read(func(q masspay.Q) (err error) { b, err = q.Backlog(f.ctx); return err })
		return b
	}
	equal(t, "empty store", backlog(), masspay.Backlog{})

	f.massPayment("pending", "acc1", masspay.MassPaymentPending, 4)
	processing, _ := f.massPayment("processing", "acc1", masspay.MassPaymentProcessing, 6)
	f.massPayment("deferred", "acc1", masspay.MassPaymentDeferred, 5)
	f.massPayment("complete", "acc1", masspay.MassPaymentComplete, 3)
	processing.NextIdx = 2 // items 0 and 1 decided
	f.write(func(q masspay.Q) error { return q.MassPaymentUpdate(f.ctx, processing) })
	f.subscription("s1", "acc1")
	f.event("e1", "acc1", 1)
	f.event("e2", "acc1", 2)
	equal(t, "after work arrived", backlog(), masspay.Backlog{MassPayments: 2, Items: 4 + 4, Webhooks: 2})

	// A delivered webhook is no longer due; a paused subscription's webhooks never are.
	w := f.webhooks("s1")[0]
	w.NextAt = time.Time{}
	f.write(func(q masspay.Q) error { return q.WebhookUpdate(f.ctx, w) })
	equal(t, "after a delivery", backlog().Webhooks, int64(1))
}
