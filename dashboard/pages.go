package dashboard

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strings"

	"masspay"
	"masspay/resultcsv"
	"masspay/service"
)

// Page sizes.
const (
	massPaymentsPerPage = 20
	itemsPerPage        = 50
	deliveriesShown     = 20 // latest webhooks per subscription
	progressMaxIDs      = 100
)

type overviewView struct {
	Balances      []*masspay.FundingSource
	List          []*masspay.MassPayment
	Status        string
	CorrelationID string
	Statuses      []masspay.MassPaymentStatus
	Pager         pager
}

func (overviewView) title() (string, string) { return "Mass payments", "overview" }

// handleOverview shows the account's balances and its newest mass payments, filtered.
func (d *Dashboard) handleOverview(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	v := overviewView{Status: r.URL.Query().Get("status"), CorrelationID: strings.TrimSpace(r.URL.Query().Get("correlationId")),
		Statuses: []masspay.MassPaymentStatus{masspay.MassPaymentDeferred, masspay.MassPaymentPending, masspay.MassPaymentProcessing,
			masspay.MassPaymentComplete, masspay.MassPaymentCancelled},
		Pager: newPager(r, massPaymentsPerPage)}
	notRemoved := false
	sources, err := d.svc.ListAccountFundingSources(ctx, s.Principal, s.AccountID, &notRemoved)
	if err != nil {
		return err
	}
	for _, fs := range sources {
		if fs.Type == masspay.FundingBalance {
			b, err := d.svc.GetBalance(ctx, s.Principal, fs.ID)
			if err != nil {
				return err
			}
			v.Balances = append(v.Balances, b)
		}
	}
	f := masspay.MassPaymentFilter{AccountID: s.AccountID, CorrelationID: v.CorrelationID, Page: v.Pager.page()}
	if v.Status != "" {
		f.Statuses = []string{v.Status}
	}
	if v.List, v.Pager.Total, err = d.svc.SearchMassPayments(ctx, s.Principal, f); err != nil {
		return err
	}
	d.render(w, r, http.StatusOK, "overview", s, v)
	return nil
}

// progress is one mass payment's live counts, as the pages' script reads them.
type progress struct {
	ID      string                    `json:"id"`
	Status  masspay.MassPaymentStatus `json:"status"`
	Items   int                       `json:"items"`
	Pending int                       `json:"pending"`
	Success int                       `json:"success"`
	Failed  int                       `json:"failed"`
}

// handleProgress answers the pages' polling: the counts of the mass payments named by id
// parameters. Ids the session cannot see are left out, as if they did not exist.
func (d *Dashboard) handleProgress(w http.ResponseWriter, r *http.Request, s *session) error {
	ids := r.URL.Query()["id"]
	if len(ids) > progressMaxIDs {
		ids = ids[:progressMaxIDs]
	}
	out := []progress{}
	for _, id := range ids {
		mp, err := d.svc.GetMassPayment(r.Context(), s.Principal, id)
		if masspay.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		out = append(out, progress{ID: mp.ID, Status: mp.Status, Items: mp.ItemCount, Pending: mp.Pending(),
			Success: mp.Succeeded, Failed: mp.Failed})
	}
	writeJSONStatus(w, http.StatusOK, map[string]any{"massPayments": out})
	return nil
}

type massPaymentView struct {
	MP           *masspay.MassPayment
	Payees       map[string]payee // by funding source id: the source and the page's destinations
	MetadataKeys []string
	Items        []*masspay.Item
	ItemStatus   masspay.ItemStatus
	Filters      []itemFilter
	Pager        pager
	Done         string
}

func (v massPaymentView) title() (string, string) { return "Mass payment " + v.MP.ID, "overview" }

// itemFilter is one tab of the item list: a status (or all) with its count.
type itemFilter struct {
	Label, Href string
	Status      masspay.ItemStatus
	Count       int
	Current     bool
}

// doneNotices confirm an action on the page it returns to (a fixed set).
var doneNotices = map[string]string{
	"started":   "The mass payment was started: its items are being paid.",
	"cancelled": "The mass payment was cancelled. None of its items will be paid.",
	"retried":   "The webhook was queued to be sent again.",
}

