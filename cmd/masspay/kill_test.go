package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
)

// binDir holds the binary buildBinary builds; TestMain removes it.
var (
	binDir   string
	binOnce  sync.Once
	binErr   error
	binBuild []byte
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary builds cmd/masspay once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "masspay-test-bin-"); binErr == nil {
			binBuild, binErr = exec.Command("go", "build", "-o", filepath.Join(binDir, "masspay"), ".").CombinedOutput()
		}
	})
	if binErr != nil {
		t.Fatalf("go build: %v\n%s", binErr, binBuild)
	}
	return filepath.Join(binDir, "masspay")
}

// server is one `masspay serve` process.
type server struct {
	cmd     *exec.Cmd
	base    string
	metrics string // the base URL of /metrics, when served
	logs    *bytes.Buffer
	scanned chan struct{} // closed when the log reader has read everything
}

// The start-up lines, in the text and JSON log formats; metrics come before serving.
var (
	servingRe = regexp.MustCompile(`msg="masspay serving" addr=(\S+)|"msg":"masspay serving","addr":"([^"]+)"`)
	metricsRe = regexp.MustCompile(`msg="metrics serving" addr=(\S+)|"msg":"metrics serving","addr":"([^"]+)"`)
)

// submatch returns the first non-empty group of a match of re in line, or "".
func submatch(re *regexp.Regexp, line string) string {
	m := re.FindStringSubmatch(line)
	for i := 1; i < len(m); i++ {
		if m[i] != "" {
			return m[i]
		}
	}
	return ""
}

// startServer starts `masspay serve` on a free port, with metrics on another (args may say
// otherwise), and waits until it serves.
func startServer(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, args...)...)
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = new(bytes.Buffer)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: new(bytes.Buffer), scanned: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(s.scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logs.WriteString(line + "\n")
			if m := submatch(metricsRe, line); m != "" {
				s.metrics = "http://" + m // written before addr is sent: read after it is received
			}
			if m := submatch(servingRe, line); m != "" {
				addr <- m
			}
		}
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("server did not start: %s", s.log())
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return s
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// log returns everything the server logged. Only call it once the process has exited.
func (s *server) log() string {
	<-s.scanned
	return s.logs.String()
}

// appsCreate runs `masspay apps create --json` with a large balance and returns the credentials.
func appsCreate(t *testing.T, bin string, storeArgs ...string) (accountID, key, secret string) {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"apps", "create", "--json", "--balance", "100000000.00"}, storeArgs...)...).Output()
	if err != nil {
		t.Fatalf("apps create: %v", err)
	}
	var creds struct{ AccountID, Key, Secret string }
	if err := json.Unmarshal(out, &creds); err != nil {
		t.Fatalf("apps create output %q: %v", out, err)
	}
	return creds.AccountID, creds.Key, creds.Secret
}

// postMassPayment submits body under an Idempotency-Key and returns the status and Location; an
// error means the server went away mid-request.
func postMassPayment(base, token, key string, body []byte) (status int, location string, err error) {
	req, _ := http.NewRequest("POST", base+"/mass-payments", bytes.NewReader(body))
	req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), nil
}

