// Package contract checks masspay's HTTP responses against Dwolla's published OpenAPI document
// (spec/openapi.yml, MIT, from Dwolla/dwolla-openapi @ d4901e43), so that "speaks Dwolla's v2
// API" is tested on every response the end-to-end tests receive, not asserted by hand. Where
// the document itself is wrong, the correction is written once, with its reason, in
// exceptions.go; everything else must match the document as published.
package contract

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

//go:embed spec/openapi.yml
var specYAML []byte

// Spec is Dwolla's OpenAPI document with the corrections of exceptions.go applied, and a router
// that finds the operation of a request.
type Spec struct {
	Doc    *openapi3.T
	router routers.Router
}

// Load parses the embedded document once per process; every test binary shares the result.
var Load = sync.OnceValues(func() (*Spec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("contract: load spec: %w", err)
	}
	for _, x := range Exceptions {
		if x.Patch == nil {
			continue
		}
		if err := x.Patch(doc); err != nil {
			return nil, fmt.Errorf("contract: exception %q no longer applies: %w", x.Name, err)
		}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: spec does not validate: %w", err)
	}
	// The spec's servers are Dwolla's hosts; the tests call 127.0.0.1 on a random port. With no
	// servers the router matches on method and path alone.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: router: %w", err)
	}
	return &Spec{Doc: doc, router: router}, nil
})

// Check validates one response to req against the operation the spec defines for it. It returns
// nil when the response conforms, or when the request is one the spec has no operation for and
// Unspecified explains why (see SkipReason).
func (s *Spec) Check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		if SkipReason(req, status) != "" {
			return nil
		}
		return fmt.Errorf("contract: %s %s answered %d, and Dwolla's spec has no such operation (%v); "+
			"if masspay serves it deliberately, list it in contract.Unspecified with the reason",
			req.Method, req.URL.Path, status, err)
	}
	op := route.Operation.OperationID
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			// A status the operation does not document is a mismatch too: masspay must answer
			// what Dwolla answers.
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return &MismatchError{Operation: op, Method: req.Method, Path: route.Path, Status: status, Body: body, Err: err}
	}
	return nil
}

// MismatchError reports a response that does not match Dwolla's spec.
type MismatchError struct {
	Operation    string // the spec's operationId, e.g. "getMassPayment"
	Method, Path string // the spec's path template, e.g. "/mass-payments/{id}"
	Status       int
	Body         []byte
	Err          error
}

func (e *MismatchError) Error() string {
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "contract: response to %s (%s %s) with status %d does not match Dwolla's spec:\n\t%v",
		e.Operation, e.Method, e.Path, e.Status, e.Err)
	if len(e.Body) > 0 {
		b := e.Body
		if len(b) > 2000 {
			b = append(b[:2000:2000], "..."...)
		}
		fmt.Fprintf(&msg, "\n\tbody: %s", b)
	}
	return msg.String()
}

func (e *MismatchError) Unwrap() error { return e.Err }

// IsMismatch tells whether err is a *MismatchError.
func IsMismatch(err error) bool {
	var m *MismatchError
	return errors.As(err, &m)
}
