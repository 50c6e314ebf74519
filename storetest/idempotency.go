package storetest

import (
	"testing"
	"time"

	"masspay"
)

var idempotencyTests = []test{
	{"IdempotencyPutGetDelete", testIdempotency},
	{"IdempotencyDeleteExpired", testIdempotencyDeleteExpired},
}

func testIdempotency(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	r := &masspay.IdempotencyRecord{ApplicationID: "app1", Key: "k1", Fingerprint: "fp1", State: masspay.IdempotencyInFlight,
		LockedUntil: at(30), Expires: at(86400)}
	get := func(app, key string) (*masspay.IdempotencyRecord, error) {
		var got *masspay.IdempotencyRecord
		err := f.writeErr(func(q masspay.Q) (err error) { got, err = q.IdempotencyGet(f.ctx, app, key); return err })
		return got, err
	}
	f.write(func(q masspay.Q) error { return q.IdempotencyPut(f.ctx, r) })
	got, err := get("app1", "k1")
	must(t, err)
	want := *r
	want.LockedUntil, want.Expires = stored(r.LockedUntil), stored(r.Expires)
	equal(t, "record", got, &want)
	_, err = get("app2", "k1")
	wantErr(t, "the same key under another application", err, masspay.ErrNoRows)

	// A second Put replaces the record stored under the key.
	done := *r
	done.Fingerprint, done.State, done.Location, done.LockedUntil, done.Expires = "fp2", masspay.IdempotencyDone, "/mass-payments/m1", time.Time{}, at(100)
	f.write(func(q masspay.Q) error { return q.IdempotencyPut(f.ctx, &done) })
	got, err = get("app1", "k1")
	must(t, err)
	want = done
	want.Expires = stored(done.Expires)
	equal(t, "replaced record", got, &want)

	f.write(func(q masspay.Q) error { return q.IdempotencyDelete(f.ctx, "app1", "k1") })
	_, err = get("app1", "k1")
	wantErr(t, "IdempotencyGet after delete", err, masspay.ErrNoRows)
	f.write(func(q masspay.Q) error { return q.IdempotencyDelete(f.ctx, "app1", "k1") })
}

func testIdempotencyDeleteExpired(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.write(func(q masspay.Q) error {
		for _, r := range []*masspay.IdempotencyRecord{
			{ApplicationID: "app1", Key: "expired", Expires: at(-1)},
			{ApplicationID: "app1", Key: "now", Expires: t0},
			{ApplicationID: "app2", Key: "later", Expires: at(1)},
		} {
			r.Fingerprint, r.State = "fp", masspay.IdempotencyDone
			if err := q.IdempotencyPut(f.ctx, r); err != nil {
				return err
			}
		}
		n, err := q.IdempotencyDeleteExpired(f.ctx, t0)
		must(t, err)
		equal(t, "deleted (expiring before now)", n, 1)
		_, err = q.IdempotencyGet(f.ctx, "app1", "expired")
		wantErr(t, "expired record", err, masspay.ErrNoRows)
		for _, k := range [][2]string{{"app1", "now"}, {"app2", "later"}} {
			_, err = q.IdempotencyGet(f.ctx, k[0], k[1])
			must(t, err)
		}
		return nil
	})
}
