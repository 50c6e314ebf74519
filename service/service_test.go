package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/service"
)

// fx is a service on a real store (a SQLite file, or a PostgreSQL schema when
// MASSPAY_TEST_DATABASE_URL is set) with one account: a verified bank and a balance of 1,000.00.
type fx struct {
	t       *testing.T
	ctx     context.Context
	store   masspay.Store
	svc     *service.Service
	p       *service.Principal
	bank    string // the account's bank funding source id
	balance string // the account's balance funding source id
}

func setup(t *testing.T) *fx {
	t.Helper()
	ctx := context.Background()
	store, err := app.OpenStore(ctx, t.TempDir(), apptest.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := service.New(store, service.Config{})
	na, err := svc.CreateApplication(ctx, service.NewApplicationParams{Balance: 1000_00})
	if err != nil {
		t.Fatal(err)
	}
	f := &fx{t: t, ctx: ctx, store: store, svc: svc, p: &service.Principal{AccountID: na.AccountID, ApplicationID: "app"}}
	list, err := svc.ListAccountFundingSources(ctx, f.p, na.AccountID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, fs := range list {
		if fs.Type == masspay.FundingBank {
			f.bank = fs.ID
		} else {
			f.balance = fs.ID
		}
	}
	return f
}

func (f *fx) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// fieldError returns the only field error of a ValidationError, failing the test otherwise.
func (f *fx) fieldError(err error) masspay.FieldError {
	f.t.Helper()
	e, ok := errors.AsType[*masspay.Error](err)
	if !ok || e.Code != masspay.ECodeValidation || len(e.Fields) != 1 {
		f.t.Fatalf("error = %v, want a ValidationError with one field", err)
	}
	return e.Fields[0]
}

// payee makes a receive-only customer with a bank and returns the bank's id.
func (f *fx) payee(email string) string {
	f.t.Helper()
	c, err := f.svc.CreateCustomer(f.ctx, f.p, &masspay.CustomerInput{FirstName: "Pay", LastName: "Ee", Email: email, Type: masspay.CustomerReceiveOnly})
	f.must(err)
	fs, err := f.svc.CreateFundingSource(f.ctx, f.p, c.ID, &masspay.BankInput{RoutingNumber: "222222226", AccountNumber: "123456789",
		BankAccountType: "checking", Name: "Payee bank"})
	f.must(err)
	return fs.ID
}

// sender makes a verified personal customer and returns it with its balance's id.
func (f *fx) sender(email string) (*masspay.Customer, string) {
	f.t.Helper()
	c, err := f.svc.CreateCustomer(f.ctx, f.p, &masspay.CustomerInput{FirstName: "Sen", LastName: "Der", Email: email, Type: masspay.CustomerPersonal,
		Address1: "1 Main St", City: "Des Moines", State: "IA", PostalCode: "50309", DateOfBirth: "1970-01-01", SSN: "1234"})
	f.must(err)
	list, err := f.svc.ListCustomerFundingSources(f.ctx, f.p, c.ID, nil)
	f.must(err)
	if len(list) != 1 || list[0].Type != masspay.FundingBalance {
		f.t.Fatalf("a verified customer's funding sources = %v, want its balance", list)
	}
	return c, list[0].ID
}

// massPayment asks for a mass payment of 1.00 from source to each destination.
func (f *fx) massPayment(source string, status string, dests ...string) (string, error) {
	in := &masspay.MassPaymentInput{Status: status}
	in.Links.Source.Href = "/funding-sources/" + source
	items := make([]masspay.ItemInput, len(dests))
	one := masspay.AmountText("1.00")
	for i, d := range dests {
		items[i].Links.Destination.Href = "/funding-sources/" + d
		items[i].Amount.Value, items[i].Amount.Currency = &one, masspay.Currency
	}
	in.Items = &items
	return f.svc.CreateMassPayment(f.ctx, f.p, in, nil, service.Idempotency{})
}

func TestPublishFansOutToSubscriptions(t *testing.T) {
	f := setup(t)
	active, err := f.svc.CreateWebhookSubscription(f.ctx, f.p, &masspay.WebhookSubscriptionInput{URL: "https://example.com/a", Secret: "s"}, nil)
	f.must(err)
	paused, err := f.svc.CreateWebhookSubscription(f.ctx, f.p, &masspay.WebhookSubscriptionInput{URL: "https://example.com/p", Secret: "s"}, nil)
	f.must(err)
	_, err = f.svc.PauseWebhookSubscription(f.ctx, f.p, paused.ID, true)
	f.must(err)
	wake, cancel := f.store.Subscribe(masspay.ChannelWebhooks)
	defer cancel()

	now := time.Now().UTC().Truncate(time.Microsecond)
	events := []*masspay.Event{
		masspay.NewEvent(f.p.AccountID, "", masspay.TopicTransferCreated, "transfers", masspay.NewID(), "", now),
		masspay.NewEvent(f.p.AccountID, "c1", masspay.TopicTransferCreated, "transfers", masspay.NewID(), "", now),
		masspay.NewEvent("another-account", "", masspay.TopicTransferCreated, "transfers", masspay.NewID(), "", now),
	}
	f.must(f.store.Write(f.ctx, func(q masspay.Q) error { return service.Publish(f.ctx, q, events...) }))
	select {
	case <-wake:
	case <-time.After(2 * time.Second):
		t.Fatal("no wake-up after publishing events that active subscriptions receive")
	}
	hooks := func(subID string) []*service.WebhookDetail {
		list, _, err := f.svc.ListWebhooks(f.ctx, f.p, masspay.WebhookFilter{SubscriptionID: subID, Page: masspay.Page{Limit: 10}})
		f.must(err)
		return list
	}
	got := hooks(active.ID)
	if len(got) != 2 {
		t.Fatalf("active subscription has %d webhooks, want one per event of its account (2)", len(got))
	}
	for _, w := range got {
		if !w.Due() {
			t.Errorf("webhook %s of an active subscription is not due", w.ID)
		}
	}
	pw := hooks(paused.ID)
	if len(pw) != 2 {
		t.Fatalf("paused subscription has %d webhooks, want them recorded (2)", len(pw))
	}
	for _, w := range pw {
		if w.Due() {
			t.Errorf("webhook %s of a paused subscription is due", w.ID)
		}
	}
	for _, e := range events {
		err := f.store.Read(f.ctx, func(q masspay.Q) error { _, err := q.EventGet(f.ctx, e.ID); return err })
		if err != nil {
			t.Errorf("event %s not stored: %v", e.ID, err)
		}
	}

	// Only a paused subscription receives: nothing is due, nothing wakes the worker. (On
	// PostgreSQL one commit can signal twice, in process and through NOTIFY: wait until the
	// first publish's signals are all in.)
	_, err = f.svc.DeleteWebhookSubscription(f.ctx, f.p, active.ID)
	f.must(err)
	for quiet := false; !quiet; {
		select {
		case <-wake:
		case <-time.After(500 * time.Millisecond):
			quiet = true
		}
	}
	ev := masspay.NewEvent(f.p.AccountID, "", masspay.TopicTransferCreated, "transfers", masspay.NewID(), "", now)
	f.must(f.store.Write(f.ctx, func(q masspay.Q) error { return service.Publish(f.ctx, q, ev) }))
	select {
	case <-wake:
		t.Fatal("woken though no webhook became due")
	case <-time.After(300 * time.Millisecond):
	}
	if n := len(hooks(paused.ID)); n != 3 {
		t.Fatalf("paused subscription has %d webhooks, want 3", n)
	}
	f.must(f.store.Write(f.ctx, func(q masspay.Q) error { return service.Publish(f.ctx, q) }))
}

func TestSourceRuleAtAcceptance(t *testing.T) {
	f := setup(t)
	dest := f.payee("payee@example.com")
	c, balance := f.sender("sender@example.com")

	// The customer's balance is empty; acceptance judges the source, not the money.
	if _, err := f.massPayment(balance, "", dest); err != nil {
		t.Fatalf("from a verified customer's balance: %v", err)
	}
	_, err := f.svc.UpdateCustomer(f.ctx, f.p, c.ID, masspay.CustomerUpdateInput{Status: ptr("deactivated")})
	f.must(err)
	_, err = f.massPayment(balance, "", dest)
	if fe := f.fieldError(err); fe.Code != masspay.FCodeRestricted || fe.Message != "Sender restricted." || fe.Path != "/_links/source/href" {
		t.Fatalf("from a deactivated customer: %+v", fe)
	}
	back, err := f.svc.UpdateCustomer(f.ctx, f.p, c.ID, masspay.CustomerUpdateInput{Status: ptr("reactivated")})
	f.must(err)
	if back.Status != masspay.CustomerStatusVerified {
		t.Fatalf("reactivated status %s, want the prior status verified", back.Status)
	}
	if _, err := f.massPayment(balance, "", dest); err != nil {
		t.Fatalf("after reactivation: %v", err)
	}

	// An unverified bank (the payee's) cannot fund; it can be paid.
	_, err = f.massPayment(dest, "", f.balance)
	if fe := f.fieldError(err); fe.Message != "Invalid funding source." {
		t.Fatalf("from an unverified bank: %+v", fe)
	}
	_, err = f.massPayment("00000000-0000-0000-0000-000000000000", "", dest)
	if fe := f.fieldError(err); fe.Message != "Funding source not found." {
		t.Fatalf("from an unknown source: %+v", fe)
	}
}

func TestMassPaymentTransitions(t *testing.T) {
	f := setup(t)
	dest := f.payee("payee@example.com")
	id, err := f.massPayment(f.balance, "deferred", dest)
	f.must(err)
	mp, err := f.svc.UpdateMassPayment(f.ctx, f.p, id, &masspay.MassPaymentUpdateInput{Status: "pending"})
	f.must(err)
	if mp.Status != masspay.MassPaymentPending {
		t.Fatalf("status %s after sending a deferred mass payment", mp.Status)
	}
	_, err = f.svc.UpdateMassPayment(f.ctx, f.p, id, &masspay.MassPaymentUpdateInput{Status: "cancelled"})
	if fe := f.fieldError(err); fe.Code != masspay.FCodeNotAllowed ||
		fe.Message != "Status not allowed. Only a deferred mass payment can be updated; this one is pending." {
		t.Fatalf("cancelling a pending mass payment: %+v", fe)
	}
	got, err := f.svc.GetMassPayment(f.ctx, f.p, id)
	f.must(err)
	if got.Status != masspay.MassPaymentPending {
		t.Fatalf("a refused change left status %s", got.Status)
	}
}

func TestCustomerStatusChangesPublishEvents(t *testing.T) {
	f := setup(t)
	c, _ := f.sender("sender@example.com")
	topics := func() []string {
		list, _, err := f.svc.ListEvents(f.ctx, f.p, masspay.Page{Limit: 20})
		f.must(err)
		var out []string
		for _, e := range list {
			if e.ResourceID == c.ID {
				out = append(out, e.Topic)
			}
		}
		return out
	}
	_, err := f.svc.UpdateCustomer(f.ctx, f.p, c.ID, masspay.CustomerUpdateInput{Status: ptr("deactivated")})
	f.must(err)
	_, err = f.svc.UpdateCustomer(f.ctx, f.p, c.ID, masspay.CustomerUpdateInput{Status: ptr("deactivated")})
	if fe := f.fieldError(err); fe.Message != "Customer is already deactivated." || fe.Path != "/status" {
		t.Fatalf("deactivating twice: %+v", fe)
	}
	_, err = f.svc.UpdateCustomer(f.ctx, f.p, c.ID, masspay.CustomerUpdateInput{Set: map[string]string{"city": "Ames"}})
	if masspay.ErrorCode(err) != masspay.ECodeInvalidResourceState {
		t.Fatalf("changing a deactivated customer's information: %v", err)
	}
	_, err = f.svc.UpdateCustomer(f.ctx, f.p, c.ID, masspay.CustomerUpdateInput{Status: ptr("reactivated")})
	f.must(err)
	want := []string{masspay.TopicCustomerActivated, masspay.TopicCustomerDeactivated, masspay.TopicCustomerVerified, masspay.TopicCustomerCreated}
	got := topics()
	if len(got) != len(want) {
		t.Fatalf("topics %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("topics %v, want %v (newest first)", got, want)
		}
	}
}

func TestCancelTransferOnlyWhilePending(t *testing.T) {
	f := setup(t)
	list, _, err := f.svc.ListTransfers(f.ctx, f.p, masspay.TransferFilter{Page: masspay.Page{Limit: 10}})
	f.must(err)
	if len(list) != 1 || list[0].Status != masspay.TransferProcessed {
		t.Fatalf("transfers of a new account = %v, want the processed opening deposit", list)
	}
	_, err = f.svc.CancelTransfer(f.ctx, f.p, list[0].ID)
	if fe := f.fieldError(err); fe.Message != "Status not allowed." || fe.Path != "/status" {
		t.Fatalf("cancelling a processed transfer: %+v", fe)
	}
}

func TestWebhookSubscriptionLimit(t *testing.T) {
	f := setup(t)
	for i := range masspay.MaxWebhookSubscriptions {
		_, err := f.svc.CreateWebhookSubscription(f.ctx, f.p, &masspay.WebhookSubscriptionInput{URL: "https://example.com/" + string(rune('a'+i)), Secret: "s"}, nil)
		f.must(err)
	}
	_, err := f.svc.CreateWebhookSubscription(f.ctx, f.p, &masspay.WebhookSubscriptionInput{URL: "https://example.com/z", Secret: "s"}, nil)
	if masspay.ErrorCode(err) != masspay.ECodeMaxResources {
		t.Fatalf("subscription %d: %v, want %s", masspay.MaxWebhookSubscriptions+1, err, masspay.ECodeMaxResources)
	}
	// The checks and the type errors come back together, each place once.
	typeErrs := masspay.Fields{{Code: masspay.FCodeInvalidFormat, Path: "/url", Message: "url must be a string."}}
	_, err = f.svc.CreateWebhookSubscription(f.ctx, f.p, &masspay.WebhookSubscriptionInput{}, typeErrs)
	e, _ := errors.AsType[*masspay.Error](err)
	if e == nil || len(e.Fields) != 2 || e.Fields[0].Path != "/url" || e.Fields[1].Path != "/secret" {
		t.Fatalf("a body with a type error and a missing secret: %v", err)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := setup(t)
	dest := f.payee("payee@example.com")
	in := &masspay.MassPaymentInput{}
	in.Links.Source.Href = "/funding-sources/" + f.balance
	one := masspay.AmountText("1.00")
	items := []masspay.ItemInput{{}}
	items[0].Links.Destination.Href = "/funding-sources/" + dest
	items[0].Amount.Value, items[0].Amount.Currency = &one, masspay.Currency
	in.Items = &items
	idem := service.Idempotency{Key: "k1", Fingerprint: "body-1"}
	first, err := f.svc.CreateMassPayment(f.ctx, f.p, in, nil, idem)
	f.must(err)
	again, err := f.svc.CreateMassPayment(f.ctx, f.p, in, nil, idem)
	f.must(err)
	if again != first {
		t.Fatalf("a repeat under the same key made %s, want %s", again, first)
	}
	_, err = f.svc.CreateMassPayment(f.ctx, f.p, in, nil, service.Idempotency{Key: "k1", Fingerprint: "body-2"})
	if masspay.ErrorCode(err) != masspay.ECodeBadRequest {
		t.Fatalf("the same key with another body: %v, want BadRequest", err)
	}
	list, total, err := f.svc.ListMassPayments(f.ctx, f.p, f.p.AccountID, "", "", masspay.Page{Limit: 10})
	f.must(err)
	if total != 1 || len(list) != 1 {
		t.Fatalf("%d mass payments stored, want 1", total)
	}
}

func ptr[T any](v T) *T { return &v }
