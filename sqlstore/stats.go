package sqlstore

import "database/sql"

// PoolStats returns the statistics of the store's connection pools by name (the driver's:
// "write" and "read" on SQLite, "main" on PostgreSQL), in database/sql's shape.
func (s *Store) PoolStats() map[string]sql.DBStats {
	if p, ok := s.driver.(interface{ PoolStats() map[string]sql.DBStats }); ok {
		return p.PoolStats()
	}
	return nil
}
