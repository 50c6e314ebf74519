package service

import (
	"context"
	"errors"
	"strings"

	"masspay"
)

// sandboxStatuses are the first names that, as in Dwolla's sandbox, give a new personal
// customer that status instead of verified.
var sandboxStatuses = map[string]masspay.CustomerStatus{
	"verified": masspay.CustomerStatusVerified, "retry": masspay.CustomerStatusRetry,
	"kba": masspay.CustomerStatusKBA, "document": masspay.CustomerStatusDocument,
	"suspended": masspay.CustomerStatusSuspended,
}

// CreateCustomer creates a customer. A customer that ends up verified gets its balance funding
// source at once, as with Dwolla. The customer, its balance and the events commit together.
func (s *Service) CreateCustomer(ctx context.Context, p *Principal, in *masspay.CustomerInput) (*masspay.Customer, error) {
	var f masspay.Fields
	typ := in.Validate(&f, s.now())
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	c := &masspay.Customer{ID: newID(), AccountID: p.AccountID, FirstName: in.FirstName, LastName: in.LastName,
		Email: in.Email, Type: typ, Status: masspay.CustomerStatusUnverified, BusinessName: in.BusinessName,
		CorrelationID: in.CorrelationID, Details: in.Details(typ), Created: now}
	switch typ {
	case masspay.CustomerPersonal:
		c.Status = masspay.CustomerStatusVerified
		if st, ok := sandboxStatuses[strings.ToLower(in.FirstName)]; ok {
			c.Status = st
		}
	case masspay.CustomerBusiness:
		c.Status = masspay.CustomerStatusVerified
	}
	err := s.store.Write(ctx, func(q masspay.Q) error {
		// Checked before the insert so that the answer names the field; the unique indexes stay
		// the last line against a concurrent twin.
		if _, n, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: p.AccountID, Email: c.Email, Page: masspay.Page{Limit: 1}}); err != nil {
			return err
		} else if n > 0 {
			return errDuplicateEmail
		}
		if c.CorrelationID != "" {
			if _, n, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: p.AccountID, CorrelationID: c.CorrelationID, Page: masspay.Page{Limit: 1}}); err != nil {
				return err
			} else if n > 0 {
				return errDuplicateCorrelation
			}
		}
		if err := q.CustomerInsert(ctx, c); err != nil {
			if errors.Is(err, masspay.ErrUnique) {
				return errDuplicateEmail
			}
			return err
		}
		created := masspay.NewEvent(p.AccountID, "", masspay.TopicCustomerCreated, "customers", c.ID, "", now)
		created.CustomerID = c.ID
		events := []*masspay.Event{created}
		if c.Verified() {
			bal := &masspay.FundingSource{ID: newID(), AccountID: p.AccountID, CustomerID: c.ID, Type: masspay.FundingBalance,
				Status: masspay.FundingVerified, Name: "Balance", Channels: []string{}, Created: now}
			if err := q.FundingSourceInsert(ctx, bal); err != nil {
				return err
			}
			verified := masspay.NewEvent(p.AccountID, "", masspay.TopicCustomerVerified, "customers", c.ID, "", now)
			verified.CustomerID = c.ID
			events = append(events, verified)
		}
		return Publish(ctx, q, events...)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

var (
	errDuplicateEmail = masspay.Invalid(masspay.FieldError{Code: masspay.FCodeDuplicate, Path: "/email",
		Message: "A customer with the specified email already exists."})
	errDuplicateCorrelation = masspay.Invalid(masspay.FieldError{Code: masspay.FCodeDuplicate, Path: "/correlationId",
		Message: "A customer with the specified correlation id already exists."})
)

// GetCustomer returns a customer of the caller's account.
func (s *Service) GetCustomer(ctx context.Context, p *Principal, id string) (*masspay.Customer, error) {
	var c *masspay.Customer
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { c, err = customerOf(ctx, q, p, id); return err })
	return c, err
}

// customerOf loads a customer and hides those of other accounts behind the same NotFound.
func customerOf(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.Customer, error) {
	c, err := q.CustomerGet(ctx, id)
	if err == nil && c.AccountID != p.AccountID {
		err = masspay.ErrNoRows
	}
	return c, notFound(err, "Customer not found.")
}

// ListCustomers lists the caller's customers, newest first.
func (s *Service) ListCustomers(ctx context.Context, p *Principal, f masspay.CustomerFilter) ([]*masspay.Customer, int, error) {
	f.AccountID = p.AccountID
	var list []*masspay.Customer
	var total int
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { list, total, err = q.CustomerList(ctx, f); return err })
	return list, total, err
}
