package sqlite_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"masspay"
	"masspay/apptest"
	"masspay/nacha"
	"masspay/service"
	"masspay/sqlite"
)

// A cutoff's record reaches the database file, synced, before its ACH file is written: a power
// loss after the file is on disk (and maybe uploaded) cannot take the cutoff back and make its
// transfers due again for a second file. The store's checkpointer is told not to checkpoint on
// its own (the test would otherwise race it), so what reaches the database file does so through
// Store.Sync. Copying the database file alone (not its -wal and -shm) is what a power loss leaves
// when the WAL's last commits were never synced: the copy, opened on its own, must hold the
// recorded file and the closed window. Before Deliver synced, the copy held neither.
func TestACHCutoffDurableBeforeWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := t.TempDir()
	st, err := sqlite.OpenNoIdleCheckpoints(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	transfer := apptest.DueBankTransfer(t, st, 42_00)
	// The schema and the transfer in the database file, so that the copy opens and only the
	// cutoff's own commit is in question.
	if err := st.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := service.New(st, service.Config{}).ACH(nacha.Config{ODFI: "121042882", CompanyName: "Acme Payouts",
		CompanyID: "1234567890", Dir: filepath.Join(t.TempDir(), "files")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Cutoff(ctx, nil)
	if err != nil || res.File == nil {
		t.Fatalf("cutoff: %+v, %v; want a file", res, err)
	}
	if _, err := os.Stat(res.Path); err != nil {
		t.Fatalf("the file is not on disk: %v", err)
	}

	copyDir := t.TempDir()
	copyFile(t, filepath.Join(dataDir, sqlite.FileName), filepath.Join(copyDir, sqlite.FileName))
	if _, err := os.Stat(filepath.Join(copyDir, sqlite.FileName+"-wal")); err == nil {
		t.Fatal("the copy has a WAL")
	}
	// Read-only permissions: opened immutable, from the database file alone.
	os.Chmod(filepath.Join(copyDir, sqlite.FileName), 0o444)
	cp, err := sqlite.OpenReadOnly(ctx, copyDir)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var files []*masspay.ACHFile
	var last time.Time
	var entries []*masspay.ACHEntry
	err = cp.Read(ctx, func(q masspay.Q) (err error) {
		if files, _, err = q.ACHFileList(ctx, masspay.Page{Limit: 10}); err != nil {
			return err
		}
		if last, err = q.ACHWindowLast(ctx); err != nil {
			return err
		}
		entries, err = q.ACHEntryListByTransfer(ctx, transfer)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Name != res.File.Name || files[0].SHA256 != res.File.SHA256 {
		t.Fatalf("the database file alone records %d ACH files (%+v), want %s: the cutoff's commit was not on disk when its file was written", len(files), files, res.File.Name)
	}
	if !last.Equal(res.Window.Cutoff) || len(entries) != 1 {
		t.Fatalf("the database file alone has the last window at %v and %d entries of the transfer, want %v and 1", last, len(entries), res.Window.Cutoff)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
