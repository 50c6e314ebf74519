package httpapi

import (
	"net/http"
	"strings"
	"time"

	"masspay"
	"masspay/service"
)

func (s *Server) routesFundingSources() {
	m := s.mux
	m.Handle("POST /funding-sources", s.api(s.handleFundingSourceCreate))
	m.Handle("POST /customers/{id}/funding-sources", s.api(s.handleFundingSourceCreate))
	m.Handle("GET /accounts/{id}/funding-sources", s.api(s.handleFundingSourceList))
	m.Handle("GET /customers/{id}/funding-sources", s.api(s.handleFundingSourceList))
	m.Handle("GET /funding-sources/{id}", s.api(s.handleFundingSourceGet))
	m.Handle("POST /funding-sources/{id}", s.api(s.handleFundingSourceUpdate))
	m.Handle("GET /funding-sources/{id}/balance", s.api(s.handleFundingSourceBalance))
	m.Handle("POST /funding-sources/{id}/micro-deposits", s.api(s.handleMicroDepositsPost))
	m.Handle("GET /funding-sources/{id}/micro-deposits", s.api(s.handleMicroDepositsGet))
}

// optStr returns a pointer to the string at key, nil when absent or null.
func (o jobj) optStr(key string) *string {
	if !o.has(key) {
		return nil
	}
	v := o.str(key)
	return &v
}

func (s *Server) handleFundingSourceCreate(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	o, err := decodeBody(w, r, &f, false)
	if err != nil {
		return err
	}
	in := service.CreateFundingSourceParams{CustomerID: r.PathValue("id"), RoutingNumber: o.str("routingNumber"),
		AccountNumber: o.str("accountNumber"), BankAccountType: o.str("bankAccountType"), Name: o.str("name")}
	if err := f.Err(); err != nil {
		return err
	}
	fs, err := s.svc.CreateFundingSource(r.Context(), p, in)
	if err != nil {
		return err
	}
	s.created(w, "/funding-sources/"+fs.ID)
	return nil
}

func (s *Server) handleFundingSourceList(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var removed *bool
	switch v := r.URL.Query().Get("removed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		removed = &b
	default:
		return masspay.Invalid(masspay.FieldError{Code: masspay.FCodeInvalid, Path: "/removed", Message: "Removed must be true or false."})
	}
	id := r.PathValue("id")
	var list []*masspay.FundingSource
	var err error
	var owner link
	if strings.HasPrefix(r.Pattern, "GET /customers/") {
		list, err = s.svc.ListCustomerFundingSources(r.Context(), p, id, removed)
		owner = s.link("/customers/"+id, "customer")
	} else {
		list, err = s.svc.ListAccountFundingSources(r.Context(), p, id, removed)
		owner = s.link("/accounts/"+id, "account")
	}
	if err != nil {
		return err
	}
	items := make([]obj, len(list))
	for i, fs := range list {
		items[i] = s.fundingSourceJSON(fs)
	}
	self := s.link(r.URL.RequestURI(), "funding-source")
	ownerRel := owner.ResourceType
	writeJSON(w, http.StatusOK, obj{"_links": links{"self": self, ownerRel: owner},
		"_embedded": obj{"funding-sources": items}, "total": len(items)})
	return nil
}

func (s *Server) handleFundingSourceGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	fs, err := s.svc.GetFundingSource(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.fundingSourceJSON(fs))
	return nil
}

func (s *Server) handleFundingSourceUpdate(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	o, err := decodeBody(w, r, &f, false)
	if err != nil {
		return err
	}
	in := service.UpdateFundingSourceParams{Name: o.optStr("name"), RoutingNumber: o.optStr("routingNumber"),
		AccountNumber: o.optStr("accountNumber"), BankAccountType: o.optStr("bankAccountType")}
	if b, ok := o.boolean("removed"); ok {
		in.Removed = &b
	}
	if err := f.Err(); err != nil {
		return err
	}
	fs, err := s.svc.UpdateFundingSource(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.fundingSourceJSON(fs))
	return nil
}

