package app_test

import (
	"database/sql"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"

	_ "github.com/jackc/pgx/v5/stdlib"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/postgres"
	"masspay/sqlite"
	"masspay/sqlstore"
)

// A migration written for one backend only would leave the two schemas apart at the same
// version; the sets must match one for one.
func TestMigrationsMatchAcrossBackends(t *testing.T) {
	lite, err := sqlite.Migrations().Versions()
	if err != nil {
		t.Fatal(err)
	}
	pg, err := postgres.Migrations().Versions()
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) < 12 {
		t.Fatalf("SQLite has migrations %v, want at least 12", lite)
	}
	if fmt.Sprint(lite) != fmt.Sprint(pg) {
		t.Fatalf("SQLite has migrations %v, PostgreSQL %v", lite, pg)
	}
}

// legacyDB is a database as masspay's former migration runner left it: the migration files below
// version applied in order, each recorded in schema_migrations (version, name), then stmts run.
// It returns the database's URL (PostgreSQL) or data directory (SQLite), and a handle on it.
func legacyDB(t *testing.T, version int64, stmts ...string) (dir, dbURL string, db *sql.DB) {
	ctx := t.Context()
	dbURL, dir = apptest.DatabaseURL(t), t.TempDir()
	ms := sqlite.Migrations()
	if dbURL != "" {
		ms = postgres.Migrations()
	}
	db = rawDB(t, dir, dbURL)
	db.SetMaxOpenConns(1) // one session: PostgreSQL's search_path, SQLite's one writer
	files, err := ms.Files()
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)`)
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			t.Fatal(err)
		}
		if v >= version {
			continue
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		exec(string(b))
		exec(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, v, name)
	}
	for _, q := range stmts {
		exec(q)
	}
	return dir, dbURL, db
}

// migratedFrom makes a store at the migrations below version with the former runner, runs stmts
// on it, and opens it with this masspay, which adopts it and applies the rest: data written by
// an older masspay.
func migratedFrom(t *testing.T, version int64, stmts ...string) *sqlstore.Store {
	dir, dbURL, db := legacyDB(t, version, stmts...)
	db.Close()
	store, err := app.OpenStore(t.Context(), dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// A database made by the former runner at its last version (00011, every backfill done) opens
// with goose: its versions move to goose's table, schema_migrations goes, only the migrations it
// lacked run, its data reads as before and takes new writes; opening it again changes nothing.
func TestUpgradeFromFormerRunner(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	search := strings.Join([]string{"ann", "lee", "ann@example.com", ""}, "\x1f")
	dir, dbURL, db := legacyDB(t, 12,
		`INSERT INTO accounts (id, name, created) VALUES ('acc', 'Acme', 1)`,
		`INSERT INTO customers (id, account_id, first_name, last_name, email, type, status, created, search_text)
 VALUES ('c1', 'acc', 'Ann', 'Lee', 'ann@example.com', 'receive-only', 'unverified', 1, '`+search+`')`)
	db.Close()
	want, err := sqlite.Migrations().Versions()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		store, err := app.OpenStore(ctx, dir, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		err = store.Write(ctx, func(q masspay.Q) error {
			cs, _, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: "acc", Search: "LEE", Page: masspay.Page{Limit: 10}})
			if err != nil {
				return err
			}
			if len(cs) == 0 || cs[0].ID != "c1" {
				return fmt.Errorf("search LEE found %v, want c1 first", cs)
			}
			return q.CustomerInsert(ctx, &masspay.Customer{ID: masspay.NewID(), AccountID: "acc", FirstName: "Bo",
				LastName: "Ng", Email: masspay.NewID() + "@example.com", Type: "receive-only", Status: "unverified",
				Created: time.Now()})
		})
		store.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	db = rawDB(t, dir, dbURL)
	var got []int64
	rows, err := db.QueryContext(ctx, `SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	rows.Close()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("goose recorded %v, want %v once each", got, want)
	}
	if _, err := db.ExecContext(ctx, `SELECT 1 FROM schema_migrations`); err == nil {
		t.Error("schema_migrations is still there")
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&n); err != nil || n != 3 {
		t.Errorf("customers: %d (%v), want 3", n, err)
	}
}