// handleMassPayment shows one batch: its fields, live counts, items (filtered by status) and the
// actions its status allows.
func (d *Dashboard) handleMassPayment(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	mp, err := d.svc.GetMassPayment(ctx, s.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := massPaymentView{MP: mp, MetadataKeys: slices.Sorted(maps.Keys(mp.Metadata)), ItemStatus: masspay.ItemStatus(r.URL.Query().Get("status")),
		Pager: newPager(r, itemsPerPage), Done: doneNotices[r.URL.Query().Get("done")]}
	var statuses []string
	if v.ItemStatus != "" {
		statuses = []string{string(v.ItemStatus)}
	}
	if v.Items, v.Pager.Total, err = d.svc.ListMassPaymentItems(ctx, s.Principal, mp.ID, statuses, v.Pager.page()); err != nil {
		return err
	}
	ids := []string{mp.SourceID}
	for _, it := range v.Items {
		ids = append(ids, it.DestinationID)
	}
	if v.Payees, err = d.payees(r, s, ids...); err != nil {
		return err
	}
	base := Prefix + "/mass-payments/" + mp.ID
	for _, f := range []itemFilter{{Label: "All", Count: mp.ItemCount}, {Label: "Pending", Status: masspay.ItemPending, Count: mp.Pending()},
		{Label: "Paid", Status: masspay.ItemSuccess, Count: mp.Succeeded}, {Label: "Failed", Status: masspay.ItemFailed, Count: mp.Failed}} {
		f.Href, f.Current = base, f.Status == v.ItemStatus
		if f.Status != "" {
			f.Href += "?status=" + string(f.Status)
		}
		v.Filters = append(v.Filters, f)
	}
	d.render(w, r, http.StatusOK, "masspayment", s, v)
	return nil
}

// handleMassPaymentStatus starts (pending) or cancels a deferred mass payment, as
// POST /mass-payments/{id} with that status does.
func (d *Dashboard) handleMassPaymentStatus(status masspay.MassPaymentStatus) handler {
	done := map[masspay.MassPaymentStatus]string{masspay.MassPaymentPending: "started", masspay.MassPaymentCancelled: "cancelled"}[status]
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		mp, err := d.svc.UpdateMassPayment(r.Context(), s.Principal, r.PathValue("id"), &masspay.MassPaymentUpdateInput{Status: string(status)})
		if err != nil {
			return err
		}
		http.Redirect(w, r, Prefix+"/mass-payments/"+mp.ID+"?done="+done, http.StatusSeeOther)
		return nil
	}
}

