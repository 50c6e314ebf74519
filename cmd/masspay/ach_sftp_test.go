package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"masspay/achlink/sshdtest"
	"masspay/app"
	"masspay/apptest"
)

// runACHCmd runs the binary and returns its standard output; it fails the test on an error.
func runACHCmd(t *testing.T, bin string, args ...string) string {
	t.Helper()
	code, out, errOut := runBin(t, bin, nil, args...)
	if code != 0 {
		t.Fatalf("masspay %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// names lists a folder's entries.
func names(dir string) []string {
	es, _ := os.ReadDir(dir)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// dropFile puts a file in a folder as a bank does: a hidden temporary name, then a rename.
func dropFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	tmp := filepath.Join(dir, ".incoming-"+name)
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// achServed is `masspay serve --clearing ach` on a fresh store, with a client of its account and
// a second handle on the store.
type achServed struct {
	bin, achDir string
	storeArgs   []string
	srv         *server
	c           *apptest.Client
	env         *apptest.Env
	balance     string
}

// serveACH starts the server with the ACH flags, an outbound folder <tmp>/ach/outbound, and extra.
func serveACH(t *testing.T, extra ...string) *achServed {
	t.Helper()
	s := &achServed{bin: buildBinary(t), achDir: filepath.Join(t.TempDir(), "ach", "outbound")}
	dir, dbURL, storeArgs := testStore(t)
	s.storeArgs = storeArgs
	accountID, key, secret := appsCreate(t, s.bin, storeArgs...)
	s.srv = startServer(t, s.bin, append(append(append([]string{}, storeArgs...), achArgs(s.achDir)...), extra...)...)
	s.c = &apptest.Client{T: t, Base: s.srv.base, Key: key, Secret: secret, AccountID: accountID}
	st, err := app.OpenStore(context.Background(), dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s.env = &apptest.Env{T: t, Store: st, Base: s.srv.base}
	_, s.balance = s.env.Funding(s.c)
	return s
}

// verify runs `masspay verify`, which must pass.
func (s *achServed) verify(t *testing.T, step string) {
	t.Helper()
	if o, err := exec.Command(s.bin, append([]string{"verify"}, s.storeArgs...)...).CombinedOutput(); err != nil {
		t.Fatalf("verify after %s: %v: %s", step, err, o)
	}
}

// pay runs a balance batch of 10.00 to each payee and returns its item transfers.
func (s *achServed) pay(t *testing.T, ps ...apptest.Payee) []string {
	t.Helper()
	loc := s.c.Post("/mass-payments", apptest.MassPayment(s.balance, "10.00", apptest.Hrefs(ps)...)).Created(t)
	s.c.WaitStatus(loc, "complete")
	var ids []string
	for _, it := range apptest.Dig(s.c.Get(loc+"/items").OK(t), "_embedded", "items").([]any) {
		ids = append(ids, apptest.ID(apptest.Dig(it, "_links", "transfer", "href").(string)))
	}
	return ids
}

func (s *achServed) stop() {
	s.srv.cmd.Process.Signal(syscall.SIGTERM)
	s.srv.cmd.Wait()
}

// End to end through a real OpenSSH server: `masspay serve --clearing ach --ach-sftp ...`
// uploads the cutoff's file; a return file dropped in the inbound folder fails its transfer and
// is archived; with the server down, a new file and a new return wait, and once it is up again
// each is uploaded or imported exactly once. `masspay verify` is clean after each step. The
// commands beside the server (ach return, import, corrections, ls) are checked on the way.
func TestACHOverSFTP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	t.Parallel()
	sshd := sshdtest.Start(t)
	root := t.TempDir() // the bank's side, served by sshd
	out, in := filepath.Join(root, "outbound"), filepath.Join(root, "inbound")
	os.MkdirAll(out, 0o755)
	os.MkdirAll(in, 0o755)
	s := serveACH(t, "--ach-sftp", sshd.URL(out), "--ach-sftp-key", sshd.KeyFile, "--ach-sftp-known-hosts", sshd.KnownHosts,
		"--ach-sftp-inbound", in, "--ach-poll", "200ms", "--ach-sftp-timeout", "5s")
	bin, storeArgs, c := s.bin, s.storeArgs, s.c
	payees := s.env.Payees(c, 4)
	verify := func(step string) { t.Helper(); s.verify(t, step) }
	pay := func(ps ...apptest.Payee) []string { t.Helper(); return s.pay(t, ps...) }
	status := func(id string) string { return c.Get("/transfers/" + id).OK(t)["status"].(string) }
	achFiles := func(dir string) []string {
		var out []string
		for _, n := range names(dir) {
			if strings.HasSuffix(n, ".ach") || strings.HasSuffix(n, ".tmp") {
				out = append(out, n)
			}
		}
		return out
	}

	// 1. The cutoff's file reaches the bank's folder, once, under its name.
	ids := pay(payees[0], payees[1])
	path := strings.TrimSpace(runACHCmd(t, bin, append([]string{"ach", "cutoff"}, storeArgs...)...))
	sent, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upload", func() bool {
		b, err := os.ReadFile(filepath.Join(out, filepath.Base(path)))
		return err == nil && string(b) == string(sent)
	})
	if got := achFiles(out); !slices.Equal(got, []string{filepath.Base(path)}) {
		t.Fatalf("the bank's outbound folder holds %v", got)
	}
	waitFor(t, "the upload recorded", func() bool {
		return !strings.Contains(runACHCmd(t, bin, append([]string{"ach", "ls"}, storeArgs...)...), " - ")
	})
	verify("the upload")

	// 2. A return in the inbound folder fails its transfer; the file is archived.
	r03 := filepath.Join(t.TempDir(), "r03.ach")
	runACHCmd(t, bin, append([]string{"ach", "return", "--transfer", ids[0], "--code", "R03", "--out", r03}, storeArgs...)...)
	b, _ := os.ReadFile(r03)
	dropFile(t, in, "RETURNS-1.ach", b)
	waitFor(t, "the return applied", func() bool { return status(ids[0]) == "failed" })
	waitFor(t, "the return archived", func() bool {
		return len(achFiles(in)) == 0 && slices.Equal(names(filepath.Join(in, "archive")), []string{"RETURNS-1.ach"})
	})
	if f := c.Get("/transfers/" + ids[0] + "/failure").OK(t); f["code"] != "R03" {
		t.Fatalf("failure %v", f)
	}
	verify("the return")
	// The same file imported by hand beside the server: nothing changes.
	if o := runACHCmd(t, bin, append([]string{"ach", "import", r03}, storeArgs...)...); !strings.Contains(o, "imported already") {
		t.Fatalf("second import: %s", o)
	}

	// 3. The server goes down: a new file and a new return wait; nothing is lost or doubled.
	sshd.Stop()
	ids2 := pay(payees[2], payees[3])
	path2 := strings.TrimSpace(runACHCmd(t, bin, append([]string{"ach", "cutoff"}, storeArgs...)...))
	r01 := filepath.Join(t.TempDir(), "r.ach")
	runACHCmd(t, bin, append([]string{"ach", "return", "--transfer", ids2[0], "--code", "R16", "--out", r01}, storeArgs...)...)
	b, _ = os.ReadFile(r01)
	dropFile(t, in, "RETURNS-2.ach", b)
	time.Sleep(time.Second) // five polls against a dead server
	if got := achFiles(out); len(got) != 1 || status(ids2[0]) != "pending" {
		t.Fatalf("with the server down: outbound %v, transfer %s", got, status(ids2[0]))
	}
	verify("the server going down")
	sshd.Restart()
	waitFor(t, "the upload after the server came back", func() bool { return len(achFiles(out)) == 2 })
	waitFor(t, "the return after the server came back", func() bool { return status(ids2[0]) == "failed" })
	waitFor(t, "the second return archived", func() bool { return len(names(filepath.Join(in, "archive"))) == 2 })
	time.Sleep(500 * time.Millisecond) // more polls: nothing more may happen
	if got := achFiles(out); !slices.Equal(got, []string{filepath.Base(path), filepath.Base(path2)}) {
		t.Fatalf("the bank's outbound folder holds %v", got)
	}
	b2, _ := os.ReadFile(path2)
	if got, _ := os.ReadFile(filepath.Join(out, filepath.Base(path2))); string(got) != string(b2) {
		t.Fatal("the file uploaded after the outage differs from the one made")
	}
	if status(ids2[1]) != "pending" || status(ids[1]) != "pending" {
		t.Fatal("a transfer no return named changed")
	}
	verify("the server coming back")

	// 4. An NOC imported by hand, shown masked; a broken file is refused in one line.
	noc := filepath.Join(t.TempDir(), "noc.ach")
	runACHCmd(t, bin, append([]string{"ach", "return", "--transfer", ids[1], "--code", "C01", "--corrected-data", "55512349876", "--out", noc}, storeArgs...)...)
	if o := runACHCmd(t, bin, append([]string{"ach", "import", noc}, storeArgs...)...); !strings.Contains(o, "0 matched, 0 already applied, 0 unmatched, 1 corrections") {
		t.Fatalf("NOC import: %s", o)
	}
	o := runACHCmd(t, bin, append([]string{"ach", "corrections"}, storeArgs...)...)
	if !strings.Contains(o, "C01") || !strings.Contains(o, "*******9876") || strings.Contains(o, "55512349876") {
		t.Fatalf("ach corrections: %s", o)
	}
	broken := filepath.Join(t.TempDir(), "broken.ach")
	os.WriteFile(broken, []byte("101 not a nacha file\n"), 0o644)
	cmd := exec.Command(bin, append([]string{"ach", "import", broken}, storeArgs...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 || !strings.Contains(stderr.String(), "nothing was changed") {
		t.Fatalf("broken import: %v: %q", err, stderr.String())
	}
	verify("the NOC")
	s.stop()
}

// Without SFTP the inbound folder beside --ach-dir plays the bank's inbound folder: a return
// dropped there fails its transfer and is archived.
func TestACHLocalInbound(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	t.Parallel()
	s := serveACH(t, "--ach-poll", "200ms")
	in := filepath.Join(filepath.Dir(s.achDir), "inbound")
	id := s.pay(t, s.env.Payees(s.c, 1)...)[0]
	runACHCmd(t, s.bin, append([]string{"ach", "cutoff"}, s.storeArgs...)...)
	b := []byte(runACHCmd(t, s.bin, append([]string{"ach", "return", "--transfer", id, "--code", "R02"}, s.storeArgs...)...))
	os.MkdirAll(in, 0o755)
	dropFile(t, in, "returns.ach", b)
	waitFor(t, "the return applied", func() bool { return s.c.Get("/transfers/" + id).OK(t)["status"] == "failed" })
	waitFor(t, "the return archived", func() bool {
		return slices.Equal(names(filepath.Join(in, "archive")), []string{"returns.ach"}) && !slices.Contains(names(in), "returns.ach")
	})
	waitFor(t, "the file recorded as handed over", func() bool {
		return !strings.Contains(runACHCmd(t, s.bin, append([]string{"ach", "ls"}, s.storeArgs...)...), " - ")
	})
	s.verify(t, "the return")
	s.stop()
}
