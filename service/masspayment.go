package service

import (
	"context"
	"errors"
	"slices"
	"strings"

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

// CreateMassPayment validates and stores a mass payment with all its items, its created event
// and its idempotency record, in one transaction. typeErrs are the structural problems the HTTP
// layer found while decoding; they are reported together with every other problem. It returns the
// new mass payment's id, or, when the same Idempotency-Key and body were seen before, the id of
// the mass payment that request created.
func (s *Service) CreateMassPayment(ctx context.Context, p *Principal, in *masspay.MassPaymentInput, typeErrs masspay.Fields, idem Idempotency) (string, error) {
	var judged masspay.Fields
	req := in.Validate(s.cfg.ItemLimit, &judged)
	// A value of the wrong type was reported as such; what Validate then says about the same
	// place (or inside it) is only noise.
	fields := append(masspay.Fields{}, typeErrs...)
	for _, fe := range judged {
		if !coveredBy(typeErrs, fe.Path) {
			fields = append(fields, fe)
		}
	}
	// The source is judged even when the body has other problems, so one answer lists them all.
	if sourceID, ok := masspay.HrefID(in.SourceHref, "funding-sources"); ok {
		if err := s.store.Read(ctx, func(q masspay.Q) error {
			_, _, err := s.checkSource(ctx, q, p, sourceID, &fields)
			return err
		}); err != nil {
			return "", err
		}
	}
	if err := fields.Err(); err != nil {
		return "", err
	}

	if idem.Key != "" {
		loc, err := s.reserveKey(ctx, p, &idem)
		if err != nil || loc != "" {
			return loc, err
		}
	}
	id, err := s.insertMassPayment(ctx, p, req, idem)
	if err != nil && idem.Key != "" {
		// No outcome but a 201 is remembered: the client may fix the request or retry it
		// under the same key. Only this request's own hold is released.
		ctx := context.WithoutCancel(ctx)
		if derr := s.store.Write(ctx, func(q masspay.Q) error {
			rec, err := q.IdempotencyGet(ctx, p.ApplicationID, idem.Key)
			if err != nil || rec.Owner != idem.owner || rec.State != masspay.IdempotencyInFlight {
				return nil
			}
			return q.IdempotencyDelete(ctx, p.ApplicationID, idem.Key)
		}); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	return id, err
}

// coveredBy reports whether path is one of errs' paths or lies inside one.
func coveredBy(errs masspay.Fields, path string) bool {
	for _, e := range errs {
		if path == e.Path || strings.HasPrefix(path, e.Path+"/") {
			return true
		}
	}
	return false
}

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

// checkSource loads the source funding source and judges whether the caller may pay from it.
func (s *Service) checkSource(ctx context.Context, q masspay.Q, p *Principal, id string, f *masspay.Fields) (*masspay.FundingSource, *masspay.Customer, error) {
	const path = "/_links/source/href"
	fs, err := q.FundingSourceGet(ctx, id)
	if errors.Is(err, masspay.ErrNoRows) || (err == nil && fs.AccountID != p.AccountID) {
		f.Add(masspay.FCodeInvalid, path, "Funding source not found.")
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if fs.Removed || fs.Status != masspay.FundingVerified || (fs.Type != masspay.FundingBank && fs.Type != masspay.FundingBalance) {
		f.Add(masspay.FCodeInvalid, path, "Invalid funding source.")
		return nil, nil, nil
	}
	if fs.CustomerID == "" {
		return fs, nil, nil
	}
	c, err := q.CustomerGet(ctx, fs.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case c.Status == masspay.CustomerStatusSuspended || c.Status == masspay.CustomerStatusDeactivated:
		f.Add(masspay.FCodeRestricted, path, "Sender restricted.")
		return nil, nil, nil
	case !c.Verified():
		f.Add(masspay.FCodeInvalid, path, "Invalid funding source.")
		return nil, nil, nil
	}
	return fs, c, nil
}

func (s *Service) insertMassPayment(ctx context.Context, p *Principal, req *masspay.MassPaymentRequest, idem Idempotency) (string, error) {
	now := s.now()
	mp := &masspay.MassPayment{ID: newID(), AccountID: p.AccountID, SourceID: req.SourceID, Status: masspay.MassPaymentPending,
		Total: req.Total, ItemCount: len(req.Items), Metadata: req.Metadata, CorrelationID: req.CorrelationID,
		ClearingSource: req.ClearingSource, Addenda: req.Addenda, Created: now}
	if req.Deferred {
		mp.Status = masspay.MassPaymentDeferred
	}
	for _, it := range req.Items {
		it.ID = newID()
		it.MassPaymentID = mp.ID
	}
	err := s.store.Write(ctx, func(q masspay.Q) error {
		var fields masspay.Fields
		fs, _, err := s.checkSource(ctx, q, p, req.SourceID, &fields)
		if err != nil {
			return err
		}
		if err := fields.Err(); err != nil {
			return err // the source changed since the request was validated
		}
		mp.CustomerID, mp.SourceType = fs.CustomerID, fs.Type
		if err := q.MassPaymentInsert(ctx, mp, req.Items); err != nil {
			return err
		}
		ev := s.event(mp.AccountID, mp.CustomerID, masspay.TopicMassPaymentCreated, "mass-payments", mp.ID, "", now)
		if err := q.EventInsertMany(ctx, []*masspay.Event{ev}); err != nil {
			return err
		}
		if err := q.Notify(ctx, masspay.ChannelWebhooks); err != nil {
			return err
		}
		if mp.Status == masspay.MassPaymentPending {
			if err := q.Notify(ctx, masspay.ChannelWork); err != nil {
				return err
			}
		}
		if idem.Key == "" {
			return nil
		}
		held, err := q.IdempotencyComplete(ctx, p.ApplicationID, idem.Key, idem.owner, "/mass-payments/"+mp.ID, now.Add(s.cfg.IdempotencyTTL))
		if err == nil && !held {
			return errIdempotencyInFlight // another request took the key over: its outcome stands
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return mp.ID, nil
}

// GetMassPayment returns one of the caller's mass payments.
func (s *Service) GetMassPayment(ctx context.Context, p *Principal, id string) (*masspay.MassPayment, error) {
	var mp *masspay.MassPayment
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { mp, err = s.massPayment(ctx, q, p, id); return err })
	return mp, err
}

func (s *Service) massPayment(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.MassPayment, error) {
	mp, err := q.MassPaymentGet(ctx, id)
	if err == nil && mp.AccountID != p.AccountID {
		err = masspay.ErrNoRows
	}
	return mp, notFound(err, "Mass payment not found.")
}

// UpdateMassPayment moves a deferred mass payment to pending (to process it) or cancelled.
func (s *Service) UpdateMassPayment(ctx context.Context, p *Principal, id, status string) (*masspay.MassPayment, error) {
	if status != masspay.MassPaymentPending && status != masspay.MassPaymentCancelled {
		return nil, masspay.Invalid(masspay.FieldError{Code: masspay.FCodeInvalid, Path: "/status",
			Message: "Invalid status. Allowed types are pending, cancelled."})
	}
	var mp *masspay.MassPayment
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		if mp, err = s.massPayment(ctx, q, p, id); err != nil {
			return err
		}
		if mp.Status != masspay.MassPaymentDeferred {
			return masspay.Invalid(masspay.FieldError{Code: masspay.FCodeNotAllowed, Path: "/status",
				Message: "Status not allowed. Only a deferred mass payment can be updated; this one is " + mp.Status + "."})
		}
		mp.Status = status
		if err := q.MassPaymentUpdate(ctx, mp); err != nil {
			return err
		}
		if status == masspay.MassPaymentPending {
			return q.Notify(ctx, masspay.ChannelWork)
		}
		ev := s.event(mp.AccountID, mp.CustomerID, masspay.TopicMassPaymentCancelled, "mass-payments", mp.ID, "", s.now())
		if err := q.EventInsertMany(ctx, []*masspay.Event{ev}); err != nil {
			return err
		}
		return q.Notify(ctx, masspay.ChannelWebhooks)
	})
	return mp, err
}

// ListMassPaymentItems returns a page of a mass payment's items, optionally only some statuses.
func (s *Service) ListMassPaymentItems(ctx context.Context, p *Principal, id string, statuses []string, page masspay.Page) ([]*masspay.Item, int, error) {
	for _, st := range statuses {
		if !slices.Contains([]string{masspay.ItemPending, masspay.ItemSuccess, masspay.ItemFailed}, st) {
			return nil, 0, masspay.Invalid(masspay.FieldError{Code: masspay.FCodeInvalid, Path: "/status",
				Message: "Invalid status. Allowed values are pending, success, failed."})
		}
	}
	var items []*masspay.Item
	var total int
	err := s.store.Read(ctx, func(q masspay.Q) error {
		if _, err := s.massPayment(ctx, q, p, id); err != nil {
			return err
		}
		var err error
		items, total, err = q.ItemList(ctx, masspay.ItemFilter{MassPaymentID: id, Statuses: statuses, Page: page})
		return err
	})
	return items, total, err
}

// GetMassPaymentItem returns one item of one of the caller's mass payments.
func (s *Service) GetMassPaymentItem(ctx context.Context, p *Principal, id string) (*masspay.Item, error) {
	var it *masspay.Item
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		it, err = q.ItemGet(ctx, id)
		if err == nil {
			_, err = s.massPayment(ctx, q, p, it.MassPaymentID)
		}
		return notFound(err, "Mass payment item not found.")
	})
	if masspay.IsNotFound(err) {
		err = masspay.NotFound("Mass payment item not found.")
	}
	return it, err
}

// ListMassPayments lists the mass payments sent from the account's own funding sources
// (customerID empty) or from one of its customers' funding sources, newest first.
func (s *Service) ListMassPayments(ctx context.Context, p *Principal, accountID, customerID, correlationID string, page masspay.Page) ([]*masspay.MassPayment, int, error) {
	var list []*masspay.MassPayment
	var total int
	err := s.store.Read(ctx, func(q masspay.Q) error {
		if customerID != "" {
			c, err := q.CustomerGet(ctx, customerID)
			if err == nil && c.AccountID != p.AccountID {
				err = masspay.ErrNoRows
			}
			if err != nil {
				return notFound(err, "Customer not found.")
			}
		} else if accountID != p.AccountID {
			return masspay.NotFound("Account not found.")
		}
		var err error
		list, total, err = q.MassPaymentList(ctx, masspay.MassPaymentFilter{AccountID: p.AccountID, CustomerID: customerID,
			CorrelationID: correlationID, Page: page})
		return err
	})
	return list, total, err
}

// GetTransfer returns one of the caller's transfers.
func (s *Service) GetTransfer(ctx context.Context, p *Principal, id string) (*masspay.Transfer, error) {
	var t *masspay.Transfer
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		t, err = q.TransferGet(ctx, id)
		if err == nil && t.AccountID != p.AccountID {
			err = masspay.ErrNoRows
		}
		if err == nil && s.cfg.ACH != nil {
			err = achDetails(ctx, q, t)
		}
		return notFound(err, "Transfer not found.")
	})
	return t, err
}
