package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"masspay/sqlstore"
)

// notifyChannel is the one PostgreSQL channel masspay uses. NOTIFY is database-wide while a
// masspay store lives in one schema, so the payload is "schema/channel" and a listener keeps
// only its own schema's signals. One fixed channel also means the listener LISTENs once, at
// Open: a Subscribe never races a LISTEN that has not run yet.
const notifyChannel = "masspay"

// notifySQL is Dialect.NotifySQL: the payload names the schema of the writing transaction.
const notifySQL = `SELECT pg_notify('` + notifyChannel + `', current_schema() || '/' || $1)`

// listener holds one LISTEN connection per store (per process, in practice) and fans what it
// hears into the store's Subscribe channels.
type listener struct {
	cfg    *pgx.ConnConfig
	prefix string // "schema/"
	cancel context.CancelFunc
	done   chan struct{}
}

// start connects and LISTENs before it returns, so that a signal committed after Open returns
// reaches this store's subscribers; then it listens in the background until Close.
func (l *listener) start(ctx context.Context, s *sqlstore.Store) error {
	conn, err := l.connect(ctx)
	if err != nil {
		return fmt.Errorf("listen for wake-ups: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l.cancel, l.done = cancel, make(chan struct{})
	go l.run(runCtx, conn, s)
	return nil
}

func (l *listener) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

// run waits for notifications, reconnecting with backoff when the connection fails (a restart
// of the server, a terminated backend). Signals sent while it was away are lost, so after each
// reconnection every subscriber is woken once to look for work.
func (l *listener) run(ctx context.Context, conn *pgx.Conn, s *sqlstore.Store) {
	defer close(l.done)
	backoff := 50 * time.Millisecond
	for {
		if conn == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			c, err := l.connect(ctx)
			if err != nil {
				backoff = min(2*backoff, 5*time.Second)
				continue
			}
			conn, backoff = c, 50*time.Millisecond
			s.SignalAll()
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			closeConn(conn)
			conn = nil
			continue
		}
		if channel, ok := strings.CutPrefix(n.Payload, l.prefix); ok {
			s.Signal(channel)
		}
	}
}

// Close stops the listener and waits for it.
func (l *listener) Close() error {
	if l.cancel != nil {
		l.cancel()
		<-l.done
	}
	return nil
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.Close(ctx)
}
