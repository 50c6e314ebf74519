package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered, forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// ReadMigrations reads NNNNN_name.sql files from dir of fsys, in version order.
func ReadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Migrate applies the migrations not yet recorded in schema_migrations, each in its own
// transaction together with its record (and its Go step, if it has one). conn must be a dedicated connection on which the
// caller already holds whatever lock keeps other processes out (PostgreSQL: an advisory lock).
func Migrate(ctx context.Context, conn *sql.Conn, ms []Migration, dollar bool) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	insert := `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`
	if dollar {
		insert = `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if step := goSteps[m.Version]; step != nil {
			if err := step(ctx, tx, dollar); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, insert, m.Version, m.Name); err != nil {
			tx.Rollback()
			return fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// goSteps are the parts of migrations that SQL cannot do the same on both backends, run in the
// migration's transaction after its file.
var goSteps = map[int]func(ctx context.Context, tx *sql.Tx, dollar bool) error{
	9: func(ctx context.Context, tx *sql.Tx, dollar bool) error {
		// The key hashes (see keyHash) of the transfers made before migration 00009.
		return backfill(ctx, tx, dollar,
			`SELECT seq, dest_customer_id, correlation_id FROM transfers
 WHERE seq > ? AND (dest_customer_id <> '' OR correlation_id <> '') ORDER BY seq LIMIT 1000`,
			`UPDATE transfers SET dest_customer_hash = ?, correlation_hash = ? WHERE seq = ?`,
			func(in []string) []any { return []any{keyHash(in[0]), keyHash(in[1])} })
	},
	11: func(ctx context.Context, tx *sql.Tx, dollar bool) error {
		// The search text (see searchText) of the customers made before migration 00011.
		return backfill(ctx, tx, dollar,
			`SELECT seq, first_name, last_name, email, business_name FROM customers WHERE seq > ? ORDER BY seq LIMIT 1000`,
			`UPDATE customers SET search_text = ? WHERE seq = ?`,
			func(in []string) []any { return []any{searchText(in[0], in[1], in[2], in[3])} })
	},
}

// backfill sets columns of existing rows to values computed in Go, a page at a time in seq order.
// sel selects seq and then the text inputs of the rows after the seq given as its one parameter;
// upd sets the columns from set's values, followed by the row's seq.
func backfill(ctx context.Context, tx *sql.Tx, dollar bool, sel, upd string, set func(in []string) []any) error {
	if dollar {
		sel, upd = dollars(sel), dollars(upd)
	}
	type row struct {
		seq int64
		in  []string
	}
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, sel, after)
		if err != nil {
			return err
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		var page []row
		for rows.Next() {
			r := row{in: make([]string, len(cols)-1)}
			dest := []any{&r.seq}
			for i := range r.in {
				dest = append(dest, &r.in[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			if _, err := tx.ExecContext(ctx, upd, append(set(r.in), r.seq)...); err != nil {
				return err
			}
		}
		after = page[len(page)-1].seq
	}
}
