package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"time"
)

// Failed credential checks (POST /token, the dashboard's sign-in, which share one throttle): a
// client address may fail tokenBurstPerAddr times at once, then once every tokenEveryPerAddr; a
// key, from anywhere, tokenBurstPerKey times, then once every tokenEveryPerKey.
const (
	tokenBurstPerAddr = 10
	tokenEveryPerAddr = 6 * time.Second
	tokenBurstPerKey  = 20
	tokenEveryPerKey  = 3 * time.Second
)

// ThrottledError refuses a credential check unheard: its address or its key failed too often.
type ThrottledError struct {
	Wait time.Duration // until the next attempt may be heard
}

// RetryAfter is Wait in whole seconds, rounded up: the Retry-After of the refusal.
func (e *ThrottledError) RetryAfter() string { return strconv.Itoa(int(math.Ceil(e.Wait.Seconds()))) }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed credential checks: wait %v", e.Wait)
}

// tokenThrottle is the throttle of IssueTokenFrom, per client address and per key.
type tokenThrottle struct{ byAddr, byKey *failureThrottle }

func newTokenThrottle() *tokenThrottle {
	return &tokenThrottle{newFailureThrottle(tokenBurstPerAddr, tokenEveryPerAddr), newFailureThrottle(tokenBurstPerKey, tokenEveryPerKey)}
}

// IssueTokenFrom is IssueToken for a caller at remoteAddr (the connection's address, host:port;
// forwarding headers are not trusted), throttled: failures (ErrInvalidClient) are counted per
// address and per key, and past their bounds a check is refused unheard with a *ThrottledError.
// A caller who gets it right is never slowed. POST /token and the dashboard's sign-in both check
// credentials here, so guesses spread over the two are counted together.
func (s *Service) IssueTokenFrom(ctx context.Context, remoteAddr, key, secret string) (string, time.Duration, error) {
	addr := hostOf(remoteAddr)
	if wait := max(s.throttle.byAddr.wait(addr), s.throttle.byKey.wait(key)); wait > 0 {
		return "", 0, &ThrottledError{Wait: wait}
	}
	token, ttl, err := s.IssueToken(ctx, key, secret)
	if errors.Is(err, ErrInvalidClient) {
		s.throttle.byAddr.fail(addr)
		s.throttle.byKey.fail(key)
	}
	return token, ttl, err
}

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

// hostOf is the host of a host:port address (the address itself when it has no port).
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
