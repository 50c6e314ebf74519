package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
)

// goMigrations are SQLite's own Go migrations.
func goMigrations() []*goose.Migration {
	return []*goose.Migration{goose.NewGoMigration(25, &goose.GoFunc{RunTx: packIDs}, nil)}
}

// uuidGlob matches exactly the text packUUID packs: a UUID in canonical lowercase form.
var uuidGlob = func() string {
	h := func(n int) string { return strings.Repeat("[0-9a-f]", n) }
	return h(8) + "-" + h(4) + "-" + h(4) + "-" + h(4) + "-" + h(12)
}()

// packIDs packs the ids of a database written before 00025 (see uuid.go): every canonical UUID
// held as text in a TEXT column of masspay's tables becomes its 16-byte BLOB, one pass per
// table. The tables and columns are read from the schema, so that a table another migration
// added before this one is packed too. Foreign keys (accounts, ACH files) are checked at commit,
// once both sides are packed.
func packIDs(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return err
	}
	tables, err := strs(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
 AND name <> $1 ORDER BY name`, goose.DefaultTablename)
	if err != nil {
		return err
	}
	for _, table := range tables {
		cols, err := strs(ctx, tx, `SELECT name FROM pragma_table_info($1) WHERE upper(type) = 'TEXT' ORDER BY cid`, table)
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			continue
		}
		var set, any []string
		for _, c := range cols {
			is := fmt.Sprintf(`(typeof("%s") = 'text' AND "%[1]s" GLOB '%s')`, c, uuidGlob)
			set = append(set, fmt.Sprintf(`"%s" = CASE WHEN %s THEN unhex(replace("%[1]s", '-', '')) ELSE "%[1]s" END`, c, is))
			any = append(any, is)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE "`+table+`" SET `+strings.Join(set, ", ")+` WHERE `+strings.Join(any, " OR ")); err != nil {
			return fmt.Errorf("pack ids of %s: %w", table, err)
		}
	}
	return nil
}

// strs returns the one text column of a query's rows.
func strs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
