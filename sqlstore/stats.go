package sqlstore

import "database/sql"

// PoolStats returns the statistics of the store's connection pools by name: "write" and "read"
// when they are apart (SQLite), "main" when one pool serves both (PostgreSQL).
func (s *Store) PoolStats() map[string]sql.DBStats {
	if s.read == s.write {
		return map[string]sql.DBStats{"main": s.write.Stats()}
	}
	return map[string]sql.DBStats{"write": s.write.Stats(), "read": s.read.Stats()}
}
