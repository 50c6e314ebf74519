package httpapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"masspay"
	"masspay/apptest"
	"masspay/service"
)

// addEvent writes an event created at the given time straight through the store, as if it had
// happened then (its webhooks are written with it, at the same time).
func addEvent(t *testing.T, e *apptest.Env, accountID, resourceID string, created time.Time) *masspay.Event {
	t.Helper()
	ev := masspay.NewEvent(accountID, "", masspay.TopicTransferCreated, "transfers", resourceID, "", created.UTC().Truncate(time.Microsecond))
	write(t, e, func(q masspay.Q) error { return service.Publish(context.Background(), q, ev) })
	return ev
}

// listed returns the resourceId of each event, or the eventId of each webhook, of a list.
func listed(body map[string]any, embed, key string) []string {
	var out []string
	list, _ := apptest.Dig(body, "_embedded", embed).([]any)
	for _, v := range list {
		out = append(out, v.(map[string]any)[key].(string))
	}
	return out
}

func TestEventRetention(t *testing.T) {
	t.Parallel()
	t.Run("Default30Days", func(t *testing.T) {
		t.Parallel()
		e := apptest.Start(t)
		now := time.Now()
		old := addEvent(t, e, e.AccountID, uuid.NewString(), now.Add(-31*24*time.Hour))
		recent := addEvent(t, e, e.AccountID, uuid.NewString(), now.Add(-29*24*time.Hour))
		body := e.Get("/events").OK(t)
		if got := listed(body, "events", "id"); !slices.Equal(got, []string{recent.ID}) || body["total"] != float64(1) {
			t.Fatalf("events = %v, total %v; want only %s", got, body["total"], recent.ID)
		}
		e.Get("/events/" + recent.ID).OK(t)
		if e.Get("/events/"+old.ID).Error(t, 404, "NotFound")["message"] != "Application event not found." {
			t.Fatal("wrong message")
		}
		// Filtered on read, not deleted.
		write(t, e, func(q masspay.Q) error { _, err := q.EventGet(context.Background(), old.ID); return err })
	})
	t.Run("Configured", func(t *testing.T) {
		t.Parallel()
		e := apptest.Start(t, apptest.Options{Service: service.Config{EventRetention: time.Hour}})
		now := time.Now()
		old := addEvent(t, e, e.AccountID, uuid.NewString(), now.Add(-2*time.Hour))
		recent := addEvent(t, e, e.AccountID, uuid.NewString(), now.Add(-30*time.Minute))
		if got := listed(e.Get("/events").OK(t), "events", "id"); !slices.Equal(got, []string{recent.ID}) {
			t.Fatalf("events = %v, want only %s", got, recent.ID)
		}
		e.Get("/events/"+old.ID).Error(t, 404, "NotFound")
	})
}

func TestWebhookListFilters(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	// A paused subscription records webhooks without sending them.
	sub := subscribe(t, e.Client, "https://example.com/hooks", "filter-secret")
	e.Post("/webhook-subscriptions/"+sub, map[string]bool{"paused": true}).OK(t)
	r1, r2 := uuid.NewString(), uuid.NewString()
	now := time.Now().UTC()
	expired := addEvent(t, e, e.AccountID, r1, now.Add(-40*24*time.Hour))
	ev1 := addEvent(t, e, e.AccountID, r1, now.Add(-72*time.Hour))
	ev2 := addEvent(t, e, e.AccountID, r2, now.Add(-24*time.Hour))
	ev3 := addEvent(t, e, e.AccountID, r1, now)
	day := func(ev *masspay.Event) string { return ev.Created.Format(time.DateOnly) }
	path := "/webhook-subscriptions/" + sub + "/webhooks"

	cases := []struct {
		name, query string
		want        []*masspay.Event
	}{
		{"All", "", []*masspay.Event{ev3, ev2, ev1}},
		{"ResourceID", "?resourceId=" + r1, []*masspay.Event{ev3, ev1}},
		{"StartDate", "?startDate=" + day(ev2), []*masspay.Event{ev3, ev2}},
		{"EndDateInclusive", "?endDate=" + day(ev2), []*masspay.Event{ev2, ev1}},
		{"OneDay", "?startDate=" + day(ev2) + "&endDate=" + day(ev2), []*masspay.Event{ev2}},
		{"Combined", "?resourceId=" + r1 + "&endDate=" + day(ev2), []*masspay.Event{ev1}},
		{"UnknownResource", "?resourceId=" + uuid.NewString(), nil},
		// Dwolla keeps 30 days of webhooks: an earlier startDate does not reach older ones.
		{"RetentionWindow", "?startDate=" + day(expired), []*masspay.Event{ev3, ev2, ev1}},
		{"Page", "?resourceId=" + r1 + "&limit=1&offset=1", []*masspay.Event{ev1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := e.Get(path + tc.query).OK(t)
			var want []string
			for _, ev := range tc.want {
				want = append(want, ev.ID)
			}
			if got := listed(body, "webhooks", "eventId"); !slices.Equal(got, want) {
				t.Fatalf("events = %v, want %v", got, want)
			}
		})
	}
	t.Run("TotalAndLinks", func(t *testing.T) {
		body := e.Get(path + "?resourceId=" + r1 + "&limit=1").OK(t)
		next, _ := apptest.Dig(body, "_links", "next", "href").(string)
		if body["total"] != float64(2) || next != e.Base+path+"?limit=1&offset=1&resourceId="+r1 {
			t.Fatalf("total = %v, next = %q", body["total"], next)
		}
	})
	t.Run("ErrFilters", func(t *testing.T) {
		res := e.Get(path + "?startDate=2024-02-30&endDate=yesterday&resourceId=nope&limit=0")
		res.Error(t, 400, "ValidationError")
		fe := res.FieldErrors()
		for _, p := range []string{"/startDate", "/endDate", "/resourceId", "/limit"} {
			if fe[p] != "Invalid" {
				t.Fatalf("errors = %v, want Invalid at %s", fe, p)
			}
		}
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		e.NewApplication(0).Get(path+"?resourceId="+r1).Error(t, 404, "NotFound")
	})
	e.Verify()
}
