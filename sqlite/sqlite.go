// Package sqlite opens the masspay store on an embedded SQLite database (modernc.org/sqlite,
// pure Go: nothing to install, no cgo), in WAL mode, with its embedded migrations applied.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"masspay/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are SQLite's: the common files, its own (migrations/), the common Go migrations
// and its own (packing ids, migrate.go).
func Migrations() sqlstore.Migrations {
	own, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory is there
	}
	return sqlstore.Migrations{Dialect: goose.DialectSQLite3, Own: own, OwnGo: goMigrations(),
		TableExists: `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1)`}
}

// FileName is the database file inside a data directory.
const FileName = "masspay.db"

// Dialect is SQLite's: no row locks (the write transaction is exclusive), no cross-process
// notifications, no named locks.
var Dialect = sqlstore.Dialect{
	Name:      "sqlite",
	Unindexed: "+",
	IsUniqueViolation: func(err error) bool {
		return code(err) == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || code(err) == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY
	},
}

func code(err error) int {
	if e, ok := errors.AsType[*sqlite3.Error](err); ok {
		return e.Code()
	}
	return 0
}

// Open opens (creating if needed) the store in dataDir and applies pending migrations.
//
// Writes go through a pool of one connection: SQLite has a single writer, and queueing writers
// in Go avoids SQLITE_BUSY between our own goroutines. _txlock=immediate makes every write
// transaction take the write lock at BEGIN, so a transaction never has to upgrade a read lock
// later (which fails with SQLITE_BUSY_SNAPSHOT, a case busy_timeout does not cover). busy_timeout
// comes first in the DSN so it applies while the other pragmas run, and it covers a second
// process (`masspay apps create` beside a running server). Reads use their own pool and see
// WAL snapshots without blocking the writer.
func Open(ctx context.Context, dataDir string) (*sqlstore.Store, error) {
	return open(ctx, dataDir, WALLimit, true)
}

// open is Open with the WAL bound of walLimit bytes (see wal). Without idle the checkpointer
// checkpoints only past the bound and at close, never on its own timing: for tests that must see
// what only Store.Sync puts in the database file.
func open(ctx context.Context, dataDir string, walLimit int64, idle bool) (*sqlstore.Store, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dataDir, FileName)
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)" +
		"&_pragma=temp_store(MEMORY)"
	write, err := sql.Open("sqlite", base+cacheSize(WriteCacheKiB)+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	if err := Migrations().Migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}

	read, err := sql.Open("sqlite", base+cacheSize(ReadCacheKiB)+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(ReadConns)
	read.SetMaxIdleConns(ReadConns)
	// The checkpointer copies WAL frames into the database file without its page cache.
	ckpt, err := sql.Open("sqlite", base+cacheSize(ReadCacheKiB))
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	ckpt.SetMaxOpenConns(1)
	stop := make(chan struct{})
	done := make(chan struct{})
	w := newWAL(path, walLimit)
	d := newDriver(write, read, w)
	d.ckpt = ckpt
	store := sqlstore.New(d, Dialect, func() error {
		close(stop)
		<-done
		return ckpt.Close()
	})
	go checkpoints(ckpt, store.Commits, w, idle, stop, done)
	return store, nil
}

// The page caches (PRAGMA cache_size), per connection, and the read connections: together the
// bound of SQLite's memory (docs/storage.md, "Memory"). Each cached 4 KiB page takes about
// 1.6 times its size in resident memory (the page with SQLite's header is 4.3 KB, in an 8 KiB slot
// of modernc.org/memory's allocator).
//
// The writer's cache is large: at depth the engine's inserts land at random places of several
// indexes, and the pages it holds are the ones the next chunk writes again. It stays warm, since
// only another connection's write (or a TRUNCATE checkpoint) empties it. A reader's cache is
// emptied at the start of any read transaction after a commit (SQLite cannot know which of its
// pages changed), so under load it holds only what one read transaction touches; when writes
// pause it keeps what it read, and at the writer's size, eight of them would hold eight times
// as much for the few reads a quiet period brings (the file's pages stay in the OS's cache).
const (
	WriteCacheKiB = 64 << 10
	ReadCacheKiB  = 8 << 10
	ReadConns     = 8
)

// PageCacheKiB is the most that the page caches of a store's connections hold together, in KiB.
// This build of SQLite (SQLITE_ENABLE_MEMORY_MANAGEMENT) keeps the pages of all of a process's
// connections in one group bounded by the sum of their cache sizes: a connection at its own
// size reuses the group's least recently used page, whoever's it is, so an idle reader's pages
// serve the writer. (A second store in the same process adds its own.)
func PageCacheKiB() int { return WriteCacheKiB + (ReadConns+1)*ReadCacheKiB }

// cacheSize is the DSN parameter of a page cache of kib KiB.
func cacheSize(kib int) string { return fmt.Sprintf("&_pragma=cache_size(-%d)", kib) }

// Checkpoint timing (see checkpoints).
const (
	checkpointTick     = 200 * time.Millisecond
	checkpointMaxDelay = 5 * time.Second
)

// checkpoints copies the WAL back into the database file, from a connection of its own. The
// writer's connection never checkpoints (wal_autocheckpoint(0)): a checkpoint writes and fsyncs
// the database file, and inside the engine's commits it cost them a fifth of their time.
//
// It checkpoints once the store is quiet (no commit for a tick), or every checkpointMaxDelay
// under sustained writes. Run beside a burst of work (a batch is processed in a fraction of a
// second), it took the writer's second core and slowed the batch by a fifth; deferred, it
// copies each page once however often the burst rewrote it. Under sustained load the WAL holds
// at most checkpointMaxDelay of writes.
//
// A PASSIVE checkpoint never blocks the writer or readers; one that cannot finish (a reader still
// needs old pages) is tried again at the next tick. Once a checkpoint has copied everything,
// the next writer starts the WAL over, and journal_size_limit trims the file back to 64 MiB.
// Under sustained writes that moment never comes: when a commit finds the WAL past its limit,
// w wakes this loop for a PASSIVE checkpoint and then a TRUNCATE one, which empties it (see wal).
// At close a TRUNCATE empties it too.
func checkpoints(db *sql.DB, commits func() uint64, w *wal, idle bool, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointTick)
	defer t.Stop()
	seen, copied := commits(), commits() // commits at the last tick, and covered by the last checkpoint
	last := time.Now()
	for {
		select {
		case <-stop:
			db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			w.shut.Store(true)
			w.forced(true)
			return
		case <-w.kick:
			now := commits()
			db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			var busy, walFrames, copiedFrames int
			err := db.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &walFrames, &copiedFrames)
			if err == nil && busy == 0 {
				copied = now
			}
			last = time.Now()
			w.forced(err == nil && busy == 0)
			continue
		case <-t.C:
		}
		if !idle {
			continue
		}
		now := commits()
		quiet := now == seen
		seen = now
		if now == copied || (!quiet && time.Since(last) < checkpointMaxDelay) {
			continue
		}
		var busy, walFrames, copiedFrames int
		err := db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &walFrames, &copiedFrames)
		if err == nil && walFrames == copiedFrames {
			copied = now
		}
		last = time.Now()
	}
}
