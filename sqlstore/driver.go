package sqlstore

import "context"

// Driver is one backend, as river's riverdriver is: it opens transactions on its own client
// (database/sql for SQLite, pgx for PostgreSQL), runs SQL in its own dialect, and does the bulk
// work its own way. The Q methods in this package are written once against it; SQL that reads
// the same on both backends is shared as one text that both accept natively ($1, $2, ...),
// and what differs is the backend's: its Dialect's clauses and its Tx's bulk methods.
type Driver interface {
	// Begin starts a write transaction, or a read-only one that sees one snapshot throughout.
	Begin(ctx context.Context, write bool) (Tx, error)
	// Exec runs one statement outside any transaction (tools and tests building states the
	// Q methods refuse to build).
	Exec(ctx context.Context, query string) error
	// Sync makes every committed write durable on disk (masspay.Store.Sync).
	Sync(ctx context.Context) error
	Close() error
}

// Tx is one transaction of a Driver.
type Tx interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query for one row; Scan returns an error matching sql.ErrNoRows when there
	// is none (pgx.ErrNoRows does).
	QueryRow(ctx context.Context, query string, args ...any) Row
	// InsertMany inserts rows (each in cols order) into table in bulk: COPY on PostgreSQL,
	// multi-row INSERTs on SQLite. On failure some rows may be in the transaction: the caller
	// returns the error and the transaction is rolled back.
	InsertMany(ctx context.Context, table string, cols []string, rows [][]any) error
	// UpdateItems writes the outcome of the pending items among rows, each row (id, status,
	// transfer_id, error_code, error_message, error_path), and returns how many it updated.
	UpdateItems(ctx context.Context, rows [][]any) (int64, error)
	// QueryIDs runs prefix, a SELECT ending in "WHERE <column>", for the rows whose column is
	// one of ids, calling each per row.
	QueryIDs(ctx context.Context, prefix string, ids []string, each func(Row) error) error
	Commit(ctx context.Context) error
	// Rollback ends the transaction without committing; after Commit it does nothing.
	Rollback(ctx context.Context) error
}

// EachRow calls each for every row of the result of a query that returned rows and err, and
// closes it: the loop of a driver's QueryIDs.
func EachRow(rows Rows, err error, each func(Row) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Row is a result row.
type Row interface{ Scan(dest ...any) error }

// Rows is a result set; Close may be called more than once.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Dialect is the SQL in which the backends differ, besides a Tx's bulk methods.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// RowLock is appended to a SELECT that must lock the rows it reads until commit
	// (" FOR UPDATE" on PostgreSQL; empty on SQLite, where the write transaction is exclusive).
	RowLock string
	// SkipLocked is appended to a work-claim SELECT so that concurrent nodes pass over rows
	// another node holds (" FOR UPDATE SKIP LOCKED" on PostgreSQL).
	SkipLocked string
	// Unindexed is put before a column that a condition compares so that no index of the column
	// serves the condition (SQLite's unary +), for a planner without statistics that would
	// otherwise read through an index other than the one the query is written for. Empty on
	// PostgreSQL, whose statistics price the indexes (and which has no unary + on text).
	Unindexed string
	// MergeOrderedArms says that the planner merges the arms of a UNION ALL in the order a query
	// reads them in (Merge Append) when each arm is a subquery ordered so (PostgreSQL: it gives
	// the arms' own conditions no part in the order of what they read), rather than when the arms
	// are plain selects (SQLite, which sorts an ordered subquery's rows again).
	MergeOrderedArms bool
	// CustomerWindow, when set, is the number of generations of the key indexes that a customer's
	// transfer list reads per query, in place of defaultCustomerWindow: PostgreSQL plans each
	// generation's arm, and a page that the newest generations fill is planned with those only.
	CustomerWindow int
	// SortFewCustomerTransfers says that a customer's transfer list whose count found few
	// (fewCustomerTransfers) reads them all again and sorts them rather than merging an arm per
	// generation of the key indexes: PostgreSQL plans every arm, about 0.1 ms each, 60 of them at
	// 1,000,000 transfers, more than reading a few hundred rows costs. SQLite prepares the arms
	// for less than that.
	SortFewCustomerTransfers bool
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
