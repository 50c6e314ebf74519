package service

import (
	"context"
	"errors"

	"masspay"
)

// Idempotency carries a request's Idempotency-Key and the fingerprint of its method, path and
// body. A zero Idempotency means the request had no key.
type Idempotency struct {
	Key         string
	Fingerprint string
	owner       string // this request's hold on the key, set when it is reserved
}

var (
	errIdempotencyInFlight = masspay.Errorf(masspay.ECodeConflict,
		"A request with this Idempotency-Key is still in progress. Retry after it completes.")
	errIdempotencyMismatch = masspay.Errorf(masspay.ECodeBadRequest,
		"This Idempotency-Key was already used with a different request. Use a new key for a new request.")
)

// reserveKey marks an Idempotency-Key in flight, in its own committed transaction so that a
// concurrent repeat sees it. It returns the stored id when the key already completed with the
// same request.
func (s *Service) reserveKey(ctx context.Context, p *Principal, idem *Idempotency) (string, error) {
	now := s.now()
	idem.owner = newID()
	var replay string
	err := s.store.Write(ctx, func(q masspay.Q) error {
		replay = ""
		rec, err := q.IdempotencyGet(ctx, p.ApplicationID, idem.Key)
		fresh := &masspay.IdempotencyRecord{ApplicationID: p.ApplicationID, Key: idem.Key, Fingerprint: idem.Fingerprint,
			Owner: idem.owner, State: masspay.IdempotencyInFlight, LockedUntil: now.Add(s.cfg.IdempotencyLock), Expires: now.Add(s.cfg.IdempotencyTTL)}
		switch {
		case errors.Is(err, masspay.ErrNoRows):
			// Two first requests racing: one insert wins, the other gets ErrUnique and answers
			// as a repeat that is still in flight.
			err := q.IdempotencyInsert(ctx, fresh)
			if errors.Is(err, masspay.ErrUnique) {
				return errIdempotencyInFlight
			}
			return err
		case err != nil:
			return err
		case !now.Before(rec.Expires):
			return q.IdempotencyPut(ctx, fresh) // an expired key is a new key
		case rec.Fingerprint != idem.Fingerprint:
			return errIdempotencyMismatch
		case rec.State == masspay.IdempotencyDone:
			replay = masspay.MustID(rec.Location)
			return nil
		case now.Before(rec.LockedUntil):
			return errIdempotencyInFlight
		default:
			// The first request died before committing, or is very slow: its lock ran out with
			// no outcome. This one takes the key over; the first can no longer complete it
			// (IdempotencyComplete checks the owner), so at most one batch is ever created.
			return q.IdempotencyPut(ctx, fresh)
		}
	})
	return replay, err
}

// ReleaseInFlightKeys forgets the Idempotency-Keys that requests of a previous run held when it
// stopped. Only correct when this process is the store's only one (SQLite).
func (s *Service) ReleaseInFlightKeys(ctx context.Context) error {
	return s.store.Write(ctx, func(q masspay.Q) error {
		_, err := q.IdempotencyReleaseInFlight(ctx)
		return err
	})
}
