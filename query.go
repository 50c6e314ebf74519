package masspay

import (
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// The checks of list requests' query strings live here, each turning the parameters into the
// filter the stores take. Problems are reported at "/<parameter>".

// MaxOffset bounds a list's offset: far beyond any list, and far from int overflow when a page's
// links add the limit to it.
const MaxOffset = 1_000_000_000

// PageQuery reads limit (default 25, larger ones clamped to 200) and offset (default 0, at most
// MaxOffset).
func PageQuery(q url.Values, f *Fields) Page {
	p := Page{Limit: 25}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
			n, err = 200, nil // a huge limit is clamped like any limit over 200
		}
		if err != nil || n < 1 {
			f.Add(FCodeInvalid, "/limit", "Limit must be a whole number from 1 to 200.")
		} else {
			p.Limit = min(n, 200)
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxOffset {
			f.Add(FCodeInvalid, "/offset", "Offset must be a whole number from 0 to 1000000000.")
		} else {
			p.Offset = n
		}
	}
	return p
}

// statusParams are the values of a repeated status parameter: SDKs send a list as repeated keys
// (Python, Node) or with brackets (Ruby's Faraday).
func statusParams(q url.Values) []string { return append(q["status"], q["status[]"]...) }

// CustomerFilterQuery reads GET /customers: search, email, status (repeatable), limit, offset.
func CustomerFilterQuery(q url.Values, f *Fields) CustomerFilter {
	filter := CustomerFilter{Page: PageQuery(q, f), Search: q.Get("search"), Email: q.Get("email")}
	for _, st := range statusParams(q) {
		if !CustomerStatus(st).Valid() {
			f.Add(FCodeInvalid, "/status", "Status must be one of unverified, verified, retry, kba, document, suspended, deactivated.")
			break
		}
		filter.Statuses = append(filter.Statuses, st)
	}
	return filter
}

// TransferFilterQuery reads a transfer list's filters: status (repeatable), correlationId,
// search, startAmount, endAmount, startDate and endDate (YYYY-MM-DD, both inclusive), limit and
// offset. customerID is the customer whose list it is ("" for the account's).
func TransferFilterQuery(q url.Values, customerID string, f *Fields) TransferFilter {
	filter := TransferFilter{CustomerID: customerID, CorrelationID: q.Get("correlationId"), Page: PageQuery(q, f),
		Search: q.Get("search")}
	for _, st := range statusParams(q) {
		if TransferStatus(st).Valid() {
			filter.Statuses = append(filter.Statuses, st)
		} else {
			f.Add(FCodeInvalid, "/status", "Status invalid.")
		}
	}
	amount := func(key string) int64 {
		v := q.Get(key)
		if v == "" {
			return 0
		}
		c, err := ParseAmount(v)
		if err != nil {
			f.Add(FCodeInvalid, "/"+key, "%s must be an amount such as 10.00.", key)
		}
		return c
	}
	filter.StartAmount, filter.EndAmount = amount("startAmount"), amount("endAmount")
	filter.StartDate, filter.EndDate = dateRange(q, f)
	return filter
}

// WebhookFilterQuery reads a subscription's webhook list: startDate and endDate (YYYY-MM-DD,
// both inclusive), resourceId (the event's resource), limit and offset.
func WebhookFilterQuery(q url.Values, subscriptionID string, f *Fields) WebhookFilter {
	filter := WebhookFilter{SubscriptionID: subscriptionID, ResourceID: q.Get("resourceId"), Page: PageQuery(q, f)}
	filter.StartDate, filter.EndDate = dateRange(q, f)
	// Every resource id is a UUID, so anything else is a mistake worth naming, not a filter that
	// quietly matches nothing.
	if v := filter.ResourceID; v != "" {
		if _, err := uuid.Parse(v); err != nil || len(v) != 36 {
			f.Add(FCodeInvalid, "/resourceId", "resourceId must be the id of a resource.")
		}
	}
	return filter
}

// RemovedQuery reads a funding source list's removed filter: nil when absent.
func RemovedQuery(q url.Values, f *Fields) *bool {
	switch v := q.Get("removed"); v {
	case "":
		return nil
	case "true", "false":
		b := v == "true"
		return &b
	}
	f.Add(FCodeInvalid, "/removed", "Removed must be true or false.")
	return nil
}

// dateRange reads the startDate and endDate filters (YYYY-MM-DD, both inclusive) as a start and
// an exclusive end, the stores' bounds; zero when absent.
func dateRange(q url.Values, f *Fields) (start, end time.Time) {
	date := func(key string) time.Time {
		v := q.Get(key)
		if v == "" {
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Add(FCodeInvalid, "/"+key, "%s must be a date in the form YYYY-MM-DD.", key)
		}
		return d
	}
	start = date("startDate")
	if end = date("endDate"); !end.IsZero() {
		end = end.AddDate(0, 0, 1)
	}
	return start, end
}
