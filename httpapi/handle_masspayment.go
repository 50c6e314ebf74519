package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"masspay"
	"masspay/service"
)

func (s *Server) routesMassPayments() {
	m := s.mux
	m.Handle("POST /mass-payments", s.api(s.handleMassPaymentCreate))
	m.Handle("GET /mass-payments/{id}", s.api(s.handleMassPaymentGet))
	m.Handle("POST /mass-payments/{id}", s.api(s.handleMassPaymentUpdate))
	m.Handle("GET /mass-payments/{id}/items", s.api(s.handleMassPaymentItemsList))
	m.Handle("GET /mass-payment-items/{id}", s.api(s.handleMassPaymentItemGet))
	m.Handle("GET /accounts/{id}/mass-payments", s.api(s.handleMassPaymentsList))
	m.Handle("GET /customers/{id}/mass-payments", s.api(s.handleMassPaymentsList))
}

func (s *Server) handleMassPaymentCreate(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	body, err := readBody(w, r) // kept whole: the Idempotency-Key fingerprint covers its bytes
	if err != nil {
		return err
	}
	o, err := decodeObject(body, false)
	if err != nil {
		return err
	}
	var f masspay.Fields
	o.f = &f
	in := decodeMassPayment(o)
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
	id, err := s.svc.CreateMassPayment(r.Context(), p, in, f, idem)
	if err != nil {
		return err
	}
	s.created(w, "/mass-payments/"+id)
	return nil
}

// decodeMassPayment reads every field of the seed request, recording type errors in o.f.
func decodeMassPayment(o jobj) *masspay.MassPaymentInput {
	in := &masspay.MassPaymentInput{}
	in.SourceHref, _ = o.href("source")
	in.Status = o.str("status")
	in.Metadata, _ = o.metadata("metadata")
	in.CorrelationID = o.str("correlationId")
	in.ClearingSource = o.object("clearing").str("source")
	in.SourceAddenda, in.HasAddenda = o.object("achDetails").object("source").object("addenda").strings("values")
	items, ok := o.array("items")
	in.ItemsPresent = ok
	if len(items) > masspay.MaxItems {
		return in // too many to judge one by one; Validate says so
	}
	in.Items = make([]masspay.ItemInput, len(items))
	for i, v := range items {
		io := o.elem("items", i, v)
		it := &in.Items[i]
		it.DestinationHref, _ = io.href("destination")
		amount := io.object("amount")
		it.AmountValue, it.AmountPresent = amount.amountValue("value")
		it.Currency = amount.str("currency")
		it.Metadata, _ = io.metadata("metadata")
		it.CorrelationID = io.str("correlationId")
		clearing := io.object("clearing")
		it.ClearingDestination = clearing.str("destination")
		it.ClearingSourceSet = clearing.has("source")
		it.Addenda, it.HasAddenda = io.object("achDetails").object("destination").object("addenda").strings("values")
		it.ProcessingChannel = io.object("processingChannel").str("destination")
	}
	return in
}

func (s *Server) handleMassPaymentGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	mp, err := s.svc.GetMassPayment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.massPaymentJSON(mp))
	return nil
}

func (s *Server) handleMassPaymentUpdate(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	o, err := decodeBody(w, r, &f, false)
	if err != nil {
		return err
	}
	status := o.str("status")
	for k := range o.m {
		if k != "status" {
			f.Add(masspay.FCodeNotAllowed, o.at(k), "Only status can be updated on a mass payment.")
		}
	}
	if status == "" && len(f) == 0 {
		f.Add(masspay.FCodeRequired, "/status", "Status required.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	mp, err := s.svc.UpdateMassPayment(r.Context(), p, r.PathValue("id"), status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.massPaymentJSON(mp))
	return nil
}

func (s *Server) handleMassPaymentItemsList(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	items, total, err := s.svc.ListMassPaymentItems(r.Context(), p, id, listParam(r, "status"), page)
	if err != nil {
		return err
	}
	writeList(s, w, r, "/mass-payments/"+id+"/items", "items", page, total, items, s.itemJSON)
	return nil
}

func (s *Server) handleMassPaymentItemGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	it, err := s.svc.GetMassPaymentItem(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.itemJSON(it))
	return nil
}

// handleMassPaymentsList serves both /accounts/{id}/mass-payments and /customers/{id}/mass-payments.
func (s *Server) handleMassPaymentsList(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	accountID, customerID, path := id, "", "/accounts/"+id+"/mass-payments"
	if strings.HasPrefix(r.URL.Path, "/customers/") {
		accountID, customerID, path = p.AccountID, id, "/customers/"+id+"/mass-payments"
	}
	list, total, err := s.svc.ListMassPayments(r.Context(), p, accountID, customerID, r.URL.Query().Get("correlationId"), page)
	if err != nil {
		return err
	}
	writeList(s, w, r, path, "mass-payments", page, total, list, s.massPaymentJSON)
	return nil
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

func (s *Server) massPaymentJSON(mp *masspay.MassPayment) obj {
	self := "/mass-payments/" + mp.ID
	out := obj{
		"_links": links{
			"self":   s.link(self, "mass-payment"),
			"source": s.link("/funding-sources/"+mp.SourceID, "funding-source"),
			"items":  s.link(self+"/items", "mass-payment-item"),
		},
		"id":        mp.ID,
		"status":    mp.Status,
		"created":   timestamp(mp.Created),
		"total":     money(mp.Total),
		"totalFees": money(0),
		// masspay's extension (docs/compatibility.md): live counts, exact at every chunk's commit.
		"itemCounts": obj{"pending": mp.Pending(), "success": mp.Succeeded, "failed": mp.Failed},
	}
	if len(mp.Metadata) > 0 {
		out["metadata"] = mp.Metadata
	}
	if mp.CorrelationID != "" {
		out["correlationId"] = mp.CorrelationID
	}
	if mp.ClearingSource != "" {
		out["clearing"] = obj{"source": mp.ClearingSource}
	}
	if mp.Addenda != "" {
		out["achDetails"] = obj{"source": obj{"addenda": obj{"values": []string{mp.Addenda}}}}
	}
	return out
}

func (s *Server) itemJSON(it *masspay.Item) obj {
	l := links{
		"self":         s.link("/mass-payment-items/"+it.ID, "mass-payment-item"),
		"mass-payment": s.link("/mass-payments/"+it.MassPaymentID, "mass-payment"),
		"destination":  s.link("/funding-sources/"+it.DestinationID, "funding-source"),
	}
	if it.TransferID != "" {
		l["transfer"] = s.link("/transfers/"+it.TransferID, "transfer")
	}
	out := obj{"_links": l, "id": it.ID, "status": it.Status, "amount": money(it.Amount)}
	if len(it.Metadata) > 0 {
		out["metadata"] = it.Metadata
	}
	if it.CorrelationID != "" {
		out["correlationId"] = it.CorrelationID
	}
	if it.ProcessingChannel != "" {
		out["processingChannel"] = obj{"destination": it.ProcessingChannel}
	}
	if it.ClearingDestination != "" {
		out["clearing"] = obj{"destination": it.ClearingDestination}
	}
	if it.Addenda != "" {
		out["achDetails"] = obj{"destination": obj{"addenda": obj{"values": []string{it.Addenda}}}}
	}
	if it.Error != nil {
		out["_embedded"] = obj{"errors": []obj{{"code": it.Error.Code, "message": it.Error.Message, "path": it.Error.Path, "_links": obj{}}}}
	}
	return out
}
