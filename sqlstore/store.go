// Package sqlstore implements masspay.Store on database/sql. The SQL is written once, with '?'
// placeholders, and rebound for PostgreSQL; the few statements that differ (work claims, row
// locks) ask the Dialect. The sqlite and postgres packages open a Store with their driver,
// their migrations and their dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

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
	// LockSQL, when set, is run by Q.Lock with the lock's name as its one parameter, to take a
	// lock that the transaction holds until it ends (PostgreSQL's pg_advisory_xact_lock). Without
	// it, Q.Lock does nothing: SQLite's write transactions already run one at a time.
	LockSQL string
}

// Store is masspay.Store on database/sql. With SQLite, writes go through a one-connection pool
// (SQLite has one writer; queueing in Go beats SQLITE_BUSY) and reads through a separate pool.
// With PostgreSQL both are the same pool.
type Store struct {
	write    *sql.DB
	read     *sql.DB
	dialect  Dialect
	rebound  sync.Map // SQL text -> rebound SQL text
	closers  []func() error
	notifier notifier
}

// New returns a Store over the given pools. read may equal write.
func New(write, read *sql.DB, d Dialect, closers ...func() error) *Store {
	return &Store{write: write, read: read, dialect: d, closers: closers}
}

// Dialect names the backend.
func (s *Store) Dialect() string { return s.dialect.Name }

// DB returns the write pool, for tools and tests that need raw SQL (the benchmark's raw
// insertion rate, for one).
func (s *Store) DB() *sql.DB { return s.write }

// Close closes the pools.
func (s *Store) Close() error {
	var errs []error
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
	defer tx.Rollback()
	return fn(&q{tx: tx, s: s})
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
	qq := &q{tx: tx, s: s}
	if err := fn(qq); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
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
	out := b.String()
	s.rebound.Store(query, out)
	return out
}

// q is a masspay.Q bound to one transaction.
type q struct {
	tx    *sql.Tx
	s     *Store
	notes []string // channels to signal after commit
}

var _ masspay.Q = (*q)(nil)

func (q *q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.tx.ExecContext(ctx, q.s.bind(query), args...)
}

func (q *q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.tx.QueryContext(ctx, q.s.bind(query), args...)
}

func (q *q) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.tx.QueryRowContext(ctx, q.s.bind(query), args...)
}

// insertMany inserts rows into table with one multi-row INSERT per slice of rows that fits
// the dialect's parameter limit.
func (q *q) insertMany(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if q.s.dialect.ArrayInsert {
		return q.insertArrays(ctx, table, cols, rows)
	}
	per := max(1, q.s.dialect.MaxParams/len(cols))
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	args := make([]any, 0, min(per, len(rows))*len(cols))
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		var b strings.Builder
		b.Grow(len(head) + (end-start)*(len(tuple)+2))
		b.WriteString(head)
		args = args[:0]
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, r...)
		}
		if _, err := q.exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
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
