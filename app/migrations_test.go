package app_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
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

// Transfers made before migration 00009 get their key hashes when a newer masspay opens the
// store, and are found by customer and by correlation id afterwards.
func TestTransferKeyHashBackfill(t *testing.T) {
	t.Parallel()
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
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var before []sqlstore.Migration
	for _, m := range ms {
		if m.Version < 9 {
			before = append(before, m)
		}
	}
	if err := sqlstore.Migrate(ctx, conn, before, dollar); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO transfers (id, account_id, source_id, destination_id, dest_customer_id, correlation_id, amount, status, created)
 VALUES (?, 'acc', 'src', 'dst', ?, ?, 100, 'pending', 0)`
	if dollar {
		insert = strings.NewReplacer("?, 'acc'", "$1, 'acc'", "'dst', ?, ?", "'dst', $2, $3").Replace(insert)
	}
	old := [][3]string{{"t1", "cust1", "corr-a"}, {"t2", "cust2", ""}, {"t3", "", "corr-b"}, {"t4", "", ""}}
	for _, r := range old {
		if _, err := conn.ExecContext(ctx, insert, r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	db.Close()

	store, err := app.OpenStore(ctx, dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
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