// rawDB is a database/sql handle on the store's database, closed when the test ends.
func rawDB(t *testing.T, dir, dbURL string) *sql.DB {
	var db *sql.DB
	var err error
	if dbURL != "" {
		db, err = sql.Open("pgx", dbURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A migration merged from another branch is a plain SQL file after a "-- +goose Up" line, in a
// backend's own directory; goose applies it after the others.
func TestPlainSQLMigration(t *testing.T) {
	t.Parallel()
	ms := sqlite.Migrations()
	versions, err := ms.Versions()
	if err != nil {
		t.Fatal(err)
	}
	next := versions[len(versions)-1] + 1
	own := fstest.MapFS{fmt.Sprintf("%05d_extra.sql", next): {Data: []byte("-- +goose Up\n-- A comment; and another.\n" +
		"CREATE TABLE extra (id TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');\n" +
		"INSERT INTO extra (id, note) VALUES ('a', 'x;y');\nCREATE INDEX extra_id ON extra (id);\n")}}
	names, err := fs.Glob(ms.Own, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(ms.Own, n)
		if err != nil {
			t.Fatal(err)
		}
		own[n] = &fstest.MapFile{Data: b}
	}
	ms.Own = own
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := ms.Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	var note string
	if err := db.QueryRowContext(t.Context(), `SELECT note FROM extra WHERE id = 'a'`).Scan(&note); err != nil || note != "x;y" {
		t.Fatalf("extra: %q, %v", note, err)
	}
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM goose_db_version WHERE version_id = $1`, next).Scan(&n); err != nil || n != 1 {
		t.Fatalf("goose recorded version %d %d times (%v), want once", next, n, err)
	}
}

// Transfers made before migration 00009 get their key hashes when a newer masspay opens the
// store, and are found by customer and by correlation id afterwards.
func TestTransferKeyHashBackfill(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var inserts []string
	for _, r := range [][3]string{{"t1", "cust1", "corr-a"}, {"t2", "cust2", ""}, {"t3", "", "corr-b"}, {"t4", "", ""}} {
		inserts = append(inserts, fmt.Sprintf(`INSERT INTO transfers (id, account_id, source_id, destination_id, dest_customer_id,
 correlation_id, amount, status, created) VALUES ('%s', 'acc', 'src', 'dst', '%s', '%s', 100, 'pending', 0)`, r[0], r[1], r[2]))
	}
	store := migratedFrom(t, 9, inserts...)
	find := func(f masspay.TransferFilter) []string {
		f.AccountID, f.Limit = "acc", 10
		var ids []string
		err := store.Read(ctx, func(q masspay.Q) error {
			ts, _, err := q.TransferList(ctx, f)
			for _, tr := range ts {
				ids = append(ids, tr.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for _, c := range []struct {
		f    masspay.TransferFilter
		want string
	}{
		{masspay.TransferFilter{CustomerID: "cust1"}, "[t1]"},
		{masspay.TransferFilter{CustomerID: "cust2"}, "[t2]"},
		{masspay.TransferFilter{CorrelationID: "corr-a"}, "[t1]"},
		{masspay.TransferFilter{CorrelationID: "corr-b"}, "[t3]"},
		{masspay.TransferFilter{CorrelationID: "corr-c"}, "[]"},
	} {
		if got := fmt.Sprint(find(c.f)); got != c.want {
			t.Errorf("%+v: %s, want %s", c.f, got, c.want)
		}
	}
}

// Customers made before migration 00011 get their search text when a newer masspay opens the
// store, and a search finds them by any of its fields, whatever the case.
func TestCustomerSearchBackfill(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	insert := `INSERT INTO customers (id, account_id, first_name, last_name, email, type, status, business_name, created)
 VALUES ('%s', 'acc', '%s', '%s', '%s', 'receive-only', 'unverified', '%s', 0)`
	store := migratedFrom(t, 11,
		`INSERT INTO accounts (id, name, created) VALUES ('acc', 'Acme', 0)`,
		fmt.Sprintf(insert, "c1", "Émile", "Müller", "emile@example.com", ""),
		fmt.Sprintf(insert, "c2", "Ann", "Lee", "ann@example.com", "Straße GmbH"))
	for _, c := range []struct{ search, want string }{
		{"MÜLLER", "[c1]"}, {"émile", "[c1]"}, {"STRASSE", "[]"}, {"STRAẞE", "[c2]"}, {"ann@", "[c2]"}, {"example", "[c2 c1]"},
	} {
		var ids []string
		err := store.Read(ctx, func(q masspay.Q) error {
			cs, _, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: "acc", Search: c.search, Page: masspay.Page{Limit: 10}})
			for _, cu := range cs {
				ids = append(ids, cu.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(ids); got != c.want {
			t.Errorf("search %q: %s, want %s", c.search, got, c.want)
		}
	}
}

// Rows written before migration 00025 (SQLite packs ids into 16-byte BLOBs from then on) read
// the same afterwards, are found by every id they hold, take new rows beside them, and keep
// their foreign keys; text that is not a canonical UUID stays text. On PostgreSQL 00025 changes
// nothing, and the same reads hold.
func TestPackedIDsUpgrade(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir, dbURL := t.TempDir(), apptest.DatabaseURL(t)
	ms := sqlite.Migrations()
	if dbURL != "" {
		ms = postgres.Migrations()
	}
	db := rawDB(t, dir, dbURL)
	db.SetMaxOpenConns(1)
	if err := ms.MigrateTo(ctx, db, 24); err != nil {
		t.Fatal(err)
	}
	acc, app_, cust, bank, bal := masspay.NewID(), masspay.NewID(), masspay.NewID(), masspay.NewID(), masspay.NewID()
	mp, item, tr, ev := masspay.NewID(), masspay.NewID(), masspay.NewID(), masspay.NewID()
	upper := strings.ToUpper(masspay.NewID()) // not canonical: stays text
	for _, q := range []string{
		`INSERT INTO accounts (id, name, created) VALUES ('` + acc + `', 'Acme', 1)`,
		`INSERT INTO applications (id, account_id, name, key, secret_hash, created) VALUES ('` + app_ + `', '` + acc + `', 'a', 'k', 'h', 1)`,
		`INSERT INTO customers (id, account_id, first_name, last_name, email, type, status, created, search_text)
 VALUES ('` + cust + `', '` + acc + `', 'Ann', 'Lee', 'ann@example.com', 'receive-only', 'unverified', 1, 'ann')`,
		`INSERT INTO funding_sources (id, account_id, customer_id, type, status, name, created)
 VALUES ('` + bank + `', '` + acc + `', '` + cust + `', 'bank', 'verified', 'Bank', 1)`,
		`INSERT INTO funding_sources (id, account_id, type, status, name, balance, created)
 VALUES ('` + bal + `', '` + acc + `', 'balance', 'verified', 'Balance', 0, 1)`,
		`INSERT INTO mass_payments (id, account_id, source_id, source_type, status, total, item_count, correlation_id, created, items_succeeded)
 VALUES ('` + mp + `', '` + acc + `', '` + bal + `', 'balance', 'complete', 100, 1, '` + upper + `', 1, 1)`,
		`INSERT INTO mass_payment_items (mass_payment_id, idx, id, destination_id, amount, status, transfer_id)
 VALUES ('` + mp + `', 0, '` + item + `', '` + bank + `', 100, 'success', '` + tr + `')`,
		`INSERT INTO transfers (id, account_id, source_id, destination_id, dest_customer_id, amount, status, posted, bank,
 mass_payment_id, item_id, correlation_id, created, dest_customer_hash)
 VALUES ('` + tr + `', '` + acc + `', '` + bal + `', '` + bank + `', '` + cust + `', 100, 'pending', TRUE, TRUE, '` + mp + `', '` + item + `', 'acc1', 1, ` + fmt.Sprint(sqlstoreKeyHash(cust)) + `)`,
		`INSERT INTO events (id, account_id, customer_id, topic, resource_type, resource_id, created)
 VALUES ('` + ev + `', '` + acc + `', '` + cust + `', 'customer_transfer_created', 'transfers', '` + tr + `', 1)`,
		`INSERT INTO ledger_entries (funding_source_id, transfer_id, amount, created) VALUES ('` + bank + `', '` + tr + `', -100, 1)`,
		`INSERT INTO ledger_entries (funding_source_id, transfer_id, amount, created) VALUES ('` + bank + `', '` + tr + `', 100, 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	db.Close()
	for range 2 {
		store, err := app.OpenStore(ctx, dir, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		err = store.Write(ctx, func(q masspay.Q) error {
			got, err := q.TransferGet(ctx, tr)
			if err != nil {
				return err
			}
			if got.AccountID != acc || got.SourceID != bal || got.DestinationID != bank || got.DestCustomerID != cust ||
				got.MassPaymentID != mp || got.ItemID != item || got.CorrelationID != "acc1" {
				return fmt.Errorf("transfer reads %+v", got)
			}
			ts, _, err := q.TransferList(ctx, masspay.TransferFilter{AccountID: acc, CustomerID: cust, Page: masspay.Page{Limit: 5}})
			if err != nil || len(ts) != 1 || ts[0].ID != tr {
				return fmt.Errorf("the customer's transfers: %v, %v", ts, err)
			}
			it, err := q.ItemGet(ctx, item)
			if err != nil || it.MassPaymentID != mp || it.DestinationID != bank || it.TransferID != tr {
				return fmt.Errorf("item reads %+v, %v", it, err)
			}
			m, err := q.MassPaymentGet(ctx, mp)
			if err != nil || m.CorrelationID != upper || m.SourceID != bal {
				return fmt.Errorf("mass payment reads %+v, %v", m, err)
			}
			ms, _, err := q.MassPaymentList(ctx, masspay.MassPaymentFilter{AccountID: acc, CorrelationID: upper, Page: masspay.Page{Limit: 5}})
			if err != nil || len(ms) != 1 {
				return fmt.Errorf("mass payments by correlation id: %v, %v", ms, err)
			}
			e, err := q.EventGet(ctx, ev)
			if err != nil || e.AccountID != acc || e.CustomerID != cust || e.ResourceID != tr {
				return fmt.Errorf("event reads %+v, %v", e, err)
			}
			es, _, err := q.EventList(ctx, masspay.EventFilter{AccountID: acc, Page: masspay.Page{Limit: 5}})
			if err != nil || len(es) != 1 || es[0].ID != ev {
				return fmt.Errorf("the account's events: %v, %v", es, err)
			}
			// A new customer of the same account: the account's foreign key holds on the packed id.
			return q.CustomerInsert(ctx, &masspay.Customer{ID: masspay.NewID(), AccountID: acc, FirstName: "Bo",
				LastName: "Ng", Email: masspay.NewID() + "@example.com", Type: "receive-only", Status: "unverified",
				Created: time.Now()})
		})
		if err == nil {
			err = store.Read(ctx, func(q masspay.Q) error {
				v, err := q.Violations(ctx)
				if err == nil && len(v) > 0 {
					err = fmt.Errorf("violations: %v", v)
				}
				return err
			})
		}
		store.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	db = rawDB(t, dir, dbURL)
	if dbURL != "" {
		// 00026: the event's id is its primary key, and no index is left on either table's seq.
		var defs string
		if err := db.QueryRowContext(ctx, `SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes
 WHERE schemaname = current_schema() AND tablename IN ('events', 'ledger_entries')`).Scan(&defs); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(defs, "events_pkey ON ") || !strings.Contains(defs, "(id)") || strings.Contains(defs, "(seq)") ||
			strings.Contains(defs, "events_id_key") {
			t.Errorf("indexes of events and ledger_entries: %s", defs)
		}
		return
	}
	var id, corr, upperType, fk string
	if err := db.QueryRowContext(ctx, `SELECT typeof(t.id), typeof(t.correlation_id), typeof(m.correlation_id)
 FROM transfers t, mass_payments m`).Scan(&id, &corr, &upperType); err != nil {
		t.Fatal(err)
	}
	var entries string
	if err := db.QueryRowContext(ctx, `SELECT group_concat(typeof(transfer_id)) FROM ledger_entries`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != "blob,blob" {
		t.Errorf("ledger entries name their transfer as %s, want blob,blob", entries)
	}
	if id != "blob" || corr != "text" || upperType != "text" {
		t.Errorf("stored as %s (id), %s (acc1), %s (an uppercase UUID); want blob, text, text", id, corr, upperType)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != "0" {
		t.Errorf("foreign key violations: %s (%v)", fk, err)
	}
	// 00026: no index written per item lists seq, which its entries end with already (the rowid).
	var seqs string
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(group_concat(name), '') FROM sqlite_master WHERE type = 'index'
 AND name IN ('transfers_account', 'transfers_pending_bank', 'events_account_created', 'webhooks_subscription_created')
 AND sql LIKE '%seq%'`).Scan(&seqs); err != nil || seqs != "" {
		t.Errorf("indexes that list seq: %q (%v)", seqs, err)
	}
}

// sqlstoreKeyHash is the key hash masspay keeps beside a transfer's receiving customer (sqlstore's
// keyHash: 64-bit FNV-1a of the text).
func sqlstoreKeyHash(s string) int64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return int64(h.Sum64())
}
