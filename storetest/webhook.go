package storetest

import (
	"fmt"
	"testing"

	"masspay"
)

var webhookTests = []test{
	{"WebhookSubscriptionInsertGetList", testWebhookSubscriptions},
	{"WebhookSubscriptionRecordAndPause", testWebhookSubscriptionRecord},
	{"WebhookOutboxWithEvents", testWebhookOutbox},
	{"WebhookClaim", testWebhookClaim},
	{"WebhookAttemptsAndRetries", testWebhookAttempts},
	{"WebhookSubscriptionDelete", testWebhookSubscriptionDelete},
}

func newSubscription(id, accountID string) *masspay.WebhookSubscription {
	return &masspay.WebhookSubscription{ID: id, AccountID: accountID, URL: "https://example.com/hooks/" + id,
		Secret: "secret-" + id, Created: t0}
}

// subscription inserts a subscription.
func (f *fx) subscription(id, accountID string) *masspay.WebhookSubscription {
	f.t.Helper()
	s := newSubscription(id, accountID)
	f.write(func(q masspay.Q) error { return q.WebhookSubscriptionInsert(f.ctx, s) })
	return s
}

// event inserts an event of accountID created at second sec and, in the same transaction, the
// webhook each subscription of the account gets for it (as service.Publish does).
func (f *fx) event(id, accountID string, sec int) {
	f.t.Helper()
	e := &masspay.Event{ID: id, AccountID: accountID, Topic: masspay.TopicTransferCreated, ResourceType: "transfers",
		ResourceID: "t-" + id, Created: at(sec)}
	f.write(func(q masspay.Q) error {
		if err := q.EventInsertMany(f.ctx, []*masspay.Event{e}); err != nil {
			return err
		}
		subs, err := q.WebhookSubscriptionList(f.ctx, accountID)
		if err != nil {
			return err
		}
		ws := make([]*masspay.Webhook, len(subs))
		for i, s := range subs {
			ws[i] = s.Webhook(e)
		}
		return q.WebhookInsertMany(f.ctx, ws)
	})
}

// webhooks lists a subscription's webhooks, newest first.
func (f *fx) webhooks(subID string) []*masspay.Webhook {
	f.t.Helper()
	var list []*masspay.Webhook
	f.read(func(q masspay.Q) (err error) {
		list, _, err = q.WebhookList(f.ctx, masspay.WebhookFilter{SubscriptionID: subID, Page: masspay.Page{Limit: 100}})
		return err
	})
	return list
}

func webhookEvents(list []*masspay.Webhook) []string {
	return ids(list, func(w *masspay.Webhook) string { return w.EventID })
}

func testWebhookSubscriptions(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	full := newSubscription("s1", "acc1")
	full.Paused, full.ConsecutiveFailures, full.LastSuccess = true, 7, at(3)
	f.write(func(q masspay.Q) error { return q.WebhookSubscriptionInsert(f.ctx, full) })
	f.subscription("s2", "acc1")
	f.subscription("s3", "acc2")
	err := f.writeErr(func(q masspay.Q) error { return q.WebhookSubscriptionInsert(f.ctx, newSubscription("s1", "acc1")) })
	wantErr(t, "WebhookSubscriptionInsert of a used ID", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		got, err := q.WebhookSubscriptionGet(f.ctx, "s1")
		must(t, err)
		want := *full
		want.LastSuccess, want.Created = stored(full.LastSuccess), stored(full.Created)
		equal(t, "subscription", got, &want)
		_, err = q.WebhookSubscriptionGet(f.ctx, "missing")
		wantErr(t, "WebhookSubscriptionGet of a missing ID", err, masspay.ErrNoRows)
		list, err := q.WebhookSubscriptionList(f.ctx, "acc1")
		must(t, err)
		equal(t, "subscriptions of acc1, oldest first", ids(list, func(s *masspay.WebhookSubscription) string { return s.ID }),
			[]string{"s1", "s2"})
		n, err := q.WebhookSubscriptionCount(f.ctx, "acc1")
		must(t, err)
		equal(t, "count of acc1", n, 2)
		n, err = q.WebhookSubscriptionCount(f.ctx, "acc3")
		must(t, err)
		equal(t, "count of an account without any", n, 0)
		return nil
	})
}

