package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"sync"
	"time"

	sqlite3 "modernc.org/sqlite"

	"masspay/sqlstore"
)

// Driver is sqlstore.Driver on database/sql and modernc.org/sqlite. Writes go through a pool of
// one connection (SQLite has one writer; queueing in Go beats SQLITE_BUSY), reads through a
// pool of their own, each on a WAL snapshot. Every statement stays prepared for the life of
// the store (see stmtCache).
type Driver struct {
	write, read    *sql.DB
	wcache, rcache *stmtCache
	// valuesText caches the text of multi-row row sources (see values). Its keys are bounded:
	// five slice sizes times the handful of column counts and shared-column sets the callers meet.
	valuesText sync.Map
	wal        *wal    // nil on a read-only store
	ckpt       *sql.DB // the checkpointer's pool (see checkpoints); nil on a read-only store
}

func newDriver(write, read *sql.DB, w *wal) *Driver {
	return &Driver{write: write, read: read, wcache: newStmtCache(write), rcache: newStmtCache(read), wal: w}
}

// WALPeak is the largest size of the write-ahead log seen after a write commit, in bytes (0 on a
// read-only store).
func (d *Driver) WALPeak() int64 {
	if d.wal == nil {
		return 0
	}
	return d.wal.peak.Load()
}

// PagesWritten is how many pages the writer's connection has written to the WAL since the store
// opened (SQLite's SQLITE_DBSTATUS_CACHE_WRITE): the write work a load costs, counted the same
// however busy the machine is, where its time is not.
func (d *Driver) PagesWritten(ctx context.Context) (int64, error) {
	c, err := d.write.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var n int
	err = c.Raw(func(dc any) error {
		st, ok := dc.(sqlite3.DBStatus)
		if !ok {
			return errors.New("sqlite: the connection keeps no status counters")
		}
		n, _, err = st.Status(sqlite3.DBStatusCacheWrite, false)
		return err
	})
	return int64(n), err
}

// syncRetry is how long Sync waits before checkpointing again when a reader held frames back.
const syncRetry = 10 * time.Millisecond

// Sync makes every transaction committed before the call survive a power loss or an OS crash
// (masspay.Store.Sync). Under synchronous=NORMAL a WAL commit is written to the WAL file but not
// fsynced: a killed process loses nothing, a power loss can roll it back. SQLite syncs the WAL
// before a checkpoint copies frames from it, and the database file after a checkpoint that
// copied every frame (walCheckpoint in SQLite 3.54.1 as modernc.org/sqlite v1.62.0 builds it:
// sqlite3OsSync of the WAL once nBackfill < mxSafeFrame, then of the database file when
// mxSafeFrame reached the WAL's end). So Sync runs a PASSIVE checkpoint on the checkpointer's
// connection, which blocks neither the writer nor the readers, until one reports every frame of
// the WAL it found copied (busy 0, log = checkpointed): the frames of every transaction committed
// before the call were then synced to the WAL before being copied, and the database file was
// synced after them; a WAL started over since holds none of them, as SQLite starts it over only
// once all of it is in the synced database file. A reader still in an older snapshot holds frames
// back: Sync tries again until ctx ends. The writer's connection never waits for it, so the
// engine pays nothing; only what calls Sync (ACH delivery) does.
func (d *Driver) Sync(ctx context.Context) error {
	if d.ckpt == nil {
		return nil // a read-only store commits nothing
	}
	for {
		var busy, log, copied int
		if err := d.ckpt.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied); err != nil {
			return fmt.Errorf("sqlite sync: %w", err)
		}
		if busy == 0 && log == copied {
			return nil // (-1, -1 outside WAL mode, where a commit syncs the database file itself)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sqlite sync: %d of %d WAL frames checkpointed (a reader holds the rest): %w", copied, log, ctx.Err())
		case <-time.After(syncRetry):
		}
	}
}

// DB returns the write pool, for tests and tools that need raw SQL.
func (d *Driver) DB() *sql.DB { return d.write }

// Exec runs one statement on the write pool, outside any transaction.
func (d *Driver) Exec(ctx context.Context, query string) error {
	_, err := d.write.ExecContext(ctx, query)
	return err
}

