package masspay_test

import (
	"testing"
	"time"

	"masspay"
)

func TestMassPaymentTransitions(t *testing.T) {
	t.Parallel()
	all := []masspay.MassPaymentStatus{masspay.MassPaymentDeferred, masspay.MassPaymentPending, masspay.MassPaymentProcessing,
		masspay.MassPaymentComplete, masspay.MassPaymentCancelled}
	allowed := map[[2]masspay.MassPaymentStatus]bool{
		{masspay.MassPaymentDeferred, masspay.MassPaymentPending}:    true,
		{masspay.MassPaymentDeferred, masspay.MassPaymentCancelled}:  true,
		{masspay.MassPaymentPending, masspay.MassPaymentProcessing}:  true,
		{masspay.MassPaymentProcessing, masspay.MassPaymentComplete}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got := from.CanBecome(to); got != allowed[[2]masspay.MassPaymentStatus{from, to}] {
				t.Errorf("%s.CanBecome(%s) = %v", from, to, got)
			}
		}
	}
}

func TestTransferTransitions(t *testing.T) {
	t.Parallel()
	all := []masspay.TransferStatus{masspay.TransferPending, masspay.TransferProcessed, masspay.TransferCancelled, masspay.TransferFailed}
	allowed := map[[2]masspay.TransferStatus]bool{
		{masspay.TransferPending, masspay.TransferProcessed}: true,
		{masspay.TransferPending, masspay.TransferFailed}:    true,
		{masspay.TransferPending, masspay.TransferCancelled}: true,
		{masspay.TransferProcessed, masspay.TransferFailed}:  true, // a late return
	}
	for _, from := range all {
		if !from.Valid() {
			t.Errorf("%s is not Valid", from)
		}
		for _, to := range all {
			if got := from.CanBecome(to); got != allowed[[2]masspay.TransferStatus{from, to}] {
				t.Errorf("%s.CanBecome(%s) = %v", from, to, got)
			}
		}
	}
	if masspay.TransferStatus("complete").Valid() || masspay.ItemStatus("done").Valid() || masspay.CustomerStatus("").Valid() {
		t.Error("an unknown status is Valid")
	}
}

func TestCustomerDeactivateReactivate(t *testing.T) {
	t.Parallel()
	c := &masspay.Customer{Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusVerified}
	if fe := c.Deactivate(); fe != nil || c.Status != masspay.CustomerStatusDeactivated || c.PriorStatus != masspay.CustomerStatusVerified {
		t.Fatalf("Deactivate of a verified customer: %v, status %s, prior %s", fe, c.Status, c.PriorStatus)
	}
	if !c.Status.Restricted() || c.Verified() || c.CanChangeInfo() {
		t.Fatal("a deactivated customer is not restricted")
	}
	if fe := c.Deactivate(); fe == nil || fe.Message != "Customer is already deactivated." || fe.Path != "/status" {
		t.Fatalf("second Deactivate = %v", fe)
	}
	if fe := c.Reactivate(); fe != nil || c.Status != masspay.CustomerStatusVerified || c.PriorStatus != "" {
		t.Fatalf("Reactivate: %v, status %s, prior %s", fe, c.Status, c.PriorStatus)
	}
	if fe := c.Reactivate(); fe == nil || fe.Code != masspay.FCodeNotAllowed {
		t.Fatalf("Reactivate of an active customer = %v", fe)
	}
	s := &masspay.Customer{Status: masspay.CustomerStatusSuspended}
	if fe := s.Deactivate(); fe == nil || s.Status != masspay.CustomerStatusSuspended {
		t.Fatalf("Deactivate of a suspended customer: %v, status %s", fe, s.Status)
	}
	old := &masspay.Customer{Status: masspay.CustomerStatusDeactivated} // deactivated before PriorStatus was kept
	if old.Reactivate(); old.Status != masspay.CustomerStatusUnverified {
		t.Fatalf("Reactivate without a prior status: %s", old.Status)
	}
	if (&masspay.Customer{Status: masspay.CustomerStatusDocument}).CanChangeInfo() {
		t.Fatal("a customer under document review can change its information")
	}
}

func TestFundRefusal(t *testing.T) {
	t.Parallel()
	bank := func(mod func(*masspay.FundingSource)) *masspay.FundingSource {
		f := &masspay.FundingSource{Type: masspay.FundingBank, Status: masspay.FundingVerified, CustomerID: "c"}
		if mod != nil {
			mod(f)
		}
		return f
	}
	verified := &masspay.Customer{Type: masspay.CustomerBusiness, Status: masspay.CustomerStatusVerified}
	for _, tc := range []struct {
		name  string
		fs    *masspay.FundingSource
		owner *masspay.Customer
		want  string // message, "" for none
	}{
		{"account's verified bank", bank(func(f *masspay.FundingSource) { f.CustomerID = "" }), nil, ""},
		{"verified customer's bank", bank(nil), verified, ""},
		{"removed", bank(func(f *masspay.FundingSource) { f.Removed = true }), verified, "Invalid funding source."},
		{"unverified bank", bank(func(f *masspay.FundingSource) { f.Status = masspay.FundingUnverified }), verified, "Invalid funding source."},
		{"other type", bank(func(f *masspay.FundingSource) { f.Type = "card" }), verified, "Invalid funding source."},
		{"suspended owner", bank(nil), &masspay.Customer{Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusSuspended}, "Sender restricted."},
		{"deactivated owner", bank(nil), &masspay.Customer{Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusDeactivated}, "Sender restricted."},
		{"unverified owner", bank(nil), &masspay.Customer{Type: masspay.CustomerUnverified, Status: masspay.CustomerStatusUnverified}, "Invalid funding source."},
		{"owner in retry", bank(nil), &masspay.Customer{Type: masspay.CustomerPersonal, Status: masspay.CustomerStatusRetry}, "Invalid funding source."},
	} {
		got := tc.fs.FundRefusal(tc.owner)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s: refused: %v", tc.name, got)
		case tc.want != "" && (got == nil || got.Message != tc.want || got.Path != "/_links/source/href"):
			t.Errorf("%s: %v, want %q at /_links/source/href", tc.name, got, tc.want)
		}
	}
	// The refusal is the caller's copy.
	r := bank(func(f *masspay.FundingSource) { f.Removed = true }).FundRefusal(nil)
	r.Message = "changed"
	if again := bank(func(f *masspay.FundingSource) { f.Removed = true }).FundRefusal(nil); again.Message != "Invalid funding source." {
		t.Fatalf("a caller changed the shared refusal: %q", again.Message)
	}
}

