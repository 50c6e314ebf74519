package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"

	"masspay/sqlstore"
)

// OpenReadOnly opens the store in dataDir for reading only: no migration, no checkpoint, no
// write of any kind, for tools (masspay verify) that inspect a store beside a running server or
// a copy of one. The directory and its database file must exist.
//
// SQLite in WAL mode writes a -shm index (and may create an empty -wal) even for a read-only
// connection, to share the log with writers. When nothing can write to the store (a read-only
// copy or mount, the directory or file without write permission) no writer can be running, so
// it is opened immutable: no -shm, no -wal, no lock. Permission bits are read as well as
// access(2), which answers yes to root whatever the bits say.
func OpenReadOnly(ctx context.Context, dataDir string) (*sqlstore.Store, error) {
	path := filepath.Join(dataDir, FileName)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no masspay store in %s: %s does not exist", dataDir, FileName)
		}
		return nil, err
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro"
	if !writable(dataDir) || !writable(path) {
		dsn += "&immutable=1"
	}
	db, err := sql.Open("sqlite", dsn+"&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return sqlstore.New(newDriver(db, db), Dialect), nil
}

// writable reports whether this process could write path, by its permission bits and access(2).
func writable(path string) bool {
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm()&0o222 == 0 {
		return false
	}
	return syscall.Access(path, 2 /* W_OK */) == nil
}
