package sqlite

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
)

// WALLimit is the size of the write-ahead log past which the checkpointer empties it at once
// (see wal). Under sustained writes the WAL stays under 2*WALLimit plus one transaction: 128 MiB
// and a batch's chunk.
const WALLimit = 64 << 20

// wal bounds the write-ahead log of a store's data file. The checkpointer's PASSIVE checkpoints
// (see checkpoints) copy the WAL into the database but cannot start it over while the writer
// keeps appending: SQLite restarts a WAL only when a write begins with every frame copied and
// no reader in it, which never happens under sustained writes, and the file grew to gigabytes.
//
// So every write commit looks at the WAL's size (one stat). Past limit it wakes the checkpointer,
// which copies what it can without blocking anyone (PASSIVE) and then runs a TRUNCATE checkpoint:
// that one takes the write lock for the few frames appended meanwhile, waits for the readers
// still in the WAL, and cuts the file to zero. The writer waits only for that tail. Past
// 2*limit (the checkpointer has not kept up: a long reader held it back), a write that has just
// begun, and so holds the write lock, gives it back and waits for the checkpointer's round to
// end: the bound holds in bytes, not in time, however many writers queue.
type wal struct {
	path  string
	limit int64
	kick  chan struct{} // wakes the checkpointer; one pending wake-up is enough
	peak  atomic.Int64  // the largest size seen at a commit
	shut  atomic.Bool   // the checkpointer has stopped: nothing to wait for
	stuck atomic.Bool   // the last forced checkpoint could not finish (a reader held the WAL)

	mu    sync.Mutex
	round chan struct{} // closed when the current forced checkpoint ends
}

func newWAL(dbPath string, limit int64) *wal {
	return &wal{path: dbPath + "-wal", limit: limit, kick: make(chan struct{}, 1), round: make(chan struct{})}
}

// size is the WAL file's size (0 when it does not exist).
func (w *wal) size() int64 {
	fi, err := os.Stat(w.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// committed runs after each write commit.
func (w *wal) committed() {
	n := w.size()
	for {
		p := w.peak.Load()
		if n <= p || w.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if n > w.limit {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// over reports whether the WAL is past twice its limit, with the checkpointer still running:
// the writer, holding the write lock, then gives it up and waits (see Driver.Begin).
// While a reader holds the WAL past the checkpoint's busy timeout (a backup running for minutes),
// no checkpoint can empty it and writes do not wait: the WAL grows until the reader is done.
func (w *wal) over() bool { return !w.shut.Load() && !w.stuck.Load() && w.size() > 2*w.limit }

// wait wakes the checkpointer and waits for its forced checkpoint to end (or ctx).
func (w *wal) wait(ctx context.Context) {
	w.mu.Lock()
	round := w.round
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	select {
	case <-round:
	case <-ctx.Done():
	}
}

// forced ends a forced checkpoint's round, releasing the writes that wait for it; ok tells
// whether it emptied the WAL.
func (w *wal) forced(ok bool) {
	w.stuck.Store(!ok)
	w.mu.Lock()
	close(w.round)
	w.round = make(chan struct{})
	w.mu.Unlock()
}
