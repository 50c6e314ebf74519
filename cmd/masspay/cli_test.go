package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/sqlite"
)

// runBin runs the binary with env added to this process's environment (MASSPAY_* variables of the
// test run left out) and returns its exit code, stdout and stderr.
func runBin(t *testing.T, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runBinIn(t, "", bin, env, args...)
}

// runBinIn is runBin in working directory wd.
func runBinIn(t *testing.T, wd, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	// A command that should stop at once but serves instead must not hang the test.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = wd
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MASSPAY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return 0, out.String(), errb.String()
}

// Every refused value is one line on stderr, exit status 2, naming the flag (or variable) and
// what it wants; nothing is started or created.
func TestCLIRefuses(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-store")
	cases := []struct {
		env  []string
		args []string
		want []string // substrings of the one line
	}{
		{nil, []string{"serve", "--database", "mysql://u@h/db"}, []string{"--database", "postgres://", "postgresql://", "--data"}},
		{nil, []string{"serve", "--database", "host=127.0.0.1 user=postgres"}, []string{"--database", "postgres://"}},
		{nil, []string{"serve", "--database", "sqlite://" + dir}, []string{"--database", "postgres://"}},
		{[]string{"MASSPAY_DATABASE=mysql://u@h/db"}, []string{"serve"}, []string{"MASSPAY_DATABASE", "--database", "postgres://"}},
		{nil, []string{"apps", "create", "--database", "postgre://x"}, []string{"--database", "postgres://"}},
		{nil, []string{"verify", "--database", "localhost:5432"}, []string{"--database", "postgres://"}},
		{nil, []string{"serve", "--lease", "5"}, []string{"--lease", `"5"`, "a positive duration such as 30s"}},
		{[]string{"MASSPAY_LEASE=5"}, []string{"serve"}, []string{"MASSPAY_LEASE", "--lease", "a positive duration such as 30s"}},
		{nil, []string{"serve", "--poll", "-1s"}, []string{"--poll", "a positive duration"}},
		{nil, []string{"serve", "--log-format", "xml"}, []string{"--log-format", "text or json"}},
		{nil, []string{"serve", "--log-format", "JSON "}, []string{"--log-format", "text or json"}},
		{nil, []string{"serve", "--addr", "8080"}, []string{"--addr", "an address such as 127.0.0.1:8080"}},
		{nil, []string{"serve", "--metrics-addr", "localhost"}, []string{"--metrics-addr", `"off"`}},
		{nil, []string{"serve", "--item-limit", "0"}, []string{"--item-limit", "a positive amount"}},
		{nil, []string{"serve", "--item-limit", "1e3"}, []string{"--item-limit", "a positive amount"}},
		{nil, []string{"serve", "--clearing", "auto"}, []string{"--clearing", "sandbox, ach or auto=DURATION"}},
		{nil, []string{"serve", "--webhook-retries", "1s,soon"}, []string{"--webhook-retries", "positive durations", `"soon"`}},
		{nil, []string{"serve", "--public-url", "example.com"}, []string{"--public-url", "http://"}},
		{nil, []string{"serve", "--no-such-flag"}, []string{"unknown flag --no-such-flag"}},
		{nil, []string{"serve", "stray"}, []string{`unexpected argument "stray"`}},
		{nil, []string{"apps", "create", "--balance", "12.345"}, []string{"--balance", "an amount such as 5000.00"}},
		{nil, []string{"apps", "create", "--json=maybe"}, []string{"--json", "true or false"}},
		{nil, []string{"bench", "--items", "0"}, []string{"--items", "a whole number of at least 1"}},
		{nil, []string{"bench", "--rounds", "x"}, []string{"--rounds", "a whole number"}},
		{nil, []string{"bench", "--postgres", "mysql://x"}, []string{"--postgres", "postgres://"}},
		{nil, []string{"verify", "--data", missing}, []string{"--data", missing, "no such directory"}},
	}
	for _, c := range cases {
		code, stdout, stderr := runBinIn(t, dir, bin, c.env, c.args...)
		line := strings.TrimSuffix(stderr, "\n")
		if code != 2 || stdout != "" || strings.Contains(line, "\n") {
			t.Errorf("%v %v: exit %d, stdout %q, stderr %q; want exit 2 and one line", c.env, c.args, code, stdout, stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("%v %v: %q does not say %q", c.env, c.args, line, w)
			}
		}
	}
	// Nothing was made: no store for the refused commands, and no directory for verify.
	for _, p := range []string{filepath.Join(dir, "masspay-data"), missing} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists after refused commands (%v)", p, err)
		}
	}
	// -h still shows the flags, and exits 0.
	if code, _, stderr := runBin(t, bin, nil, "serve", "-h"); code != 0 || !strings.Contains(stderr, "-metrics-addr") {
		t.Errorf("serve -h: exit %d, %q", code, stderr)
	}
}