// handleResultsCSV downloads one row per item in the columns of `masspay results`, written by the
// same code (resultcsv.Write, as payout.WriteResults).
func (d *Dashboard) handleResultsCSV(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	mp, err := d.svc.GetMassPayment(ctx, s.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	href := d.base + "/mass-payments/" + mp.ID
	results := make([]resultcsv.Row, 0, mp.ItemCount)
	for page := (masspay.Page{Limit: 1000}); ; page.Offset += page.Limit {
		items, total, err := d.svc.ListMassPaymentItems(ctx, s.Principal, mp.ID, nil, page)
		if err != nil {
			return err
		}
		for _, it := range items {
			res := resultcsv.Row{Destination: it.DestinationID, Amount: it.Amount, CorrelationID: it.CorrelationID,
				MassPayment: href, Item: it.ID, Status: string(it.Status), Transfer: it.TransferID}
			if it.Error != nil {
				res.ErrorCode, res.ErrorMessage = it.Error.Code, it.Error.Message
			}
			results = append(results, res)
		}
		if len(items) == 0 || page.Offset+len(items) >= total {
			break
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mass-payment-`+mp.ID+`.csv"`)
	return resultcsv.Write(w, results)
}

type transferView struct {
	T       *masspay.Transfer
	Payees  map[string]payee
	Failure *service.TransferFailure
}

func (v transferView) title() (string, string) { return "Transfer " + v.T.ID, "overview" }

// handleTransfer shows one transfer: status, amount, both sides, the batch and item it pays,
// its funding transfer, and why it failed.
func (d *Dashboard) handleTransfer(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	t, err := d.svc.GetTransfer(ctx, s.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := transferView{T: t}
	if v.Payees, err = d.payees(r, s, t.SourceID, t.DestinationID); err != nil {
		return err
	}
	if t.Status == masspay.TransferFailed {
		v.Failure, _ = d.svc.GetTransferFailure(ctx, s.Principal, t.ID)
	}
	d.render(w, r, http.StatusOK, "transfer", s, v)
	return nil
}

// payee names a funding source for people: its owner (a customer's name, or "this account")
// and the source's own name and kind.
type payee struct {
	Owner, Source string
}

// payees looks up the funding sources with these ids (once each) through the same use cases as
// GET /funding-sources/{id} and GET /customers/{id}; one the session cannot see is left out.
func (d *Dashboard) payees(r *http.Request, s *session, ids ...string) (map[string]payee, error) {
	out := map[string]payee{}
	for _, id := range ids {
		if _, ok := out[id]; ok || id == "" {
			continue
		}
		fs, err := d.svc.GetFundingSource(r.Context(), s.Principal, id)
		if masspay.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		p := payee{Owner: "This account", Source: fs.Name + " (" + fs.Type + ")"}
		if fs.BankName != "" {
			p.Source = fs.Name + " (" + fs.BankName + ")"
		}
		if fs.CustomerID != "" {
			c, err := d.svc.GetCustomer(r.Context(), s.Principal, fs.CustomerID)
			if err != nil {
				return nil, err
			}
			p.Owner = cmp.Or(c.BusinessName, strings.TrimSpace(c.FirstName+" "+c.LastName), c.Email)
		}
		out[id] = p
	}
	return out, nil
}

type webhooksView struct {
	Subscriptions []subscriptionView
	Failing       []delivery
	Done          string
}

func (webhooksView) title() (string, string) { return "Webhooks", "webhooks" }

type subscriptionView struct {
	*masspay.WebhookSubscription
	Deliveries []delivery
	Total      int
}

// delivery is one webhook with its latest attempt.
type delivery struct {
	*service.WebhookDetail
	URL      string
	Last     *masspay.WebhookAttempt // nil: not attempted yet
	Failing  bool
	Attempts int
}

// handleWebhooks shows each subscription (paused ones marked) with its latest deliveries and
// their status codes, and the deliveries whose latest attempt failed, each with a retry button.
func (d *Dashboard) handleWebhooks(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	subs, err := d.svc.ListWebhookSubscriptions(ctx, s.Principal)
	if err != nil {
		return err
	}
	v := webhooksView{Done: doneNotices[r.URL.Query().Get("done")]}
	for _, sub := range subs {
		list, total, err := d.svc.ListWebhooks(ctx, s.Principal, masspay.WebhookFilter{SubscriptionID: sub.ID,
			Page: masspay.Page{Limit: deliveriesShown}})
		if err != nil {
			return err
		}
		sv := subscriptionView{WebhookSubscription: sub, Total: total}
		for _, wd := range list {
			dl := delivery{WebhookDetail: wd, URL: sub.URL, Attempts: len(wd.Attempts)}
			if n := len(wd.Attempts); n > 0 {
				dl.Last = wd.Attempts[n-1]
				dl.Failing = dl.Last.StatusCode < 200 || dl.Last.StatusCode > 299
			}
			sv.Deliveries = append(sv.Deliveries, dl)
			if dl.Failing {
				v.Failing = append(v.Failing, dl)
			}
		}
		v.Subscriptions = append(v.Subscriptions, sv)
	}
	d.render(w, r, http.StatusOK, "webhooks", s, v)
	return nil
}

// handleWebhookRetry asks for a webhook to be sent again (POST /webhooks/{id}/retries).
func (d *Dashboard) handleWebhookRetry(w http.ResponseWriter, r *http.Request, s *session) error {
	if _, err := d.svc.RetryWebhook(r.Context(), s.Principal, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/webhooks?done=retried", http.StatusSeeOther)
	return nil
}
