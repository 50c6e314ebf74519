// Package apptest starts a real masspay server for end-to-end tests: the whole program through
// app.Run, listening on 127.0.0.1:0, on a fresh SQLite data directory, or on a fresh PostgreSQL
// schema when MASSPAY_TEST_DATABASE_URL names a database.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"masspay/app"
	"masspay/engine"
	"masspay/postgres/pgtest"
	"masspay/service"
	"masspay/sqlstore"
)

// DatabaseURLEnv names the environment variable that selects PostgreSQL for the tests.
const DatabaseURLEnv = pgtest.Env

// Env is one running server and a client of its first application.
type Env struct {
	T       testing.TB
	Base    string
	Store   *sqlstore.Store
	DataDir string
	DBURL   string
	*Client
	opts       Options
	stop       func()
	closeStore func()
}

// Options tune Start.
type Options struct {
	Service service.Config
	Engine  engine.Config
	Workers app.Workers  // nil: app.DefaultWorkers(Engine, nil)
	Logger  *slog.Logger // nil: warnings and errors to the test's output
	// MaxConns is app.Config.MaxConns (0: the default).
	MaxConns int
}

// DatabaseURL returns a fresh database for one test: a new PostgreSQL schema (dropped at the
// end) when MASSPAY_TEST_DATABASE_URL is set, or "" for SQLite.
func DatabaseURL(t testing.TB) string {
	base := os.Getenv(DatabaseURLEnv)
	if base == "" {
		return ""
	}
	return pgtest.NewSchema(t, base)
}

// Start runs a server for the duration of the test and returns a client of a first
// application (an account with 5000.00 USD in its balance and a verified bank).
func Start(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Workers == nil {
		o.Workers = app.DefaultWorkers(o.Engine)
	}
	e := &Env{T: t, DataDir: t.TempDir(), DBURL: DatabaseURL(t), opts: o}
	banner := e.run()
	// A second handle on the same store, for assertions on its state.
	store, err := app.OpenStore(context.Background(), e.DataDir, e.DBURL)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	e.closeStore = sync.OnceFunc(func() { store.Close() })
	t.Cleanup(e.closeStore)
	e.Store = store
	e.Client = e.clientFromBanner(banner)
	return e
}

// run starts the server on the Env's store and returns its first-run banner ("" when the
// store already held an account).
func (e *Env) run() string {
	t := e.T
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	logger := e.opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	go func() {
		done <- app.Run(ctx, app.Config{
			Addr: "127.0.0.1:0", DataDir: e.DataDir, DatabaseURL: e.DBURL, MaxConns: e.opts.MaxConns,
			Service: e.opts.Service, Workers: e.opts.Workers, Out: &out,
			Logger:  logger,
			OnReady: func(addr string) { ready <- addr },
		})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		// Still starting: stopped and waited for, or it would write into a data directory that
		// the test's end removes.
		cancel()
		if err := <-done; err != nil {
			t.Logf("server: %v", err)
		}
		t.Fatal("server did not start in 30s")
	}
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
		})
	}
	t.Cleanup(e.stop)
	e.Base = "http://" + addr
	if e.Client != nil {
		e.Client.Base = e.Base
	}
	return out.String()
}

// Stop stops the server and closes the test's handle on the store (Store), as the end of the
// test does: when it returns, nothing of either is left to touch the data directory or the
// database (see app.Run).
func (e *Env) Stop() {
	e.T.Helper()
	e.stop()
	e.closeStore()
}

// Restart stops the server and starts a new one on the same data directory or database, as
// after a crash or a deploy. The client keeps its credentials and token; Base changes (a new
// port).
func (e *Env) Restart() {
	e.T.Helper()
	e.stop()
	e.run()
}

// testWriter sends server logs to the test's output.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func (e *Env) clientFromBanner(banner string) *Client {
	field := func(name string) string {
		for _, line := range strings.Split(banner, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
				return strings.TrimSpace(v)
			}
		}
		e.T.Fatalf("no %s in first-run banner %q", name, banner)
		return ""
	}
	return &Client{T: e.T, Base: e.Base, Key: field("key"), Secret: field("secret"), AccountID: field("account")}
}

