package httpapi

import (
	"math"
	"net"
	"net/http"
	"sync"
	"time"
)

// codeTooManyRequests is Dwolla's code of a 429.
const codeTooManyRequests = "TooManyRequests"

// failureThrottle limits failed attempts per key (a client key, a client address): each key may
// fail burst times at once, then once every every; past that it is refused until its bucket
// has a token again. Only failures take tokens, so a caller who gets it right is never slowed.
type failureThrottle struct {
	burst float64
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	debt  map[string]*bucket
}

// bucket is a key's failures not yet paid off (tokens spent), as of at.
type bucket struct {
	spent float64
	at    time.Time
}

// maxThrottleKeys bounds the memory of a throttle: past it, the keys whose debt is paid are
// forgotten, and if none are, the oldest half.
const maxThrottleKeys = 100_000

func newFailureThrottle(burst int, every time.Duration) *failureThrottle {
	return &failureThrottle{burst: float64(burst), every: every, now: time.Now, debt: map[string]*bucket{}}
}

// settle returns b's spent tokens as of now (paid off at one per every).
func (t *failureThrottle) settle(b *bucket, now time.Time) float64 {
	return math.Max(0, b.spent-float64(now.Sub(b.at))/float64(t.every))
}

// wait returns how long key must wait before it may try again: 0 when it may now.
func (t *failureThrottle) wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.debt[key]
	if b == nil {
		return 0
	}
	over := t.settle(b, t.now()) - (t.burst - 1)
	if over <= 0 {
		return 0
	}
	return time.Duration(over * float64(t.every))
}

// fail records a failed attempt by key.
func (t *failureThrottle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	b := t.debt[key]
	if b == nil {
		if len(t.debt) >= maxThrottleKeys {
			t.forget(now)
		}
		b = &bucket{}
		t.debt[key] = b
	}
	b.spent, b.at = t.settle(b, now)+1, now
}

// forget drops the keys that owe nothing, or failing that about half of them.
func (t *failureThrottle) forget(now time.Time) {
	for k, b := range t.debt {
		if t.settle(b, now) == 0 {
			delete(t.debt, k)
		}
	}
	for k := range t.debt {
		if len(t.debt) < maxThrottleKeys/2 {
			break
		}
		delete(t.debt, k)
	}
}

// clientAddr is the address a request came from (the connection's; forwarding headers are
// not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
