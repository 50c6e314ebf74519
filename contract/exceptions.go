package contract

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Exception is one place where Dwolla's published document is wrong (it contradicts Dwolla's
// docs, its SDKs, or itself), and how the checker corrects it. Every correction is a Patch of
// the loaded document, so the rest of the response is still checked; a Patch that finds nothing
// to correct fails Load, so a fixed upstream spec makes the exception visibly stale.
type Exception struct {
	Name   string
	Reason string
	Patch  func(doc *openapi3.T) error
}

// Exceptions are all of the checker's departures from the spec as published (see
// ../shared/docs/dwolla-api.md section 5, and docs/compatibility.md).
var Exceptions = []Exception{
	{
		Name: "basicAuth security scheme",
		Reason: "POST /token requires security scheme basicAuth, which components.securitySchemes " +
			"never defines (only clientCredentials), so the document does not validate. Dwolla's " +
			"token endpoint takes HTTP Basic credentials; define the scheme as that.",
		Patch: func(doc *openapi3.T) error {
			if _, ok := doc.Components.SecuritySchemes["basicAuth"]; ok {
				return fmt.Errorf("basicAuth is defined")
			}
			doc.Components.SecuritySchemes["basicAuth"] = &openapi3.SecuritySchemeRef{
				Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("basic"),
			}
			return nil
		},
	},
	{
		Name: "application/vnd.dwolla.v1.hal media type",
		Reason: "the 429 of POST /webhook-subscriptions is declared as application/vnd.dwolla.v1.hal, " +
			"a typo: every Dwolla response, errors included, is application/vnd.dwolla.v1.hal+json, " +
			"and the TypeScript SDK parses typed errors only under that media type.",
		Patch: func(doc *openapi3.T) error {
			n := 0
			for _, op := range operations(doc) {
				for _, res := range op.Responses.Map() {
					if mt, ok := res.Value.Content["application/vnd.dwolla.v1.hal"]; ok {
						delete(res.Value.Content, "application/vnd.dwolla.v1.hal")
						res.Value.Content["application/vnd.dwolla.v1.hal+json"] = mt
						n++
					}
				}
			}
			return found(n, "application/vnd.dwolla.v1.hal")
		},
	},
	{
		Name: "ValidationError _embedded",
		Reason: "BadRequestSchema and ValidationErrorSchema put code and message directly under " +
			"_embedded; Dwolla's docs, its transfer error schemas and every SDK have " +
			"_embedded.errors[], each {code, message, path, _links}. Checked as the docs say.",
		Patch: func(doc *openapi3.T) error {
			for _, name := range []string{"BadRequestSchema", "ValidationErrorSchema"} {
				s, err := schema(doc, name)
				if err != nil {
					return err
				}
				if s.Properties["_embedded"] == nil || s.Properties["_embedded"].Value.Properties["code"] == nil {
					return fmt.Errorf("%s._embedded has no code", name)
				}
				s.Properties["_embedded"] = embeddedErrors()
			}
			return nil
		},
	},
	{
		Name: "common errors undeclared",
		Reason: "Dwolla's docs list errors that any endpoint can answer (400 BadRequest or " +
			"ValidationError, 401 InvalidCredentials/InvalidAccessToken/ExpiredAccessToken, 403 " +
			"Forbidden, 404 NotFound, 405, 406 InvalidVersion, 409 Conflict, 429 TooManyRequests, " +
			"500 ServerError), but most operations declare only some of them; masspay adds 413 for a body " +
			"over its route's bound (docs/security.md), which Dwolla does not document. Where an operation " +
			"leaves one out it is checked as Dwolla's common error envelope; POST /token, which " +
			"answers OAuth errors, as {error, error_description}. Declared responses are untouched.",
		Patch: func(doc *openapi3.T) error {
			hal := "application/vnd.dwolla.v1.hal+json"
			for path, item := range doc.Paths.Map() {
				for _, op := range item.Operations() {
					for _, status := range commonStatuses {
						key := fmt.Sprint(status)
						if op.Responses.Value(key) != nil {
							continue
						}
						res := openapi3.NewResponse().WithDescription(http.StatusText(status))
						if path == "/token" {
							res.WithJSONSchemaRef(oauthError())
						} else {
							res.Content = openapi3.NewContentWithSchemaRef(commonError(), []string{hal})
						}
						op.Responses.Set(key, &openapi3.ResponseRef{Value: res})
					}
				}
			}
			return nil
		},
	},
	{
		Name: "getCustomer without sole proprietorships",
		Reason: "the 200 of GET /customers/{id} lists four customer shapes and leaves out " +
			"VerifiedSolePropCustomer, which the customers list, POST /customers/{id} and the docs " +
			"include; a sole proprietorship is a verified business customer like any other.",
		Patch: func(doc *openapi3.T) error {
			item := doc.Paths.Value("/customers/{id}")
			if item == nil || item.Get == nil {
				return fmt.Errorf("no GET /customers/{id}")
			}
			s := item.Get.Responses.Value("200").Value.Content.Get("application/vnd.dwolla.v1.hal+json").Schema.Value
			for _, r := range s.OneOf {
				if strings.HasSuffix(r.Ref, "/VerifiedSolePropCustomer") {
					return fmt.Errorf("GET /customers/{id} lists VerifiedSolePropCustomer")
				}
			}
			s.OneOf = append(s.OneOf, doc.Components.Schemas["VerifiedSolePropCustomer"])
			return nil
		},
	},
	{
		Name: "oneOf response unions",
		Reason: "responses that can take several shapes (the 400s and 403s listing each error, the " +
			"customer types of GET /customers/{id}, balances) are written as oneOf without a " +
			"discriminator, over shapes that overlap: every error is {code, message}, so a correct " +
			"body matches several branches and oneOf, which demands exactly one, rejects it. Checked " +
			"as anyOf: the body must match at least one of the listed shapes.",
		Patch: func(doc *openapi3.T) error {
			n := 0
			for _, op := range operations(doc) {
				for _, res := range op.Responses.Map() {
					for _, mt := range res.Value.Content {
						if s := mt.Schema; s != nil && s.Value != nil && len(s.Value.OneOf) > 0 {
							// Copy: the schema may be a shared component.
							u := *s.Value
							u.AnyOf, u.OneOf = u.OneOf, nil
							mt.Schema = u.NewRef()
							n++
						}
					}
				}
			}
			return found(n, "oneOf response schema")
		},
	},
	{
		Name: "MassPayment metaData",
		Reason: "the MassPayment schema names the field metaData; Dwolla's docs, the request body and " +
			"the C# SDK use metadata, which masspay returns. Checked under the name used on the wire.",
		Patch: func(doc *openapi3.T) error {
			s, err := schema(doc, "MassPayment")
			if err != nil {
				return err
			}
			p, ok := s.Properties["metaData"]
			if !ok {
				return fmt.Errorf("MassPayment has no metaData")
			}
			delete(s.Properties, "metaData")
			s.Properties["metadata"] = p
			return nil
		},
	},
	{
		Name: "Events additionalProperties",
		Reason: "the Events schema nests additionalProperties (the HalLink of each link) under " +
			"properties, declaring a property literally named \"additionalProperties\" instead of " +
			"typing the links of _links. Moved where it was meant to be.",
		Patch: func(doc *openapi3.T) error {
			s, err := schema(doc, "Events")
			if err != nil {
				return err
			}
			p, ok := s.Properties["additionalProperties"]
			if !ok {
				return fmt.Errorf("Events has no property additionalProperties")
			}
			delete(s.Properties, "additionalProperties")
			links := s.Properties["_links"].Value
			links.AdditionalProperties = openapi3.AdditionalProperties{Schema: p}
			return nil
		},
	},
	{
		Name: "Transfer achDetails companyEntryDescription enum",
		Reason: "the spec limits achDetails.*.companyEntryDescription to NACHA's reserved descriptions " +
			"(REVERSAL, RECLAIM, NO CHECK, RETRY PMNT...), which only entries of those kinds must carry; " +
			"an ordinary entry carries the originator's own 10-character description (PAYROLL, PAYOUT), " +
			"which masspay shows as it sent it. Checked as a string.",
		Patch: func(doc *openapi3.T) error {
			s, err := schema(doc, "Transfer")
			if err != nil {
				return err
			}
			n := 0
			for _, side := range []string{"source", "destination"} {
				ach := s.Properties["achDetails"]
				if ach == nil || ach.Value.Properties[side] == nil {
					return fmt.Errorf("Transfer has no achDetails.%s", side)
				}
				if d := ach.Value.Properties[side].Value.Properties["companyEntryDescription"]; d != nil && len(d.Value.Enum) > 0 {
					d.Value.Enum = nil
					n++
				}
			}
			return found(n, "companyEntryDescription enum")
		},
	},
}

