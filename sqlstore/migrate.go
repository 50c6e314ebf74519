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
	9: fillTransferKeyHashes,
}

// fillTransferKeyHashes computes the key hashes (see keyHash) of the transfers made before
// migration 00009, a thousand at a time.
func fillTransferKeyHashes(ctx context.Context, tx *sql.Tx, dollar bool) error {
	sel := `SELECT seq, dest_customer_id, correlation_id FROM transfers WHERE seq > ? AND (dest_customer_id <> '' OR correlation_id <> '') ORDER BY seq LIMIT 1000`
	upd := `UPDATE transfers SET dest_customer_hash = ?, correlation_hash = ? WHERE seq = ?`
	if dollar {
		sel = strings.Replace(sel, "?", "$1", 1)
		upd = `UPDATE transfers SET dest_customer_hash = $1, correlation_hash = $2 WHERE seq = $3`
	}
	type row struct {
		seq        int64
		dest, corr string
	}
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, sel, after)
		if err != nil {
			return err
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.seq, &r.dest, &r.corr); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			if _, err := tx.ExecContext(ctx, upd, keyHash(r.dest), keyHash(r.corr), r.seq); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].seq
	}
}
