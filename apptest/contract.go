package apptest

import (
	"net/http"
	"testing"

	"masspay/contract"
)

// CheckContract fails the test (without stopping it) when res does not match the operation
// Dwolla's OpenAPI document defines for req, with the corrections listed in contract.Exceptions.
func CheckContract(t testing.TB, req *http.Request, res *Response) {
	t.Helper()
	spec, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Check(req, res.Status, res.Header, res.Body); err != nil {
		t.Errorf("%v", err)
	}
}
