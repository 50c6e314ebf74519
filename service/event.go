package service

import (
	"context"
	"time"

	"masspay"
)

// retainedSince is the creation time of the oldest event (or webhook) still shown.
func (s *Service) retainedSince() time.Time { return s.now().Add(-s.cfg.EventRetention) }

// ListEvents returns a page of the caller's events within the retention period, newest first,
// and their total.
func (s *Service) ListEvents(ctx context.Context, p *Principal, page masspay.Page) ([]*masspay.Event, int, error) {
	var list []*masspay.Event
	var total int
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		list, total, err = q.EventList(ctx, masspay.EventFilter{AccountID: p.AccountID, Since: s.retainedSince(), Page: page})
		return err
	})
	return list, total, err
}

// GetEvent returns one of the caller's events within the retention period.
func (s *Service) GetEvent(ctx context.Context, p *Principal, id string) (*masspay.Event, error) {
	var e *masspay.Event
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { e, err = q.EventGet(ctx, id); return err })
	if err == nil && (e.AccountID != p.AccountID || e.Created.Before(s.retainedSince())) {
		err = masspay.ErrNoRows
	}
	return e, notFound(err, msgEventNotFound)
}