// `masspay version` prints the module version and the VCS revision the toolchain recorded (this
// test's binary is built without VCS stamping, so versionLine is also checked on a build info
// that has one).
func TestVersion(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	code, stdout, _ := runBin(t, bin, nil, "version")
	if code != 0 || !regexp.MustCompile(`^masspay \(devel\) \(go1\.\d+[^)]*\)\n$`).MatchString(stdout) {
		t.Errorf("masspay version: exit %d, %q", code, stdout)
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "masspay", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-11-21T01:46:02Z"},
			{Key: "vcs.modified", Value: "true"}}}
	want := "masspay v1.4.0 (go1.26.8, revision 0123456789abcdef with uncommitted changes, committed 2026-11-21T01:46:02Z)"
	if got := versionLine(info); got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
}

// fileState is what must not change when a store is only read: names, sizes, times, contents.
func fileState(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = info.Mode().String() + " " + info.ModTime().String() + " " + fmt.Sprintf("%x", sha256.Sum256(b))
	}
	return out
}

// verify on a read-only copy of a store (as a backup restored to a read-only mount) reads it
// and writes nothing: no -wal or -shm, no byte or time changed. Tests run as root, which
// permission bits do not stop, so the check is on the files themselves.
func TestVerifyReadOnlyCopy(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	orig := filepath.Join(dir, "data")
	if code, _, stderr := runBin(t, bin, nil, "apps", "create", "--data", orig); code != 0 {
		t.Fatalf("apps create: %d %s", code, stderr)
	}
	copyDir := filepath.Join(dir, "copy")
	if out, err := exec.Command("cp", "-a", orig, copyDir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if out, err := exec.Command("chmod", "-R", "a-w", copyDir).CombinedOutput(); err != nil {
		t.Fatalf("chmod: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chmod", "-R", "u+w", copyDir).Run() })
	before := fileState(t, copyDir)
	time.Sleep(10 * time.Millisecond) // a write now would show in the times
	code, stdout, stderr := runBin(t, bin, nil, "verify", "--data", copyDir)
	if code != 0 || !strings.Contains(stdout, "ok") {
		t.Fatalf("verify on a read-only copy: exit %d, %q %q", code, stdout, stderr)
	}
	after := fileState(t, copyDir)
	if len(after) != len(before) || len(before) != 1 {
		t.Fatalf("files before %v, after %v; want masspay.db alone, unchanged", keys(before), keys(after))
	}
	for name, s := range before {
		if after[name] != s {
			t.Errorf("%s changed", name)
		}
	}
}

