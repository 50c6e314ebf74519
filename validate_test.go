package masspay_test

import (
	"strings"
	"testing"
	"time"

	"masspay"
)

func TestValidCorrelationID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"a", true},
		{"batch-1.A_b", true},
		{strings.Repeat("x", 255), true},
		{"", false},
		{strings.Repeat("x", 256), false},
		{"has space", false},
		{"slash/no", false},
		{"é", false},
	} {
		if got := masspay.ValidCorrelationID(tc.in); got != tc.want {
			t.Errorf("ValidCorrelationID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidPersonName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"Jane", true},
		{"Ana-María O'Neil", true},
		{strings.Repeat("é", 50), true},
		{"", false},
		{"  ", false},
		{strings.Repeat("a", 51), false},
		{"<b>", false}, {"a=b", false}, {`a"b`, false}, {"a`b", false}, {"a!", false}, {"a?", false},
		{"5%", false}, {"a~", false}, {"$x", false}, {"{x}", false}, {`a\b`, false},
	} {
		if got := masspay.ValidPersonName(tc.in); got != tc.want {
			t.Errorf("ValidPersonName(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"jane@example.com", true},
		{"jane.doe+x@mail.example.org", true},
		{"", false},
		{"jane", false},
		{"jane@localhost", false},
		{"Jane <jane@example.com>", false},
		{"jane@@example.com", false},
		{" jane@example.com", false},
	} {
		if got := masspay.ValidEmail(tc.in); got != tc.want {
			t.Errorf("ValidEmail(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidRoutingNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"222222226", true},  // Dwolla sandbox
		{"021000021", true},  // JPMorgan Chase
		{"011000015", true},  // Federal Reserve Boston
		{"322271627", true},  // thrift range 21-32
		{"222222222", false}, // bad checksum
		{"131000000", false}, // prefix 13
		{"331000000", false}, // prefix 33
		{"000000000", false}, // prefix 00 (checksum passes)
		{"02100002", false},
		{"0210000210", false},
		{"02100002a", false},
	} {
		if got := masspay.ValidRoutingNumber(tc.in); got != tc.want {
			t.Errorf("ValidRoutingNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidAccountNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1234", true}, {"12345678901234567", true},
		{"123", false}, {"123456789012345678", false}, {"1234-5", false}, {"", false},
	} {
		if got := masspay.ValidAccountNumber(tc.in); got != tc.want {
			t.Errorf("ValidAccountNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidPostalCodeAndState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"50309", true}, {"50309-1234", true}, {"503091234", true},
		{"5030", false}, {"50309-123", false}, {"5030a", false}, {"503091-234", false},
	} {
		if got := masspay.ValidPostalCode(tc.in); got != tc.want {
			t.Errorf("ValidPostalCode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{{"IA", true}, {"ny", true}, {"DC", true}, {"PR", true}, {"XX", false}, {"Iowa", false}, {"", false}} {
		if got := masspay.ValidState(tc.in); got != tc.want {
			t.Errorf("ValidState(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidSSNAndEIN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1234", true}, {"123456789", true}, {"123-45-6789", true},
		{"123", false}, {"12-34", false}, {"12345678", false}, {"000456789", false}, {"123006789", false},
		{"123450000", false}, {"923456789", false}, {"12-345-6789", false}, {"abcd", false},
	} {
		if got := masspay.ValidSSN(tc.in); got != tc.want {
			t.Errorf("ValidSSN(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{{"123456789", true}, {"12-3456789", true}, {"123-456789", false}, {"12345678", false}, {"", false}} {
		if got := masspay.ValidEIN(tc.in); got != tc.want {
			t.Errorf("ValidEIN(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in           string
		valid, adult bool
	}{
		{"1990-01-31", true, true},
		{"2008-03-15", true, true}, // 18 today
		{"2008-03-16", true, false},
		{"2020-01-01", true, false},
		{"1899-12-31", false, true},
		{"1990-02-30", false, false},
		{"1990-1-5", false, false},
		{"01/05/1990", false, false},
	} {
		if got := masspay.ValidDate(tc.in); got != tc.valid {
			t.Errorf("ValidDate(%q) = %v, want %v", tc.in, got, tc.valid)
		}
		if tc.valid {
			if got := masspay.Adult(tc.in, now); got != tc.adult {
				t.Errorf("Adult(%q) = %v, want %v", tc.in, got, tc.adult)
			}
		}
	}
}
