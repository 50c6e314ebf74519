package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"masspay"
	"masspay/service"
)

// handleMassPaymentCreate accepts a mass payment once it has one of the turns in accepts (a
// buffered channel: its capacity is how many are in hand at once).
func handleMassPaymentCreate(
	h hal, accepts chan struct{},
	createMassPayment func(ctx context.Context, p *service.Principal, in *masspay.MassPaymentInput, typeErrs masspay.Fields, idem service.Idempotency) (string, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		select {
		case accepts <- struct{}{}:
			defer func() { <-accepts }()
		case <-r.Context().Done():
			return r.Context().Err() // the client is gone
		}
		body, err := readBody(w, r) // kept whole: the Idempotency-Key fingerprint covers its bytes
		if err != nil {
			return err
		}
		in, f, err := decodeBytes[masspay.MassPaymentInput](body, false)
		if err != nil {
			return err
		}
		var idem service.Idempotency
		if key := strings.TrimSpace(r.Header.Get("Idempotency-Key")); key != "" {
			if len(key) > 255 {
				return badRequest("Idempotency-Key must be at most 255 characters.")
			}
			h := sha256.New()
			h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
			h.Write(body)
			idem = service.Idempotency{Key: key, Fingerprint: hex.EncodeToString(h.Sum(nil))}
		}
		id, err := createMassPayment(r.Context(), p, in, f, idem)
		if err != nil {
			return err
		}
		h.created(w, "/mass-payments/"+id)
		return nil
	}
}

func handleMassPaymentUpdate(
	h hal,
	updateMassPayment func(ctx context.Context, p *service.Principal, id string, in *masspay.MassPaymentUpdateInput) (*masspay.MassPayment, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		in, err := decodeChecked[masspay.MassPaymentUpdateInput](w, r)
		if err != nil {
			return err
		}
		mp, err := updateMassPayment(r.Context(), p, r.PathValue("id"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, h.massPaymentJSON(mp))
		return nil
	}
}

func handleMassPaymentItemsList(
	h hal,
	listMassPaymentItems func(ctx context.Context, p *service.Principal, id string, statuses []string, page masspay.Page) ([]*masspay.Item, int, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		page, err := pageOf(r)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		items, total, err := listMassPaymentItems(r.Context(), p, id, listParam(r, "status"), page)
		if err != nil {
			return err
		}
		writeList(h, w, r, "/mass-payments/"+id+"/items", "items", page, total, items, h.itemJSON)
		return nil
	}
}

// handleMassPaymentsList serves both /accounts/{id}/mass-payments and /customers/{id}/mass-payments.
func handleMassPaymentsList(
	h hal,
	listMassPayments func(ctx context.Context, p *service.Principal, accountID, customerID, correlationID string, page masspay.Page) ([]*masspay.MassPayment, int, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		page, err := pageOf(r)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		accountID, customerID, path := id, "", "/accounts/"+id+"/mass-payments"
		if strings.HasPrefix(r.URL.Path, "/customers/") {
			accountID, customerID, path = p.AccountID, id, "/customers/"+id+"/mass-payments"
		}
		list, total, err := listMassPayments(r.Context(), p, accountID, customerID, r.URL.Query().Get("correlationId"), page)
		if err != nil {
			return err
		}
		writeList(h, w, r, path, "mass-payments", page, total, list, h.massPaymentJSON)
		return nil
	}
}

// listParam returns a repeated query parameter, accepting key=a&key=b, key[]=a&key[]=b (Ruby's
// Faraday) and key=a,b.
func listParam(r *http.Request, key string) []string {
	qs := r.URL.Query()
	var out []string
	for _, v := range append(qs[key], qs[key+"[]"]...) {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (h hal) massPaymentJSON(mp *masspay.MassPayment) obj {
	self := "/mass-payments/" + mp.ID
	out := obj{
		"_links": links{
			"self":   h.link(self, "mass-payment"),
			"source": h.link("/funding-sources/"+mp.SourceID, "funding-source"),
			"items":  h.link(self+"/items", "mass-payment-item"),
		},
		"id":        mp.ID,
		"status":    mp.Status,
		"created":   timestamp(mp.Created),
		"total":     money(mp.Total),
		"totalFees": money(0),
		// masspay's extension (docs/compatibility.md): live counts, exact at every chunk's commit.
		"itemCounts": obj{"pending": mp.Pending(), "success": mp.Succeeded, "failed": mp.Failed},
	}
	annotate(out, mp.Metadata, mp.CorrelationID)
	if mp.ClearingSource != "" {
		out["clearing"] = obj{"source": mp.ClearingSource}
	}
	if mp.Addenda != "" {
		out["achDetails"] = obj{"source": addenda(mp.Addenda)}
	}
	return out
}

func (h hal) itemJSON(it *masspay.Item) obj {
	l := links{
		"self":         h.link("/mass-payment-items/"+it.ID, "mass-payment-item"),
		"mass-payment": h.link("/mass-payments/"+it.MassPaymentID, "mass-payment"),
		"destination":  h.link("/funding-sources/"+it.DestinationID, "funding-source"),
	}
	if it.TransferID != "" {
		l["transfer"] = h.link("/transfers/"+it.TransferID, "transfer")
	}
	out := obj{"_links": l, "id": it.ID, "status": it.Status, "amount": money(it.Amount)}
	annotate(out, it.Metadata, it.CorrelationID)
	if it.ProcessingChannel != "" {
		out["processingChannel"] = obj{"destination": it.ProcessingChannel}
	}
	if it.ClearingDestination != "" {
		out["clearing"] = obj{"destination": it.ClearingDestination}
	}
	if it.Addenda != "" {
		out["achDetails"] = obj{"destination": addenda(it.Addenda)}
	}
	if it.Error != nil {
		out["_embedded"] = obj{"errors": []obj{{"code": it.Error.Code, "message": it.Error.Message, "path": it.Error.Path, "_links": obj{}}}}
	}
	return out
}
