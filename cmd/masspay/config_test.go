package main

import (
	"bytes"
	"testing"
	"time"
)

func TestFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	newSet := func(getenv func(string) string) (*flagSet, *string, *time.Duration, *bool) {
		fs := newFlagSet("test", getenv, new(bytes.Buffer))
		return fs, fs.String("addr", "127.0.0.1:8080", ""), fs.Duration("lease", 30*time.Second, ""), fs.Bool("json", "")
	}
	t.Run("EnvSetsFlagsWin", func(t *testing.T) {
		fs, addr, lease, asJSON := newSet(env(map[string]string{"MASSPAY_ADDR": "127.0.0.1:9", "MASSPAY_LEASE": "2s", "MASSPAY_JSON": "true"}))
		if err := fs.parse([]string{"--addr", "127.0.0.1:10"}); err != nil {
			t.Fatal(err)
		}
		if *addr != "127.0.0.1:10" || *lease != 2*time.Second || !*asJSON {
			t.Fatalf("addr %q lease %v json %v", *addr, *lease, *asJSON)
		}
	})
	t.Run("ErrBadEnvValue", func(t *testing.T) {
		fs, _, _, _ := newSet(env(map[string]string{"MASSPAY_LEASE": "bogus"}))
		if err := fs.parse(nil); err != exitError(2) {
			t.Fatalf("err = %v, want exit status 2", err)
		}
	})
}
