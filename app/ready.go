package app

import (
	"context"
	"fmt"

	"masspay/postgres"
	"masspay/sqlite"
	"masspay/sqlstore"
)

// Ready reports whether store can serve: it answers a query, and its schema is at the newest
// migration this masspay embeds (not behind, as before an upgrade finished; not ahead, as after
// a newer masspay migrated it). GET /readyz and `masspay verify` ask it.
func Ready(ctx context.Context, store *sqlstore.Store) error {
	ms := sqlite.Migrations()
	if store.Dialect() == "postgres" {
		ms = postgres.Migrations()
	}
	versions, err := ms.Versions()
	if err != nil {
		return err
	}
	have, err := store.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if want := versions[len(versions)-1]; have != want {
		return fmt.Errorf("schema is at migration %d, this masspay needs %d", have, want)
	}
	return nil
}
