package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"masspay"
)

// readBody reads a JSON request body. It checks the Content-Type (application/json or Dwolla's
// HAL type; a missing one is tolerated) and reads it within its route's bound (bodyLimit): a
// larger body is a 413, any other failure a 400, with a message that says what is wrong.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != MediaType && !strings.HasSuffix(mt, "+json")) {
			return nil, badRequest("Content-Type must be application/json or %s.", MediaType)
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if e, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errBodyTooLarge(e.Limit)
		}
		return nil, badRequest("The request body could not be read.")
	}
	return body, nil
}

// decode reads a request body that is one JSON object into a T (a request type of the domain)
// and returns it with its type errors: every value of the wrong JSON type, at its JSON pointer.
// A value of the wrong type leaves its field zero (a pointer nil); the domain's checks then judge
// what is left, and masspay.Judge keeps one error per place. A bad body (syntax, not an object)
// is a BadRequest error.
func decode[T any](w http.ResponseWriter, r *http.Request) (*T, masspay.Fields, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, nil, err
	}
	return decodeBytes[T](body, false)
}

// decodeStrict decodes a T and answers a body with values of the wrong JSON type with those
// alone, before any check (the creates and updates of customers and banks, as Dwolla does).
func decodeStrict[T any](w http.ResponseWriter, r *http.Request) (*T, error) {
	in, typeErrs, err := decode[T](w, r)
	if err != nil {
		return nil, err
	}
	return in, typeErrs.Err()
}

// checker is an input type whose checks need nothing but the request itself.
type checker[T any] interface {
	*T
	Validate(*masspay.Fields)
}

// decodeChecked decodes a T and judges it at once: its type errors and what its checks find, in
// one ValidationError (masspay.Judge).
func decodeChecked[T any, P checker[T]](w http.ResponseWriter, r *http.Request) (*T, error) {
	in, typeErrs, err := decode[T](w, r)
	if err != nil {
		return nil, err
	}
	return in, masspay.Judge(typeErrs, P(in).Validate).Err()
}

// decodeBytes is decode of a body already read. An empty body (or null) is an empty object when
// allowEmpty is set.
func decodeBytes[T any](body []byte, allowEmpty bool) (*T, masspay.Fields, error) {
	m, err := parseObject(body, allowEmpty)
	if err != nil {
		return nil, nil, err
	}
	var v T
	var f masspay.Fields
	decodeStruct(reflect.ValueOf(&v).Elem(), m, nil, &f)
	return &v, f, nil
}

// textErrors reports every member name and string value of the JSON value v (found at path)
// that is not masspay.ValidText: a NUL written as \u0000 (the body itself is UTF-8 by then).
// parseObject answers them alone, whatever the field: nothing with them is judged further.
func textErrors(v any, path string, f *masspay.Fields) {
	switch x := v.(type) {
	case string:
		if !masspay.ValidText(x) {
			f.Add(masspay.FCodeInvalid, path, "Text must not contain NUL characters.")
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p := masspay.Pointer(path, k)
			if !masspay.ValidText(k) {
				f.Add(masspay.FCodeInvalid, p, "Member names must not contain NUL characters.")
				continue
			}
			textErrors(x[k], p, f)
		}
	case []any:
		for i, e := range x {
			textErrors(e, fmt.Sprintf("%s/%d", path, i), f)
		}
	}
}