func testWebhookSubscriptionRecord(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.subscription("s1", "acc1")
	record := func(ok bool, sec int) *masspay.WebhookSubscription {
		var s *masspay.WebhookSubscription
		f.write(func(q masspay.Q) (err error) {
			s, err = q.WebhookSubscriptionRecord(f.ctx, "s1", ok, at(sec))
			return err
		})
		return s
	}
	record(false, 1)
	s := record(false, 2)
	if s.ConsecutiveFailures != 2 || !s.LastSuccess.IsZero() {
		t.Fatalf("after two failures: failures %d, last success %v; want 2, none", s.ConsecutiveFailures, s.LastSuccess)
	}
	s = record(true, 3)
	if s.ConsecutiveFailures != 0 || !s.LastSuccess.Equal(stored(at(3))) {
		t.Fatalf("after a success: failures %d, last success %v; want 0, %v", s.ConsecutiveFailures, s.LastSuccess, stored(at(3)))
	}
	s = record(false, 4)
	if s.ConsecutiveFailures != 1 || !s.LastSuccess.Equal(stored(at(3))) {
		t.Fatalf("a failure after a success: failures %d, last success %v; want 1, %v", s.ConsecutiveFailures, s.LastSuccess, stored(at(3)))
	}
	err := f.writeErr(func(q masspay.Q) error { _, err := q.WebhookSubscriptionRecord(f.ctx, "missing", true, t0); return err })
	wantErr(t, "WebhookSubscriptionRecord of a missing subscription", err, masspay.ErrNoRows)

	f.write(func(q masspay.Q) error { return q.WebhookSubscriptionSetPaused(f.ctx, "s1", true) })
	f.read(func(q masspay.Q) error {
		got, err := q.WebhookSubscriptionGet(f.ctx, "s1")
		must(t, err)
		// Pausing leaves the delivery record alone.
		if !got.Paused || got.ConsecutiveFailures != 1 {
			t.Fatalf("paused subscription = %+v", got)
		}
		return nil
	})
	f.write(func(q masspay.Q) error { return q.WebhookSubscriptionSetPaused(f.ctx, "s1", false) })
	f.read(func(q masspay.Q) error {
		got, err := q.WebhookSubscriptionGet(f.ctx, "s1")
		must(t, err)
		equal(t, "paused after unpausing", got.Paused, false)
		return nil
	})
	err = f.writeErr(func(q masspay.Q) error { return q.WebhookSubscriptionSetPaused(f.ctx, "missing", true) })
	wantErr(t, "WebhookSubscriptionSetPaused of a missing subscription", err, masspay.ErrNoRows)
}

func testWebhookOutbox(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.subscription("s1", "acc1")
	paused := newSubscription("s2", "acc1")
	paused.Paused = true
	f.write(func(q masspay.Q) error { return q.WebhookSubscriptionInsert(f.ctx, paused) })
	f.subscription("s3", "acc2")
	f.event("e1", "acc1", 1)
	f.event("e2", "acc1", 2)
	f.event("e3", "acc2", 3)

	// One webhook per event and subscription of the event's account, in the event's transaction.
	got := f.webhooks("s1")
	equal(t, "webhooks of s1, newest first", webhookEvents(got), []string{"e2", "e1"})
	equal(t, "webhooks of s3", webhookEvents(f.webhooks("s3")), []string{"e3"})
	w := got[1]
	want := masspay.Webhook{ID: w.ID, Seq: w.Seq, SubscriptionID: "s1", AccountID: "acc1", EventID: "e1",
		Topic: masspay.TopicTransferCreated, NextAt: stored(at(1)), Created: stored(at(1))}
	equal(t, "webhook of an active subscription: due at once", w, &want)
	for _, pw := range f.webhooks("s2") {
		if !pw.NextAt.IsZero() {
			t.Fatalf("webhook %s of a paused subscription is due at %v, want never", pw.ID, pw.NextAt)
		}
	}
	f.read(func(q masspay.Q) error {
		one, err := q.WebhookGet(f.ctx, w.ID)
		must(t, err)
		equal(t, "WebhookGet", one, &want)
		_, err = q.WebhookGet(f.ctx, "missing")
		wantErr(t, "WebhookGet of a missing ID", err, masspay.ErrNoRows)
		page, total, err := q.WebhookList(f.ctx, masspay.WebhookFilter{SubscriptionID: "s1", Page: masspay.Page{Limit: 1, Offset: 1}})
		must(t, err)
		equal(t, "page", webhookEvents(page), []string{"e1"})
		equal(t, "total of a page", total, 2)
		return nil
	})

	upd := want
	upd.Retries, upd.NextAt, upd.LeaseUntil = 3, stored(at(100)), stored(at(50))
	changed := upd
	changed.Topic, changed.EventID = "other", "other" // not mutable: ignored
	f.write(func(q masspay.Q) error { return q.WebhookUpdate(f.ctx, &changed) })
	f.read(func(q masspay.Q) error {
		one, err := q.WebhookGet(f.ctx, w.ID)
		must(t, err)
		equal(t, "updated webhook", one, &upd)
		return nil
	})
	err := f.writeErr(func(q masspay.Q) error { return q.WebhookUpdate(f.ctx, &masspay.Webhook{ID: "missing"}) })
	wantErr(t, "WebhookUpdate of a missing ID", err, masspay.ErrNoRows)

	// Clearing what is due touches only that subscription.
	f.write(func(q masspay.Q) error { return q.WebhookClearDue(f.ctx, "s1") })
	for _, cw := range f.webhooks("s1") {
		if !cw.NextAt.IsZero() {
			t.Fatalf("webhook %s still due at %v after WebhookClearDue", cw.ID, cw.NextAt)
		}
	}
	if f.webhooks("s3")[0].NextAt.IsZero() {
		t.Fatal("WebhookClearDue of s1 cleared a webhook of s3")
	}
}

