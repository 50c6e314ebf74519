package sqlstore

import (
	"context"
	"time"

	"masspay"
)

func (q *q) IdempotencyDelete(ctx context.Context, appID, key string) error {
	_, err := q.exec(ctx, `DELETE FROM idempotency_keys WHERE application_id = $1 AND key = $2`, appID, key)
	return err
}

func (q *q) IdempotencyDeleteExpired(ctx context.Context, now time.Time) (int, error) {
	n, err := q.exec(ctx, `DELETE FROM idempotency_keys WHERE expires < $1`, us(now))
	return int(n), err
}

func (q *q) IdempotencyGet(ctx context.Context, appID, key string) (*masspay.IdempotencyRecord, error) {
	var r masspay.IdempotencyRecord
	var locked, expires int64
	err := q.queryRow(ctx, `SELECT application_id, key, fingerprint, owner, state, location, locked_until, expires
 FROM idempotency_keys WHERE application_id = $1 AND key = $2`+q.s.dialect.RowLock, appID, key).
		Scan(&r.ApplicationID, &r.Key, &r.Fingerprint, &r.Owner, &r.State, &r.Location, &locked, &expires)
	if err != nil {
		return nil, noRows(err)
	}
	r.LockedUntil, r.Expires = tm(locked), tm(expires)
	return &r, nil
}

// IdempotencyPut inserts the record, or replaces the one stored under the same key.
func (q *q) IdempotencyPut(ctx context.Context, r *masspay.IdempotencyRecord) error {
	_, err := q.exec(ctx, `INSERT INTO idempotency_keys (application_id, key, fingerprint, owner, state, location, locked_until, expires)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (application_id, key) DO UPDATE SET fingerprint = excluded.fingerprint,
 owner = excluded.owner, state = excluded.state, location = excluded.location, locked_until = excluded.locked_until,
 expires = excluded.expires`,
		r.ApplicationID, r.Key, r.Fingerprint, r.Owner, r.State, r.Location, us(r.LockedUntil), us(r.Expires))
	return err
}

func (q *q) IdempotencyInsert(ctx context.Context, r *masspay.IdempotencyRecord) error {
	_, err := q.exec(ctx, `INSERT INTO idempotency_keys (application_id, key, fingerprint, owner, state, location, locked_until, expires)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ApplicationID, r.Key, r.Fingerprint, r.Owner, r.State, r.Location, us(r.LockedUntil), us(r.Expires))
	return q.unique(err)
}

func (q *q) IdempotencyComplete(ctx context.Context, appID, key, owner, location string, expires time.Time) (bool, error) {
	n, err := q.exec(ctx, `UPDATE idempotency_keys SET state = 'done', location = $1, expires = $2
 WHERE application_id = $3 AND key = $4 AND owner = $5 AND state = 'in-flight'`, location, us(expires), appID, key, owner)
	return n == 1, err
}

func (q *q) IdempotencyReleaseInFlight(ctx context.Context) (int, error) {
	n, err := q.exec(ctx, `DELETE FROM idempotency_keys WHERE state = 'in-flight'`)
	return int(n), err
}
