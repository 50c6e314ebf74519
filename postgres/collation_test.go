package postgres_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"masspay/postgres/pgtest"
)

// Every id column compares byte by byte (COLLATE "C", migration 00040), those of later migrations
// too: an id column left in the database's collation would make each comparison with another id
// take the other's "C" collation, and its own index could not serve it. Columns that are not ids
// keep the database's collation.
func TestIDColumnsCollateC(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	open(t, dbURL)
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	rows, err := conn.Query(t.Context(), `SELECT table_name, column_name, COALESCE(collation_name, '')
 FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'text' AND table_name <> 'goose_db_version'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids, others := 0, 0
	for rows.Next() {
		var table, column, collation string
		if err := rows.Scan(&table, &column, &collation); err != nil {
			t.Fatal(err)
		}
		id := column == "id" || strings.HasSuffix(column, "_id")
		switch {
		case id && collation != "C":
			t.Errorf("%s.%s has collation %q, want \"C\" (add it in a PostgreSQL migration)", table, column, collation)
		case !id && collation != "":
			t.Errorf("%s.%s has collation %q, want the database's", table, column, collation)
		}
		if id {
			ids++
		} else {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if ids < 50 || others < 50 {
		t.Fatalf("checked %d id columns and %d others: the schema is not the one expected", ids, others)
	}
}
