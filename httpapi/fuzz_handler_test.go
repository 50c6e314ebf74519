package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"masspay/apptest"
)

// FuzzCreateHandler posts fuzzed bodies to POST /mass-payments and POST /customers of a real
// server (SQLite, or PostgreSQL under MASSPAY_TEST_DATABASE_URL): every answer is a 201 or a
// 4xx in Dwolla's envelope, never a 5xx. Seeds are the bodies of the mass payment tests.
func FuzzCreateHandler(f *testing.F) {
	e := apptest.Start(f)
	c := e.Client
	_, balance := e.Funding(c)
	dests := apptest.Hrefs(e.Payees(c, 2))
	seed, _ := json.Marshal(seedBody(balance, dests...))
	f.Add(seed, false)
	plain, _ := json.Marshal(apptest.MassPayment(balance, "1.00", dests...))
	f.Add(plain, false)
	f.Add([]byte(`{"firstName":"Jane","lastName":"Merchant","email":"jane@example.com","type":"receive-only","businessName":"Jane Corp"}`), true)
	f.Add([]byte(`{"firstName":"A\u0000","lastName":"B","email":"a@example.com"}`), true)
	token := c.Token()
	f.Fuzz(func(t *testing.T, body []byte, customer bool) {
		path := "/mass-payments"
		if customer {
			path = "/customers"
		}
		req, _ := http.NewRequest("POST", e.Base+path, bytes.NewReader(body))
		req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		switch {
		case res.StatusCode == 201:
		case res.StatusCode >= 400 && res.StatusCode < 500 && m["code"] != nil && m["message"] != nil:
		default:
			t.Fatalf("POST %s %q: %d %s", path, body, res.StatusCode, b)
		}
	})
}
