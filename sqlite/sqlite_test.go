package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite"

	"masspay"
	"masspay/sqlite"
	"masspay/sqlstore"
	"masspay/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) masspay.Store {
		s, err := sqlite.Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// The writer never checkpoints; the background checkpointer copies the WAL into the database
// file once writes pause, without anyone asking.
func TestCheckpointWhenQuiet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	size := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, sqlite.FileName))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	time.Sleep(500 * time.Millisecond) // the migrations' own checkpoint
	before := size()
	now := time.Now().UTC()
	err = s.Write(t.Context(), func(q masspay.Q) error {
		evs := make([]*masspay.Event, 2000)
		for i := range evs {
			evs[i] = masspay.NewEvent("acc", "", masspay.TopicTransferCreated, "transfers", masspay.NewID(), "", now)
		}
		return q.EventInsertMany(t.Context(), evs)
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: the WAL was not checkpointed", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Every list endpoint's queries (its capped count and its page) read through indexes: no full
// scan of a table and no sort of its rows, whatever its history. SQLite keeps no planner
// statistics; the customer's transfers must still come from the customer indexes.
func TestListPlans(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.ListHistory(t, s, 5000)
	storetest.CustomerDepthHistory(t, s, 40000)
	for _, c := range storetest.ListCalls() {
		customer := strings.HasPrefix(c.Name, "customer transfers")
		var plans []string
		err := s.Explain(t.Context(), func(q masspay.Q) error { return c.Run(t.Context(), q) }, func(tx sqlstore.Tx, query string, args []any) error {
			rows, err := tx.Query(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			p := strings.Join(plan, "; ")
			plans = append(plans, p)
			for _, d := range plan {
				// SCAN g is the list of the key indexes' generations (one per 16,384 transfers,
				// migration 00030), each a seek of the index; SCAN k the page of a customer's
				// transfers, read from the merge of its indexes' arms.
				scan := strings.HasPrefix(d, "SCAN ") && d != "SCAN c" && d != "SCAN g" && d != "SCAN k" && d != "SCAN CONSTANT ROW"
				if scan || strings.Contains(d, "TEMP B-TREE") {
					t.Errorf("%s: %s\nplan: %s", c.Name, query, p)
				}
				// The retention window is a range of the index, not a filter on every older row.
				if (strings.Contains(d, "SEARCH events") || strings.Contains(d, "SEARCH webhooks")) && !strings.Contains(d, "created>") {
					t.Errorf("%s: the window is not a range of the index: %s", c.Name, p)
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(plans) != 2 {
			t.Errorf("%s ran %d queries, want its count and its page", c.Name, len(plans))
		}
		if customer {
			// The page merges the customer's two indexes as it reads them, each in seq order (no
			// sort, no list of all of the customer's transfers to look the account's up in), a
			// generation of transfers_dest_customer at a time: 40,000 transfers are three.
			page := plans[len(plans)-1]
			if !strings.Contains(page, "MERGE (UNION ALL)") || strings.Count(page, "SEARCH transfers USING INDEX transfers_dest_customer (<expr>=? AND dest_customer_hash=?)") != 3 ||
				strings.Count(page, "SEARCH transfers USING INDEX transfers_source_customer (source_customer_id=? AND seq<?)") != 1 ||
				strings.Contains(page, "LIST SUBQUERY") || strings.Contains(page, "B-TREE") {
				t.Errorf("%s: %s", c.Name, page)
			}
		}
		if c.Name == "account transfers by correlation id" &&
			!strings.Contains(plans[1], "INDEX transfers_correlation (<expr>=? AND correlation_hash=?)") {
			t.Errorf("transfers by correlation id: %s", plans[1])
		}
	}
}

// Batches of writes back to back, with readers going on, never let the WAL past twice its
// limit plus one transaction, though they write it many times over: the checkpointer empties it
// whenever a commit finds it past the limit, and a write waits for that past twice the limit.
func TestWALBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const limit = 1 << 20
	s, err := sqlite.OpenWALLimit(t.Context(), dir, limit)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	walSize := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, sqlite.FileName+"-wal"))
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	stop := make(chan struct{})
	readers := make(chan error, 1)
	go func() { // a reader in the WAL most of the time, as list reads are
		defer close(readers)
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := s.Read(t.Context(), func(q masspay.Q) error {
				_, _, err := q.EventList(t.Context(), masspay.EventFilter{AccountID: "acc", Page: masspay.Page{Limit: 25}})
				return err
			})
			if err != nil {
				readers <- err
				return
			}
		}
	}()
	now := time.Now().UTC()
	var written, largest int64
	for range 120 {
		before := walSize()
		err := s.Write(t.Context(), func(q masspay.Q) error {
			evs := make([]*masspay.Event, 500)
			for i := range evs {
				evs[i] = masspay.NewEvent("acc", "", masspay.TopicTransferCreated, "transfers", masspay.NewID(), "", now)
			}
			return q.EventInsertMany(t.Context(), evs)
		})
		if err != nil {
			t.Fatal(err)
		}
		if grew := walSize() - before; grew > 0 {
			written += grew
			largest = max(largest, grew)
		}
	}
	close(stop)
	if err := <-readers; err != nil {
		t.Fatal(err)
	}
	peak := s.Driver().(*sqlite.Driver).WALPeak()
	t.Logf("WAL written %d bytes, peak %d, largest transaction %d, limit %d", written, peak, largest, limit)
	if written < 10*limit {
		t.Fatalf("the batches wrote %d bytes of WAL, want many times the limit %d for the test to mean anything", written, limit)
	}
	if peak > 2*limit+largest {
		t.Fatalf("WAL peaked at %d bytes, past twice the limit %d and the largest transaction %d", peak, limit, largest)
	}
}

// Ids are stored packed (16-byte BLOBs) and read back as the text they were; other ids stay text.
func TestPackedIDs(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id, other := masspay.NewID(), "evt-1"
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = s.Write(t.Context(), func(q masspay.Q) error {
		return q.EventInsertMany(t.Context(), []*masspay.Event{
			masspay.NewEvent(id, "", masspay.TopicTransferCreated, "transfers", id, id, now),
			{ID: other, AccountID: id, Topic: masspay.TopicTransferCreated, ResourceType: "transfers", ResourceID: "t1", Created: now}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	err = s.Read(t.Context(), func(q masspay.Q) error {
		es, _, err := q.EventList(t.Context(), masspay.EventFilter{AccountID: id, Page: masspay.Page{Limit: 5}})
		if err != nil {
			return err
		}
		if len(es) != 2 || es[1].AccountID != id || es[1].ResourceID != id || es[1].CorrelationID != id || es[0].ID != other {
			t.Errorf("events read back as %+v %+v", es[0], es[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.Driver().(*sqlite.Driver).DB().QueryContext(t.Context(),
		`SELECT typeof(id) || ' ' || typeof(account_id) || ' ' || typeof(resource_id) FROM events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		types = append(types, s)
	}
	if got := strings.Join(types, ", "); got != "blob blob blob, text blob text" {
		t.Errorf("stored as %s, want blob blob blob, text blob text", got)
	}
}

// TestPageCachesBounded: this SQLite build (SQLITE_ENABLE_MEMORY_MANAGEMENT) keeps the pages of
// every connection of the process in one group, bounded by the sum of the connections' cache
// sizes: a connection at its own size takes the group's least recently used page, whoever's
// it is. So the store's page caches together stay within sqlite.PageCacheKiB, whatever the
// connections read: here the writer writes a table larger than their caches and two readers read it
// whole, with nothing written between, so that each keeps what it can.
func TestPageCachesBounded(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const readers = 2
	budget := sqlite.PageCacheKiB() << 10
	// The budget of the connections open here (the writer, the checkpointer, the readers), and
	// more: rows of 1,000 bytes, four to a page.
	open := (sqlite.WriteCacheKiB + (readers+1)*sqlite.ReadCacheKiB) << 10
	rows := open/1000 + open/4000
	if err := s.ExecSQL(ctx, `CREATE TABLE big (x BLOB)`); err != nil {
		t.Fatal(err)
	}
	if err := s.ExecSQL(ctx, fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
 INSERT INTO big SELECT randomblob(1000) FROM n`, rows)); err != nil {
		t.Fatal(err)
	}
	w, err := s.Driver().(*sqlite.Driver).DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	conns := []*sql.Conn{w}
	pool := s.Driver().(*sqlite.Driver).ReadPool()
	for range readers { // connections held at once: different ones
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var n int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM big WHERE length(x) = 1000`).Scan(&n); err != nil || n != rows {
			t.Fatalf("scan: %d rows, %v", n, err)
		}
		conns = append(conns, c)
	}
	total := 0
	for i, c := range conns {
		var used int
		err := c.Raw(func(dc any) (err error) {
			used, _, err = dc.(sqlite3.DBStatus).Status(sqlite3.DBStatusCacheUsed, false)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("connection %d (0: the writer): %d KiB of pages", i, used>>10)
		total += used
	}
	t.Logf("%d rows of 1,000 bytes written and read: %d KiB of pages in all, budget %d KiB", rows, total>>10, budget>>10)
	if total > budget {
		t.Fatalf("the page caches hold %d KiB, past the budget of %d KiB", total>>10, budget>>10)
	}
	if total < open*3/4 {
		t.Fatalf("the page caches hold %d KiB, under the %d KiB of the connections open: the test reads too little to mean anything", total>>10, open>>10)
	}
}
