package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"masspay"
)

// ListCall is the store query behind one list endpoint, with the filters the endpoint passes.
type ListCall struct {
	Name string
	Run  func(ctx context.Context, q masspay.Q) error
}

// ListHistory writes a history for ListCalls: an account "acc" with customers, n transfers
// between them (some pending), n events and n webhooks of one subscription spread over 90
// days (most of them older than the 30-day window the endpoints read), and a mass payment of n
// items. The planners then see tables with rows and indexes worth using.
func ListHistory(t *testing.T, s masspay.Store, n int) {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC()
	err := s.Write(ctx, func(q masspay.Q) error {
		if err := q.AccountInsert(ctx, &masspay.Account{ID: "acc", Name: "acc", Created: now}); err != nil {
			return err
		}
		for i := range 50 {
			if err := q.CustomerInsert(ctx, &masspay.Customer{ID: fmt.Sprintf("cust-%d", i), AccountID: "acc",
				FirstName: "F", LastName: "L", Email: fmt.Sprintf("c%d@example.com", i), Type: masspay.CustomerPersonal,
				Status: masspay.CustomerStatusVerified, Created: now}); err != nil {
				return err
			}
		}
		ts := make([]*masspay.Transfer, n)
		evs := make([]*masspay.Event, n)
		whs := make([]*masspay.Webhook, n)
		items := make([]*masspay.Item, n)
		for i := range n {
			at := now.Add(-90 * 24 * time.Hour).Add(time.Duration(i) * 90 * 24 * time.Hour / time.Duration(n))
			st := masspay.TransferProcessed
			if i%10 == 0 {
				st = masspay.TransferPending
			}
			ts[i] = &masspay.Transfer{ID: masspay.NewID(), AccountID: "acc", SourceID: "s", DestinationID: "d",
				DestCustomerID: fmt.Sprintf("cust-%d", i%50), CorrelationID: fmt.Sprintf("corr-%d", i%100), Amount: 1,
				Status: st, Created: at}
			evs[i] = masspay.NewEvent("acc", "", masspay.TopicTransferCreated, "transfers", ts[i].ID, "", at)
			whs[i] = &masspay.Webhook{ID: masspay.NewID(), SubscriptionID: "sub", AccountID: "acc", EventID: evs[i].ID,
				Topic: string(masspay.TopicTransferCreated), Created: at}
			items[i] = &masspay.Item{ID: masspay.NewID(), Idx: i, DestinationID: "d", Amount: 1, Status: masspay.ItemPending}
		}
		mp := &masspay.MassPayment{ID: "mp", AccountID: "acc", SourceID: "s", SourceType: "balance",
			Status: masspay.MassPaymentPending, Total: int64(n), ItemCount: n, Created: now}
		return errors.Join(q.TransferInsertMany(ctx, ts), q.EventInsertMany(ctx, evs), q.WebhookInsertMany(ctx, whs),
			q.MassPaymentInsert(ctx, mp, items))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// DepthCustomer is the customer whose transfers CustomerDepthHistory writes, and DepthPage the
// page of them that ListCalls reads: past the first, in a history of several generations of the
// key indexes (16,384 transfers each, migration 00030).
const DepthCustomer = "deep"

var DepthPage = masspay.Page{Limit: 25, Offset: 100}

// CustomerDepthHistory writes n transfers of account "acc" between DepthCustomer and ListHistory's
// customers, DepthCustomer sending one in three and receiving the others, so that a page of its
// transfers merges both sides and, n being past 16,384, several generations of the index of
// receiving customers.
func CustomerDepthHistory(t *testing.T, s masspay.Store, n int) {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC()
	ts := make([]*masspay.Transfer, n)
	for i := range ts {
		ts[i] = &masspay.Transfer{ID: masspay.NewID(), AccountID: "acc", SourceID: "s", DestinationID: "d",
			SourceCustomerID: fmt.Sprintf("cust-%d", i%50), DestCustomerID: DepthCustomer, Amount: 1,
			Status: masspay.TransferProcessed, Created: now.Add(time.Duration(i-n) * time.Second)}
		if i%3 == 0 {
			ts[i].SourceCustomerID, ts[i].DestCustomerID = DepthCustomer, fmt.Sprintf("cust-%d", i%50)
		}
	}
	if err := s.Write(ctx, func(q masspay.Q) error { return q.TransferInsertMany(ctx, ts) }); err != nil {
		t.Fatal(err)
	}
}

// ListCalls are the store queries of the list endpoints over ListHistory's rows, as the
// service makes them: GET /accounts/{id}/transfers (plain, by status, by correlation id),
// /customers/{id}/transfers, /events (the retention window), /webhook-subscriptions/{id}/webhooks (the same),
// /accounts/{id}/mass-payments, /customers/{id}/mass-payments, /mass-payments/{id}/items and
// /customers.
func ListCalls() []ListCall {
	page := masspay.Page{Limit: 25}
	since := time.Now().UTC().Add(-30 * 24 * time.Hour)
	return []ListCall{
		{"account transfers", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.TransferList(ctx, masspay.TransferFilter{AccountID: "acc", Page: page})
			return err
		}},
		{"account transfers by status", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.TransferList(ctx, masspay.TransferFilter{AccountID: "acc", Statuses: []string{"pending"}, Page: page})
			return err
		}},
		{"customer transfers", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.TransferList(ctx, masspay.TransferFilter{AccountID: "acc", CustomerID: "cust-1", Page: page})
			return err
		}},
		{"customer transfers at depth", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.TransferList(ctx, masspay.TransferFilter{AccountID: "acc", CustomerID: DepthCustomer, Page: DepthPage})
			return err
		}},
		{"account transfers by correlation id", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.TransferList(ctx, masspay.TransferFilter{AccountID: "acc", CorrelationID: "corr-7", Page: page})
			return err
		}},
		{"events", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.EventList(ctx, masspay.EventFilter{AccountID: "acc", Since: since, Page: page})
			return err
		}},
		{"webhooks", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.WebhookList(ctx, masspay.WebhookFilter{SubscriptionID: "sub", StartDate: since, Page: page})
			return err
		}},
		{"account mass payments", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.MassPaymentList(ctx, masspay.MassPaymentFilter{AccountID: "acc", Page: page})
			return err
		}},
		{"customer mass payments", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.MassPaymentList(ctx, masspay.MassPaymentFilter{AccountID: "acc", CustomerID: "cust-1", Page: page})
			return err
		}},
		{"items", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.ItemList(ctx, masspay.ItemFilter{MassPaymentID: "mp", Page: page})
			return err
		}},
		{"items by status", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.ItemList(ctx, masspay.ItemFilter{MassPaymentID: "mp", Statuses: []string{"pending"}, Page: page})
			return err
		}},
		{"customers", func(ctx context.Context, q masspay.Q) error {
			_, _, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: "acc", Page: page})
			return err
		}},
	}
}
