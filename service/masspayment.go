package service

import (
	"context"
	"errors"

	"masspay"
)

// CreateMassPayment validates and stores a mass payment with all its items, its created event
// and its idempotency record, in one transaction. typeErrs are the structural problems the HTTP
// layer found while decoding; they are reported together with every other problem. It returns the
// new mass payment's id, or, when the same Idempotency-Key and body were seen before, the id of
// the mass payment that request created.
func (s *Service) CreateMassPayment(ctx context.Context, p *Principal, in *masspay.MassPaymentInput, typeErrs masspay.Fields, idem Idempotency) (string, error) {
	var req *masspay.MassPaymentRequest
	fields := masspay.Judge(typeErrs, func(f *masspay.Fields) { req = in.Validate(s.cfg.ItemLimit, f) })
	// The source is judged even when the body has other problems, so one answer lists them all.
	if sourceID, ok := masspay.HrefID(in.Links.Source.Href, "funding-sources"); ok {
		if err := s.store.Read(ctx, func(q masspay.Q) error {
			_, err := s.checkSource(ctx, q, p, sourceID, &fields)
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

// checkSource loads the source funding source and judges whether the caller may pay from it.
func (s *Service) checkSource(ctx context.Context, q masspay.Q, p *Principal, id string, f *masspay.Fields) (*masspay.FundingSource, error) {
	fs, err := q.FundingSourceGet(ctx, id)
	if errors.Is(err, masspay.ErrNoRows) || (err == nil && fs.AccountID != p.AccountID) {
		f.Add(masspay.FCodeInvalid, "/_links/source/href", "Funding source not found.")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	refused, err := FundRefusal(ctx, q, fs)
	if refused != nil {
		*f = append(*f, *refused)
		return nil, err
	}
	return fs, err
}

// FundRefusal says why fs cannot fund a mass payment now, or nil when it can: the rule of
// masspay.FundingSource.FundRefusal, judged on its owner as the store has it. Accepting a mass
// payment and paying each chunk of it both ask.
func FundRefusal(ctx context.Context, q masspay.Q, fs *masspay.FundingSource) (*masspay.FieldError, error) {
	var owner *masspay.Customer
	if fs.CustomerID != "" {
		var err error
		if owner, err = q.CustomerGet(ctx, fs.CustomerID); err != nil {
			return nil, err
		}
	}
	return fs.FundRefusal(owner), nil
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
		fs, err := s.checkSource(ctx, q, p, req.SourceID, &fields)
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
		ev := masspay.NewEvent(mp.AccountID, mp.CustomerID, masspay.TopicMassPaymentCreated, "mass-payments", mp.ID, "", now)
		if err := Publish(ctx, q, ev); err != nil {
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
// The request was judged by masspay.MassPaymentUpdateInput.Validate; the read-only members it
// echoes are judged here against the mass payment (ReadOnlyChanges).
func (s *Service) UpdateMassPayment(ctx context.Context, p *Principal, id string, in *masspay.MassPaymentUpdateInput) (*masspay.MassPayment, error) {
	var mp *masspay.MassPayment
	status := masspay.MassPaymentStatus(in.Status)
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		if mp, err = s.massPayment(ctx, q, p, id); err != nil {
			return err
		}
		var f masspay.Fields
		if in.ReadOnlyChanges(mp, &f); len(f) > 0 {
			return f.Err()
		}
		if !mp.Status.CanBecome(status) {
			return masspay.Invalid(masspay.FieldError{Code: masspay.FCodeNotAllowed, Path: "/status",
				Message: "Status not allowed. Only a deferred mass payment can be updated; this one is " + string(mp.Status) + "."})
		}
		mp.Status = status
		if err := q.MassPaymentUpdate(ctx, mp); err != nil {
			return err
		}
		if status == masspay.MassPaymentPending {
			return q.Notify(ctx, masspay.ChannelWork)
		}
		ev := masspay.NewEvent(mp.AccountID, mp.CustomerID, masspay.TopicMassPaymentCancelled, "mass-payments", mp.ID, "", s.now())
		return Publish(ctx, q, ev)
	})
	return mp, err
}

// ListMassPaymentItems returns a page of a mass payment's items, optionally only some statuses.
func (s *Service) ListMassPaymentItems(ctx context.Context, p *Principal, id string, statuses []string, page masspay.Page) ([]*masspay.Item, int, error) {
	for _, st := range statuses {
		if !masspay.ItemStatus(st).Valid() {
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
	return s.SearchMassPayments(ctx, p, masspay.MassPaymentFilter{AccountID: accountID, CustomerID: customerID,
		CorrelationID: correlationID, Page: page})
}

// SearchMassPayments is ListMassPayments with every filter of f, statuses included (the
// dashboard's list). f.AccountID must be the caller's account when f.CustomerID is empty.
func (s *Service) SearchMassPayments(ctx context.Context, p *Principal, f masspay.MassPaymentFilter) ([]*masspay.MassPayment, int, error) {
	for _, st := range f.Statuses {
		if !masspay.MassPaymentStatus(st).Valid() {
			return nil, 0, masspay.Invalid(masspay.FieldError{Code: masspay.FCodeInvalid, Path: "/status",
				Message: "Invalid status. Allowed values are deferred, pending, processing, complete, cancelled."})
		}
	}
	var list []*masspay.MassPayment
	var total int
	err := s.store.Read(ctx, func(q masspay.Q) error {
		if f.CustomerID != "" {
			if _, err := customerOf(ctx, q, p, f.CustomerID); err != nil {
				return err
			}
		} else if f.AccountID != p.AccountID {
			return masspay.NotFound("Account not found.")
		}
		f.AccountID = p.AccountID
		var err error
		list, total, err = q.MassPaymentList(ctx, f)
		return err
	})
	return list, total, err
}
