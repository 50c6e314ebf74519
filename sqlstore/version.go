package sqlstore

import "context"

// SchemaVersion returns the newest migration applied to the store (0: none), read on the read
// pool so that a readiness probe never waits behind the writer.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
