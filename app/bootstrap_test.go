package app_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/postgres/pgtest"
	"masspay/service"
	"masspay/sqlstore"
)

func accountCount(t *testing.T, store *sqlstore.Store) int {
	t.Helper()
	var n int
	err := store.Read(context.Background(), func(q masspay.Q) (err error) { n, err = q.AccountCount(context.Background()); return err })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Several nodes starting at once on one fresh PostgreSQL database: exactly one creates the first
// account and prints its credentials, and the others start on it. On an empty schema the nodes
// queue on the migration lock first; on a migrated one (as after an operator's `migrate`) they
// reach the bootstrap together, which without its lock makes several accounts nearly every time.
func TestBootstrapOnceAcrossNodes(t *testing.T) {
	t.Parallel()
	for _, migrated := range []bool{false, true} {
		t.Run(map[bool]string{false: "Empty", true: "Migrated"}[migrated], func(t *testing.T) {
			t.Parallel()
			url := pgtest.URL(t)
			if migrated {
				pre, err := app.OpenStore(context.Background(), "", url)
				if err != nil {
					t.Fatal(err)
				}
				pre.Close()
			}
			startNodes(t, url, 4)
		})
	}
}

// startNodes runs nodes app.Run at once on url until all are ready, stops them, and checks that
// one account exists and one node printed credentials.
func startNodes(t *testing.T, url string, nodes int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outs := make([]bytes.Buffer, nodes)
	ready := make(chan struct{}, nodes)
	errs := make(chan error, nodes)
	start := make(chan struct{})
	for i := range nodes {
		go func() {
			<-start
			errs <- app.Run(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: url, Out: &outs[i],
				OnReady: func(string) { ready <- struct{}{} }})
		}()
	}
	close(start)
	for range nodes {
		select {
		case <-ready:
		case err := <-errs:
			t.Fatalf("a node stopped before it was ready: %v", err)
		case <-time.After(60 * time.Second):
			t.Fatal("the nodes did not all start within 60s")
		}
	}
	cancel()
	for range nodes {
		if err := <-errs; err != nil {
			t.Errorf("node: %v", err)
		}
	}

	store, err := app.OpenStore(context.Background(), "", url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n := accountCount(t, store); n != 1 {
		t.Errorf("%d accounts after %d nodes started, want 1", n, nodes)
	}
	printed := 0
	for i := range outs {
		if s := outs[i].String(); strings.Contains(s, "secret:") {
			printed++
		} else if s != "" {
			t.Errorf("node %d printed %q", i, s)
		}
	}
	if printed != 1 {
		t.Errorf("%d nodes printed credentials, want 1", printed)
	}
}

// CreateFirstApplication called at once from many stores (each its own pool, as separate nodes
// have) creates one account; on SQLite, from many goroutines on the one store a process has.
func TestCreateFirstApplicationOnce(t *testing.T) {
	t.Parallel()
	const callers = 8
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dir, url := t.TempDir(), ""
			if backend == "postgres" {
				url = pgtest.URL(t)
			}
			stores := make([]*sqlstore.Store, callers)
			for i := range stores {
				if i > 0 && backend == "sqlite" {
					stores[i] = stores[0]
					continue
				}
				s, err := app.OpenStore(context.Background(), dir, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores[i] = s
			}
			var wg sync.WaitGroup
			created := make(chan *service.NewApplication, callers)
			start := make(chan struct{})
			for _, s := range stores {
				wg.Go(func() {
					<-start
					na, err := service.New(s, service.Config{}).CreateFirstApplication(context.Background(),
						service.NewApplicationParams{Balance: 1_00})
					if err != nil {
						t.Error(err)
					}
					if na != nil {
						created <- na
					}
				})
			}
			close(start)
			wg.Wait()
			close(created)
			if n := len(created); n != 1 {
				t.Errorf("%d callers created the first application, want 1", n)
			}
			if n := accountCount(t, stores[0]); n != 1 {
				t.Errorf("%d accounts, want 1", n)
			}
			// Once there is an account, it is never the first again.
			na, err := service.New(stores[0], service.Config{}).CreateFirstApplication(context.Background(), service.NewApplicationParams{})
			if err != nil || na != nil {
				t.Errorf("CreateFirstApplication on a store with an account = %v, %v", na, err)
			}
		})
	}
}
