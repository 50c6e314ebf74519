package service

import (
	"context"
	"errors"

	"masspay"
)

// RevokeToken forgets a bearer token before it expires (a dashboard session signed out). An
// unknown or already expired token is not an error: the result, no valid token, is the same.
func (s *Service) RevokeToken(ctx context.Context, token string) error {
	err := s.store.Write(ctx, func(q masspay.Q) error { return q.AccessTokenDelete(ctx, hash(token)) })
	if errors.Is(err, masspay.ErrNoRows) {
		return nil
	}
	return err
}