// Route is a request masspay serves that Dwolla's spec has no operation for.
type Route struct {
	Method string
	Path   string // a path pattern; {name} matches one segment
	Reason string
}

// Unspecified lists masspay's own endpoints. Their responses are not checked against the spec.
var Unspecified = []Route{
	{"GET", "/healthz", "masspay's liveness probe for process supervisors; not part of Dwolla's API."},
	{"GET", "/readyz", "masspay's readiness probe (store reachable, schema current) for load balancers; not part of Dwolla's API."},
	{"GET", "/webhooks/{id}/retries/{retryId}", "POST /webhooks/{id}/retries answers 201 with a Location at this path (as Dwolla's does), so the path must resolve; Dwolla's spec has no operation for it."},
}

// SkipReason says why a response to req, for which the spec has no operation, is not checked;
// "" means it must be.
func SkipReason(req *http.Request, status int) string {
	for _, r := range Unspecified {
		if r.Method == req.Method && matchPath(r.Path, req.URL.Path) {
			return r.Reason
		}
	}
	// A request for a path or method Dwolla does not have gets the API's own 404 NotFound or 405
	// MethodNotAllowed; there is no operation whose responses could describe it.
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		return "no such operation in Dwolla's API: answered " + http.StatusText(status)
	}
	return ""
}

func matchPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func operations(doc *openapi3.T) []*openapi3.Operation {
	var ops []*openapi3.Operation
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops = append(ops, op)
		}
	}
	return ops
}

func schema(doc *openapi3.T, name string) (*openapi3.Schema, error) {
	ref, ok := doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		return nil, fmt.Errorf("no schema %s", name)
	}
	return ref.Value, nil
}

func found(n int, what string) error {
	if n == 0 {
		return fmt.Errorf("%s not found", what)
	}
	return nil
}

// embeddedErrors is _embedded of a ValidationError as Dwolla's docs show it.
func embeddedErrors() *openapi3.SchemaRef {
	str := openapi3.NewStringSchema()
	item := openapi3.NewObjectSchema().
		WithProperty("code", str).WithProperty("message", str).WithProperty("path", str).
		WithProperty("_links", openapi3.NewObjectSchema())
	item.Required = []string{"code", "message", "path", "_links"}
	emb := openapi3.NewObjectSchema().WithProperty("errors", openapi3.NewArraySchema().WithItems(item))
	emb.Required = []string{"errors"}
	return emb.NewRef()
}

var commonStatuses = []int{400, 401, 403, 404, 405, 406, 409, 413, 429, 500}

// commonError is Dwolla's error envelope: {code, message}, with _embedded.errors[] on a
// ValidationError and _links (an "about" link) on some.
func commonError() *openapi3.SchemaRef {
	s := openapi3.NewObjectSchema().
		WithProperty("code", openapi3.NewStringSchema()).
		WithProperty("message", openapi3.NewStringSchema()).
		WithProperty("_links", openapi3.NewObjectSchema())
	s.Properties["_embedded"] = embeddedErrors()
	s.Required = []string{"code", "message"}
	return s.NewRef()
}

// oauthError is RFC 6749 section 5.2's error body, which the token endpoint answers and the
// dwolla-v2 SDKs detect by its error key.
func oauthError() *openapi3.SchemaRef {
	s := openapi3.NewObjectSchema().
		WithProperty("error", openapi3.NewStringSchema()).
		WithProperty("error_description", openapi3.NewStringSchema())
	s.Required = []string{"error"}
	return s.NewRef()
}
