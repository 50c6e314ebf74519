package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/nacha"
	"masspay/postgres/pgtest"
	"masspay/service"
	"masspay/sqlstore"
)

func achConfig(dir string) nacha.Config {
	return nacha.Config{ODFI: "121042882", CompanyName: "Acme Payouts", CompanyID: "1234567890", Dir: dir}
}

// Several nodes reaching the same window's cutoff at once make one file between them: on
// PostgreSQL (nodes on one database, each writing to its own directory) and on SQLite (stores
// of one data directory, as `masspay ach cutoff` beside a server).
func TestACHOneFilePerWindow(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dataDir, url := t.TempDir(), ""
			if backend == "postgres" {
				url = pgtest.URL(t)
			}
			const nodes = 4
			var achs []*service.ACH
			var stores []*sqlstore.Store
			for i := range nodes {
				st, err := app.OpenStore(context.Background(), dataDir, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				a, err := service.New(st, service.Config{}).ACH(achConfig(filepath.Join(t.TempDir(), "node", string(rune('a'+i)))))
				if err != nil {
					t.Fatal(err)
				}
				stores, achs = append(stores, st), append(achs, a)
			}
			for range 3 {
				apptest.DueBankTransfer(t, stores[0], 100_00)
			}
			w, err := achs[0].Calendar().Next(time.Now())
			if err != nil {
				t.Fatal(err)
			}
			results := make([]*service.CutoffResult, nodes)
			errs := make([]error, nodes)
			var wg sync.WaitGroup
			for i, a := range achs {
				wg.Go(func() { results[i], errs[i] = a.Cutoff(context.Background(), &w) })
			}
			wg.Wait()
			made := 0
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("node %d: %v", i, errs[i])
				}
				if r.Closed {
					made++
					if r.File == nil || r.File.EntryCount != 3 {
						t.Fatalf("node %d closed the window with %+v, want a file of 3 entries", i, r.File)
					}
				}
			}
			var files []string
			for _, a := range achs {
				found, _ := filepath.Glob(filepath.Join(a.Config().Dir, "*.ach"))
				files = append(files, found...)
			}
			if made != 1 || len(files) != 1 {
				t.Fatalf("%d nodes closed the window and %d files were written, want 1 and 1", made, len(files))
			}
		})
	}
}

