package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"masspay/apptest"
)

func TestToken(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	post := func(body string, basic bool, ct string) *apptest.Response {
		req, _ := http.NewRequest("POST", e.Base+"/token", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if basic {
			req.SetBasicAuth(e.Key, e.Secret)
		}
		return e.Send(req)
	}
	form := "application/x-www-form-urlencoded"

	t.Run("BasicAuth", func(t *testing.T) {
		res := post("grant_type=client_credentials", true, form)
		if res.Status != 200 || res.JSON["token_type"] != "bearer" || res.JSON["expires_in"] != float64(3600) || res.JSON["access_token"] == "" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
		if _, has := res.JSON["error"]; has {
			t.Fatal("success body carries an error key")
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type = %q", ct)
		}
	})
	t.Run("FormFields", func(t *testing.T) {
		v := url.Values{"client_id": {e.Key}, "client_secret": {e.Secret}, "grant_type": {"client_credentials"}}
		if res := post(v.Encode(), false, form); res.Status != 200 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("JSONBody", func(t *testing.T) {
		body := `{"client_id":"` + e.Key + `","client_secret":"` + e.Secret + `","grant_type":"client_credentials"}`
		if res := post(body, false, "application/json"); res.Status != 200 {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		v := url.Values{"client_id": {e.Key}, "client_secret": {"nope"}, "grant_type": {"client_credentials"}}
		res := post(v.Encode(), false, form)
		if res.Status != 401 || res.JSON["error"] != "invalid_client" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("ErrMissingCredentials", func(t *testing.T) {
		res := post("grant_type=client_credentials", false, form)
		if res.Status != 401 || res.JSON["error"] != "invalid_client" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
	t.Run("ErrGrantType", func(t *testing.T) {
		res := post("grant_type=password", true, form)
		if res.Status != 400 || res.JSON["error"] != "unsupported_grant_type" {
			t.Fatalf("got %d %s", res.Status, res.Body)
		}
	})
}

func TestAuthAndVersion(t *testing.T) {
	t.Parallel()
	e := apptest.Start(t)
	get := func(hdr ...string) *apptest.Response {
		req, _ := http.NewRequest("GET", e.Base+"/", nil)
		for i := 0; i < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		return e.Send(req)
	}
	hal := "application/vnd.dwolla.v1.hal+json"
	t.Run("ErrMissingAccept", func(t *testing.T) {
		get("Authorization", "Bearer "+e.Token()).Error(t, 406, "InvalidVersion")
	})
	t.Run("ErrWrongAccept", func(t *testing.T) {
		get("Authorization", "Bearer "+e.Token(), "Accept", "application/json").Error(t, 406, "InvalidVersion")
	})
	t.Run("ErrMissingAuthorization", func(t *testing.T) {
		get("Accept", hal).Error(t, 401, "InvalidCredentials")
	})
	t.Run("ErrUnknownToken", func(t *testing.T) {
		get("Accept", hal, "Authorization", "Bearer nope").Error(t, 401, "InvalidAccessToken")
	})
	t.Run("Root", func(t *testing.T) {
		res := get("Accept", hal, "Authorization", "Bearer "+e.Token())
		body := res.OK(t)
		if href := apptest.Dig(body, "_links", "account", "href"); href != e.Base+"/accounts/"+e.AccountID {
			t.Fatalf("account href = %v", href)
		}
		if res.Header.Get("X-Request-Id") == "" {
			t.Fatal("no X-Request-Id")
		}
	})
	t.Run("Account", func(t *testing.T) {
		body := e.Get("/accounts/" + e.AccountID).OK(t)
		if body["id"] != e.AccountID || apptest.Dig(body, "_links", "funding-sources", "href") != e.Base+"/accounts/"+e.AccountID+"/funding-sources" {
			t.Fatalf("account = %v", body)
		}
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		other := e.NewApplication(0)
		e.Get("/accounts/"+other.AccountID).Error(t, 404, "NotFound")
	})
	t.Run("Healthz", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.Base+"/healthz", nil) // no token, no Accept
		if res := e.Send(req); res.Status != 200 || res.JSON["status"] != "ok" {
			t.Fatalf("healthz = %d %s", res.Status, res.Body)
		}
	})
	t.Run("ErrUnknownPath", func(t *testing.T) {
		e.Get("/nope").Error(t, 404, "NotFound")
	})
}
