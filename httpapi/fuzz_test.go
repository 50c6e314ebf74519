package httpapi

import (
	"reflect"
	"testing"

	"masspay"
)

// FuzzDecode: the generic decoder never panics on any body, and whatever it decodes holds only
// masspay.ValidText strings. Seeds are the bodies of decode_test.go and the mass payment tests
// (testdata/fuzz holds the corpus).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"_links":{"source":{"href":"https://api-sandbox.dwolla.com/funding-sources/abc"}},"items":[{"_links":{"destination":{"href":"/funding-sources/def"}},"amount":{"value":"1.00","currency":"USD"},"metadata":{"k":"v"},"correlationId":"c-1"}],"metadata":{"batch1":"batch1"},"correlationId":"6d127333","clearing":{"source":"next-available"},"achDetails":{"source":{"addenda":{"values":["ABC123_AddendaValue"]}}}}`,
		`{"items": [{"amount": 5}], "metadata": {"a": 1}, "status": true}`,
		`{"status": null, "b": 1, "a/x": null}`,
		`{"items":[{"amount":{"value":1e400}}]}`,
		`{"a\u0000":"\u0000"}`, `{"metadata":{"k\u0000":"v\u0000"},"correlationId":"\u0000","items":[{"metadata":{"a":"\u0000"}}]}`, "{\"x\":\"\xff\"}", `[]`, `{"a":1} {}`, `{"a":`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, decode := range []func([]byte) (any, error){
			func(b []byte) (any, error) {
				v, _, err := decodeBytes[masspay.MassPaymentInput](b, false)
				return v, err
			},
			func(b []byte) (any, error) { v, _, err := decodeBytes[masspay.CustomerInput](b, true); return v, err },
			func(b []byte) (any, error) {
				v, _, err := decodeBytes[masspay.MassPaymentUpdateInput](b, false)
				return v, err
			},
		} {
			v, err := decode(body)
			if err != nil {
				if e, ok := err.(*masspay.Error); !ok || e.Code == masspay.ECodeInternal {
					t.Fatalf("decode %q: %v, want a client error", body, err)
				}
				continue
			}
			walkStrings(reflect.ValueOf(v), func(s string) {
				if !masspay.ValidText(s) {
					t.Fatalf("decode %q kept %q, not ValidText", body, s)
				}
			})
		}
	})
}

// walkStrings calls fn with every string inside v (fields, elements, map keys and values,
// interfaces).
func walkStrings(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			walkStrings(v.Field(i), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), fn)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkStrings(k, fn)
			walkStrings(v.MapIndex(k), fn)
		}
	}
}