// NewApplication creates another account and application on the same server (through the
// service, as `masspay apps create` does) and returns its client.
func (e *Env) NewApplication(balanceCents int64) *Client {
	e.T.Helper()
	na, err := service.New(e.Store, service.Config{}).CreateApplication(context.Background(),
		service.NewApplicationParams{Name: "other", Balance: balanceCents})
	if err != nil {
		e.T.Fatalf("create application: %v", err)
	}
	return &Client{T: e.T, Base: e.Base, Key: na.Key, Secret: na.Secret, AccountID: na.AccountID}
}

// Client calls the API as one application.
type Client struct {
	T         testing.TB
	Base      string
	Key       string
	Secret    string
	AccountID string
	token     string
}

// Response is what a call got back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// JSON is the decoded body when it is a JSON object.
	JSON map[string]any
}

// Token fetches (once) and returns a bearer token.
func (c *Client) Token() string {
	c.T.Helper()
	if c.token != "" {
		return c.token
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest("POST", c.Base+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.Key, c.Secret)
	res := c.send(req)
	tok, _ := res.JSON["access_token"].(string)
	if res.Status != 200 || tok == "" {
		c.T.Fatalf("token: %d %s", res.Status, res.Body)
	}
	c.token = tok
	return tok
}

// Do calls method path (a path like "/customers" or an absolute href) with body (nil, []byte,
// string or any value to encode as JSON), the HAL Accept header and the bearer token. Extra
// headers come as name, value pairs.
func (c *Client) Do(method, path string, body any, headers ...string) *Response {
	c.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.T.Fatalf("encode body: %v", err)
		}
		r = bytes.NewReader(j)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = c.Base + path
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		c.T.Fatalf("request: %v", err)
	}
	req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
	req.Header.Set("Authorization", "Bearer "+c.Token())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return c.send(req)
}

// Get is Do("GET", path, nil).
func (c *Client) Get(path string) *Response { c.T.Helper(); return c.Do("GET", path, nil) }

// Post is Do("POST", path, body).
func (c *Client) Post(path string, body any, headers ...string) *Response {
	c.T.Helper()
	return c.Do("POST", path, body, headers...)
}

// Send sends a prepared request as is (no token, no Accept added).
func (c *Client) Send(req *http.Request) *Response { c.T.Helper(); return c.send(req) }

func (c *Client) send(req *http.Request) *Response {
	c.T.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: b}
	if len(b) > 0 {
		json.Unmarshal(b, &out.JSON)
	}
	if Check != nil {
		Check(c.T, req, out)
	}
	return out
}

// Check, when set, is called with every response a Client receives. It starts as CheckContract,
// so every end-to-end test validates every response against Dwolla's OpenAPI document without
// having to ask for it.
var Check func(t testing.TB, req *http.Request, res *Response) = CheckContract

// Created asserts a 201 with a Location and returns the Location.
func (r *Response) Created(t testing.TB) string {
	t.Helper()
	loc := r.Header.Get("Location")
	if r.Status != 201 || loc == "" {
		t.Fatalf("want 201 with Location, got %d %q: %s", r.Status, loc, r.Body)
	}
	return loc
}

// OK asserts a 200 and returns the JSON body.
func (r *Response) OK(t testing.TB) map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("want 200, got %d: %s", r.Status, r.Body)
	}
	return r.JSON
}

// Error asserts an error response with the given status and code.
func (r *Response) Error(t testing.TB, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status || r.JSON["code"] != code {
		t.Fatalf("want %d %s, got %d: %s", status, code, r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/vnd.dwolla.v1.hal+json") {
		t.Fatalf("error Content-Type = %q", ct)
	}
	return r.JSON
}

// FieldErrors returns the (path, code) pairs of a ValidationError.
func (r *Response) FieldErrors() map[string]string {
	out := map[string]string{}
	emb, _ := r.JSON["_embedded"].(map[string]any)
	errs, _ := emb["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		out[fmt.Sprint(m["path"])] = fmt.Sprint(m["code"])
	}
	return out
}

// ID returns the last path segment of an href.
func ID(href string) string { return href[strings.LastIndex(href, "/")+1:] }

// Dig walks nested JSON objects by keys and returns what it finds (nil when absent).
func Dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
