package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"masspay"
)

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hash is SHA-256, hex. Client secrets and tokens are long random strings, so a fast hash is
// enough: there is nothing to brute-force that is smaller than the secret itself.
func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Token errors, in the OAuth shape POST /token answers with.
var (
	ErrInvalidClient = errors.New("invalid_client")
)

// IssueToken checks client credentials and returns a new bearer token and its lifetime.
func (s *Service) IssueToken(ctx context.Context, key, secret string) (string, time.Duration, error) {
	var app *masspay.Application
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { app, err = q.ApplicationGetByKey(ctx, key); return err })
	if errors.Is(err, masspay.ErrNoRows) {
		return "", 0, ErrInvalidClient
	}
	if err != nil {
		return "", 0, err
	}
	if !constantTimeEqual(app.SecretHash, hash(secret)) {
		return "", 0, ErrInvalidClient
	}
	token := randomToken(36)
	t := &masspay.AccessToken{Hash: hash(token), ApplicationID: app.ID, AccountID: app.AccountID, Expires: s.now().Add(s.cfg.TokenTTL)}
	if err := s.store.Write(ctx, func(q masspay.Q) error {
		if _, err := q.AccessTokenDeleteExpired(ctx, s.now().Add(-24*time.Hour)); err != nil {
			return err
		}
		return q.AccessTokenInsert(ctx, t)
	}); err != nil {
		return "", 0, err
	}
	return token, s.cfg.TokenTTL, nil
}

// Authentication failures, with Dwolla's codes.
var (
	ErrInvalidAccessToken = &masspay.Error{Code: "InvalidAccessToken", Message: "Invalid access token."}
	ErrExpiredAccessToken = &masspay.Error{Code: "ExpiredAccessToken", Message: "Generate a new access token using your client credentials."}
)

// Authenticate resolves a bearer token to its principal.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	var t *masspay.AccessToken
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { t, err = q.AccessTokenGet(ctx, hash(token)); return err })
	if errors.Is(err, masspay.ErrNoRows) {
		return nil, ErrInvalidAccessToken
	}
	if err != nil {
		return nil, err
	}
	if !s.now().Before(t.Expires) {
		return nil, ErrExpiredAccessToken
	}
	return &Principal{AccountID: t.AccountID, ApplicationID: t.ApplicationID}, nil
}

func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}
