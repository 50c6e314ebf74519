package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"masspay/apptest"
)

// TestBadBytes sends NUL and invalid UTF-8 wherever a client can put a string: every answer is
// a 4xx in Dwolla's envelope (PostgreSQL answered 500 "invalid byte sequence" before), and
// nothing is created.
func TestBadBytes(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	_, balance := e.Funding(c)
	dest := e.Payees(c, 1)[0].Href
	srcID := apptest.ID(balance)
	mp := func(edit func(m map[string]any)) []byte {
		b := apptest.MassPayment(balance, "1.00", dest)
		edit(b)
		j, _ := json.Marshal(b)
		return j
	}
	item := func(m map[string]any) map[string]any { return m["items"].([]any)[0].(map[string]any) }
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
	}{
		{"NUL in a name", "POST", "/customers", `{"firstName":"A\u0000","lastName":"B","email":"a@example.com"}`, nil, 400},
		{"invalid UTF-8 in a name", "POST", "/customers", []byte("{\"firstName\":\"A\xff\xfe\",\"lastName\":\"B\",\"email\":\"a@example.com\"}"), nil, 400},
		{"NUL in a member name", "POST", "/customers", `{"firstName":"A","lastName":"B","email":"a@example.com","x\u0000":"1"}`, nil, 400},
		{"NUL in a customer update", "POST", "/customers/" + apptest.ID(dest), `{"email":"a\u0000@example.com"}`, nil, 400},
		{"NUL in metadata key", "POST", "/mass-payments", mp(func(m map[string]any) { m["metadata"] = map[string]any{"k\x00": "v"} }), nil, 400},
		{"NUL in metadata value", "POST", "/mass-payments", mp(func(m map[string]any) { item(m)["metadata"] = map[string]any{"k": "v\x00"} }), nil, 400},
		{"NUL in correlationId", "POST", "/mass-payments", mp(func(m map[string]any) { m["correlationId"] = "a\x00" }), nil, 400},
		{"source href %00", "POST", "/mass-payments", mp(func(m map[string]any) {
			m["_links"] = map[string]any{"source": map[string]any{"href": e.Base + "/funding-sources/%00"}}
		}), nil, 400},
		{"source href %ff%fe", "POST", "/mass-payments", mp(func(m map[string]any) {
			m["_links"] = map[string]any{"source": map[string]any{"href": e.Base + "/funding-sources/%ff%fe"}}
		}), nil, 400},
		{"destination href %00", "POST", "/mass-payments", mp(func(m map[string]any) {
			item(m)["_links"] = map[string]any{"destination": map[string]any{"href": "https://api.dwolla.com/funding-sources/%00"}}
		}), nil, 400},
		{"raw byte in a href", "POST", "/mass-payments", bytes.Replace(mp(func(map[string]any) {}), []byte(srcID), []byte("\x89"), 1), nil, 400},
		{"amount with NUL", "POST", "/mass-payments", mp(func(m map[string]any) { item(m)["amount"] = map[string]any{"value": "1.00\x00", "currency": "USD"} }), nil, 400},
		{"Idempotency-Key invalid UTF-8", "POST", "/mass-payments", mp(func(map[string]any) {}), []string{"Idempotency-Key", "k\xff\xfe"}, 400},
		{"webhook url with NUL", "POST", "/webhook-subscriptions", `{"url":"http://example.com/\u0000","secret":"s"}`, nil, 400},
		{"funding source name with NUL", "POST", "/funding-sources", `{"routingNumber":"222222226","accountNumber":"123456789","bankAccountType":"checking","name":"x\u0000"}`, nil, 400},
		{"path id %ff%fe", "GET", "/customers/%ff%fe", nil, nil, 404},
		{"path id %00", "GET", "/funding-sources/%00", nil, nil, 404},
		{"path id %00 POST", "POST", "/mass-payments/%00", `{"status":"cancelled"}`, nil, 404},
		{"transfer id %c3%28", "GET", "/transfers/%c3%28", nil, nil, 404},
		{"search %00", "GET", "/customers?search=%00", nil, nil, 400},
		{"email %ff", "GET", "/customers?email=a%ff%40example.com", nil, nil, 400},
		{"correlationId %00", "GET", "/accounts/" + c.AccountID + "/transfers?correlationId=%00", nil, nil, 400},
		{"search on transfers %fe", "GET", "/accounts/" + c.AccountID + "/transfers?search=%fe", nil, nil, 400},
		{"resourceId %00", "GET", "/events?resourceId=%00", nil, nil, 400},
	}
	for _, tc := range cases {
		res := c.Do(tc.method, tc.path, tc.body, tc.headers...)
		if res.Status != tc.status || res.JSON["code"] == nil || res.JSON["message"] == nil {
			t.Errorf("%s: %s %q: got %d %s, want %d in Dwolla's envelope", tc.name, tc.method, tc.path, res.Status, res.Body, tc.status)
		}
	}
	// The token endpoint reads a key and a secret: bad bytes there are invalid credentials.
	for _, form := range []string{"grant_type=client_credentials&client_id=%00&client_secret=x",
		"grant_type=client_credentials&client_id=%ff%fe&client_secret=%00"} {
		req, _ := http.NewRequest("POST", e.Base+"/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res := c.Send(req); res.Status != 401 {
			t.Errorf("token %s: got %d %s, want 401", form, res.Status, res.Body)
		}
	}
	if got := c.Get("/customers").OK(t)["total"]; got != float64(1) {
		t.Errorf("customers after the bad requests = %v, want the one payee", got)
	}
	if got := c.Get("/accounts/" + c.AccountID + "/mass-payments").OK(t)["total"]; got != float64(0) {
		t.Errorf("mass payments after the bad requests = %v, want 0", got)
	}
}