// handleFundingSourceBalance answers for a balance funding source only: see
// service.ErrNoBankBalance for banks.
func (s *Server) handleFundingSourceBalance(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	fs, err := s.svc.GetBalance(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	self := "/funding-sources/" + fs.ID
	writeJSON(w, http.StatusOK, obj{
		"_links":  links{"self": s.link(self+"/balance", "balance"), "funding-source": s.link(self, "funding-source")},
		"balance": money(fs.Balance),
		"total":   money(fs.Balance),
		// The balance is read live from the ledger, so it is current as of this response.
		"lastUpdated": timestamp(time.Now()),
	})
	return nil
}

// handleMicroDepositsPost initiates micro-deposits (no body) or verifies them (two amounts).
func (s *Server) handleMicroDepositsPost(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	o, err := decodeBody(w, r, &f, true)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if len(o.m) == 0 {
		fs, err := s.svc.InitiateMicroDeposits(r.Context(), p, id)
		if err != nil {
			return err
		}
		s.created(w, "/funding-sources/"+fs.ID+"/micro-deposits")
		return nil
	}
	a1, a2 := microDepositAmount(o, "amount1"), microDepositAmount(o, "amount2")
	if err := f.Err(); err != nil {
		return err
	}
	fs, err := s.svc.VerifyMicroDeposits(r.Context(), p, id, a1, a2)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.microDepositsJSON(fs))
	return nil
}

// microDepositAmount reads {value, currency} at key, recording what is missing or malformed.
func microDepositAmount(o jobj, key string) int64 {
	v, present := o.m[key]
	if !present || v == nil {
		o.f.Add(masspay.FCodeRequired, o.at(key), "%s required.", key)
		return 0
	}
	if _, ok := v.(map[string]any); !ok {
		o.wrongType(key, "an object")
		return 0
	}
	a := o.object(key)
	value, ok := a.amountValue("value")
	if !ok {
		if !a.has("value") {
			o.f.Add(masspay.FCodeRequired, a.at("value"), "%s value required.", key)
		}
		return 0
	}
	cents, err := masspay.ParseAmount(value)
	if err != nil {
		o.f.Add(masspay.FCodeInvalidFormat, a.at("value"), "Invalid amount. The supplied amount must be a positive number with at most 2 decimal places.")
	}
	if cur := a.str("currency"); cur != masspay.Currency && (cur != "" || !a.has("currency")) {
		o.f.Add(masspay.FCodeInvalid, a.at("currency"), "Currency must be USD.")
	}
	return cents
}

func (s *Server) handleMicroDepositsGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	fs, err := s.svc.GetMicroDeposits(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.microDepositsJSON(fs))
	return nil
}

// microDepositsJSON renders a bank's micro-deposits. The status is pending, processed (verified),
// or max-attempts once three wrong guesses have locked verification.
func (s *Server) microDepositsJSON(fs *masspay.FundingSource) obj {
	self := "/funding-sources/" + fs.ID
	l := links{"self": s.link(self+"/micro-deposits", "micro-deposits"), "funding-source": s.link(self, "funding-source")}
	if fs.MicroDeposits.Status == masspay.MicroDepositsPending && !fs.Removed {
		l["verify-micro-deposits"] = s.link(self+"/micro-deposits", "micro-deposits")
	}
	return obj{"_links": l, "created": timestamp(fs.MicroDeposits.Created), "status": fs.MicroDeposits.Status}
}

// fundingSourceJSON renders a funding source. The account number is never rendered.
func (s *Server) fundingSourceJSON(fs *masspay.FundingSource) obj {
	self := "/funding-sources/" + fs.ID
	l := links{"self": s.link(self, "funding-source")}
	if fs.CustomerID != "" {
		l["customer"] = s.link("/customers/"+fs.CustomerID, "customer")
	} else {
		l["account"] = s.link("/accounts/"+fs.AccountID, "account")
	}
	out := obj{"_links": l, "id": fs.ID, "status": fs.Status, "type": fs.Type, "name": fs.Name,
		"created": timestamp(fs.Created), "removed": fs.Removed, "channels": fs.Channels}
	if out["channels"] == nil {
		out["channels"] = []string{}
	}
	switch fs.Type {
	case masspay.FundingBalance:
		l["balance"] = s.link(self+"/balance", "balance")
		l["with-available-balance"] = s.link(self, "funding-source")
	case masspay.FundingBank:
		out["bankAccountType"] = fs.BankAccountType
		out["fingerprint"] = fs.Fingerprint
		if fs.BankName != "" {
			out["bankName"] = fs.BankName
		}
		if fs.Removed {
			break
		}
		l["remove"] = s.link(self, "funding-source")
		l["transfer-receive"] = s.link("/transfers", "transfer")
		md := s.link(self+"/micro-deposits", "micro-deposits")
		switch {
		case fs.Status == masspay.FundingVerified:
			l["transfer-send"] = s.link("/transfers", "transfer")
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