// parseObject parses body as one JSON object, numbers kept as their literal text, every string
// in it masspay.ValidText.
func parseObject(body []byte, allowEmpty bool) (map[string]any, error) {
	if allowEmpty {
		if t := bytes.TrimSpace(body); len(t) == 0 || string(t) == "null" {
			return map[string]any{}, nil
		}
	}
	if !utf8.Valid(body) {
		// encoding/json would quietly turn bad bytes into U+FFFD: refuse them instead.
		return nil, badRequest("The request body must be UTF-8 text.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest("The request body contains bad syntax or is incomplete.")
	}
	if dec.More() {
		return nil, badRequest("The request body contains bad syntax or is incomplete: more than one JSON value.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("The request body must be a JSON object.")
	}
	// Valid JSON can carry a NUL only as the escape \u0000 (a raw control byte is a syntax
	// error), and the body is valid UTF-8: without that escape every string is ValidText, and the
	// walk (a sort of every object's keys) is left out of the accept path.
	if bytes.Contains(body, []byte(`\u0000`)) {
		var f masspay.Fields
		textErrors(m, "", &f)
		if err := f.Err(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// at is the place of a JSON value in a request: a member key of the object at parent, or (elem)
// an element index of the array at parent. The JSON pointer is built only for an error
// (String), not for every value decoded.
type at struct {
	parent *at
	key    string
	index  int
	elem   bool
}

// String is the JSON pointer (RFC 6901) of the value.
func (a *at) String() string {
	if a == nil {
		return ""
	}
	if a.elem {
		return a.parent.String() + "/" + strconv.Itoa(a.index)
	}
	return masspay.Pointer(a.parent.String(), a.key)
}

var (
	amountTextType = reflect.TypeFor[masspay.AmountText]()
	keysType       = reflect.TypeFor[masspay.Keys]()
)

// field is a struct field that decodeStruct fills: its index, its json name, and its max= bound
// (-1: none). keys marks the masspay.Keys field, which receives the object's keys.
type field struct {
	index  int
	name   string
	maxLen int
	keys   bool
}

// fieldCache holds each request type's fields (reflect.Type to []field), read once.
var fieldCache sync.Map

func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Type == keysType {
			fs = append(fs, field{index: i, keys: true})
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		maxLen := -1
		if n, ok := strings.CutPrefix(opts, "max="); ok {
			maxLen, _ = strconv.Atoi(n)
		}
		fs = append(fs, field{index: i, name: name, maxLen: maxLen})
	}
	fieldCache.Store(t, fs)
	return fs
}

// decodeStruct fills the struct v from the object m found at path. Fields are matched by their
// json tag; a field of type masspay.Keys receives every key of m, sorted.
func decodeStruct(v reflect.Value, m map[string]any, path *at, f *masspay.Fields) {
	for _, fd := range fieldsOf(v.Type()) {
		if fd.keys {
			v.Field(fd.index).Set(reflect.ValueOf(masspay.Keys(slices.Sorted(maps.Keys(m)))))
			continue
		}
		raw, ok := m[fd.name]
		if !ok || raw == nil {
			continue // absent and null are the same: the field stays zero
		}
		decodeValue(v.Field(fd.index), raw, fd.name, &at{parent: path, key: fd.name}, fd.maxLen, f)
	}
}

// decodeValue sets v from the JSON value raw of the member key, at path. The messages are
// Dwolla-style: "<key> must be <kind>.", InvalidFormat, at the value's pointer.
func decodeValue(v reflect.Value, raw any, key string, path *at, maxLen int, f *masspay.Fields) bool {
	wrong := func(want string) bool {
		f.Add(masspay.FCodeInvalidFormat, path.String(), "%s must be %s.", key, want)
		return false
	}
	t := v.Type()
	switch {
	case t == amountTextType:
		// The decimal text the client sent: a JSON string, or a JSON number (the C# SDK sends
		// numbers) in its literal form. Nothing goes through a float.
		switch x := raw.(type) {
		case string:
			v.SetString(x)
		case json.Number:
			v.SetString(x.String())
		default:
			return wrong("a string or a number")
		}
	case t.Kind() == reflect.Interface:
		v.Set(reflect.ValueOf(raw)) // taken as it is: the domain judges it
	case t.Kind() == reflect.Pointer:
		elem := reflect.New(t.Elem())
		if decodeValue(elem.Elem(), raw, key, path, maxLen, f) {
			v.Set(elem)
		}
	case t.Kind() == reflect.String:
		s, ok := raw.(string)
		if !ok {
			return wrong("a string")
		}
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			return wrong("true or false")
		}
		v.SetBool(b)
	case t.Kind() == reflect.Map:
		// The only maps of requests are metadata: string keys to string values, and anything
		// else is Dwolla's "Invalid metadata." at the object's path.
		m, ok := raw.(map[string]any)
		out := make(map[string]string, len(m))
		for k, x := range m {
			s, isStr := x.(string)
			ok = ok && isStr
			out[k] = s
		}
		if !ok {
			f.Add(masspay.FCodeInvalid, path.String(), "Invalid metadata.")
			return false
		}
		v.Set(reflect.ValueOf(out))
	case t.Kind() == reflect.Slice:
		a, ok := raw.([]any)
		if !ok {
			return wrong("an array")
		}
		s := reflect.MakeSlice(t, len(a), len(a))
		if maxLen >= 0 && len(a) > maxLen {
			v.Set(s) // too many to judge one by one: the domain says so
			return true
		}
		for i, x := range a {
			ep := &at{parent: path, index: i, elem: true}
			if t.Elem().Kind() == reflect.Struct {
				m, ok := x.(map[string]any)
				if !ok {
					f.Add(masspay.FCodeInvalidFormat, ep.String(), "%s[%d] must be an object.", key, i)
					continue
				}
				decodeStruct(s.Index(i), m, ep, f)
				continue
			}
			str, ok := x.(string)
			if !ok {
				f.Add(masspay.FCodeInvalidFormat, ep.String(), "%s[%d] must be a string.", key, i)
				return false
			}
			s.Index(i).SetString(str)
		}
		v.Set(s)
	case t.Kind() == reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		decodeStruct(v, m, path, f)
	default:
		panic("decode: unsupported field type " + t.String())
	}
	return true
}

// pageOf reads a list request's limit and offset (masspay.PageQuery), or the ValidationError.
func pageOf(r *http.Request) (masspay.Page, error) {
	var f masspay.Fields
	p := masspay.PageQuery(r.URL.Query(), &f)
	return p, f.Err()
}
