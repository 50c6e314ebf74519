package httpapi

import (
	"context"
	"net/http"
	"time"

	"masspay"
	"masspay/service"
)

func handleFundingSourceCreate(
	h hal,
	createFundingSource func(ctx context.Context, p *service.Principal, customerID string, in *masspay.BankInput) (*masspay.FundingSource, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		in, err := decodeStrict[masspay.BankInput](w, r)
		if err != nil {
			return err
		}
		fs, err := createFundingSource(r.Context(), p, r.PathValue("id"), in)
		if err != nil {
			return err
		}
		h.created(w, "/funding-sources/"+fs.ID)
		return nil
	}
}

// handleFundingSourceList serves the funding sources of an account or of a customer (owner
// names which: "account" or "customer"); list is the service's list for that owner.
func handleFundingSourceList(
	h hal,
	owner string,
	list func(ctx context.Context, p *service.Principal, ownerID string, removed *bool) ([]*masspay.FundingSource, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		var f masspay.Fields
		removed := masspay.RemovedQuery(r.URL.Query(), &f)
		if err := f.Err(); err != nil {
			return err
		}
		id := r.PathValue("id")
		sources, err := list(r.Context(), p, id, removed)
		if err != nil {
			return err
		}
		items := make([]obj, len(sources))
		for i, fs := range sources {
			items[i] = h.fundingSourceJSON(fs)
		}
		self := h.link(r.URL.RequestURI(), "funding-source")
		writeJSON(w, http.StatusOK, obj{"_links": links{"self": self, owner: h.link("/"+owner+"s/"+id, owner)},
			"_embedded": obj{"funding-sources": items}, "total": len(items)})
		return nil
	}
}

func handleFundingSourceUpdate(
	h hal,
	updateFundingSource func(ctx context.Context, p *service.Principal, id string, in *masspay.FundingSourceUpdateInput) (*masspay.FundingSource, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		in, err := decodeStrict[masspay.FundingSourceUpdateInput](w, r)
		if err != nil {
			return err
		}
		fs, err := updateFundingSource(r.Context(), p, r.PathValue("id"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, h.fundingSourceJSON(fs))
		return nil
	}
}

// balanceJSON renders GET /funding-sources/{id}/balance, which answers for a balance funding
// source only (see service.ErrNoBankBalance for banks).
func (h hal) balanceJSON(fs *masspay.FundingSource) obj {
	self := "/funding-sources/" + fs.ID
	return obj{
		"_links":  links{"self": h.link(self+"/balance", "balance"), "funding-source": h.link(self, "funding-source")},
		"balance": money(fs.Balance),
		"total":   money(fs.Balance),
		// The balance is read live from the ledger, so it is current as of this response.
		"lastUpdated": timestamp(time.Now()),
	}
}

// handleMicroDepositsPost initiates micro-deposits (no body) or verifies them (two amounts).
func handleMicroDepositsPost(
	h hal,
	initiateMicroDeposits byID[*masspay.FundingSource],
	verifyMicroDeposits func(ctx context.Context, p *service.Principal, id string, amount1, amount2 int64) (*masspay.FundingSource, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		in, typeErrs, err := decodeBytes[masspay.MicroDepositsInput](body, true)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		if in.Initiate() {
			fs, err := initiateMicroDeposits(r.Context(), p, id)
			if err != nil {
				return err
			}
			h.created(w, "/funding-sources/"+fs.ID+"/micro-deposits")
			return nil
		}
		var a1, a2 int64
		if err := masspay.Judge(typeErrs, func(f *masspay.Fields) { a1, a2 = in.Validate(f) }).Err(); err != nil {
			return err
		}
		fs, err := verifyMicroDeposits(r.Context(), p, id, a1, a2)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, h.microDepositsJSON(fs))
		return nil
	}
}

// microDepositsJSON renders a bank's micro-deposits. The status is pending, processed (verified),
// or max-attempts once three wrong guesses have locked verification.
func (h hal) microDepositsJSON(fs *masspay.FundingSource) obj {
	self := "/funding-sources/" + fs.ID
	l := links{"self": h.link(self+"/micro-deposits", "micro-deposits"), "funding-source": h.link(self, "funding-source")}
	if fs.MicroDeposits.Status == masspay.MicroDepositsPending && !fs.Removed {
		l["verify-micro-deposits"] = h.link(self+"/micro-deposits", "micro-deposits")
	}
	return obj{"_links": l, "created": timestamp(fs.MicroDeposits.Created), "status": fs.MicroDeposits.Status}
}

// fundingSourceJSON renders a funding source. The account number is never rendered.
func (h hal) fundingSourceJSON(fs *masspay.FundingSource) obj {
	self := "/funding-sources/" + fs.ID
	l := links{"self": h.link(self, "funding-source")}
	if fs.CustomerID != "" {
		l["customer"] = h.link("/customers/"+fs.CustomerID, "customer")
	} else {
		l["account"] = h.link("/accounts/"+fs.AccountID, "account")
	}
	out := obj{"_links": l, "id": fs.ID, "status": fs.Status, "type": fs.Type, "name": fs.Name,
		"created": timestamp(fs.Created), "removed": fs.Removed, "channels": fs.Channels}
	if out["channels"] == nil {
		out["channels"] = []string{}
	}
	switch fs.Type {
	case masspay.FundingBalance:
		l["balance"] = h.link(self+"/balance", "balance")
		l["with-available-balance"] = h.link(self, "funding-source")
	case masspay.FundingBank:
		out["bankAccountType"] = fs.BankAccountType
		out["fingerprint"] = fs.Fingerprint
		if fs.BankName != "" {
			out["bankName"] = fs.BankName
		}
		if fs.Removed {
			break
		}
		l["remove"] = h.link(self, "funding-source")
		l["transfer-receive"] = h.link("/transfers", "transfer")
		md := h.link(self+"/micro-deposits", "micro-deposits")
		switch {
		case fs.Status == masspay.FundingVerified:
			l["transfer-send"] = h.link("/transfers", "transfer")
		case fs.MicroDeposits.Status == masspay.MicroDepositsNone:
			l["initiate-micro-deposits"] = md
		case fs.MicroDeposits.Status == masspay.MicroDepositsMax:
			l["failed-verification-micro-deposits"] = md
		default:
			l["verify-micro-deposits"] = md
		}
	}
	return out
}
