package httpapi

import (
	"masspay"
)

// partyLink links the account or customer on one side of a transfer.
func (h hal) partyLink(accountID, customerID string) link {
	if customerID != "" {
		return h.link("/customers/"+customerID, "customer")
	}
	return h.link("/accounts/"+accountID, "account")
}

// transferJSON renders a transfer as Dwolla does.
func (h hal) transferJSON(t *masspay.Transfer) obj {
	self := "/transfers/" + t.ID
	l := links{
		"self":                       h.link(self, "transfer"),
		"source":                     h.partyLink(t.AccountID, t.SourceCustomerID),
		"destination":                h.partyLink(t.AccountID, t.DestCustomerID),
		"source-funding-source":      h.link("/funding-sources/"+t.SourceID, "funding-source"),
		"destination-funding-source": h.link("/funding-sources/"+t.DestinationID, "funding-source"),
	}
	if t.FundingTransferID != "" {
		l["funding-transfer"] = h.link("/transfers/"+t.FundingTransferID, "transfer")
	}
	if t.Status == masspay.TransferPending && t.Bank {
		l["cancel"] = h.link(self, "transfer")
	}
	if t.Status == masspay.TransferFailed {
		l["failure"] = h.link(self+"/failure", "failure")
	}
	out := obj{"_links": l, "id": t.ID, "status": t.Status, "amount": money(t.Amount), "created": timestamp(t.Created)}
	annotate(out, t.Metadata, t.CorrelationID)
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
		ach["source"] = addenda(t.SourceAddenda)
	}
	if t.DestAddenda != "" {
		ach["destination"] = addenda(t.DestAddenda)
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
