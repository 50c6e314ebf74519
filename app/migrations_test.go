package app_test

import (
	"testing"

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
