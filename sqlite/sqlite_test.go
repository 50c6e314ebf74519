package sqlite_test

import (
	"os"
	"path/filepath"
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