// TestPagingArithmetic: offsets and limits out of range never overflow into a negative offset.
func TestPagingArithmetic(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	e.Payees(c, 3)
	for _, q := range []string{"offset=9223372036854775807", "offset=9223372036854775808", "offset=1000000001", "offset=-1", "limit=0", "limit=-9223372036854775808"} {
		res := c.Get("/customers?" + q)
		res.Error(t, 400, "ValidationError")
	}
	// A huge limit is clamped, as every limit over 200 is.
	for _, q := range []string{"limit=9223372036854775807", "limit=99999999999999999999999", "limit=1000000000&offset=1000000000"} {
		body := c.Get("/customers?" + q).OK(t)
		links, _ := json.Marshal(body["_links"])
		if !strings.Contains(string(links), "limit=200") || strings.Contains(string(links), "offset=-") {
			t.Errorf("%s: links %s, want limit=200 and no negative offset", q, links)
		}
	}
}

// TestUncleanPaths: a path with an empty or dot segment is an unknown path (404 NotFound in
// Dwolla's envelope), not the ServeMux's HTML redirect.
func TestUncleanPaths(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	_, balance := e.Funding(c)
	for _, p := range []string{"/transfers/http://host/transfers/" + apptest.ID(balance), "/funding-sources//" + apptest.ID(balance),
		"/funding-sources/./" + apptest.ID(balance), "/customers/../funding-sources/" + apptest.ID(balance), "//customers", "/customers/.", "/customers/.."} {
		for _, method := range []string{"GET", "POST"} {
			req, _ := http.NewRequest(method, e.Base, strings.NewReader("{}"))
			req.URL.Opaque = p // sent as is, unclean
			req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
			req.Header.Set("Authorization", "Bearer "+c.Token())
			req.Header.Set("Content-Type", "application/json")
			res := c.Send(req)
			if res.Status != 404 || res.JSON["code"] != "NotFound" {
				t.Errorf("%s %s: got %d %s %s, want 404 NotFound", method, p, res.Status, res.Header.Get("Location"), res.Body)
			}
		}
	}
}

// TestMassPaymentUpdateEchoes: read-only members sent back empty or unchanged are ignored; a
// real change to them is refused and changes nothing.
func TestMassPaymentUpdateEchoes(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	c := e.Client
	_, balance := e.Funding(c)
	dests := apptest.Hrefs(e.Payees(c, 1))
	deferred := func() string {
		body := apptest.MassPayment(balance, "1.50", dests...)
		body["status"] = "deferred"
		body["correlationId"] = "batch-1"
		body["metadata"] = map[string]any{"a": "b"}
		return c.Post("/mass-payments", body).Created(t)
	}
	empty := map[string]any{"value": "", "currency": ""}
	for _, body := range []map[string]any{
		{"status": "cancelled", "total": empty, "totalFees": empty},
		{"status": "cancelled", "total": map[string]any{"value": "1.50", "currency": "USD"}, "totalFees": map[string]any{"value": "0.00", "currency": "USD"},
			"correlationId": "batch-1", "metadata": map[string]any{"a": "b"}, "created": "", "_links": map[string]any{}},
	} {
		loc := deferred()
		if got := c.Post(loc, body).OK(t)["status"]; got != "cancelled" {
			t.Errorf("%v: status %v, want cancelled", body, got)
		}
	}
	for _, body := range []map[string]any{
		{"status": "pending", "total": map[string]any{"value": "999.00", "currency": "USD"}},
		{"status": "pending", "totalFees": map[string]any{"value": "1.00", "currency": "USD"}},
		{"status": "pending", "correlationId": "other"},
		{"status": "pending", "metadata": map[string]any{"a": "c"}},
		{"status": "pending", "created": "2020-01-01T00:00:00.000Z"},
		{"status": "pending", "amount": "1.00"},
	} {
		loc := deferred()
		res := c.Post(loc, body)
		res.Error(t, 400, "ValidationError")
		if fe := res.FieldErrors(); len(fe) != 1 {
			t.Errorf("%v: errors %v, want one NotAllowed", body, fe)
		}
		if got := c.Get(loc).OK(t)["status"]; got != "deferred" {
			t.Errorf("%v: status %v after a refused update, want deferred", body, got)
		}
	}
}

var _ = context.Background
var _ = fmt.Sprint
var _ = net.Dial
var _ = url.Parse
var _ sync.Mutex
var _ = time.Now
var _ = bytes.NewReader
