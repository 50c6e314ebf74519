package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// common holds the migration files that read the same on every backend. A backend's own files
// (its migrations directory) join them: Migrations.
//
//go:embed migrations/*.sql
var common embed.FS

// Migrations is a backend's migration set for goose: the common files, the backend's own, and
// the Go migrations. Every file begins with "-- +goose Up"; migrations only go forward.
type Migrations struct {
	Dialect goose.Dialect
	// Own holds the backend's own NNNNN_name.sql files at its root.
	Own fs.FS
	// OwnGo are the backend's own Go migrations (SQLite: packing ids, 00025); the other backend
	// has a file of the same version.
	OwnGo []*goose.Migration
	// Locker keeps other processes out while migrating (PostgreSQL: an advisory lock); nil when
	// the database itself does (SQLite: the write transaction).
	Locker lock.SessionLocker
	// TableExists is the backend's query for whether the table named by its one parameter
	// exists in the schema masspay uses.
	TableExists string
}

// Files returns the union of the common and the backend's own files, as one directory.
func (m Migrations) Files() (fs.FS, error) {
	sub, err := fs.Sub(common, "migrations")
	if err != nil {
		return nil, err
	}
	return newUnionFS(sub, m.Own)
}

// Versions lists every migration version (files and Go), in order.
func (m Migrations) Versions() ([]int64, error) {
	files, err := m.Files()
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	var vs []int64
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", n, err)
		}
		vs = append(vs, v)
	}
	for _, g := range append(goMigrations(), m.OwnGo...) {
		vs = append(vs, g.Version)
	}
	slices.Sort(vs)
	return vs, nil
}

func (m Migrations) provider(db *sql.DB) (*goose.Provider, error) {
	files, err := m.Files()
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(append(goMigrations(), m.OwnGo...)...)}
	if m.Locker != nil {
		opts = append(opts, goose.WithSessionLocker(m.Locker))
	}
	return goose.NewProvider(m.Dialect, db, files, opts...)
}

// Migrate applies the pending migrations to db, each in its own transaction, with goose. A
// database made by masspay's former migration runner (a schema_migrations table) is adopted
// first: its versions are recorded in goose's table, under the same lock.
func (m Migrations) Migrate(ctx context.Context, db *sql.DB) error {
	if err := m.adopt(ctx, db); err != nil {
		return fmt.Errorf("adopt schema_migrations: %w", err)
	}
	p, err := m.provider(db)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrateTo applies the pending migrations up to version and no further: for tests that write
// data as an older masspay did and then open it with this one.
func (m Migrations) MigrateTo(ctx context.Context, db *sql.DB, version int64) error {
	p, err := m.provider(db)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// legacyTable is where masspay's former runner recorded the versions it applied.
const legacyTable = "schema_migrations"

// adopt moves the versions of a database made by the former runner into goose's version table
// (with goose's own store), and drops schema_migrations, in one transaction, so that goose
// applies only what that runner had not.
func (m Migrations) adopt(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if m.Locker != nil {
		if err := m.Locker.SessionLock(ctx, conn); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, m.Locker.SessionUnlock(context.WithoutCancel(ctx), conn)) }()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var legacy bool
	if err := tx.QueryRowContext(ctx, m.TableExists, legacyTable).Scan(&legacy); err != nil || !legacy {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+legacyTable+` ORDER BY version`)
	if err != nil {
		return err
	}
	var versions []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		versions = append(versions, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	store, err := database.NewStore(database.Dialect(m.Dialect), goose.DefaultTablename)
	if err != nil {
		return err
	}
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for _, v := range append([]int64{0}, versions...) {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE `+legacyTable); err != nil {
		return err
	}
	return tx.Commit()
}
