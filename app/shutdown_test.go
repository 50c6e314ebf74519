package app_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/engine"
	"masspay/service"
)

// stopMidChunk is the engine's store, for the moment the server stops: the chunk transaction
// that is running when stop is armed has started reading the next chunk ahead, the read has
// begun, and the stop lands before the chunk commits. The read is slow, as on a loaded machine.
type stopMidChunk struct {
	masspay.Store
	armed     chan struct{} // closed by the test: the next chunk waits for the stop
	reading   chan struct{} // closed when a read-ahead is inside its transaction
	inChunk   chan struct{} // closed when the armed chunk waits for the stop
	onceRead  sync.Once
	onceChunk sync.Once
}

func (s *stopMidChunk) Read(ctx context.Context, fn func(masspay.Q) error) error {
	return s.Store.Read(ctx, func(q masspay.Q) error {
		select {
		case <-s.armed:
			s.onceRead.Do(func() { close(s.reading) })
			time.Sleep(time.Second)
		default:
		}
		return fn(q)
	})
}

func (s *stopMidChunk) Write(ctx context.Context, fn func(masspay.Q) error) error {
	return s.Store.Write(ctx, func(q masspay.Q) error {
		if err := fn(q); err != nil {
			return err
		}
		select {
		case <-s.armed:
		default:
			return nil
		}
		select {
		case <-s.reading: // a chunk that has started its read-ahead
		case <-time.After(100 * time.Millisecond):
			return nil // a claim, or the batch's last chunk
		}
		s.onceChunk.Do(func() { close(s.inChunk) })
		<-ctx.Done()
		return ctx.Err()
	})
}

// TestStopLeavesDataDir: once the server has stopped, nothing of it touches the data directory
// again (the test's TempDir is removed right after: a file made meanwhile failed its cleanup
// with "directory not empty"), and none of its goroutines is left. The engine is stopped in a
// chunk whose read-ahead is running. Not parallel: no other test's goroutines in the dump.
func TestStopLeavesDataDir(t *testing.T) {
	s := &stopMidChunk{armed: make(chan struct{}), reading: make(chan struct{}), inChunk: make(chan struct{})}
	engineWorker := app.EngineWorker(engine.Config{ChunkSize: 5})
	e := apptest.Start(t, apptest.Options{Workers: app.Workers{func(ctx context.Context, env app.Env) error {
		s.Store = env.Store
		env.Store = s
		return engineWorker(ctx, env)
	}, app.WebhookWorker}})
	if e.DBURL != "" {
		t.Skip("the data directory is SQLite's")
	}
	_, balance := e.Funding(e.Client)
	e.Post("/webhook-subscriptions", map[string]string{"url": "http://127.0.0.1:1/hook", "secret": "a secret of sixteen"}).Created(t)
	payees := e.VerifiedPayees(e.Client, 100)
	close(s.armed)
	e.Post("/mass-payments", apptest.MassPayment(balance, "0.01", apptest.Hrefs(payees)...)).Created(t)
	select {
	case <-s.inChunk:
	case <-time.After(30 * time.Second):
		t.Fatal("the engine did not reach a chunk with its read-ahead in 30s")
	}

	e.Stop()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.InotifyAddWatch(fd, e.DataDir, syscall.IN_CREATE|syscall.IN_DELETE|syscall.IN_MODIFY|syscall.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	stack := make([]byte, 1<<20)
	stack = stack[:runtime.Stack(stack, true)]
	time.Sleep(time.Second)
	if changed := inotifyNames(fd); len(changed) > 0 {
		t.Errorf("the data directory changed after the server stopped: %v", changed)
	}
	for _, g := range strings.Split(string(stack), "\n\n") {
		if strings.Contains(g, "masspay/engine.") || strings.Contains(g, "masspay/webhook.") || strings.Contains(g, "masspay/app.Run") {
			t.Errorf("a goroutine of the server outlived it:\n%s", g)
		}
	}
}

// inotifyNames reads the inotify events waiting on fd and returns the names they are about.
func inotifyNames(fd int) []string {
	var names []string
	buf := make([]byte, 64<<10)
	n, _ := syscall.Read(fd, buf)
	for off := 0; off+syscall.SizeofInotifyEvent <= n; {
		l := int(binary.LittleEndian.Uint32(buf[off+12:]))
		name := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+l]
		names = append(names, string(bytes.TrimRight(name, "\x00")))
		off += syscall.SizeofInotifyEvent + l
	}
	return names
}

// TestStopWaitsForRequests: a request still running when the server's shutdown gives up waiting
// (its deadline) ends before Run returns and closes the store. Not parallel: it shortens the
// package's shutdown deadline.
func TestStopWaitsForRequests(t *testing.T) {
	defer app.SetShutdownTimeout(50 * time.Millisecond)()
	var slow atomic.Bool
	inHandler := make(chan struct{}, 1)
	var running, ended atomic.Int32
	clock := func() time.Time {
		if slow.Load() {
			running.Add(1)
			select {
			case inHandler <- struct{}{}:
			default:
			}
			time.Sleep(time.Second)
			ended.Add(1)
		}
		return time.Now()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready, done := make(chan string, 1), make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- app.Run(ctx, app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: apptest.DatabaseURL(t),
			Service: service.Config{Now: clock}, Out: &out, OnReady: func(addr string) { ready <- addr }})
	}()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	field := func(name string) string {
		for _, l := range strings.Split(out.String(), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), name+":"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	c := &apptest.Client{T: t, Base: base, Key: field("key"), Secret: field("secret")}
	token := c.Token()
	slow.Store(true)
	res := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", base+"/customers", nil)
		req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err == nil {
			r.Body.Close()
		}
		res <- err
	}()
	select {
	case <-inHandler:
	case <-time.After(30 * time.Second):
		t.Fatal("the request did not reach its handler in 30s")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run: %v, want the shutdown's deadline exceeded", err)
	}
	if r, n := running.Load(), ended.Load(); n != r {
		t.Errorf("%d requests still running after Run returned (%d ended)", r-n, n)
	}
	select {
	case <-res:
	case <-time.After(30 * time.Second):
		t.Error("the request did not end in 30s")
	}
}
