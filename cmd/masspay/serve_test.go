package main

import (
	"slices"
	"testing"
	"time"
)

func TestParseDurations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    []time.Duration
		wantErr bool
	}{
		{"", nil, false},
		{"1s,2s", []time.Duration{time.Second, 2 * time.Second}, false},
		{" 15m , 45m", []time.Duration{15 * time.Minute, 45 * time.Minute}, false},
		{"1s,,2s", nil, true},
		{"-1s", nil, true},
		{"soon", nil, true},
	}
	for _, tc := range cases {
		got, err := parseDurations(tc.in)
		if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
			t.Errorf("parseDurations(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestParseClearing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"sandbox", 0, false},
		{"auto=30s", 30 * time.Second, false},
		{"auto=0s", 0, true},
		{"auto=", 0, true},
		{"auto", 0, true},
		{"manual", 0, true},
	}
	for _, tc := range cases {
		got, err := parseClearing(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseClearing(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
