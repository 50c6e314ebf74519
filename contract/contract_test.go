package contract_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"masspay/apptest"
	"masspay/contract"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	spec, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range spec.Doc.Paths.Map() {
		n += len(item.Operations())
	}
	if n != 82 {
		t.Fatalf("spec has %d operations, want Dwolla's 82", n)
	}
	for _, x := range contract.Exceptions {
		if x.Name == "" || len(x.Reason) < 40 || x.Patch == nil {
			t.Errorf("exception %q needs a name, a reason and a patch", x.Name)
		}
	}
	for _, r := range contract.Unspecified {
		if r.Reason == "" {
			t.Errorf("unspecified route %s %s needs a reason", r.Method, r.Path)
		}
	}
}

// TestCheck proves the checker catches wrong responses: it takes a real, conforming response
// from the server and breaks it in the ways a handler could.
func TestCheck(t *testing.T) {
	t.Parallel()
	spec, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := apptest.Start(t)
	path := "/accounts/" + e.AccountID
	good := e.Get(path)
	good.OK(t)
	req := httptest.NewRequest("GET", e.Base+path, nil)
	tamper := func(key string, v any) []byte {
		m := map[string]any{}
		json.Unmarshal(good.Body, &m)
		if v == nil {
			delete(m, key)
		} else {
			m[key] = v
		}
		b, _ := json.Marshal(m)
		return b
	}
	mismatch := func(t *testing.T, err error, want string) {
		t.Helper()
		if !contract.IsMismatch(err) || !strings.Contains(err.Error(), "getAccount") || !strings.Contains(err.Error(), want) {
			t.Fatalf("want a mismatch of getAccount mentioning %q, got %v", want, err)
		}
	}

	t.Run("OK", func(t *testing.T) {
		if err := spec.Check(req, good.Status, good.Header, good.Body); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrWrongType", func(t *testing.T) {
		mismatch(t, spec.Check(req, 200, good.Header, tamper("name", 42)), `"name"`)
	})
	t.Run("ErrNotJSONObject", func(t *testing.T) {
		mismatch(t, spec.Check(req, 200, good.Header, []byte(`[]`)), "schema")
	})
	t.Run("ErrWrongContentType", func(t *testing.T) {
		h := http.Header{"Content-Type": {"application/json"}}
		mismatch(t, spec.Check(req, 200, h, good.Body), "application/json")
	})
	t.Run("ErrUndocumentedStatus", func(t *testing.T) {
		mismatch(t, spec.Check(req, http.StatusTeapot, good.Header, good.Body), "status")
	})
	t.Run("ErrErrorEnvelope", func(t *testing.T) {
		mismatch(t, spec.Check(req, 404, good.Header, []byte(`{"error":"not_found"}`)), "code")
	})
	t.Run("ErrValidationErrorShape", func(t *testing.T) {
		// The shape the spec's own ValidationErrorSchema shows, corrected by an exception.
		body := `{"code":"ValidationError","message":"m","_embedded":{"code":"ValidationError","message":"m"}}`
		mismatch(t, spec.Check(req, 400, good.Header, []byte(body)), "errors")
	})
	t.Run("ErrUnlistedRoute", func(t *testing.T) {
		r := httptest.NewRequest("GET", e.Base+"/reports", nil)
		if err := spec.Check(r, 200, good.Header, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "contract.Unspecified") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("SkipUnspecified", func(t *testing.T) {
		hz, _ := http.NewRequest("GET", e.Base+"/healthz", nil)
		res := e.Send(hz)
		if res.Status != 200 {
			t.Fatalf("healthz: %d", res.Status)
		}
		r := httptest.NewRequest("GET", e.Base+"/healthz", nil)
		if err := spec.Check(r, res.Status, res.Header, res.Body); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("FailsTheTest", func(t *testing.T) {
		rec := &recorder{TB: t}
		broken := *good
		broken.Body = tamper("id", 7)
		apptest.CheckContract(rec, req, &broken)
		if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "getAccount (GET /accounts/{id}) with status 200") {
			t.Fatalf("CheckContract reported %q", rec.errs)
		}
	})
}

// recorder is a testing.TB that keeps what Errorf reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}
