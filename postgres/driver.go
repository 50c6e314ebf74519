package postgres

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"masspay/sqlstore"
)

// Driver is sqlstore.Driver on a pgx pool, natively: pgx prepares and caches each statement per
// connection, bulk inserts are COPY, and lists of ids and bulk updates travel as arrays.
type Driver struct {
	pool *pgxpool.Pool
}

// Pool returns the pool, for tests and tools that need raw SQL.
func (d *Driver) Pool() *pgxpool.Pool { return d.pool }

// Exec runs one statement outside any transaction.
func (d *Driver) Exec(ctx context.Context, query string) error {
	_, err := d.pool.Exec(ctx, query)
	return err
}

// Sync does nothing: a PostgreSQL commit returns once its WAL is flushed (synchronous_commit=on,
// the server's default; see docs/storage.md).
func (d *Driver) Sync(context.Context) error { return nil }

// PoolStats returns the pool's statistics as "main", in database/sql's shape for the metrics:
// waits are the acquires that found no idle connection, and the time they waited.
func (d *Driver) PoolStats() map[string]sql.DBStats {
	st := d.pool.Stat()
	return map[string]sql.DBStats{"main": {
		MaxOpenConnections: int(st.MaxConns()),
		OpenConnections:    int(st.TotalConns()),
		InUse:              int(st.AcquiredConns()),
		Idle:               int(st.IdleConns()),
		WaitCount:          st.EmptyAcquireCount(),
		WaitDuration:       st.EmptyAcquireWaitTime(),
	}}
}

// Close closes the pool.
func (d *Driver) Close() error {
	d.pool.Close()
	return nil
}

// readOnly is a Read: REPEATABLE READ, as READ COMMITTED (the default) takes a new snapshot per
// statement, and a Read promises one snapshot for all of it, as SQLite's WAL read transactions give.
var readOnly = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// Begin starts a transaction on a connection of the pool.
func (d *Driver) Begin(ctx context.Context, write bool) (sqlstore.Tx, error) {
	opts := readOnly
	if write {
		opts = pgx.TxOptions{}
	}
	tx, err := d.pool.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return txn{tx}, nil
}

// txn is one transaction.
type txn struct{ tx pgx.Tx }

func (t txn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (t txn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return t.tx.Query(ctx, query, args...)
}

func (t txn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return t.tx.QueryRow(ctx, query, args...)
}

func (t txn) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }

// Rollback ends the transaction; after Commit it does nothing (pgx answers ErrTxClosed).
func (t txn) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

// InsertMany copies the rows in with COPY ... FROM STDIN (binary): no statement to parse or
// plan, whatever the number of rows.
func (t txn) InsertMany(ctx context.Context, table string, cols []string, rows [][]any) error {
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return err
}

// UpdateItems joins the outcomes, one array per column, unnested, on the item id.
func (t txn) UpdateItems(ctx context.Context, rows [][]any) (int64, error) {
	cols := make([][]string, 6)
	for c := range cols {
		cols[c] = make([]string, len(rows))
		for i, r := range rows {
			cols[c][i] = r[c].(string)
		}
	}
	return t.Exec(ctx, `UPDATE mass_payment_items SET status = v.status, transfer_id = v.transfer_id,
 error_code = v.code, error_message = v.message, error_path = v.path
 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS v(id, status, transfer_id, code, message, path)
 WHERE mass_payment_items.id = v.id AND mass_payment_items.status = 'pending'`,
		cols[0], cols[1], cols[2], cols[3], cols[4], cols[5])
}

// QueryIDs runs prefix for every id at once, as "= ANY" of one array parameter.
func (t txn) QueryIDs(ctx context.Context, prefix string, ids []string, each func(sqlstore.Row) error) error {
	rows, err := t.tx.Query(ctx, prefix+` = ANY($1::text[])`, ids)
	return sqlstore.EachRow(rows, err, each)
}
