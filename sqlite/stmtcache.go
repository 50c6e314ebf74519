package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCached bounds a pool's prepared statements. Statements past it still run, parsed each time.
const maxCached = 1024

// stmtCache keeps the statements a pool has run before, prepared once for the life of the
// store. SQLite parses a statement in Go (modernc), and a multi-row
// INSERT of a few hundred rows took a sixth of the engine's time to parse, chunk after chunk.
//
// A statement is prepared after the transaction that first met it ends, never inside it: the
// SQLite write pool has one connection, which that transaction holds, and preparing on the pool
// would wait for it forever. Inside a transaction, Tx.StmtContext runs the pool's statement on
// the transaction's connection, preparing it there once if that connection is new to it.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// prepare prepares the statements not cached yet. A statement that fails to prepare is left
// uncached: running it reports the error.
func (c *stmtCache) prepare(ctx context.Context, queries []string) {
	for _, query := range queries {
		c.mu.Lock()
		_, have := c.m[query]
		full := len(c.m) >= maxCached
		c.mu.Unlock()
		if have || full {
			continue
		}
		st, err := c.db.PrepareContext(ctx, query)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, have := c.m[query]; have {
			st.Close()
		} else {
			c.m[query] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.m {
		st.Close()
		delete(c.m, k)
	}
}

// stmt returns the transaction's handle on query's cached statement, or nil when the store has
// not met query before (it is then prepared once the transaction ends).
func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts[query]; ok {
		return st
	}
	parent := t.cache.get(query)
	if parent == nil {
		if len(t.unprepared) < maxCached {
			t.unprepared = append(t.unprepared, query)
		}
		return nil
	}
	st := t.tx.StmtContext(ctx, parent)
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st
}

// ended prepares, once its transaction has ended, the statements it met for the first time.
func (t *txn) ended(ctx context.Context) {
	t.done = true
	if len(t.unprepared) > 0 {
		t.cache.prepare(context.WithoutCancel(ctx), t.unprepared)
		t.unprepared = nil
	}
}