func testWebhookClaim(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.subscription("s1", "acc1")
	for i := range 4 {
		f.event(fmt.Sprint("a", i), "acc1", i)
	}
	f.subscription("s2", "acc2")
	f.event("b0", "acc2", 0)
	f.event("b1", "acc2", 1)
	f.event("b-later", "acc2", 50)
	f.subscription("s3", "acc3")
	f.event("c0", "acc3", 0)
	f.write(func(q masspay.Q) error { return q.WebhookSubscriptionSetPaused(f.ctx, "s3", true) })

	claim := func(sec, limit, perSub int) []*masspay.WebhookDelivery {
		var ds []*masspay.WebhookDelivery
		f.write(func(q masspay.Q) (err error) {
			ds, err = q.WebhookClaim(f.ctx, masspay.WebhookClaimParams{Now: at(sec), LeaseUntil: at(sec + 30), Limit: limit,
				PerSubscription: perSub})
			return err
		})
		return ds
	}
	events := func(ds []*masspay.WebhookDelivery) []string {
		return ids(ds, func(d *masspay.WebhookDelivery) string { return d.Event.ID })
	}

	// Due first by time, then by insertion; never a paused subscription's, never one not yet
	// due; at most perSub leased per subscription.
	ds := claim(10, 3, 2)
	equal(t, "first claim", events(ds), []string{"a0", "b0", "a1"})
	d := ds[0]
	if d.Subscription.ID != "s1" || d.Subscription.Secret != "secret-s1" || d.Event.AccountID != "acc1" ||
		d.Event.Topic != masspay.TopicTransferCreated || !d.Webhook.LeaseUntil.Equal(stored(at(40))) {
		t.Fatalf("delivery = webhook %+v, subscription %+v, event %+v", d.Webhook, d.Subscription, d.Event)
	}
	// s1 has two in flight: with perSub 2 only s2's next one is left.
	equal(t, "second claim, s1 full", events(claim(10, 10, 2)), []string{"b1"})
	equal(t, "nothing left while leased", len(claim(11, 10, 2)), 0)
	// Raising perSub lets s1 go on with what its leases do not hold.
	equal(t, "claim with room", events(claim(12, 10, 10)), []string{"a2", "a3"})
	// Once the leases run out, the same webhooks are due again (a dead worker's).
	equal(t, "after the leases ran out", events(claim(41, 10, 10)), []string{"a0", "b0", "a1", "b1"})
	equal(t, "the later one when due", events(claim(60, 10, 10)), []string{"a2", "a3", "b-later"})
}

