package app

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// The server's connection timeouts (docs/security.md): a client has readHeaderTimeout to send a
// request's headers, readTimeout for the whole request (a 32 MiB mass payment at a slow 1 MB/s
// fits), writeTimeout for the answer, and an idle keep-alive connection is closed after
// idleTimeout.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 60 * time.Second
	// DefaultMaxConns is --max-conns' default: far below the usual file-descriptor limit, far
	// above what a payments back office opens.
	DefaultMaxConns = 1024
)

// connLimiter is a listener that holds at most max connections open. When it is full, a new
// connection takes the place of one that is doing nothing: the longest idle keep-alive, or
// else the oldest that has not sent a request yet. Only when every connection is busy with a
// request does Accept wait, and the timeouts bound how long. So thousands of idle or silent
// clients cannot keep a normal request out.
type connLimiter struct {
	net.Listener
	max    int
	mu     sync.Mutex
	freed  *sync.Cond
	conns  map[*limitedConn]connInfo
	closed bool
}

type connInfo struct {
	state http.ConnState
	since time.Time
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	l := &connLimiter{Listener: ln, max: max, conns: map[*limitedConn]connInfo{}}
	l.freed = sync.NewCond(&l.mu)
	return l
}

// Accept returns the next connection, making room for it first.
func (l *connLimiter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	for len(l.conns) >= l.max && !l.closed {
		if v := l.victim(); v != nil {
			delete(l.conns, v)
			l.mu.Unlock()
			v.Conn.Close() // the server sees a read error and forgets it
			l.mu.Lock()
			continue
		}
		l.freed.Wait()
	}
	if l.closed {
		l.mu.Unlock()
		c.Close()
		return nil, net.ErrClosed
	}
	lc := &limitedConn{Conn: c, l: l}
	l.conns[lc] = connInfo{state: http.StateNew, since: time.Now()}
	l.mu.Unlock()
	return lc, nil
}

// victim is the connection to close for a new one: the longest idle, else the oldest that has
// sent nothing; nil when all are busy.
func (l *connLimiter) victim() *limitedConn {
	var best *limitedConn
	var bestInfo connInfo
	rank := func(s http.ConnState) int {
		switch s {
		case http.StateIdle:
			return 2
		case http.StateNew:
			return 1
		}
		return 0
	}
	for c, info := range l.conns {
		r := rank(info.state)
		if r == 0 {
			continue
		}
		if best == nil || r > rank(bestInfo.state) || r == rank(bestInfo.state) && info.since.Before(bestInfo.since) {
			best, bestInfo = c, info
		}
	}
	return best
}

// ConnState is the http.Server's ConnState hook: it tells the limiter what each connection is
// doing.
func (l *connLimiter) ConnState(c net.Conn, s http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, open := l.conns[lc]; !open {
		return
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, lc)
	default:
		l.conns[lc] = connInfo{state: s, since: time.Now()}
	}
	l.freed.Broadcast() // a connection closed or went idle: a waiting Accept may go on
}

// Close closes the listener and releases a waiting Accept.
func (l *connLimiter) Close() error {
	l.mu.Lock()
	l.closed = true
	l.freed.Broadcast()
	l.mu.Unlock()
	return l.Listener.Close()
}

// limitedConn is a connection the limiter counts until it is closed.
type limitedConn struct {
	net.Conn
	l    *connLimiter
	once sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.freed.Broadcast()
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// newHTTPServer is the API's server: its timeouts, and the limiter's hook.
func newHTTPServer(h http.Handler, l *connLimiter) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, ConnState: l.ConnState}
}
