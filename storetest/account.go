package storetest

import (
	"testing"

	"masspay"
)

var accountTests = []test{
	{"AccountInsertGetCount", testAccounts},
	{"ApplicationInsertGetByKey", testApplications},
	{"AccessTokenInsertGetDelete", testAccessTokens},
}

func testAccounts(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	a := f.account("acc1")
	f.account("acc2")
	err := f.writeErr(func(q masspay.Q) error { return q.AccountInsert(f.ctx, a) })
	wantErr(t, "AccountInsert of a used ID", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		got, err := q.AccountGet(f.ctx, "acc1")
		must(t, err)
		equal(t, "account", got, &masspay.Account{ID: "acc1", Name: a.Name, Created: stored(t0)})
		n, err := q.AccountCount(f.ctx)
		must(t, err)
		equal(t, "AccountCount", n, 2)
		return nil
	})
}

func testApplications(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	app := &masspay.Application{ID: "app1", AccountID: "acc1", Name: "Main", Key: "key1", SecretHash: "hash1", Created: t0}
	f.write(func(q masspay.Q) error { return q.ApplicationInsert(f.ctx, app) })
	err := f.writeErr(func(q masspay.Q) error {
		return q.ApplicationInsert(f.ctx, &masspay.Application{ID: "app2", AccountID: "acc1", Name: "Other", Key: "key1",
			SecretHash: "hash2", Created: t0})
	})
	wantErr(t, "ApplicationInsert of a used key", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		got, err := q.ApplicationGetByKey(f.ctx, "key1")
		must(t, err)
		want := *app
		want.Created = stored(t0)
		equal(t, "application", got, &want)
		return nil
	})
}

func testAccessTokens(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.write(func(q masspay.Q) error {
		return q.ApplicationInsert(f.ctx, &masspay.Application{ID: "app1", AccountID: "acc1", Name: "Main", Key: "key1",
			SecretHash: "hash1", Created: t0})
	})
	tokens := []*masspay.AccessToken{
		{Hash: "expired", ApplicationID: "app1", AccountID: "acc1", Expires: at(-1)},
		{Hash: "now", ApplicationID: "app1", AccountID: "acc1", Expires: t0},
		{Hash: "later", ApplicationID: "app1", AccountID: "acc1", Expires: at(3600)},
	}
	f.write(func(q masspay.Q) error {
		for _, tok := range tokens {
			if err := q.AccessTokenInsert(f.ctx, tok); err != nil {
				return err
			}
		}
		return nil
	})
	err := f.writeErr(func(q masspay.Q) error { return q.AccessTokenInsert(f.ctx, tokens[2]) })
	wantErr(t, "AccessTokenInsert of a used hash", err, masspay.ErrUnique)
	f.write(func(q masspay.Q) error {
		n, err := q.AccessTokenDeleteExpired(f.ctx, t0)
		must(t, err)
		equal(t, "AccessTokenDeleteExpired (tokens expiring before now)", n, 1)
		return nil
	})
	f.read(func(q masspay.Q) error {
		_, err := q.AccessTokenGet(f.ctx, "expired")
		wantErr(t, "AccessTokenGet of a deleted token", err, masspay.ErrNoRows)
		for _, tok := range tokens[1:] {
			got, err := q.AccessTokenGet(f.ctx, tok.Hash)
			must(t, err)
			want := *tok
			want.Expires = stored(tok.Expires)
			equal(t, "token", got, &want)
		}
		return nil
	})
	f.write(func(q masspay.Q) error {
		must(t, q.AccessTokenDelete(f.ctx, "later"))
		wantErr(t, "AccessTokenDelete of a deleted token", q.AccessTokenDelete(f.ctx, "later"), masspay.ErrNoRows)
		return nil
	})
	f.read(func(q masspay.Q) error {
		_, err := q.AccessTokenGet(f.ctx, "later")
		wantErr(t, "AccessTokenGet of a deleted token", err, masspay.ErrNoRows)
		_, err = q.AccessTokenGet(f.ctx, "now")
		must(t, err)
		return nil
	})
}
