package engine_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"masspay"
	"masspay/apptest"
	"masspay/engine"
	"masspay/service"
	"masspay/sqlite"
)

// retryingStore runs every write transaction twice, as sqlstore does after a transient conflict
// on PostgreSQL: the first attempt runs in full and is rolled back, the second commits. Whatever
// the first attempt left in memory must not leak into the second.
type retryingStore struct{ masspay.Store }

var errInjected = errors.New("injected transient conflict")

func (s retryingStore) Write(ctx context.Context, fn func(masspay.Q) error) error {
	err := s.Store.Write(ctx, func(q masspay.Q) error {
		if err := fn(q); err != nil {
			return err
		}
		return errInjected
	})
	if !errors.Is(err, errInjected) {
		return err
	}
	return s.Store.Write(ctx, fn)
}

func TestChunkRetriedAfterRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := service.New(store, service.Config{})
	na, err := svc.CreateApplication(ctx, service.NewApplicationParams{Balance: 1000_00})
	if err != nil {
		t.Fatal(err)
	}
	env := &apptest.Env{T: t, Store: store, Base: "http://masspay"}
	client := &apptest.Client{T: t, AccountID: na.AccountID}
	bank, _ := env.Funding(client)
	payees := apptest.Hrefs(env.Payees(client, 3))
	p := &service.Principal{AccountID: na.AccountID, ApplicationID: "app"}
	in := &masspay.MassPaymentInput{SourceHref: bank, ItemsPresent: true}
	for _, d := range payees {
		in.Items = append(in.Items, masspay.ItemInput{DestinationHref: d, AmountValue: "1.00", AmountPresent: true, Currency: "USD"})
	}
	id, err := svc.CreateMassPayment(ctx, p, in, nil, service.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}

	eng := engine.New(retryingStore{store}, engine.Config{ChunkSize: 2}, slog.New(slog.DiscardHandler))
	if did, err := eng.ProcessNext(ctx); err != nil || !did {
		t.Fatalf("process: did=%v err=%v", did, err)
	}
	mp, err := svc.GetMassPayment(ctx, p, id)
	if err != nil {
		t.Fatal(err)
	}
	if mp.Status != masspay.MassPaymentComplete {
		t.Fatalf("status %s", mp.Status)
	}
	ft, err := svc.GetTransfer(ctx, p, mp.FundingTransferID)
	if err != nil {
		t.Fatalf("the batch's funding transfer %q does not exist: %v", mp.FundingTransferID, err)
	}
	items, _, err := svc.ListMassPaymentItems(ctx, p, id, nil, masspay.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		tr, err := svc.GetTransfer(ctx, p, it.TransferID)
		if err != nil || tr.FundingTransferID != ft.ID {
			t.Fatalf("item %s: transfer %v funded by %q, want %q (err %v)", it.ID, it.TransferID, tr.FundingTransferID, ft.ID, err)
		}
	}
	env.Verify()
}
