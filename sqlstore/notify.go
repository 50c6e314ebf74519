package sqlstore

import (
	"context"
	"fmt"
	"sync"
)

// notifier fans post-commit signals out to this process's subscribers. A signal is coalesced:
// a subscriber that has not yet taken the last one does not get a second.
type notifier struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// Subscribe registers for signals on channel.
func (s *Store) Subscribe(channel string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n := &s.notifier
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[string]map[chan struct{}]struct{}{}
	}
	if n.subs[channel] == nil {
		n.subs[channel] = map[chan struct{}]struct{}{}
	}
	n.subs[channel][ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs[channel], ch)
		n.mu.Unlock()
	}
}

// Signal wakes this process's subscribers of channel.
func (s *Store) Signal(channel string) {
	n := &s.notifier
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs[channel] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Notify records channel; Write signals it after the transaction commits.
func (q *q) Notify(ctx context.Context, channel string) error {
	for _, c := range q.notes {
		if c == channel {
			return nil
		}
	}
	q.notes = append(q.notes, channel)
	if q.s.dialect.NotifySQL != "" {
		if _, err := q.exec(ctx, q.s.dialect.NotifySQL, channel); err != nil {
			return fmt.Errorf("notify %s: %w", channel, err)
		}
	}
	return nil
}

// SignalAll wakes every subscriber of every channel: after a cross-process listener reconnects,
// signals sent while it was away are lost, so everyone looks for work once.
func (s *Store) SignalAll() {
	n := &s.notifier
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, subs := range n.subs {
		for ch := range subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// Lock takes the named lock until the transaction ends (see Dialect.LockSQL).
func (q *q) Lock(ctx context.Context, name string) error {
	if q.s.dialect.LockSQL == "" {
		return nil
	}
	if _, err := q.exec(ctx, q.s.dialect.LockSQL, name); err != nil {
		return fmt.Errorf("take lock %s: %w", name, err)
	}
	return nil
}
