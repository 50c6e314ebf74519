package masspay_test

import (
	"net/url"
	"testing"
	"time"

	"masspay"
)

func TestListQueries(t *testing.T) {
	t.Parallel()
	q := func(s string) url.Values {
		v, err := url.ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var f masspay.Fields
	if p := masspay.PageQuery(q(""), &f); p.Limit != 25 || p.Offset != 0 || len(f) != 0 {
		t.Fatalf("default page = %+v, %v", p, f)
	}
	if p := masspay.PageQuery(q("limit=500&offset=3"), &f); p.Limit != 200 || p.Offset != 3 || len(f) != 0 {
		t.Fatalf("page = %+v, %v; want the limit capped at 200", p, f)
	}
	masspay.PageQuery(q("limit=0&offset=-1"), &f)
	if len(f) != 2 || f[0].Path != "/limit" || f[1].Path != "/offset" {
		t.Fatalf("bad page: %v", f)
	}

	f = nil
	tf := masspay.TransferFilterQuery(q("status=pending&status[]=failed&startAmount=1.50&startDate=2026-01-02&endDate=2026-01-02"), "c1", &f)
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if len(f) != 0 || tf.CustomerID != "c1" || len(tf.Statuses) != 2 || tf.StartAmount != 150 ||
		!tf.StartDate.Equal(day) || !tf.EndDate.Equal(day.AddDate(0, 0, 1)) {
		t.Fatalf("transfer filter = %+v, %v (endDate is inclusive: the bound is the next day)", tf, f)
	}
	masspay.TransferFilterQuery(q("status=done&endAmount=x&startDate=02/01/2026"), "", &f)
	if len(f) != 3 || f[0].Path != "/status" || f[1].Path != "/endAmount" || f[2].Path != "/startDate" {
		t.Fatalf("bad transfer filter: %v", f)
	}

	f = nil
	if wf := masspay.WebhookFilterQuery(q("resourceId=nope"), "s1", &f); wf.SubscriptionID != "s1" || len(f) != 1 || f[0].Path != "/resourceId" {
		t.Fatalf("webhook filter with a resourceId that is no id: %+v, %v", wf, f)
	}
	f = nil
	if cf := masspay.CustomerFilterQuery(q("status=verified&status=lost"), &f); len(f) != 1 || len(cf.Statuses) != 1 {
		t.Fatalf("customer filter: %+v, %v", cf, f)
	}
	f = nil
	if r := masspay.RemovedQuery(q("removed=false"), &f); r == nil || *r || len(f) != 0 {
		t.Fatalf("removed=false: %v %v", r, f)
	}
	if r := masspay.RemovedQuery(q("removed=yes"), &f); r != nil || len(f) != 1 {
		t.Fatalf("removed=yes: %v %v", r, f)
	}
}
