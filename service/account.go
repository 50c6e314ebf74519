package service

import (
	"context"

	"masspay"
)

// GetAccount returns the caller's account; any other id is NotFound.
func (s *Service) GetAccount(ctx context.Context, p *Principal, id string) (*masspay.Account, error) {
	if id != p.AccountID {
		return nil, masspay.NotFound("Account not found.")
	}
	var a *masspay.Account
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { a, err = q.AccountGet(ctx, id); return err })
	return a, notFound(err, "Account not found.")
}