// verify on PostgreSQL only reads, as on a read-only SQLite copy: on a schema that is a
// migration behind it says so and applies nothing (it used to migrate the schema it was asked to
// check).
func TestVerifyPostgresReadsOnly(t *testing.T) {
	t.Parallel()
	url := apptest.DatabaseURL(t)
	if url == "" {
		t.Skip("needs " + apptest.DatabaseURLEnv)
	}
	bin := buildBinary(t)
	if code, _, stderr := runBin(t, bin, nil, "apps", "create", "--database", url); code != 0 {
		t.Fatalf("apps create: %d %s", code, stderr)
	}
	if code, stdout, stderr := runBin(t, bin, nil, "verify", "--database", url); code != 0 || !strings.Contains(stdout, "ok") {
		t.Fatalf("verify: exit %d, %q %q", code, stdout, stderr)
	}
	st, err := app.OpenStore(t.Context(), "", url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	version := func() int64 {
		t.Helper()
		v, err := st.SchemaVersion(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	last := version()
	// The last migration forgotten: the schema is one behind, as before an upgrade.
	if err := st.ExecSQL(t.Context(), fmt.Sprintf(`DELETE FROM goose_db_version WHERE version_id = %d`, last)); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runBin(t, bin, nil, "verify", "--database", url)
	if code == 0 || !strings.Contains(stderr, "cannot verify this store") || !strings.Contains(stderr, "masspay serve upgrades") {
		t.Fatalf("verify on a schema one migration behind: exit %d, %q %q", code, stdout, stderr)
	}
	if v := version(); v >= last {
		t.Fatalf("after verify the schema is at %d, want below %d (nothing applied)", v, last)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// One server per SQLite data directory: a second is refused with a message that says why, and
// its start-up step that releases in-flight idempotency keys never runs; apps create and verify
// still work beside the first.
func TestOneServerPerDataDirectory(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	first := startServer(t, bin, "--data", dir, "--metrics-addr", "off")

	// A key in flight, as if the first server were serving its request.
	st, err := app.OpenStore(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	rec := &masspay.IdempotencyRecord{ApplicationID: "app", Key: "k1", Fingerprint: "f", Owner: "first-server",
		State: masspay.IdempotencyInFlight, LockedUntil: now.Add(time.Minute), Expires: now.Add(time.Hour)}
	if err := st.Write(context.Background(), func(q masspay.Q) error { return q.IdempotencyInsert(context.Background(), rec) }); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := runBin(t, bin, nil, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--data", dir)
	if code == 0 || !strings.Contains(stderr, "another masspay server is running on data directory "+dir) {
		t.Fatalf("second serve: exit %d, %q; want a refusal naming the directory", code, stderr)
	}
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("second serve: %q, want one line", stderr)
	}
	err = st.Read(context.Background(), func(q masspay.Q) error {
		got, err := q.IdempotencyGet(context.Background(), "app", "k1")
		if err == nil && got.State != masspay.IdempotencyInFlight {
			t.Errorf("the first server's key is %s", got.State)
		}
		return err
	})
	if err != nil {
		t.Fatalf("the first server's in-flight key after a second server tried to start: %v", err)
	}

	if code, _, stderr := runBin(t, bin, nil, "apps", "create", "--data", dir); code != 0 {
		t.Errorf("apps create beside the server: exit %d %s", code, stderr)
	}
	if code, stdout, stderr := runBin(t, bin, nil, "verify", "--data", dir); code != 0 || !strings.Contains(stdout, "ok") {
		t.Errorf("verify beside the server: exit %d %s %s", code, stdout, stderr)
	}
	if res, err := httpGet(first.base + "/healthz"); err != nil || res != 200 {
		t.Errorf("first server after all that: %d %v", res, err)
	}
	// Once the first stops, the directory is free.
	first.kill()
	second := startServer(t, bin, "--data", dir, "--metrics-addr", "off")
	second.kill()
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatal(err)
	}
}

// A first start that cannot bind its port prints no credentials and creates no account; the
// next start that can, prints them.
func TestFirstStartCredentialsSurviveABusyPort(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	code, stdout, stderr := runBin(t, bin, nil, "serve", "--addr", busy.Addr().String(), "--metrics-addr", "off", "--data", dir)
	if code == 0 || stdout != "" || !strings.Contains(stderr, "address already in use") {
		t.Fatalf("serve on a busy port: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// The busy metrics port stops a start the same way.
	code, stdout, _ = runBin(t, bin, nil, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", busy.Addr().String(), "--data", dir)
	if code == 0 || stdout != "" {
		t.Fatalf("serve on a busy metrics port: exit %d, stdout %q", code, stdout)
	}

	srv := startServer(t, bin, "--data", dir, "--metrics-addr", "off")
	srv.cmd.Process.Signal(os.Interrupt)
	srv.cmd.Wait()
	out := srv.cmd.Stdout.(*bytes.Buffer).String()
	for _, w := range []string{"account:", "key:", "secret:"} {
		if !strings.Contains(out, w) {
			t.Fatalf("the first good start printed %q, want the credentials", out)
		}
	}
}

func httpGet(url string) (int, error) {
	res, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}
