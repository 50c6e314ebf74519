package httpapi

import (
	"reflect"
	"testing"

	"masspay"
)

// fieldsByPath maps each error's path to its code and message.
func fieldsByPath(f masspay.Fields) map[string]string {
	out := map[string]string{}
	for _, e := range f {
		out[e.Path] = e.Code + ": " + e.Message
	}
	return out
}

func TestDecodeReportsTypeErrorsAtTheirPointers(t *testing.T) {
	body := `{
		"_links": {"source": {"href": 5}},
		"status": true,
		"metadata": {"a": 1},
		"correlationId": "ok",
		"clearing": "standard",
		"achDetails": {"source": {"addenda": {"values": ["x", 2]}}},
		"items": [
			"not an object",
			{"_links": [], "amount": {"value": 12.50, "currency": "USD"}, "clearing": {"source": 3},
			 "processingChannel": {"destination": "instant"}},
			{"amount": {"value": false}, "metadata": {"k": "v"}, "a/b~c": 1}
		]
	}`
	in, f, err := decodeBytes[masspay.MassPaymentInput]([]byte(body), false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/_links/source/href":                 "InvalidFormat: href must be a string.",
		"/status":                             "InvalidFormat: status must be a string.",
		"/metadata":                           "Invalid: Invalid metadata.",
		"/clearing":                           "InvalidFormat: clearing must be an object.",
		"/achDetails/source/addenda/values/1": "InvalidFormat: values[1] must be a string.",
		"/items/0":                            "InvalidFormat: items[0] must be an object.",
		"/items/1/_links":                     "InvalidFormat: _links must be an object.",
		"/items/2/amount/value":               "InvalidFormat: value must be a string or a number.",
	}
	if got := fieldsByPath(f); !reflect.DeepEqual(got, want) {
		t.Fatalf("type errors:\n got %v\nwant %v", got, want)
	}
	items := *in.Items
	switch {
	case in.CorrelationID != "ok" || in.Metadata != nil || in.ACHDetails.Source.Addenda.Values != nil:
		t.Fatalf("top level = %+v", in)
	case len(items) != 3 || *items[1].Amount.Value != "12.50" || items[1].Amount.Currency != "USD":
		t.Fatalf("item 1 amount = %+v (a JSON number keeps its literal text)", items[1].Amount)
	case items[1].Clearing.Source != any(mustNumber("3")) || items[1].ProcessingChannel.Destination != "instant":
		t.Fatalf("item 1 = %+v", items[1])
	case items[2].Amount.Value != nil || items[2].Metadata["k"] != "v":
		t.Fatalf("item 2 = %+v (a value of the wrong type leaves its pointer nil)", items[2])
	}
}

func mustNumber(s string) any {
	m, err := parseObject([]byte(`{"n":`+s+`}`), false)
	if err != nil {
		panic(err)
	}
	return m["n"]
}

func TestDecodeKeysNullsAndLimits(t *testing.T) {
	in, f, err := decodeBytes[masspay.MassPaymentUpdateInput]([]byte(`{"status": null, "b": 1, "a/x": null}`), false)
	if err != nil || len(f) != 0 {
		t.Fatalf("decode: %v %v", err, f)
	}
	if in.Status != "" || !reflect.DeepEqual(in.Keys, masspay.Keys{"a/x", "b", "status"}) {
		t.Fatalf("input = %+v: null is absent, and Keys lists every member, sorted", in)
	}
	var judged masspay.Fields
	in.Validate(&judged)
	if got := fieldsByPath(judged); got["/a~1x"] == "" || got["/b"] == "" || len(got) != 2 {
		t.Fatalf("checks = %v, want NotAllowed at /a~1x and /b", got)
	}

	many := []byte(`{"items": [` + repeatJSON(`{"amount": 5}`, masspay.MaxItems+1) + `]}`)
	mp, f, err := decodeBytes[masspay.MassPaymentInput](many, false)
	if err != nil || len(f) != 0 || len(*mp.Items) != masspay.MaxItems+1 {
		t.Fatalf("over the limit: %v, %d type errors, %d items; want no element decoded", err, len(f), len(*mp.Items))
	}

	empty, f, err := decodeBytes[masspay.MicroDepositsInput]([]byte(" null "), true)
	if err != nil || len(f) != 0 || !empty.Initiate() {
		t.Fatalf("empty body: %v %v %+v", err, f, empty)
	}
	for _, bad := range []string{``, `[]`, `{"a":1} {}`, `{"a":`} {
		if _, _, err := decodeBytes[masspay.MicroDepositsInput]([]byte(bad), false); masspay.ErrorCode(err) != masspay.ECodeBadRequest {
			t.Errorf("body %q: %v, want BadRequest", bad, err)
		}
	}
}

func repeatJSON(v string, n int) string {
	b := make([]byte, 0, n*(len(v)+1))
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	return string(b)
}
