package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"masspay"
)

// maxBody bounds a request body: a 5,000-item mass payment with generous metadata fits well
// below it.
const maxBody = 32 << 20

// readBody reads a JSON request body. It checks the Content-Type (application/json or Dwolla's
// HAL type; a missing one is tolerated), the size, and the syntax. Every failure is a 400 with
// a message that says what is wrong.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != MediaType && !strings.HasSuffix(mt, "+json")) {
			return nil, badRequest("Content-Type must be application/json or %s.", MediaType)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, badRequest("The request body is larger than %d MiB.", maxBody>>20)
		}
		return nil, badRequest("The request body could not be read.")
	}
	return body, nil
}

// decodeBody reads and parses a JSON object body and returns its walker, recording type errors
// into f.
func decodeBody(w http.ResponseWriter, r *http.Request, f *masspay.Fields, allowEmpty bool) (jobj, error) {
	body, err := readBody(w, r)
	if err != nil {
		return jobj{}, err
	}
	if allowEmpty && string(bytes.TrimSpace(body)) == "null" {
		body = nil
	}
	o, err := decodeObject(body, allowEmpty)
	o.f = f
	return o, err
}

// decodeObject parses body as one JSON object. An empty body is an empty object when
// allowEmpty is set.
func decodeObject(body []byte, allowEmpty bool) (jobj, error) {
	if allowEmpty && len(bytes.TrimSpace(body)) == 0 {
		return jobj{m: map[string]any{}}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return jobj{}, badRequest("The request body contains bad syntax or is incomplete.")
	}
	if dec.More() {
		return jobj{}, badRequest("The request body contains bad syntax or is incomplete: more than one JSON value.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return jobj{}, badRequest("The request body must be a JSON object.")
	}
	return jobj{m: m}, nil
}

// jobj walks a decoded JSON object, recording type errors with their JSON-pointer path in f.
type jobj struct {
	m    map[string]any
	path string
	f    *masspay.Fields
}

// pointerEscaper escapes a key for a JSON pointer (RFC 6901).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func (o jobj) at(key string) string {
	if strings.ContainsAny(key, "~/") {
		key = pointerEscaper.Replace(key)
	}
	return o.path + "/" + key
}

func (o jobj) has(key string) bool {
	v, ok := o.m[key]
	return ok && v != nil
}

func (o jobj) wrongType(key, want string) {
	o.f.Add(masspay.FCodeInvalidFormat, o.at(key), "%s must be %s.", key, want)
}

// str returns the string at key; "" when absent or null. A value of another type is an error.
func (o jobj) str(key string) string {
	v, ok := o.m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		o.wrongType(key, "a string")
	}
	return s
}

// boolean returns the bool at key and whether it was present.
func (o jobj) boolean(key string) (bool, bool) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return false, false
	}
	b, ok := v.(bool)
	if !ok {
		o.wrongType(key, "true or false")
		return false, false
	}
	return b, true
}

// object returns the object at key (an empty one when absent).
func (o jobj) object(key string) jobj {
	sub := jobj{m: map[string]any{}, path: o.at(key), f: o.f}
	v, ok := o.m[key]
	if !ok || v == nil {
		return sub
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.wrongType(key, "an object")
		return sub
	}
	sub.m = m
	return sub
}

// array returns the array at key and whether it was present as an array.
func (o jobj) array(key string) ([]any, bool) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		o.wrongType(key, "an array")
		return nil, false
	}
	return a, true
}

// elem returns element i of an array as an object walker.
func (o jobj) elem(key string, i int, v any) jobj {
	sub := jobj{m: map[string]any{}, path: fmt.Sprintf("%s/%d", o.at(key), i), f: o.f}
	m, ok := v.(map[string]any)
	if !ok {
		o.f.Add(masspay.FCodeInvalidFormat, sub.path, "%s[%d] must be an object.", key, i)
		return sub
	}
	sub.m = m
	return sub
}

// href returns _links.<rel>.href.
func (o jobj) href(rel string) (string, string) {
	l := o.object("_links").object(rel)
	return l.str("href"), l.at("href")
}

// amountValue returns amount.value as the decimal text the client sent: a JSON string, or a
// JSON number (the C# SDK sends numbers) in its literal form. Nothing goes through a float.
func (o jobj) amountValue(key string) (string, bool) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	o.wrongType(key, "a string or a number")
	return "", false
}

// metadata returns a metadata object: string keys to string values. Any other value type is
// reported as Dwolla's "Invalid metadata." at the object's path.
func (o jobj) metadata(key string) (map[string]string, bool) {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.f.Add(masspay.FCodeInvalid, o.at(key), "Invalid metadata.")
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			o.f.Add(masspay.FCodeInvalid, o.at(key), "Invalid metadata.")
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// strings returns an array of strings (addenda values).
func (o jobj) strings(key string) ([]string, bool) {
	a, ok := o.array(key)
	if !ok {
		return nil, false
	}
	out := make([]string, len(a))
	for i, v := range a {
		s, ok := v.(string)
		if !ok {
			o.f.Add(masspay.FCodeInvalidFormat, fmt.Sprintf("%s/%d", o.at(key), i), "%s[%d] must be a string.", key, i)
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// pageOf reads a list request's limit and offset (see parsePage), or the ValidationError.
func pageOf(r *http.Request) (masspay.Page, error) {
	var f masspay.Fields
	p := parsePage(r, &f)
	return p, f.Err()
}
