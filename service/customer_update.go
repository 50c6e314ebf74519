package service

import (
	"context"
	"errors"
	"strings"

	"masspay"
)

// UpdateCustomer changes a customer's information or status and returns it as it now stands.
// Deactivation keeps the status it had, which reactivation restores; each fires its event in the
// same transaction.
func (s *Service) UpdateCustomer(ctx context.Context, p *Principal, id string, in masspay.CustomerUpdateInput) (*masspay.Customer, error) {
	var out *masspay.Customer
	err := s.store.Write(ctx, func(q masspay.Q) error {
		c, err := customerOf(ctx, q, p, id)
		if err != nil {
			return err
		}
		topic := ""
		if in.Status != nil {
			topic, err = c.ChangeStatus(in)
		} else {
			err = changeInfo(ctx, q, c, in.Set)
		}
		if err != nil {
			return err
		}
		if err := q.CustomerUpdate(ctx, c); err != nil {
			if errors.Is(err, masspay.ErrUnique) {
				return errDuplicateEmail
			}
			return err
		}
		out = c
		if topic == "" {
			return nil
		}
		ev := masspay.NewEvent(p.AccountID, "", topic, "customers", c.ID, "", s.now())
		ev.CustomerID = c.ID
		return Publish(ctx, q, ev)
	})
	return out, err
}

// changeInfo applies an information update to c (see masspay.Customer.ChangeInfo), once a new
// email is known to be free.
func changeInfo(ctx context.Context, q masspay.Q, c *masspay.Customer, set map[string]string) error {
	next, err := c.ChangeInfo(set)
	if err != nil {
		return err
	}
	if !strings.EqualFold(next.Email, c.Email) {
		if _, n, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: c.AccountID, Email: next.Email, Page: masspay.Page{Limit: 1}}); err != nil {
			return err
		} else if n > 0 {
			return errDuplicateEmail
		}
	}
	*c = *next
	return nil
}
