package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"masspay"
)

// textHeaders are the request headers masspay reads as text.
var textHeaders = []string{"Authorization", "Idempotency-Key"}

// guard refuses, before routing, what no route can serve (docs/security.md):
//   - a path that is not clean (an empty, "." or ".." segment: "//", "/./", "/../") or not
//     masspay.ValidText is answered as any unknown path (404 NotFound, after authentication),
//     not with the ServeMux's redirect to the cleaned path;
//   - a query parameter or a header masspay reads that is not masspay.ValidText is a 400.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cleanPath(r.URL.Path) || !masspay.ValidText(r.URL.Path) {
			s.notFound.ServeHTTP(w, r)
			return
		}
		if err := queryText(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, h := range textHeaders {
			if slices.ContainsFunc(r.Header.Values(h), func(v string) bool { return !masspay.ValidText(v) }) {
				s.writeError(w, r, badRequest("The %s header must be UTF-8 text.", h))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath reports whether p is an absolute path without empty, "." or ".." segments (a
// trailing slash is left to the routes).
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	segs := strings.Split(strings.TrimSuffix(p[1:], "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return true // "/"
	}
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// queryText checks every query parameter's name and values: a ValidationError at "/<name>".
func queryText(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	var f masspay.Fields
	for k, vs := range r.URL.Query() {
		if !masspay.ValidText(k) || slices.ContainsFunc(vs, func(v string) bool { return !masspay.ValidText(v) }) {
			f.Add(masspay.FCodeInvalid, "/"+strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "\uFFFD"), "Query parameters must be UTF-8 text without NUL characters.")
		}
	}
	return f.Err()
}

// Request bodies are bounded per route (routes.go): defaultBodyMax for every route but
// POST /mass-payments, whose largest legitimate body (5,000 items, every field at its longest:
// TestLargestMassPaymentFits measures it) fits massPaymentBodyMax.
const (
	defaultBodyMax     = 64 << 10
	massPaymentBodyMax = 32 << 20
)

// errBodyTooLarge is the 413 of a body over its route's bound.
func errBodyTooLarge(max int64) *masspay.Error {
	return &masspay.Error{Code: codeRequestTooLarge, Message: fmt.Sprintf("The request body must be at most %d bytes.", max)}
}

// codeRequestTooLarge is the code of a 413. Dwolla documents none; its SDKs know BadRequest.
const codeRequestTooLarge = "RequestTooLarge"

// bodyLimit bounds the request bodies of h to max bytes: a declared Content-Length over it is
// refused at once, before a byte is read, and any other body stops being read at max (readBody
// answers the same 413).
func bodyLimit(max int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close") // the rest of the body is not worth reading
			e := errBodyTooLarge(max)
			writeJSON(w, http.StatusRequestEntityTooLarge, obj{"code": e.Code, "message": e.Message})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		h.ServeHTTP(w, r)
	})
}
