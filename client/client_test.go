package client

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"masspay/apptest"
)

func TestResolveReRootsHrefs(t *testing.T) {
	t.Parallel()
	c, err := New("https://api-sandbox.dwolla.com/", "k", "s")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"/mass-payments/1": "https://api-sandbox.dwolla.com/mass-payments/1",
		"mass-payments/1":  "https://api-sandbox.dwolla.com/mass-payments/1",
		"http://10.0.0.5:8080/mass-payments/1/items?limit=2": "https://api-sandbox.dwolla.com/mass-payments/1/items?limit=2",
	}
	for in, want := range cases {
		if got := c.resolve(in); got != want {
			t.Errorf("resolve(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "api-sandbox.dwolla.com", "ftp://x", "http://"} {
		if _, err := New(bad, "k", "s"); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}

// Against a real server: Dwolla's error envelope becomes an *Error with its field errors, a
// token the server no longer knows is replaced once, and bad credentials are an OAuth error.
func TestAgainstServer(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	_, balance := env.Funding(env.Client)
	ctx := context.Background()
	c, err := New(env.Base, env.Key, env.Secret)
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.MassPayment(ctx, "/mass-payments/0b0e7bc3-2c3f-4a57-9a51-3a4a1d1d2f01")
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound || e.Code != "NotFound" || e.Message == "" {
		t.Errorf("unknown mass payment: %#v", err)
	}

	body := &MassPayment{Links: Links{"source": {Href: balance}}, Items: []Item{{
		Links: Links{"destination": {Href: balance}}, Amount: Money{Value: "1.001", Currency: "USD"}}}}
	_, err = c.Create(ctx, "/mass-payments", body, "client-test")
	if !errors.As(err, &e) || e.Code != "ValidationError" || len(e.Errors) != 1 || e.Errors[0].Path != "/items/0/amount/value" {
		t.Errorf("invalid mass payment: %v", err)
	}

	c.mu.Lock()
	c.token = "no-longer-valid"
	c.mu.Unlock()
	if fs, err := c.FundingSource(ctx, balance); err != nil || fs.Type != "balance" {
		t.Errorf("after a stale token: %v, %+v", err, fs)
	}

	bad, _ := New(env.Base, env.Key, "wrong")
	err = bad.Token(ctx)
	if !errors.As(err, &e) || !e.Unauthorized() || e.Code != "invalid_client" {
		t.Errorf("wrong secret: %v", err)
	}
}
