package main

import (
	"bytes"
	"strings"
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

func TestSecurityFlags(t *testing.T) {
	t.Parallel()
	parse := func(env map[string]string, args ...string) (securityFlags, *bytes.Buffer, error) {
		var stderr bytes.Buffer
		fs := newFlagSet("serve", func(k string) string { return env[k] }, &stderr)
		s := fs.securityFlags()
		return s, &stderr, fs.parse(args)
	}
	s, _, err := parse(nil)
	if err != nil || *s.maxConns != 1024 || *s.allowPrivate != nil {
		t.Fatalf("defaults: max-conns %d allow-private %v, %v", *s.maxConns, *s.allowPrivate, err)
	}
	s, _, err = parse(map[string]string{"MASSPAY_WEBHOOK_ALLOW_PRIVATE": "false"}, "--webhook-allow-private", "--max-conns", "5")
	if err != nil || *s.maxConns != 5 || *s.allowPrivate == nil || !**s.allowPrivate {
		t.Fatalf("flags win over the environment: max-conns %d allow-private %v, %v", *s.maxConns, *s.allowPrivate, err)
	}
	if _, stderr, err := parse(nil, "--max-conns", "0"); err == nil || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "--max-conns") {
		t.Fatalf("--max-conns 0: %v, %q", err, stderr)
	}
}