// TestKillDuringProcessing submits batches to a real `masspay serve`, SIGKILLs it several times
// while it accepts and processes them, restarts it each time, and checks that every batch
// completes with every item paid exactly once and every invariant holding.
func TestKillDuringProcessing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	t.Parallel()
	bin := buildBinary(t)
	dir, dbURL, storeArgs := testStore(t)
	var creds struct{ AccountID, Key, Secret string }
	creds.AccountID, creds.Key, creds.Secret = appsCreate(t, bin, storeArgs...)
	st, err := app.OpenStore(context.Background(), dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	env := &apptest.Env{T: t, Store: st, Base: "http://masspay"}
	client := &apptest.Client{T: t, AccountID: creds.AccountID, Key: creds.Key, Secret: creds.Secret}
	const batches, perBatch = 24, 2000
	bodies := batchBodies(env, client, batches, perBatch)

	srv := startServer(t, bin, storeArgs...)
	located := make([]string, batches)
	submitted := 0
	// submit tries each unsubmitted batch once against the current server; a killed server
	// leaves the rest for the next round, retried under the same Idempotency-Key.
	submit := func() {
		c := &apptest.Client{T: t, Base: srv.base, Key: creds.Key, Secret: creds.Secret}
		tok, ok := tryToken(c)
		if !ok {
			return
		}
		for i := range bodies {
			if located[i] != "" {
				continue
			}
			status, loc, err := postMassPayment(srv.base, tok, fmt.Sprint("kill-test-", i), bodies[i])
			if err != nil {
				return // killed mid-request
			}
			if status == 201 {
				located[i] = loc
				submitted++
			} else if status != 409 {
				t.Errorf("batch %d: status %d", i, status) // submit may run on another goroutine: no Fatal
				return
			}
		}
	}

	kills := 0
	for round := 0; round < 6; round++ {
		done := make(chan struct{})
		go func() { submit(); close(done) }()
		time.Sleep(time.Duration(30+rand.IntN(250)) * time.Millisecond)
		srv.kill()
		<-done
		kills++
		srv = startServer(t, bin, storeArgs...)
	}
	for stop := time.Now().Add(2 * time.Minute); submitted < batches; time.Sleep(10 * time.Millisecond) {
		submit()
		if time.Now().After(stop) {
			t.Fatalf("only %d of %d batches accepted; server log:\n%s", submitted, batches, srv.logs)
		}
	}
	t.Logf("%d kills; all %d batches accepted", kills, batches)

	// Let the last server finish everything, then stop it cleanly.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		left := incompleteBatches(st, creds.AccountID)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d batches still not complete; server log:\n%s", left, srv.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.cmd.Wait(); err != nil || !strings.Contains(srv.logs.String(), "masspay stopped") {
		t.Fatalf("SIGTERM: exit %v, want a clean stop; log:\n%s", err, srv.logs)
	}

	// Exactly one batch per Idempotency-Key, every item decided, one transfer per success.
	err = st.Read(context.Background(), func(q masspay.Q) error {
		list, total, err := q.MassPaymentList(context.Background(), masspay.MassPaymentFilter{AccountID: creds.AccountID, Page: masspay.Page{Limit: 1000}})
		if err != nil {
			return err
		}
		if total != batches {
			t.Errorf("%d batches stored, want %d (a retry made a second batch?)", total, batches)
		}
		for _, mp := range list {
			items, n, err := q.ItemList(context.Background(), masspay.ItemFilter{MassPaymentID: mp.ID, Statuses: []string{string(masspay.ItemSuccess)}, Page: masspay.Page{Limit: 1}})
			if err != nil {
				return err
			}
			if n != perBatch || len(items) == 0 {
				t.Errorf("batch %s: %d successful items, want %d", mp.ID, n, perBatch)
			}
			// The live counts survived every kill: exact, as committed with each chunk.
			if mp.Succeeded != perBatch || mp.Failed != 0 || mp.Pending() != 0 {
				t.Errorf("batch %s: live counts %d succeeded, %d failed, %d pending; want %d, 0, 0",
					mp.ID, mp.Succeeded, mp.Failed, mp.Pending(), perBatch)
			}
		}
		v, err := q.Violations(context.Background())
		for _, s := range v {
			t.Errorf("invariant violated: %s", s)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	verify := exec.Command(bin, append([]string{"verify"}, storeArgs...)...)
	if out, err := verify.CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("masspay verify: %v\n%s", err, out)
	}
}

// tryToken gets a token, or reports false when the server is gone.
func tryToken(c *apptest.Client) (string, bool) {
	req, _ := http.NewRequest("POST", c.Base+"/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.Key, c.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&body)
	return body.AccessToken, body.AccessToken != ""
}

// batchBodies makes 500 payees of client's account and count mass payment bodies of perBatch
// items each, paying them in turn: every third batch from the bank, the others from the balance.
func batchBodies(env *apptest.Env, client *apptest.Client, count, perBatch int) [][]byte {
	bank, balance := env.Funding(client)
	payees := apptest.Hrefs(env.Payees(client, 500))
	bodies := make([][]byte, count)
	for i := range bodies {
		src := balance
		if i%3 == 0 {
			src = bank
		}
		dests := make([]string, perBatch)
		for j := range dests {
			dests[j] = payees[(i*7+j)%len(payees)]
		}
		bodies[i], _ = json.Marshal(apptest.MassPayment(src, fmt.Sprintf("%d.%02d", 1+i%5, i), dests...))
	}
	return bodies
}
