package storetest

import (
	"errors"
	"testing"
	"time"

	"masspay"
)

var txTests = []test{
	{"WriteCommits", testWriteCommits},
	{"WriteRollsBackOnError", testWriteRollsBackOnError},
	{"WriteRollsBackAfterStoreError", testWriteRollsBackAfterStoreError},
	{"ReadIsReadOnly", testReadIsReadOnly},
	{"ReadIsOneSnapshot", testReadIsOneSnapshot},
	{"ErrNoRowsOnMissing", testErrNoRowsOnMissing},
	{"TimesRoundTripInMicrosecondsUTC", testTimesRoundTrip},
	{"LockSerializesWriters", testLockSerializesWriters},
}

// Two transactions that take the same lock run one after the other: the second gets it only
// once the first has ended, even when the database would let them run side by side.
func testLockSerializesWriters(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	locked := make(chan struct{})
	var firstEnd, secondGot time.Time
	done := make(chan error, 1)
	go func() {
		done <- f.s.Write(f.ctx, func(q masspay.Q) error {
			if err := q.Lock(f.ctx, "storetest"); err != nil {
				close(locked)
				return err
			}
			close(locked)
			time.Sleep(quiet)
			firstEnd = time.Now()
			return nil
		})
	}()
	<-locked
	err := f.s.Write(f.ctx, func(q masspay.Q) error {
		if err := q.Lock(f.ctx, "storetest"); err != nil {
			return err
		}
		secondGot = time.Now()
		return nil
	})
	must(t, err)
	must(t, <-done)
	if !secondGot.After(firstEnd) {
		t.Fatalf("the second transaction took the lock %v before the first ended", firstEnd.Sub(secondGot))
	}
}

func testWriteCommits(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	a := f.account("acc1")
	f.read(func(q masspay.Q) error {
		got, err := q.AccountGet(f.ctx, a.ID)
		must(t, err)
		equal(t, "account", got, &masspay.Account{ID: a.ID, Name: a.Name, Created: stored(a.Created)})
		n, err := q.AccountCount(f.ctx)
		must(t, err)
		equal(t, "AccountCount", n, 1)
		return nil
	})
}

func testWriteRollsBackOnError(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	err := f.writeErr(func(q masspay.Q) error {
		must(t, q.AccountInsert(f.ctx, &masspay.Account{ID: "acc1", Name: "A", Created: t0}))
		must(t, q.CustomerInsert(f.ctx, &masspay.Customer{ID: "c1", AccountID: "acc1", Email: "c1@example.com",
			Type: masspay.CustomerReceiveOnly, Status: masspay.CustomerStatusUnverified, Created: t0}))
		// The transaction sees its own writes.
		_, err := q.AccountGet(f.ctx, "acc1")
		must(t, err)
		return errBoom
	})
	wantErr(t, "Write", err, errBoom)
	f.read(func(q masspay.Q) error {
		_, err := q.AccountGet(f.ctx, "acc1")
		wantErr(t, "AccountGet after rollback", err, masspay.ErrNoRows)
		_, err = q.CustomerGet(f.ctx, "c1")
		wantErr(t, "CustomerGet after rollback", err, masspay.ErrNoRows)
		n, err := q.AccountCount(f.ctx)
		must(t, err)
		equal(t, "AccountCount", n, 0)
		return nil
	})
	// The store is usable after a rollback, and the same rows can be written again.
	f.account("acc1")
}

// A statement that fails inside fn leaves the transaction's earlier writes behind only if the
// store commits anyway; fn returns the error, so nothing at all may remain.
func testWriteRollsBackAfterStoreError(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.customer("c1", "acc1")
	err := f.writeErr(func(q masspay.Q) error {
		must(t, q.AccountInsert(f.ctx, &masspay.Account{ID: "acc2", Name: "B", Created: t0}))
		dup := &masspay.Customer{ID: "c2", AccountID: "acc1", Email: "c1@example.com", Type: masspay.CustomerReceiveOnly,
			Status: masspay.CustomerStatusUnverified, Created: t0}
		return q.CustomerInsert(f.ctx, dup)
	})
	wantErr(t, "CustomerInsert with a used email", err, masspay.ErrUnique)
	f.read(func(q masspay.Q) error {
		_, err := q.AccountGet(f.ctx, "acc2")
		wantErr(t, "AccountGet after rollback", err, masspay.ErrNoRows)
		return nil
	})
}

