package httpapi

import (
	"net/http"

	"masspay"
	"masspay/service"
)

func (s *Server) routesTransfers() {
	s.mux.Handle("GET /transfers/{id}", s.api(s.handleTransferGet))
}

func (s *Server) handleTransferGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	t, err := s.svc.GetTransfer(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.transferJSON(t))
	return nil
}

// partyLink links the account or customer on one side of a transfer.
func (s *Server) partyLink(accountID, customerID string) link {
	if customerID != "" {
		return s.link("/customers/"+customerID, "customer")
	}
	return s.link("/accounts/"+accountID, "account")
}

// transferJSON renders a transfer as Dwolla does.
func (s *Server) transferJSON(t *masspay.Transfer) obj {
	self := "/transfers/" + t.ID
	l := links{
		"self":                       s.link(self, "transfer"),
		"source":                     s.partyLink(t.AccountID, t.SourceCustomerID),
		"destination":                s.partyLink(t.AccountID, t.DestCustomerID),
		"source-funding-source":      s.link("/funding-sources/"+t.SourceID, "funding-source"),
		"destination-funding-source": s.link("/funding-sources/"+t.DestinationID, "funding-source"),
	}
	if t.FundingTransferID != "" {
		l["funding-transfer"] = s.link("/transfers/"+t.FundingTransferID, "transfer")
	}
	if t.Status == masspay.TransferPending && t.Bank {
		l["cancel"] = s.link(self, "transfer")
	}
	if t.Status == masspay.TransferFailed {
		l["failure"] = s.link(self+"/failure", "failure")
	}
	out := obj{"_links": l, "id": t.ID, "status": t.Status, "amount": money(t.Amount), "created": timestamp(t.Created)}
	if len(t.Metadata) > 0 {
		out["metadata"] = t.Metadata
	}
	if t.CorrelationID != "" {
		out["correlationId"] = t.CorrelationID
	}
	clearing := obj{}
	if t.ClearingSource != "" {
		clearing["source"] = t.ClearingSource
	}
	if t.ClearingDest != "" {
		clearing["destination"] = t.ClearingDest
	}
	if len(clearing) > 0 {
		out["clearing"] = clearing
	}
	ach := obj{}
	if t.SourceAddenda != "" {
		ach["source"] = obj{"addenda": obj{"values": []string{t.SourceAddenda}}}
	}
	if t.DestAddenda != "" {
		ach["destination"] = obj{"addenda": obj{"values": []string{t.DestAddenda}}}
	}
	addACHEntries(out, ach, t)
	if len(ach) > 0 {
		out["achDetails"] = ach
	}
	if t.ProcessingChannel != "" {
		// A request asks for "instant"; a transfer shows the network that carried it, which
		// Dwolla's Transfer schema limits to real-time-payments or fed-now. The sandbox has
		// only RTP.
		network := t.ProcessingChannel
		if network == "instant" {
			network = "real-time-payments"
		}
		out["processingChannel"] = obj{"destination": network}
	}
	return out
}
