package storetest

import (
	"errors"
	"testing"
	"time"

	"masspay"
)

var idempotencyTests = []test{
	{"IdempotencyPutGetDelete", testIdempotency},
	{"IdempotencyDeleteExpired", testIdempotencyDeleteExpired},
	{"IdempotencyInsertTakenKey", testIdempotencyInsert},
	{"IdempotencyCompleteOnlyOwnerInFlight", testIdempotencyComplete},
	{"IdempotencyReleaseInFlight", testIdempotencyReleaseInFlight},
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

// inFlight is a key held by owner, as a request reserves it.
func inFlight(app, key, owner string) *masspay.IdempotencyRecord {
	return &masspay.IdempotencyRecord{ApplicationID: app, Key: key, Fingerprint: "fp-" + key, Owner: owner,
		State: masspay.IdempotencyInFlight, LockedUntil: at(10), Expires: at(86400)}
}

// getKey reads a record, or nil when there is none. IdempotencyGet locks the row, so it needs a
// write transaction.
func (f *fx) getKey(app, key string) *masspay.IdempotencyRecord {
	f.t.Helper()
	var r *masspay.IdempotencyRecord
	f.write(func(q masspay.Q) (err error) {
		r, err = q.IdempotencyGet(f.ctx, app, key)
		if errors.Is(err, masspay.ErrNoRows) {
			return nil
		}
		return err
	})
	return r
}

func testIdempotencyInsert(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	r := inFlight("app1", "k1", "owner-1")
	f.write(func(q masspay.Q) error { return q.IdempotencyInsert(f.ctx, r) })
	want := *r
	want.LockedUntil, want.Expires = stored(r.LockedUntil), stored(r.Expires)
	equal(t, "inserted record, owner included", f.getKey("app1", "k1"), &want)

	// Unlike Put, Insert never replaces: the second request for a key must learn it is taken.
	err := f.writeErr(func(q masspay.Q) error { return q.IdempotencyInsert(f.ctx, inFlight("app1", "k1", "owner-2")) })
	wantErr(t, "IdempotencyInsert of a taken key", err, masspay.ErrUnique)
	equal(t, "record after the refused insert", f.getKey("app1", "k1"), &want)
	f.write(func(q masspay.Q) error { return q.IdempotencyInsert(f.ctx, inFlight("app2", "k1", "owner-2")) })
}

func testIdempotencyComplete(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.write(func(q masspay.Q) error { return q.IdempotencyInsert(f.ctx, inFlight("app1", "k1", "owner-1")) })
	complete := func(app, key, owner, location string) bool {
		var ok bool
		f.write(func(q masspay.Q) (err error) {
			ok, err = q.IdempotencyComplete(f.ctx, app, key, owner, location, at(500))
			return err
		})
		return ok
	}
	// A request whose key was taken over (another owner) must not overwrite the new holder's key.
	if complete("app1", "k1", "owner-2", "/mass-payments/other") {
		t.Fatal("IdempotencyComplete by another owner = true, want false")
	}
	if complete("app2", "k1", "owner-1", "/mass-payments/other") || complete("app1", "nope", "owner-1", "/x") {
		t.Fatal("IdempotencyComplete of a key that is not stored = true, want false")
	}
	equal(t, "state after refused completions", f.getKey("app1", "k1").State, masspay.IdempotencyInFlight)

	if !complete("app1", "k1", "owner-1", "/mass-payments/m1") {
		t.Fatal("IdempotencyComplete by the owner = false, want true")
	}
	want := inFlight("app1", "k1", "owner-1")
	want.State, want.Location, want.LockedUntil, want.Expires = masspay.IdempotencyDone, "/mass-payments/m1", stored(want.LockedUntil), stored(at(500))
	equal(t, "completed record", f.getKey("app1", "k1"), want)

	// Done is final: completing again, even by the owner, changes nothing.
	if complete("app1", "k1", "owner-1", "/mass-payments/m2") {
		t.Fatal("IdempotencyComplete of a done key = true, want false")
	}
	equal(t, "record after a second completion", f.getKey("app1", "k1"), want)
}

func testIdempotencyReleaseInFlight(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	done := inFlight("app1", "done", "owner-1")
	done.State, done.Location = masspay.IdempotencyDone, "/mass-payments/m1"
	f.write(func(q masspay.Q) error {
		for _, r := range []*masspay.IdempotencyRecord{inFlight("app1", "a", "o1"), inFlight("app2", "b", "o2"), done} {
			if err := q.IdempotencyInsert(f.ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	var n int
	f.write(func(q masspay.Q) (err error) { n, err = q.IdempotencyReleaseInFlight(f.ctx); return err })
	equal(t, "released", n, 2)
	if f.getKey("app1", "a") != nil || f.getKey("app2", "b") != nil {
		t.Fatal("an in-flight key survived IdempotencyReleaseInFlight")
	}
	if r := f.getKey("app1", "done"); r == nil || r.State != masspay.IdempotencyDone || r.Location != "/mass-payments/m1" {
		t.Fatalf("done key after IdempotencyReleaseInFlight = %+v, want kept", r)
	}
	f.write(func(q masspay.Q) (err error) { n, err = q.IdempotencyReleaseInFlight(f.ctx); return err })
	equal(t, "released with none in flight", n, 0)
}
