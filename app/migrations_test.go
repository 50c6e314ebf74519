package app_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

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
	lite, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	pg, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no SQLite migrations embedded")
	}
	names := func(ms []sqlstore.Migration) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	if len(lite) != len(pg) {
		t.Fatalf("SQLite has migrations %v, PostgreSQL %v", names(lite), names(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: SQLite has %d %s, PostgreSQL %d %s", i, lite[i].Version, lite[i].Name,
				pg[i].Version, pg[i].Name)
		}
		if i > 0 && lite[i].Version == lite[i-1].Version {
			t.Errorf("version %d is used twice: %s and %s", lite[i].Version, lite[i-1].Name, lite[i].Name)
		}
	}
}

// migratedFrom makes a store at the migrations below version, runs stmts on it, and opens it with
// this masspay, which applies the rest: data written by an older masspay.
func migratedFrom(t *testing.T, version int, stmts ...string) *sqlstore.Store {
	ctx := t.Context()
	dbURL, dir := apptest.DatabaseURL(t), t.TempDir()
	var db *sql.DB
	var ms []sqlstore.Migration
	var err error
	dollar := dbURL != ""
	if dollar {
		ms, err = postgres.Migrations()
		if err == nil {
			db, err = sql.Open("pgx", dbURL)
		}
	} else {
		ms, err = sqlite.Migrations()
		if err == nil {
			db, err = sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var before []sqlstore.Migration
	for _, m := range ms {
		if m.Version < version {
			before = append(before, m)
		}
	}
	if err := sqlstore.Migrate(ctx, conn, before, dollar); err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	db.Close()
	store, err := app.OpenStore(ctx, dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
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
