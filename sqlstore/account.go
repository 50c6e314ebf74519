package sqlstore

import (
	"context"
	"time"

	"masspay"
)

func (q *q) AccountCount(ctx context.Context) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, err
}

func (q *q) AccountGet(ctx context.Context, id string) (*masspay.Account, error) {
	var a masspay.Account
	var created int64
	err := q.queryRow(ctx, `SELECT id, name, created FROM accounts WHERE id = $1`, id).Scan(&a.ID, &a.Name, &created)
	if err != nil {
		return nil, noRows(err)
	}
	a.Created = tm(created)
	return &a, nil
}

func (q *q) AccountInsert(ctx context.Context, a *masspay.Account) error {
	_, err := q.exec(ctx, `INSERT INTO accounts (id, name, created) VALUES ($1, $2, $3)`, a.ID, a.Name, us(a.Created))
	return q.unique(err)
}

func (q *q) ApplicationGetByKey(ctx context.Context, key string) (*masspay.Application, error) {
	var a masspay.Application
	var created int64
	err := q.queryRow(ctx, `SELECT id, account_id, name, key, secret_hash, created FROM applications WHERE key = $1`, key).
		Scan(&a.ID, &a.AccountID, &a.Name, &a.Key, &a.SecretHash, &created)
	if err != nil {
		return nil, noRows(err)
	}
	a.Created = tm(created)
	return &a, nil
}

func (q *q) ApplicationInsert(ctx context.Context, a *masspay.Application) error {
	_, err := q.exec(ctx, `INSERT INTO applications (id, account_id, name, key, secret_hash, created) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.ID, a.AccountID, a.Name, a.Key, a.SecretHash, us(a.Created))
	return q.unique(err)
}

func (q *q) AccessTokenDelete(ctx context.Context, hash string) error {
	return one(q.exec(ctx, `DELETE FROM access_tokens WHERE hash = $1`, hash))
}

func (q *q) AccessTokenDeleteExpired(ctx context.Context, now time.Time) (int, error) {
	n, err := q.exec(ctx, `DELETE FROM access_tokens WHERE expires < $1`, us(now))
	return int(n), err
}

func (q *q) AccessTokenGet(ctx context.Context, hash string) (*masspay.AccessToken, error) {
	var t masspay.AccessToken
	var exp int64
	err := q.queryRow(ctx, `SELECT hash, application_id, account_id, expires FROM access_tokens WHERE hash = $1`, hash).
		Scan(&t.Hash, &t.ApplicationID, &t.AccountID, &exp)
	if err != nil {
		return nil, noRows(err)
	}
	t.Expires = tm(exp)
	return &t, nil
}

func (q *q) AccessTokenInsert(ctx context.Context, t *masspay.AccessToken) error {
	_, err := q.exec(ctx, `INSERT INTO access_tokens (hash, application_id, account_id, expires) VALUES ($1, $2, $3, $4)`,
		t.Hash, t.ApplicationID, t.AccountID, us(t.Expires))
	return q.unique(err)
}