func TestPayRefusal(t *testing.T) {
	t.Parallel()
	mp := &masspay.MassPayment{AccountID: "a", CustomerID: "sender"}
	for _, tc := range []struct {
		name string
		d    *masspay.Destination
		want string
	}{
		{"unknown", nil, "Receiver not found."},
		{"other account", &masspay.Destination{AccountID: "b", CustomerID: "x"}, "Receiver not found."},
		{"removed", &masspay.Destination{AccountID: "a", CustomerID: "x", Removed: true}, "Receiver not found."},
		{"the sender's own", &masspay.Destination{AccountID: "a", CustomerID: "sender"}, "Receiver cannot be the owner of the source funding source."},
		{"suspended receiver", &masspay.Destination{AccountID: "a", CustomerID: "x", CustomerStatus: masspay.CustomerStatusSuspended}, "Receiver restricted."},
		{"unverified receiver", &masspay.Destination{AccountID: "a", CustomerID: "x", CustomerStatus: masspay.CustomerStatusUnverified}, ""},
		{"the account's own", &masspay.Destination{AccountID: "a"}, ""},
	} {
		got := mp.PayRefusal(tc.d)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s: refused: %v", tc.name, got)
		case tc.want != "" && (got == nil || got.Message != tc.want):
			t.Errorf("%s: %v, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSubscriptionWebhook(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := masspay.NewEvent("acc", "", masspay.TopicTransferCreated, "transfers", "t1", "", now)
	active := &masspay.WebhookSubscription{ID: "s1", AccountID: "acc"}
	w := active.Webhook(e)
	if w.SubscriptionID != "s1" || w.EventID != e.ID || w.Topic != e.Topic || w.AccountID != "acc" || !w.Created.Equal(now) ||
		!w.NextAt.Equal(now) || !w.Due() || w.ID == "" {
		t.Fatalf("webhook of an active subscription = %+v", w)
	}
	paused := &masspay.WebhookSubscription{ID: "s2", AccountID: "acc", Paused: true}
	if pw := paused.Webhook(e); pw.Due() || !pw.NextAt.IsZero() {
		t.Fatalf("webhook of a paused subscription is due at %v", pw.NextAt)
	}
}

func TestJudgeReportsEachPlaceOnce(t *testing.T) {
	t.Parallel()
	typeErrs := masspay.Fields{{Code: masspay.FCodeInvalidFormat, Path: "/items/0", Message: "items[0] must be an object."},
		{Code: masspay.FCodeInvalidFormat, Path: "/url", Message: "url must be a string."}}
	got := masspay.Judge(typeErrs, func(f *masspay.Fields) {
		f.Add(masspay.FCodeRequired, "/items/0/amount/value", "Amount required.") // inside a type error: dropped
		f.Add(masspay.FCodeRequired, "/url", "Url required.")                     // the same place: dropped
		f.Add(masspay.FCodeRequired, "/items/01/amount", "kept")                  // a sibling, not inside
		f.Add(masspay.FCodeRequired, "/secret", "Secret required.")
	})
	var paths []string
	for _, e := range got {
		paths = append(paths, e.Path)
	}
	want := []string{"/items/0", "/url", "/items/01/amount", "/secret"}
	if len(paths) != len(want) {
		t.Fatalf("Judge = %v, want %v", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Fatalf("Judge = %v, want %v", paths, want)
		}
	}
}

func TestFundingSourceTransitions(t *testing.T) {
	t.Parallel()
	if !masspay.FundingUnverified.CanBecome(masspay.FundingVerified) || masspay.FundingVerified.CanBecome(masspay.FundingUnverified) ||
		masspay.FundingVerified.CanBecome(masspay.FundingVerified) {
		t.Fatal("a bank is verified once, and nothing unverifies it")
	}
	for _, tc := range []struct {
		status                 masspay.CustomerStatus
		deactivate, reactivate bool
	}{
		{masspay.CustomerStatusVerified, true, false},
		{masspay.CustomerStatusUnverified, true, false},
		{masspay.CustomerStatusSuspended, false, false},
		{masspay.CustomerStatusDeactivated, false, true},
	} {
		c := &masspay.Customer{Status: tc.status}
		if c.CanDeactivate() != tc.deactivate || c.CanReactivate() != tc.reactivate {
			t.Errorf("%s: CanDeactivate %v, CanReactivate %v", tc.status, c.CanDeactivate(), c.CanReactivate())
		}
	}
}
