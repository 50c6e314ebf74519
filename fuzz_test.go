package masspay_test

import (
	"strings"
	"testing"

	"masspay"
)

// FuzzParseAmount: any text parses to cents within [0, MaxCents] that print back to the same
// cents, or is refused; nothing panics. Seeds are the amounts of the tests (testdata/fuzz holds
// the corpus).
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1.00", "0.01", "12.5", "5000.00", "10000.00", "999999999999999.99", "1e3", "-1", " 1", "1.", ".5", "1.234", "０.５", "1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := masspay.ParseAmount(s)
		if err != nil {
			return
		}
		if c < 0 || c > masspay.MaxCents {
			t.Fatalf("ParseAmount(%q) = %d, out of range", s, c)
		}
		if strings.Trim(s, "0123456789.") != "" {
			t.Fatalf("ParseAmount(%q) accepted a character other than digits and '.'", s)
		}
		if back, err := masspay.ParseAmount(masspay.FormatAmount(c)); err != nil || back != c {
			t.Fatalf("ParseAmount(%q) = %d, which prints as %q and reads back as %d, %v", s, c, masspay.FormatAmount(c), back, err)
		}
	})
}

// FuzzHrefID: an id taken from an href is never empty, never spans segments and is always
// masspay.ValidText (PostgreSQL refuses NUL and invalid UTF-8).
func FuzzHrefID(f *testing.F) {
	for _, s := range []string{"https://api-sandbox.dwolla.com/funding-sources/5a3a1b8c-0c1f-4f7e-9f0e-1c2d3e4f5a6b",
		"/funding-sources/abc", "http://127.0.0.1:8080/funding-sources/x/", "https://h/funding-sources/%00",
		"https://h/funding-sources/%ff%fe", "/funding-sources/\x89", "https://h/customers/x", "://", "/funding-sources/a/b"} {
		f.Add(s, "funding-sources")
	}
	f.Fuzz(func(t *testing.T, href, collection string) {
		id, ok := masspay.HrefID(href, collection)
		if !ok {
			return
		}
		if id == "" || strings.Contains(id, "/") || !masspay.ValidText(id) {
			t.Fatalf("HrefID(%q, %q) = %q", href, collection, id)
		}
	})
}
