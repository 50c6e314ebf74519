// Package pgtest gives tests a fresh PostgreSQL schema each, on the server that
// MASSPAY_TEST_DATABASE_URL names.
package pgtest

import (
	"context"
	"os"
	"testing"
	"time"

	"masspay/postgres"
)

// Env names the environment variable with the URL of the test database.
const Env = "MASSPAY_TEST_DATABASE_URL"

// URL returns the URL of a fresh schema for one test (see Require).
func URL(t testing.TB) string {
	t.Helper()
	return NewSchema(t, Require(t))
}

// Require returns MASSPAY_TEST_DATABASE_URL. Without it the test is skipped, except under
// CI=true, where PostgreSQL is required and the test fails.
func Require(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true requires the PostgreSQL tests", Env)
		}
		t.Skipf("%s is not set: skipping PostgreSQL tests", Env)
	}
	return base
}

// NewSchema creates a schema with a random name on the database at base, drops it when the test
// ends, and returns base with search_path set to it.
func NewSchema(t testing.TB, base string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, drop, err := postgres.NewSchema(ctx, base)
	if err != nil {
		t.Fatalf("create a schema on %s: %v", Env, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return u
}