func testWebhookAttempts(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.subscription("s1", "acc1")
	f.subscription("s2", "acc1")
	f.event("e1", "acc1", 1)
	w, w2 := f.webhooks("s1")[0], f.webhooks("s2")[0]
	full := &masspay.WebhookAttempt{ID: "a1", WebhookID: w.ID, RequestTime: at(2), URL: "https://example.com/hooks/s1",
		RequestHeaders:  []masspay.WebhookHeader{{Name: "X-Dwolla-Topic", Value: "transfer_created"}, {Name: "X-Request-Signature-SHA-256", Value: "ab"}},
		RequestBody:     `{"id":"e1"}`,
		ResponseTime:    at(3),
		ResponseHeaders: []masspay.WebhookHeader{{Name: "Content-Type", Value: "text/plain"}},
		StatusCode:      500, ResponseBody: "oops"}
	none := &masspay.WebhookAttempt{ID: "a2", WebhookID: w.ID, RequestTime: at(4), URL: full.URL, RequestBody: `{"id":"e1"}`,
		ResponseTime: at(14), ResponseBody: "no response within the time limit"}
	other := &masspay.WebhookAttempt{ID: "b1", WebhookID: w2.ID, RequestTime: at(3), URL: "https://example.com/hooks/s2",
		RequestBody: `{"id":"e1"}`, ResponseTime: at(4), StatusCode: 200}
	f.write(func(q masspay.Q) error {
		must(t, q.WebhookAttemptInsert(f.ctx, full))
		must(t, q.WebhookAttemptInsert(f.ctx, other))
		must(t, q.WebhookAttemptInsert(f.ctx, none))
		must(t, q.WebhookRetryInsert(f.ctx, &masspay.WebhookRetry{ID: "r1", WebhookID: w.ID, Created: at(20)}))
		return q.WebhookRetryInsert(f.ctx, &masspay.WebhookRetry{ID: "r2", WebhookID: w.ID, Created: at(21)})
	})
	f.read(func(q masspay.Q) error {
		list, err := q.WebhookAttemptList(f.ctx, w.ID)
		must(t, err)
		wantFull, wantNone := *full, *none
		wantFull.RequestTime, wantFull.ResponseTime = stored(full.RequestTime), stored(full.ResponseTime)
		wantNone.RequestTime, wantNone.ResponseTime = stored(none.RequestTime), stored(none.ResponseTime)
		equal(t, "attempts, oldest first", list, []*masspay.WebhookAttempt{&wantFull, &wantNone})
		wantOther := *other
		wantOther.RequestTime, wantOther.ResponseTime = stored(other.RequestTime), stored(other.ResponseTime)
		both, err := q.WebhookAttemptList(f.ctx, w2.ID, w.ID)
		must(t, err)
		equal(t, "attempts of two webhooks, oldest first", both, []*masspay.WebhookAttempt{&wantFull, &wantOther, &wantNone})
		noIDs, err := q.WebhookAttemptList(f.ctx)
		must(t, err)
		equal(t, "attempts of no webhook", len(noIDs), 0)
		retries, err := q.WebhookRetryList(f.ctx, w.ID)
		must(t, err)
		equal(t, "retries, oldest first", retries, []*masspay.WebhookRetry{
			{ID: "r1", WebhookID: w.ID, Created: stored(at(20))}, {ID: "r2", WebhookID: w.ID, Created: stored(at(21))}})
		empty, err := q.WebhookAttemptList(f.ctx, "missing")
		must(t, err)
		equal(t, "attempts of a missing webhook", len(empty), 0)
		return nil
	})
}

func testWebhookSubscriptionDelete(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.subscription("s1", "acc1")
	f.subscription("s2", "acc1")
	f.event("e1", "acc1", 1)
	w1, w2 := f.webhooks("s1")[0], f.webhooks("s2")[0]
	f.write(func(q masspay.Q) error {
		for _, w := range []*masspay.Webhook{w1, w2} {
			must(t, q.WebhookAttemptInsert(f.ctx, &masspay.WebhookAttempt{ID: "a-" + w.ID, WebhookID: w.ID, RequestTime: t0}))
			must(t, q.WebhookRetryInsert(f.ctx, &masspay.WebhookRetry{ID: "r-" + w.ID, WebhookID: w.ID, Created: t0}))
		}
		return nil
	})
	f.write(func(q masspay.Q) error { return q.WebhookSubscriptionDelete(f.ctx, "s1") })
	f.read(func(q masspay.Q) error {
		_, err := q.WebhookSubscriptionGet(f.ctx, "s1")
		wantErr(t, "the deleted subscription", err, masspay.ErrNoRows)
		_, err = q.WebhookGet(f.ctx, w1.ID)
		wantErr(t, "a webhook of the deleted subscription", err, masspay.ErrNoRows)
		for _, tc := range []struct {
			webhook string
			want    int
		}{{w1.ID, 0}, {w2.ID, 1}} {
			a, err := q.WebhookAttemptList(f.ctx, tc.webhook)
			must(t, err)
			r, err := q.WebhookRetryList(f.ctx, tc.webhook)
			must(t, err)
			if len(a) != tc.want || len(r) != tc.want {
				t.Fatalf("webhook %s: %d attempts, %d retries; want %d each", tc.webhook, len(a), len(r), tc.want)
			}
		}
		_, err = q.WebhookGet(f.ctx, w2.ID)
		must(t, err)
		return nil
	})
	err := f.writeErr(func(q masspay.Q) error { return q.WebhookSubscriptionDelete(f.ctx, "s1") })
	wantErr(t, "WebhookSubscriptionDelete of a missing subscription", err, masspay.ErrNoRows)
}
