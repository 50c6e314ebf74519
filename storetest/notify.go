package storetest

import (
	"testing"
	"time"

	"masspay"
)

var notifyTests = []test{
	{"NotifySignalsAfterCommit", testNotifySignalsAfterCommit},
	{"NotifyNotOnRollback", testNotifyNotOnRollback},
	{"SubscribeCancelStopsSignals", testSubscribeCancel},
}

// quiet is how long a test waits to be sure a signal does not come. Signals, when they come,
// arrive within milliseconds; this is long enough to catch a wrong one.
const quiet = 300 * time.Millisecond

func expectSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(2 * time.Second):
		t.Fatalf("%s: no signal within 2s", what)
	}
}

func expectNoSignal(t *testing.T, ch <-chan struct{}, wait time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s: unexpected signal", what)
	case <-time.After(wait):
	}
}

func testNotifySignalsAfterCommit(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	work, cancelWork := f.s.Subscribe(masspay.ChannelWork)
	defer cancelWork()
	hooks, cancelHooks := f.s.Subscribe(masspay.ChannelWebhooks)
	defer cancelHooks()
	f.write(func(q masspay.Q) error {
		must(t, q.Notify(f.ctx, masspay.ChannelWork))
		must(t, q.Notify(f.ctx, masspay.ChannelWork))
		expectNoSignal(t, work, quiet, "before commit")
		return nil
	})
	expectSignal(t, work, "after commit")
	expectNoSignal(t, hooks, quiet, "another channel")
}

func testNotifyNotOnRollback(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	work, cancel := f.s.Subscribe(masspay.ChannelWork)
	defer cancel()
	err := f.writeErr(func(q masspay.Q) error {
		must(t, q.Notify(f.ctx, masspay.ChannelWork))
		return errBoom
	})
	wantErr(t, "Write", err, errBoom)
	expectNoSignal(t, work, quiet, "after rollback")
}

func testSubscribeCancel(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	work, cancel := f.s.Subscribe(masspay.ChannelWork)
	cancel()
	f.write(func(q masspay.Q) error { return q.Notify(f.ctx, masspay.ChannelWork) })
	expectNoSignal(t, work, quiet, "after cancel")
}