// Close closes the statements and the pools.
func (d *Driver) Close() error {
	d.wcache.close()
	d.rcache.close()
	if d.read == d.write {
		return d.write.Close()
	}
	return errors.Join(d.read.Close(), d.write.Close())
}

// PoolStats returns the pools' statistics: "write" and "read", or "main" when one pool is both
// (a read-only store).
func (d *Driver) PoolStats() map[string]sql.DBStats {
	if d.read == d.write {
		return map[string]sql.DBStats{"main": d.write.Stats()}
	}
	return map[string]sql.DBStats{"write": d.write.Stats(), "read": d.read.Stats()}
}

// Begin starts a write transaction (BEGIN IMMEDIATE: see Open) or a read transaction.
func (d *Driver) Begin(ctx context.Context, write bool) (sqlstore.Tx, error) {
	db, cache := d.read, d.rcache
	if write {
		db, cache = d.write, d.wcache
	}
	for try := 0; ; try++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		// Past the WAL's bound, give the write lock to the checkpointer and begin again (a few
		// times at most: a checkpoint that cannot finish must not stop the writes).
		if write && d.wal != nil && try < 3 && d.wal.over() {
			tx.Rollback()
			d.wal.wait(ctx)
			continue
		}
		return &txn{tx: tx, d: d, cache: cache, write: write}, nil
	}
}

// txn is one transaction.
type txn struct {
	tx         *sql.Tx
	d          *Driver
	cache      *stmtCache
	stmts      map[string]*sql.Stmt // this transaction's handles on cached statements
	unprepared []string             // statements to prepare once the transaction ends
	done       bool
	write      bool
}

func (t *txn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	args = pack(args)
	var res sql.Result
	var err error
	if st := t.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = t.tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *txn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	args = pack(args)
	var rows *sql.Rows
	var err error
	if st := t.stmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = t.tx.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return &sqlRows{Rows: rows}, nil
}

func (t *txn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	args = pack(args)
	if st := t.stmt(ctx, query); st != nil {
		return sqlRow{st.QueryRowContext(ctx, args...)}
	}
	return sqlRow{t.tx.QueryRowContext(ctx, query, args...)}
}

func (t *txn) Commit(ctx context.Context) error {
	err := t.tx.Commit()
	t.ended(ctx)
	if t.write && t.d.wal != nil {
		t.d.wal.committed()
	}
	return err
}

func (t *txn) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	err := t.tx.Rollback()
	t.ended(ctx)
	return err
}

// maxParams bounds the parameters of one statement: SQLite allows 32,766.
const maxParams = 30000

// InsertMany inserts rows with one multi-row INSERT OR FAIL per slice of rows (see split and
// values). INSERT OR FAIL stops at a violated constraint without undoing the rows the statement
// inserted before it, so SQLite need not copy every page the statement touches into a statement
// journal first; the transaction as a whole is rolled back by the caller.
func (t *txn) InsertMany(ctx context.Context, table string, cols []string, rows [][]any) error {
	head := "INSERT OR FAIL INTO " + table + " (" + strings.Join(cols, ", ") + ") "
	var args []any
	return split(len(rows), len(cols), func(lo, hi int) error {
		var src string
		src, args = t.d.values(rows[lo:hi], args[:0])
		_, err := t.Exec(ctx, head+src, args...)
		return err
	})
}

// UpdateItems joins a VALUES list of the outcomes on the item id, one UPDATE per slice.
func (t *txn) UpdateItems(ctx context.Context, rows [][]any) (int64, error) {
	const head = `UPDATE mass_payment_items SET status = v.column2, transfer_id = v.column3, error_code = v.column4,
 error_message = v.column5, error_path = v.column6 FROM (`
	const tail = `) AS v WHERE mass_payment_items.id = v.column1 AND mass_payment_items.status = 'pending'`
	var args []any
	var total int64
	err := split(len(rows), 6, func(lo, hi int) error {
		var src string
		src, args = t.d.values(rows[lo:hi], args[:0])
		n, err := t.Exec(ctx, head+src+tail, args...)
		total += n
		return err
	})
	return total, err
}

