package app

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// LockFileName is the file in a SQLite data directory that a running server holds locked.
const LockFileName = "masspay.lock"

// lockDataDir takes the lock that makes a server the only one on a SQLite data directory, for
// as long as it runs: the start-up steps that assume no other server (releasing in-flight
// idempotency keys, reclaiming processing batches at once) would otherwise take another's work.
// The lock is an flock(2) on LockFileName, released by the kernel if the process dies. Commands
// meant to run beside a server (apps create, verify) do not take it.
func lockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, LockFileName)
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock data directory %s: %w", dir, err)
	}
	if !ok {
		return nil, fmt.Errorf("another masspay server is running on data directory %s (it holds %s); stop it first, or give this one another --data", dir, LockFileName)
	}
	return func() { fl.Unlock() }, nil
}
