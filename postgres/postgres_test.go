package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"masspay"
	"masspay/postgres"
	"masspay/postgres/pgtest"
	"masspay/sqlstore"
	"masspay/storetest"
)

func open(t *testing.T, dbURL string) *sqlstore.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	base := pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) masspay.Store { return open(t, pgtest.NewSchema(t, base)) })
}

// Nodes starting together on an empty schema: one migrates under the advisory lock, the others
// wait for it and find nothing left to do.
func TestOpenConcurrently(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	var wg sync.WaitGroup
	stores := make([]*sqlstore.Store, 3)
	errs := make([]error, 3)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), dbURL) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { s.Close() })
	}
	want, err := postgres.Migrations().Versions()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT version_id, COUNT(*) FROM goose_db_version WHERE version_id > 0
 GROUP BY version_id ORDER BY version_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for rows.Next() {
		var v, n int64
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("migration %d recorded %d times", v, n)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("recorded migrations %v, want %v", got, want)
	}
	for i, s := range stores {
		if err := s.Read(t.Context(), func(q masspay.Q) error { _, err := q.AccountCount(t.Context()); return err }); err != nil {
			t.Errorf("store %d: %v", i, err)
		}
	}
}

func waitSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatalf("%s: no signal within 1s", what)
	}
}

func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

func notify(t *testing.T, s masspay.Store, channel string) {
	t.Helper()
	if err := s.Write(t.Context(), func(q masspay.Q) error { return q.Notify(t.Context(), channel) }); err != nil {
		t.Fatal(err)
	}
}

