// Package sqlstore implements masspay.Store once, over a Driver per backend (river's shape):
// the sqlite package drives it with database/sql and modernc.org/sqlite, the postgres package
// with pgx. The SQL that reads the same on both is written here once, with numbered parameters
// ($1, $2, ...) that both accept natively; what differs (row locks, work claims, notifications,
// bulk writes, the reading of many ids) is the backend's own. Migrations run through goose
// (migrate.go).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"masspay"
)

// Store is masspay.Store over a Driver.
type Store struct {
	driver   Driver
	dialect  Dialect
	kinds    kinds // funding source id -> type, of committed funding sources
	commits  atomic.Uint64
	closers  []func() error
	notifier notifier
	// window is the number of generations of the key indexes that a customer's transfer list
	// reads per query (customerTransfers); 0 for the default.
	window atomic.Int64
}

// defaultCustomerWindow is the number of generations that a customer's transfer list reads per
// query, 4,194,304 transfers: SQLite takes at most 500 arms in a compound select, and
// PostgreSQL's planning time grows with them.
const defaultCustomerWindow = 256

func (s *Store) customerWindow() int {
	if w := s.window.Load(); w > 0 {
		return int(w)
	}
	if s.dialect.CustomerWindow > 0 {
		return s.dialect.CustomerWindow
	}
	return defaultCustomerWindow
}

// SetCustomerWindow sets the number of generations of the key indexes (16,384 transfers each)
// that a customer's transfer list reads per query, 0 for the default: for tests of lists that
// take several, without millions of transfers.
func (s *Store) SetCustomerWindow(generations int) { s.window.Store(int64(generations)) }

// New returns a Store over the driver. closers run at Close, after the driver's.
func New(d Driver, dialect Dialect, closers ...func() error) *Store {
	return &Store{driver: d, dialect: dialect, closers: closers}
}

// Commits counts the write transactions this store has committed (SQLite's checkpointer waits
// for a quiet moment).
func (s *Store) Commits() uint64 { return s.commits.Load() }

// Dialect names the backend.
func (s *Store) Dialect() string { return s.dialect.Name }

// Driver returns the backend, for its own tests and tools.
func (s *Store) Driver() Driver { return s.driver }

// ExecSQL runs one statement outside the Q methods: for tests that build states those refuse
// to build, and tools.
func (s *Store) ExecSQL(ctx context.Context, query string) error { return s.driver.Exec(ctx, query) }

// Sync makes every write committed before the call durable on disk (masspay.Store.Sync).
func (s *Store) Sync(ctx context.Context) error { return s.driver.Sync(ctx) }

// Close closes the backend, then runs the closers.
func (s *Store) Close() error {
	errs := []error{s.driver.Close()}
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Read runs fn in a read-only transaction: one consistent snapshot.
func (s *Store) Read(ctx context.Context, fn func(masspay.Q) error) error {
	tx, err := s.driver.Begin(ctx, false)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(&q{tx: tx, s: s})
}

// Write runs fn in one write transaction, committed when fn returns nil. It runs fn once: a
// transient conflict (a PostgreSQL deadlock or serialization failure, SQLITE_BUSY from another
// process) is returned, and the caller decides whether running its whole use case again is
// safe (the engine's chunks are: see engine.Engine.process).
func (s *Store) Write(ctx context.Context, fn func(masspay.Q) error) error {
	tx, err := s.driver.Begin(ctx, true)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	qq := &q{tx: tx, s: s}
	if err := fn(qq); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.commits.Add(1)
	s.kinds.learn(qq.learned)
	for _, c := range qq.notes {
		s.Signal(c)
	}
	return nil
}

// q is a masspay.Q bound to one transaction.
type q struct {
	tx      Tx
	s       *Store
	notes   []string          // channels to signal after commit
	learned map[string]string // funding source types read, for Store.kinds once committed
}

var _ masspay.Q = (*q)(nil)

func (q *q) exec(ctx context.Context, query string, args ...any) (int64, error) {
	return q.tx.Exec(ctx, query, args...)
}

func (q *q) query(ctx context.Context, query string, args ...any) (Rows, error) {
	return q.tx.Query(ctx, query, args...)
}

func (q *q) queryRow(ctx context.Context, query string, args ...any) Row {
	return q.tx.QueryRow(ctx, query, args...)
}

// insertMany inserts rows into table through the backend's bulk path (see Tx.InsertMany).
func (q *q) insertMany(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if err := q.tx.InsertMany(ctx, table, cols, rows); err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	return nil
}

// noRows maps a driver's no-rows error (sql.ErrNoRows, or pgx.ErrNoRows, which matches it) to
// masspay.ErrNoRows.
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

// one maps an UPDATE that changed no row to masspay.ErrNoRows.
func one(n int64, err error) error {
	if err != nil {
		return err
	}
	if n != 1 {
		return masspay.ErrNoRows
	}
	return nil
}
