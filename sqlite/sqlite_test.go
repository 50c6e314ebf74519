package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"masspay"
	"masspay/sqlite"
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

// SQLite keeps no planner statistics; sqlstore.TransferList's condition for a customer's
// transfers must still find them through the customer indexes, not scan the account's.
func TestPlannerUsesCustomerIndexes(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	err = s.Write(t.Context(), func(q masspay.Q) error {
		var ts []*masspay.Transfer
		for i := range 5000 {
			ts = append(ts, &masspay.Transfer{ID: masspay.NewID(), AccountID: "acc", SourceID: "s", DestinationID: "d",
				DestCustomerID: fmt.Sprintf("cust-%d", i%500), Amount: 1, Status: masspay.TransferPending, Created: now})
		}
		return q.TransferInsertMany(t.Context(), ts)
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.Driver().(*sqlite.Driver).DB().QueryContext(t.Context(), `EXPLAIN QUERY PLAN SELECT seq FROM transfers WHERE account_id = ?
 AND seq IN (SELECT seq FROM transfers WHERE source_customer_id = ? AND source_customer_id <> ''
 UNION ALL SELECT seq FROM transfers WHERE dest_customer_hash = ? AND dest_customer_hash <> 0 AND dest_customer_id = ?)
 AND status IN (?) ORDER BY seq DESC LIMIT 10`, "acc", "cust-1", 42, "cust-1", "pending")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "transfers_dest_customer") || !strings.Contains(p, "transfers_source_customer") {
		t.Fatalf("plan: %s", p)
	}
}