// Two stores on one schema are two nodes: a commit that notifies on one wakes the other.
func TestNotifyAcrossNodes(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	a, b := open(t, dbURL), open(t, dbURL)
	other := open(t, pgtest.URL(t)) // another deployment on the same database
	work, cancel := b.Subscribe(masspay.ChannelWork)
	defer cancel()
	hooks, cancelHooks := b.Subscribe(masspay.ChannelWebhooks)
	defer cancelHooks()

	notify(t, other, masspay.ChannelWork)
	err := a.Write(t.Context(), func(q masspay.Q) error {
		if err := q.Notify(t.Context(), masspay.ChannelWork); err != nil {
			return err
		}
		select {
		case <-work:
			t.Error("signal before commit, or from another schema")
		case <-time.After(300 * time.Millisecond):
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitSignal(t, work, "node b after node a committed")
	select {
	case <-hooks:
		t.Error("signal on a channel nobody notified")
	case <-time.After(300 * time.Millisecond):
	}

	if err := a.Write(t.Context(), func(q masspay.Q) error {
		q.Notify(t.Context(), masspay.ChannelWork)
		return context.Canceled
	}); err != context.Canceled {
		t.Fatalf("Write = %v", err)
	}
	select {
	case <-work:
		t.Error("signal after a rollback")
	case <-time.After(300 * time.Millisecond):
	}
}

// The listener survives losing its connection: it reconnects, and later commits wake it again.
func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	app := "masspay-test-" + q.Get("search_path")
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	a, b := open(t, u.String()), open(t, dbURL)
	work, cancel := a.Subscribe(masspay.ChannelWork)
	defer cancel()

	admin, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	listenerPID := func() int {
		var pid int
		err := admin.QueryRow(t.Context(), `SELECT COALESCE(MAX(pid), 0) FROM pg_stat_activity
 WHERE application_name = $1 AND query LIKE 'LISTEN%'`, app).Scan(&pid)
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	old := listenerPID()
	if old == 0 {
		t.Fatal("no listener connection found")
	}
	if _, err := admin.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, old); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for pid := listenerPID(); pid == 0 || pid == old; pid = listenerPID() {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not reconnect within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	drain(work) // the wake-up every subscriber gets after a reconnection
	notify(t, b, masspay.ChannelWork)
	waitSignal(t, work, "node a after its listener reconnected")
}

// Every list endpoint's queries (its capped count and its page) can read through indexes that
// match their filters and order: no sequential scan of a table, no sort of its rows. Sequential
// scans are priced out (enable_seqscan off, as a table of millions would price them) so that the
// plan shows whether an index serves the query, not what suits this test's few thousand rows.
func TestListPlans(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.NewSchema(t, pgtest.Require(t)))
	storetest.ListHistory(t, s, 5000)
	storetest.CustomerDepthHistory(t, s, 40000)
	if err := s.ExecSQL(t.Context(), "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, c := range storetest.ListCalls() {
		customer := strings.HasPrefix(c.Name, "customer transfers")
		var plans []string
		var pageBuffers int
		err := s.Explain(t.Context(), func(q masspay.Q) error { return c.Run(t.Context(), q) }, func(tx sqlstore.Tx, query string, args []any) error {
			if _, err := tx.Exec(t.Context(), "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
			explain := "EXPLAIN "
			if customer {
				// A customer's page is run: its buffers are what it reads.
				explain = "EXPLAIN (ANALYZE, BUFFERS) "
			}
			rows, err := tx.Query(t.Context(), explain+query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				plan = append(plan, strings.TrimSpace(line))
			}
			p := strings.Join(plan, "\n")
			plans = append(plans, p)
			pageBuffers = planBuffers(p)
			// A customer's transfers come from its two indexes (source, destination), a
			// generation of the destination's at a time (migration 00030), merged as they are
			// read (Merge Append), so that a page reads its offset and limit of them, not all of
			// them. A customer of few transfers may have them sorted. So are the transfers of a
			// correlation id.
			sorted := c.Name == "customer transfers" || c.Name == "account transfers by correlation id"
			sorts := sortNode(p) && !sorted
			if strings.Contains(p, "Seq Scan") || sorts {
				t.Errorf("%s: %s\nplan:\n%s", c.Name, query, p)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(plans) != 2 {
			t.Errorf("%s ran %d queries, want its count and its page", c.Name, len(plans))
		}
		if c.Name == "customer transfers at depth" {
			// The page at offset 100 reads the 125 newest of the customer's 40,000 transfers
			// (an index entry and a row each, about two buffers) and seeks each of the three
			// generations of the receiving index; reading and sorting all of them took
			// thousands of buffers.
			t.Logf("%s: %d buffers\n%s", c.Name, pageBuffers, plans[len(plans)-1])
			p := storetest.DepthPage
			if limit := 3*(p.Offset+p.Limit) + 50; pageBuffers == 0 || pageBuffers > limit || !strings.Contains(plans[len(plans)-1], "Merge Append") {
				t.Errorf("%s: %d buffers, want at most %d, read through a Merge Append:\n%s", c.Name, pageBuffers, limit, plans[len(plans)-1])
			}
		}
	}
}

// sortNode reports whether a plan sorts rows (a Sort or Incremental Sort node, not a Merge
// Append's Sort Key).
func sortNode(plan string) bool {
	for _, line := range strings.Split(plan, "\n") {
		line = strings.TrimPrefix(line, "->  ")
		if strings.HasPrefix(line, "Sort  (") || strings.HasPrefix(line, "Incremental Sort  (") {
			return true
		}
	}
	return false
}

// planBuffers is the number of shared buffers (hit and read) that an EXPLAIN (ANALYZE, BUFFERS)
// plan's top node says the query read, and 0 when the plan says none.
func planBuffers(plan string) int {
	for _, line := range strings.Split(plan, "\n") {
		if rest, ok := strings.CutPrefix(line, "Buffers: shared "); ok {
			n := 0
			for _, f := range strings.Fields(rest) {
				if k, v, ok := strings.Cut(f, "="); ok && (k == "hit" || k == "read") {
					i, _ := strconv.Atoi(strings.TrimSuffix(v, ","))
					n += i
				}
			}
			return n
		}
	}
	return 0
}