func testReadIsReadOnly(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	err := f.s.Read(f.ctx, func(q masspay.Q) error {
		return q.AccountInsert(f.ctx, &masspay.Account{ID: "acc1", Name: "A", Created: t0})
	})
	if err == nil {
		t.Fatal("AccountInsert inside Read succeeded, want an error")
	}
	f.read(func(q masspay.Q) error {
		n, err := q.AccountCount(f.ctx)
		must(t, err)
		equal(t, "AccountCount", n, 0)
		return nil
	})
}

func testReadIsOneSnapshot(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	f.read(func(q masspay.Q) error {
		n, err := q.AccountCount(f.ctx)
		must(t, err)
		equal(t, "AccountCount before the concurrent write", n, 1)
		f.account("acc2") // commits on another connection while the read is open
		n, err = q.AccountCount(f.ctx)
		must(t, err)
		equal(t, "AccountCount inside the same Read after a concurrent commit", n, 1)
		return nil
	})
	f.read(func(q masspay.Q) error {
		n, err := q.AccountCount(f.ctx)
		must(t, err)
		equal(t, "AccountCount in a later Read", n, 2)
		return nil
	})
}

func testErrNoRowsOnMissing(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.account("acc1")
	lookups := []struct {
		name string
		fn   func(q masspay.Q) error
	}{
		{"AccountGet", func(q masspay.Q) error { _, err := q.AccountGet(f.ctx, "x"); return err }},
		{"ApplicationGetByKey", func(q masspay.Q) error { _, err := q.ApplicationGetByKey(f.ctx, "x"); return err }},
		{"AccessTokenGet", func(q masspay.Q) error { _, err := q.AccessTokenGet(f.ctx, "x"); return err }},
		{"CustomerGet", func(q masspay.Q) error { _, err := q.CustomerGet(f.ctx, "x"); return err }},
		{"FundingSourceBalance", func(q masspay.Q) error { _, err := q.FundingSourceBalance(f.ctx, "x"); return err }},
		{"FundingSourceGet", func(q masspay.Q) error { _, err := q.FundingSourceGet(f.ctx, "x"); return err }},
		{"FundingSourceUpdate", func(q masspay.Q) error { return q.FundingSourceUpdate(f.ctx, newBank("x", "acc1", "")) }},
		{"TransferGet", func(q masspay.Q) error { _, err := q.TransferGet(f.ctx, "x"); return err }},
		{"TransferUpdate", func(q masspay.Q) error { return q.TransferUpdate(f.ctx, newTransfer("x", "acc1", "a", "b", 1)) }},
		{"MassPaymentGet", func(q masspay.Q) error { _, err := q.MassPaymentGet(f.ctx, "x"); return err }},
		{"MassPaymentUpdate", func(q masspay.Q) error {
			return q.MassPaymentUpdate(f.ctx, &masspay.MassPayment{ID: "x", Status: masspay.MassPaymentComplete})
		}},
		{"MassPaymentClaim", func(q masspay.Q) error {
			_, err := q.MassPaymentClaim(f.ctx, masspay.ClaimParams{Owner: "o", Now: t0, LeaseUntil: at(30)})
			return err
		}},
		{"ItemGet", func(q masspay.Q) error { _, err := q.ItemGet(f.ctx, "x"); return err }},
		{"EventGet", func(q masspay.Q) error { _, err := q.EventGet(f.ctx, "x"); return err }},
		{"IdempotencyGet", func(q masspay.Q) error { _, err := q.IdempotencyGet(f.ctx, "app", "x"); return err }},
	}
	for _, l := range lookups {
		err := f.writeErr(l.fn)
		if !errors.Is(err, masspay.ErrNoRows) {
			t.Errorf("%s of a missing row: err = %v, want ErrNoRows", l.name, err)
		}
	}
}

func testTimesRoundTrip(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.write(func(q masspay.Q) error {
		return q.AccountInsert(f.ctx, &masspay.Account{ID: "acc1", Name: "A", Created: t0})
	})
	f.read(func(q masspay.Q) error {
		a, err := q.AccountGet(f.ctx, "acc1")
		must(t, err)
		if a.Created.Location() != time.UTC {
			t.Errorf("Created location = %v, want UTC", a.Created.Location())
		}
		want := time.Date(2026, 3, 3, 23, 36, 7, 891234000, time.UTC)
		if !a.Created.Equal(want) || a.Created.Nanosecond() != 891234000 {
			t.Errorf("Created = %v, want %v (microseconds kept, nanoseconds dropped)", a.Created, want)
		}
		return nil
	})
}
