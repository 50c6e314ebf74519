// Package storetest is the behavioural suite every masspay.Store must pass. The sqlite and
// postgres packages run it on their own backend:
//
//	func TestStore(t *testing.T) { storetest.Run(t, newStore) }
//
// Each test gets a fresh, migrated store from newStore and closes nothing itself: newStore
// registers its own cleanup.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"masspay"
)

// NewStoreFunc opens a fresh, empty, migrated store for one test.
type NewStoreFunc func(t *testing.T) masspay.Store

type test struct {
	name string
	fn   func(t *testing.T, newStore NewStoreFunc)
}

// Run runs the whole suite, each test in parallel on its own store.
func Run(t *testing.T, newStore NewStoreFunc) {
	var tests []test
	for _, group := range [][]test{txTests, notifyTests, accountTests, customerTests, fundingSourceTests,
		massPaymentTests, itemTests, transferTests, eventTests, idempotencyTests, violationTests, webhookTests, achTests, achReturnTests, backlogTests} {
		tests = append(tests, group...)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore)
		})
	}
}

// t0 has nanoseconds and a zone other than UTC on purpose: stores keep microseconds in UTC.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("UTC+5:30", 5*3600+1800))

// at returns t0 plus sec seconds.
func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// stored is what a store gives back for tm: microsecond precision, in UTC.
func stored(tm time.Time) time.Time {
	if tm.IsZero() {
		return time.Time{}
	}
	return tm.Truncate(time.Microsecond).UTC()
}

var errBoom = errors.New("boom")

// fx is one test's store and the helpers that fill it.
type fx struct {
	t   *testing.T
	s   masspay.Store
	ctx context.Context
}

func setup(t *testing.T, newStore NewStoreFunc) *fx {
	return &fx{t: t, s: newStore(t), ctx: t.Context()}
}

// write runs fn in a write transaction and fails the test if it returns an error.
func (f *fx) write(fn func(q masspay.Q) error) {
	f.t.Helper()
	if err := f.s.Write(f.ctx, fn); err != nil {
		f.t.Fatalf("write: %v", err)
	}
}

// read runs fn in a read transaction and fails the test if it returns an error.
func (f *fx) read(fn func(q masspay.Q) error) {
	f.t.Helper()
	if err := f.s.Read(f.ctx, fn); err != nil {
		f.t.Fatalf("read: %v", err)
	}
}

// writeErr runs fn in a write transaction and returns its error.
func (f *fx) writeErr(fn func(q masspay.Q) error) error {
	return f.s.Write(f.ctx, fn)
}

// exec runs raw SQL (no parameters, so that it reads the same on every backend) on the store's
// database, to build states the Q methods refuse to build. Stores without ExecSQL skip the test.
func (f *fx) exec(query string) {
	f.t.Helper()
	db, ok := f.s.(interface {
		ExecSQL(ctx context.Context, query string) error
	})
	if !ok {
		f.t.Skipf("store %T has no ExecSQL for raw SQL", f.s)
	}
	if err := db.ExecSQL(f.ctx, query); err != nil {
		f.t.Fatalf("exec %q: %v", query, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// equal fails the test when got and want differ, showing both as JSON.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// ids returns the IDs of list, by the id function, for readable comparisons of order.
func ids[T any](list []T, id func(T) string) []string {
	out := []string{}
	for _, v := range list {
		out = append(out, id(v))
	}
	return out
}