// The crash points of a cutoff, each made to happen: the file recorded but not written (the
// process died after the commit), written but not marked (died after the rename), a temporary
// file left (died while writing). Deliver, which every start and every cutoff runs first, ends
// each with the file on disk once and the transfer in it once.
func TestACHCrashPoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir, url := t.TempDir(), apptest.DatabaseURL(t)
	st, err := app.OpenStore(ctx, dataDir, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := filepath.Join(t.TempDir(), "files")
	// A regular file where the directory should be: writing after the commit fails, as if the
	// process had died there.
	if err := os.WriteFile(dir, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := service.New(st, service.Config{}).ACH(achConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	id := apptest.DueBankTransfer(t, st, 42_00)
	res, err := a.Cutoff(ctx, nil)
	if err == nil || res == nil || res.File == nil {
		t.Fatalf("cutoff with the directory blocked: %+v, %v; want the file recorded and a write error", res, err)
	}
	check := func(want ...string) {
		t.Helper()
		got, err := a.CheckDir(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("directory check: %q, want %d findings like %q", got, len(want), want)
		}
		for i := range want {
			if !strings.Contains(got[i], want[i]) {
				t.Fatalf("directory check: %q, want %q", got, want)
			}
		}
	}
	check("recorded but not yet written")
	// Not due any more: the next cutoff does not send it again; it writes the recorded file.
	os.Remove(dir)
	again, err := a.Cutoff(ctx, nil)
	if err != nil || again.File != nil {
		t.Fatalf("next cutoff: %+v, %v; want nothing due", again, err)
	}
	check()
	path := filepath.Join(dir, res.File.Name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nacha.Read(b); err != nil {
		t.Fatal(err)
	}

	// Died after the rename, before marking it written: the file there is the one recorded.
	if err := st.ExecSQL(ctx, `UPDATE ach_files SET written = FALSE`); err != nil {
		t.Fatal(err)
	}
	if paths, err := a.Deliver(ctx); err != nil || len(paths) != 1 {
		t.Fatalf("deliver of a file already there: %v, %v", paths, err)
	}
	check()
	// A file of the same name with other bytes is never overwritten.
	if err := st.ExecSQL(ctx, `UPDATE ach_files SET written = FALSE`); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("someone else's file"), 0o644)
	if _, err := a.Deliver(ctx); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("deliver over another file: %v", err)
	}
	os.WriteFile(path, b, 0o644)
	if _, err := a.Deliver(ctx); err != nil {
		t.Fatal(err)
	}

	// Died while writing: a temporary file is left, and taken away.
	os.WriteFile(filepath.Join(dir, ".masspay-123.tmp"), []byte("half a fi"), 0o644)
	check("not recorded")
	if _, err := a.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	check()

	var entries []*masspay.ACHEntry
	st.Read(ctx, func(q masspay.Q) (err error) { entries, err = q.ACHEntryListByTransfer(ctx, id); return err })
	if len(entries) != 1 || entries[0].File.Name != res.File.Name {
		t.Fatalf("transfer's entries: %+v", entries)
	}
}

// cancelOnCommit is the real store, ending a context as soon as a write commits: a server told
// to stop (SIGTERM) right between a cutoff's commit and its writing of the file.
type cancelOnCommit struct {
	masspay.Store
	cancel context.CancelFunc
}

func (s cancelOnCommit) Write(ctx context.Context, fn func(masspay.Q) error) error {
	err := s.Store.Write(ctx, fn)
	if err == nil {
		s.cancel()
	}
	return err
}

// A cutoff whose context ends right after its file is recorded still writes the file before it
// returns: a server stopping cleanly leaves no recorded file off disk (the cause of
// TestACHKillServerAtCutoffs' rare "entries in the files" shortfall).
func TestACHCutoffCancelledAfterCommit(t *testing.T) {
	t.Parallel()
	st, err := app.OpenStore(context.Background(), t.TempDir(), apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	apptest.DueBankTransfer(t, st, 12_34)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := service.New(cancelOnCommit{st, cancel}, service.Config{}).ACH(achConfig(filepath.Join(t.TempDir(), "files")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Cutoff(ctx, nil)
	if err != nil || res.File == nil || ctx.Err() == nil {
		t.Fatalf("cutoff: %+v, %v (context: %v); want a file made and the context ended after it", res, err, ctx.Err())
	}
	if _, err := os.Stat(res.Path); err != nil {
		t.Fatalf("the recorded file is not on disk when the cutoff returns: %v", err)
	}
	if got, err := a.CheckDir(context.Background()); err != nil || len(got) != 0 {
		t.Fatalf("directory check: %q, %v", got, err)
	}
}

// A transfer no entry can carry (over 99,999,999.99) is held back and named; the others still go.
func TestACHHoldsWhatNoEntryCarries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := app.OpenStore(ctx, t.TempDir(), apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := service.New(st, service.Config{}).ACH(achConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	big := apptest.DueBankTransfer(t, st, nacha.MaxAmount+1)
	apptest.DueBankTransfer(t, st, 10_00)
	res, err := a.Cutoff(ctx, nil)
	if err != nil || res.File == nil || res.File.EntryCount != 1 || len(res.Held) != 1 || res.Held[0] != big {
		t.Fatalf("cutoff: %+v, %v; want a file of 1 entry and %s held", res, err, big)
	}
}

// A file named as masspay names its files that the store does not record (the store lost the
// cutoff that made it: restored from a backup, or a power loss before its commit was synced) is
// refused, not written over nor passed by: with its transfers due again, a cutoff makes no file
// and Deliver writes none until it is moved away, and CheckDir (masspay verify) names it.
func TestACHUnrecordedFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := app.OpenStore(ctx, t.TempDir(), apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := filepath.Join(t.TempDir(), "files")
	a, err := service.New(st, service.Config{}).ACH(achConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	id := apptest.DueBankTransfer(t, st, 42_00)
	first, err := a.Cutoff(ctx, nil)
	if err != nil || first.File == nil {
		t.Fatalf("cutoff: %+v, %v", first, err)
	}
	sent, err := os.ReadFile(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	// The store loses the cutoff: the transfer is due again, the file is on disk.
	for _, table := range []string{"ach_entries", "ach_files", "ach_windows"} {
		if err := st.ExecSQL(ctx, "DELETE FROM "+table); err != nil {
			t.Fatal(err)
		}
	}
	unrecorded := func(err error, name string) {
		t.Helper()
		var u *service.UnrecordedError
		if !errors.As(err, &u) || len(u.Names) != 1 || u.Names[0] != name || !strings.Contains(err.Error(), name) {
			t.Fatalf("got %v, want the refusal naming %s", err, name)
		}
		if strings.Contains(err.Error(), "123456789") {
			t.Fatalf("the refusal shows an account number: %v", err)
		}
	}
	res, err := a.Cutoff(ctx, nil)
	unrecorded(err, first.File.Name)
	if res != nil {
		t.Fatalf("refused cutoff returned %+v", res)
	}
	if got, _ := os.ReadFile(first.Path); string(got) != string(sent) {
		t.Fatal("the unrecorded file was changed")
	}
	if files, total, err := a.Files(ctx, masspay.Page{Limit: 10}); err != nil || total != 0 {
		t.Fatalf("after the refused cutoff the store records %d files (%v, %v), want none", total, files, err)
	}
	if names, err := a.Unrecorded(ctx); err != nil || len(names) != 1 || names[0] != first.File.Name {
		t.Fatalf("unrecorded: %q, %v", names, err)
	}
	found, err := a.CheckDir(ctx)
	if err != nil || len(found) != 1 || !strings.Contains(found[0], first.File.Name) || !strings.Contains(found[0], "named as masspay names its files") {
		t.Fatalf("directory check: %q, %v", found, err)
	}

	// Moved away (the operator found the bank never got it), the next cutoff sends the transfer.
	if err := os.Rename(first.Path, filepath.Join(t.TempDir(), first.File.Name)); err != nil {
		t.Fatal(err)
	}
	second, err := a.Cutoff(ctx, nil)
	if err != nil || second.File == nil || second.File.EntryCount != 1 {
		t.Fatalf("cutoff once moved away: %+v, %v", second, err)
	}

	// An unrecorded file of another day holds back Deliver too: the recorded file stays unwritten.
	if err := st.ExecSQL(ctx, `UPDATE ach_files SET written = FALSE`); err != nil {
		t.Fatal(err)
	}
	os.Remove(second.Path)
	other := "masspay-20200102-A.ach"
	if err := os.WriteFile(filepath.Join(dir, other), sent, 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := a.Deliver(ctx)
	unrecorded(err, other)
	if _, serr := os.Stat(second.Path); len(paths) != 0 || serr == nil {
		t.Fatalf("deliver with an unrecorded file wrote %q (stat: %v)", paths, serr)
	}
	// Files not named as ours are reported by CheckDir but hold nothing back.
	os.Remove(filepath.Join(dir, other))
	os.WriteFile(filepath.Join(dir, "notes.ach"), []byte("x"), 0o644)
	if paths, err := a.Deliver(ctx); err != nil || len(paths) != 1 || paths[0] != second.Path {
		t.Fatalf("deliver: %q, %v", paths, err)
	}
	if found, err := a.CheckDir(ctx); err != nil || len(found) != 1 || !strings.Contains(found[0], "notes.ach") {
		t.Fatalf("directory check: %q, %v", found, err)
	}
	var entries []*masspay.ACHEntry
	st.Read(ctx, func(q masspay.Q) (err error) { entries, err = q.ACHEntryListByTransfer(ctx, id); return err })
	if len(entries) != 1 || entries[0].File.Name != second.File.Name {
		t.Fatalf("transfer's entries: %+v", entries)
	}
}
