package sdktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"masspay/apptest"
)

// TestSDKs builds masspay, serves it on a free port with a fresh store, creates the payees through
// the API, and runs each SDK script; a script that exits non-zero fails the test.
func TestSDKs(t *testing.T) {
	if os.Getenv("MASSPAY_SDK_TEST") != "1" {
		t.Skip("set MASSPAY_SDK_TEST=1 (and run npm ci in sdktest) to run Dwolla's SDKs against masspay")
	}
	if _, err := os.Stat("node_modules/dwolla-v2"); err != nil {
		t.Fatal("the SDKs are not installed: run npm ci in sdktest")
	}
	srv := serve(t)
	c := &apptest.Client{T: t, Base: srv.base, Key: srv.key, Secret: srv.secret, AccountID: srv.account}

	env := append(os.Environ(),
		"DWOLLA_BASE_URL="+srv.base, "DWOLLA_KEY="+srv.key, "DWOLLA_SECRET="+srv.secret,
		"DWOLLA_SOURCE_FS="+balanceOf(t, c),
		"DWOLLA_DEST_FS_1="+receiveOnlyBank(t, c, "One"),
		"DWOLLA_DEST_FS_2="+receiveOnlyBank(t, c, "Two"),
	)
	for _, script := range []string{"mp-dwolla-v2.js", "mp-dwolla-ts.mjs"} {
		t.Run(script, func(t *testing.T) {
			cmd := exec.Command("node", script)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			t.Logf("node %s:\n%s", script, out)
			if err != nil {
				t.Fatalf("node %s: %v", script, err)
			}
		})
	}
}

type server struct{ base, key, secret, account string }

// serve builds the masspay binary and runs `masspay serve` until the test ends, on SQLite in a
// temporary directory or on a fresh PostgreSQL schema when MASSPAY_TEST_DATABASE_URL is set.
func serve(t *testing.T) server {
	dir := t.TempDir()
	bin := filepath.Join(dir, "masspay")
	if out, err := exec.Command("go", "build", "-o", bin, "masspay/cmd/masspay").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	store := []string{"--data", filepath.Join(dir, "data")}
	if db := apptest.DatabaseURL(t); db != "" {
		store = []string{"--database", db}
	}

	out, err := exec.Command(bin, append([]string{"apps", "create", "--json"}, store...)...).Output()
	if err != nil {
		t.Fatalf("masspay apps create: %v", err)
	}
	var app struct{ AccountID, Key, Secret string }
	if err := json.Unmarshal(out, &app); err != nil || app.Key == "" || app.Secret == "" {
		t.Fatalf("masspay apps create --json printed %q: %v", out, err)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--addr", addr, "--metrics-addr", "off"}, store...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	var logs apptest.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("masspay serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("masspay serve output:\n%s", logs.String())
		}
	})

	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("masspay serve exited: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("masspay serve not ready on %s after 30s:\n%s", addr, logs.String())
		}
	}
	return server{base: base, key: app.Key, secret: app.Secret, account: app.AccountID}
}

// balanceOf returns the href of the account's balance funding source, the mass payments' source.
func balanceOf(t *testing.T, c *apptest.Client) string {
	list := c.Get("/accounts/" + c.AccountID + "/funding-sources").OK(t)
	fss, _ := apptest.Dig(list, "_embedded", "funding-sources").([]any)
	for _, fs := range fss {
		if apptest.Dig(fs, "type") == "balance" {
			return fmt.Sprint(apptest.Dig(fs, "_links", "self", "href"))
		}
	}
	t.Fatalf("no balance funding source in %s", list)
	return ""
}

// receiveOnlyBank creates a receive-only customer with a checking account and returns its href.
func receiveOnlyBank(t *testing.T, c *apptest.Client, name string) string {
	cust := c.Post("/customers", map[string]any{
		"firstName": "Payee", "lastName": name, "email": "payee-" + strings.ToLower(name) + "@example.com",
		"type": "receive-only",
	}).Created(t)
	return c.Post(cust+"/funding-sources", map[string]any{
		"routingNumber": "222222226", "accountNumber": fmt.Sprintf("9%08d", len(name)*7+int(name[0])),
		"bankAccountType": "checking", "name": "Payee " + name + " Checking",
	}).Created(t)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