// QueryIDs runs prefix with IN lists of at most 256 ids, in the fixed sizes of split so that
// their statements are reused.
func (t *txn) QueryIDs(ctx context.Context, prefix string, ids []string, each func(sqlstore.Row) error) error {
	args := make([]any, 0, min(len(ids), maxRowsCached))
	return split(len(ids), 1, func(lo, hi int) error {
		args = args[:0]
		for _, id := range ids[lo:hi] {
			args = append(args, id)
		}
		rows, err := t.Query(ctx, prefix+` IN (`+inList(hi-lo)+`)`, args...)
		return sqlstore.EachRow(rows, err, each)
	})
}

// values returns the rows as a row source, "VALUES (?, ?), (?, ?)" or an equivalent SELECT
// whose columns are named column1, column2..., and their arguments appended to args, ids packed
// (see pack). A column
// whose value is the same in every row is bound once, in a one-row subquery joined to the VALUES
// of the others: in a chunk of payments most columns are (the account, the source, the status,
// the time, the many empty ones), and binding a text parameter costs SQLite an allocation and a
// copy. The placeholders are anonymous: numbered ones ($1 in every row) would say it shorter,
// but in a statement of thousands of parameters the driver's lookup of each name costs more.
func (d *Driver) values(rows [][]any, args []any) (string, []any) {
	cols := len(rows[0])
	var mask uint64 // columns bound once
	if len(rows) > 1 && cols <= 64 {
		for c := range cols {
			if sameInAll(rows, c) {
				mask |= 1 << c
				args = append(args, packValue(rows[0][c]))
			}
		}
	}
	for _, r := range rows {
		for c, v := range r {
			if mask&(1<<c) == 0 {
				args = append(args, packValue(v))
			}
		}
	}
	key := valuesKey{mask, cols, len(rows)}
	if t, ok := d.valuesText.Load(key); ok {
		return t.(string), args
	}
	shared, varying := bits.OnesCount64(mask), cols-bits.OnesCount64(mask)
	var b strings.Builder
	if mask != 0 {
		// SELECT s.s1 AS column1, w.column1 AS column2, ... FROM (SELECT ? AS s1, ...) AS s, (VALUES ...) AS w
		b.WriteString("SELECT ")
		si, wi := 0, 0
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			if mask&(1<<c) != 0 {
				si++
				fmt.Fprintf(&b, "s.s%d AS column%d", si, c+1)
			} else {
				wi++
				fmt.Fprintf(&b, "w.column%d AS column%d", wi, c+1)
			}
		}
		b.WriteString(" FROM (SELECT ")
		for i := range shared {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "? AS s%d", i+1)
		}
		b.WriteString(") AS s, (")
	}
	b.WriteString("VALUES ")
	if varying > 0 {
		b.WriteString(tuples("("+inList(varying)+")", len(rows)))
	} else {
		// Every column shared: the rows are that one row, len(rows) times.
		b.WriteString(tuples("(0)", len(rows)))
	}
	if mask != 0 {
		b.WriteString(") AS w")
	}
	t := b.String()
	d.valuesText.Store(key, t)
	return t, args
}

type valuesKey struct {
	mask       uint64
	cols, rows int
}

// sameInAll reports whether column c holds one scalar value in every row.
func sameInAll(rows [][]any, c int) bool {
	switch rows[0][c].(type) {
	case string, int64, int, bool:
	default:
		return false
	}
	for _, r := range rows[1:] {
		if r[c] != rows[0][c] {
			return false
		}
	}
	return true
}

// maxRowsCached is the largest multi-row statement split kept prepared.
const maxRowsCached = 256

// split calls fn for consecutive slices [lo, hi) of n rows of cols parameters each, every slice
// within maxParams and 256, 64, 16, 4 or 1 rows long, so that five statement texts per site
// serve any number of rows.
func split(n, cols int, fn func(lo, hi int) error) error {
	per := max(1, maxParams/cols)
	for lo := 0; lo < n; {
		size := min(n-lo, per)
		p := 1
		for p*4 <= min(size, maxRowsCached) {
			p *= 4
		}
		if err := fn(lo, lo+p); err != nil {
			return err
		}
		lo += p
	}
	return nil
}

// tuples returns n copies of tuple, comma-separated.
func tuples(tuple string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(tuple) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// inList returns "?, ?, ?" for n parameters.
func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }
