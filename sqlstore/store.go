// Package sqlstore implements masspay.Store on database/sql. The SQL is written once, with '?'
// placeholders, and rebound for PostgreSQL; the few statements that differ (work claims, row
// locks) ask the Dialect. The sqlite and postgres packages open a Store with their driver,
// their migrations and their dialect.
package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"masspay"
)

// Dialect is what differs between the backends.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// Dollar placeholders ($1, $2...) instead of '?'.
	Dollar bool
	// ArrayInsert inserts many rows with one array parameter per column (PostgreSQL: see
	// insertArrays).
	ArrayInsert bool
	// MaxParams bounds the parameters of one statement (multi-row inserts are split to fit).
	MaxParams int
	// RowLock is appended to a SELECT that must lock the rows it reads until commit
	// (" FOR UPDATE" on PostgreSQL; empty on SQLite, where the write transaction is exclusive).
	RowLock string
	// SkipLocked is appended to a work-claim SELECT so that concurrent nodes pass over rows
	// another node holds (" FOR UPDATE SKIP LOCKED" on PostgreSQL).
	SkipLocked string
	// IsUniqueViolation reports whether err is a unique-constraint violation.
	IsUniqueViolation func(error) bool
	// NotifySQL, when set, is run by Q.Notify inside the transaction with the channel as its one
	// parameter, for databases that carry signals to other processes and deliver them only at
	// commit (PostgreSQL's pg_notify). The backend feeds what it receives to Store.Signal.
	NotifySQL string
	// InsertVerb begins a multi-row INSERT (default "INSERT INTO"). SQLite's "INSERT OR FAIL
	// INTO" stops at a violated constraint without undoing the rows the statement inserted
	// before it, so SQLite need not copy every page the statement touches into a statement
	// journal first; the transaction as a whole is still rolled back (see insertMany).
	InsertVerb string
	// CacheStatements keeps every statement prepared for the life of the store (see stmtCache),
	// and splits multi-row statements into a few fixed sizes so that they are reused.
	CacheStatements bool
	// LockSQL, when set, is run by Q.Lock with the lock's name as its one parameter, to take a
	// lock that the transaction holds until it ends (PostgreSQL's pg_advisory_xact_lock). Without
	// it, Q.Lock does nothing: SQLite's write transactions already run one at a time.
	LockSQL string
}

// Store is masspay.Store on database/sql. With SQLite, writes go through a one-connection pool
// (SQLite has one writer; queueing in Go beats SQLITE_BUSY) and reads through a separate pool.
// With PostgreSQL both are the same pool.
type Store struct {
	write   *sql.DB
	read    *sql.DB
	dialect Dialect
	rebound sync.Map // SQL text -> rebound SQL text
	// valuesText caches the text of multi-row row sources (see values). Its keys are bounded:
	// five slice sizes times the handful of column counts and shared-column sets the callers meet.
	valuesText sync.Map
	wcache     *stmtCache // nil unless Dialect.CacheStatements
	kinds      kinds      // funding source id -> type, of committed funding sources
	commits    atomic.Uint64
	rcache     *stmtCache
	closers    []func() error
	notifier   notifier
}

// New returns a Store over the given pools. read may equal write.
func New(write, read *sql.DB, d Dialect, closers ...func() error) *Store {
	s := &Store{write: write, read: read, dialect: d, closers: closers}
	if d.CacheStatements {
		s.wcache, s.rcache = newStmtCache(write), newStmtCache(read)
		if read == write {
			s.rcache = s.wcache
		}
	}
	return s
}

// Commits counts the write transactions this store has committed (SQLite's checkpointer waits
// for a quiet moment).
func (s *Store) Commits() uint64 { return s.commits.Load() }

// Dialect names the backend.
func (s *Store) Dialect() string { return s.dialect.Name }

// DB returns the write pool, for tools and tests that need raw SQL (the benchmark's raw
// insertion rate, for one).
func (s *Store) DB() *sql.DB { return s.write }

// Close closes the pools.
func (s *Store) Close() error {
	var errs []error
	if s.wcache != nil {
		s.wcache.close()
		s.rcache.close()
	}
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	errs = append(errs, s.write.Close())
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Read runs fn in a read-only transaction: one consistent snapshot.
func (s *Store) Read(ctx context.Context, fn func(masspay.Q) error) error {
	opts := &sql.TxOptions{}
	if s.dialect.Name == "postgres" {
		// READ COMMITTED (the default) takes a new snapshot per statement; a Read promises one
		// snapshot for all of fn, as SQLite's WAL read transactions give.
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	qq := &q{tx: tx, s: s, cache: s.rcache}
	err = fn(qq)
	tx.Rollback()
	qq.ended(ctx)
	return err
}

// Write runs fn in one write transaction, committed when fn returns nil. It runs fn once: a
// transient conflict (a PostgreSQL deadlock or serialization failure, SQLITE_BUSY from another
// process) is returned, and the caller decides whether running its whole use case again is
// safe (the engine's chunks are: see engine.Engine.process).
func (s *Store) Write(ctx context.Context, fn func(masspay.Q) error) error {
	return s.write1(ctx, fn)
}

func (s *Store) write1(ctx context.Context, fn func(masspay.Q) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	qq := &q{tx: tx, s: s, cache: s.wcache}
	defer qq.ended(ctx)
	if err := fn(qq); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.commits.Add(1)
	s.kinds.learn(qq.learned)
	for _, c := range qq.notes {
		s.Signal(c)
	}
	return nil
}

// bind turns '?' placeholders into $n for PostgreSQL, caching the result per statement text.
func (s *Store) bind(query string) string {
	if !s.dialect.Dollar {
		return query
	}
	if v, ok := s.rebound.Load(query); ok {
		return v.(string)
	}
	out := dollars(query)
	s.rebound.Store(query, out)
	return out
}

// dollars numbers query's '?' placeholders as PostgreSQL's $1, $2, ...
func dollars(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// q is a masspay.Q bound to one transaction.
type q struct {
	tx         *sql.Tx
	s          *Store
	notes      []string          // channels to signal after commit
	learned    map[string]string // funding source types read, for Store.kinds once committed
	cache      *stmtCache
	stmts      map[string]*sql.Stmt // this transaction's handles on cached statements
	unprepared []string             // statements to prepare once the transaction ends
}

var _ masspay.Q = (*q)(nil)

func (q *q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = q.s.bind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q *q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = q.s.bind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q *q) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = q.s.bind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// insertMany inserts rows into table with one multi-row INSERT per slice of rows that fits
// the dialect's parameter limit. When it fails, some of the rows may be in the transaction (on
// SQLite, see Dialect.InsertVerb; on any store, those of an earlier slice): its caller returns
// the error, and Write rolls the transaction back. Every caller does; none carries on.
func (q *q) insertMany(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if q.s.dialect.ArrayInsert {
		return q.insertArrays(ctx, table, cols, rows)
	}
	head := cmp.Or(q.s.dialect.InsertVerb, "INSERT INTO") + " " + table + " (" + strings.Join(cols, ", ") + ") "
	var args []any
	return q.s.split(len(rows), len(cols), func(lo, hi int) error {
		var src string
		src, args = q.s.values(rows[lo:hi], args[:0])
		if _, err := q.exec(ctx, head+src, args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
		return nil
	})
}

// values returns the rows as a row source, "VALUES (?, ?), (?, ?)" or an equivalent SELECT
// whose columns are named column1, column2..., and their arguments appended to args. When
// statements are cached (SQLite), a column whose value is the same in every row is bound once,
// in a one-row subquery joined to the VALUES of the others: in a chunk of payments most columns
// are (the account, the source, the status, the time, the many empty ones), and binding a text
// parameter costs SQLite an allocation and a copy. (Numbered parameters, ?1 in every row, would
// say it shorter, but the driver looks each one's name up in a list as long as the statement.)
func (s *Store) values(rows [][]any, args []any) (string, []any) {
	cols := len(rows[0])
	var mask uint64 // columns bound once
	if s.dialect.CacheStatements && len(rows) > 1 && cols <= 64 {
		for c := range cols {
			if sameInAll(rows, c) {
				mask |= 1 << c
				args = append(args, rows[0][c])
			}
		}
	}
	for _, r := range rows {
		for c, v := range r {
			if mask&(1<<c) == 0 {
				args = append(args, v)
			}
		}
	}
	key := valuesKey{mask, cols, len(rows)}
	if t, ok := s.valuesText.Load(key); ok {
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
	if varying > 0 {
		b.WriteString("VALUES ")
		b.WriteString(tuples("("+inList(varying)+")", len(rows)))
	} else {
		// Every column shared: the rows are that one row, len(rows) times.
		b.WriteString("VALUES ")
		b.WriteString(tuples("(0)", len(rows)))
	}
	if mask != 0 {
		b.WriteString(") AS w")
	}
	t := b.String()
	s.valuesText.Store(key, t)
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
// within the dialect's parameter limit. When statements are cached the slices are 256, 64, 16,
// 4 or 1 rows long, so that five statement texts per site serve any number of rows.
func (s *Store) split(n, cols int, fn func(lo, hi int) error) error {
	per := max(1, s.dialect.MaxParams/cols)
	for lo := 0; lo < n; {
		size := min(n-lo, per)
		if s.dialect.CacheStatements {
			p := 1
			for p*4 <= min(size, maxRowsCached) {
				p *= 4
			}
			size = p
		}
		if err := fn(lo, lo+size); err != nil {
			return err
		}
		lo += size
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

// insertArrays inserts rows with one statement whose parameters are one array per column,
// unnested by the database: on PostgreSQL a short statement with a dozen array parameters parses
// and plans in no time, where a multi-row VALUES list of tens of thousands of parameters does not.
func (q *q) insertArrays(ctx context.Context, table string, cols []string, rows [][]any) error {
	arrays := make([]any, len(cols))
	casts := make([]string, len(cols))
	for c := range cols {
		switch rows[0][c].(type) {
		case string:
			v := make([]string, len(rows))
			for i, r := range rows {
				v[i] = r[c].(string)
			}
			arrays[c], casts[c] = v, "?::text[]"
		case bool:
			v := make([]bool, len(rows))
			for i, r := range rows {
				v[i] = r[c].(bool)
			}
			arrays[c], casts[c] = v, "?::boolean[]"
		default:
			v := make([]int64, len(rows))
			for i, r := range rows {
				switch n := r[c].(type) {
				case int64:
					v[i] = n
				case int:
					v[i] = int64(n)
				default:
					return fmt.Errorf("insert %s: column %s: unsupported type %T", table, cols[c], n)
				}
			}
			arrays[c], casts[c] = v, "?::bigint[]"
		}
	}
	query := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT * FROM unnest(" + strings.Join(casts, ", ") + ")"
	if _, err := q.exec(ctx, query, arrays...); err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	return nil
}

// inList returns "?, ?, ?" for n parameters.
func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// noRows maps sql.ErrNoRows to masspay.ErrNoRows.
func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return masspay.ErrNoRows
	}
	return err
}

// unique wraps a unique-constraint violation in masspay.ErrUnique.
func (q *q) unique(err error) error {
	if err != nil && q.s.dialect.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %v", masspay.ErrUnique, err)
	}
	return err
}
