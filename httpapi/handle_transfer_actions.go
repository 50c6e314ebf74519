package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"masspay"
	"masspay/service"
)

// routesTransferActions lists the transfer routes beyond GET /transfers/{id}: lists, cancel,
// failure.
func (s *Server) routesTransferActions() {
	m := s.mux
	m.Handle("GET /accounts/{id}/transfers", s.api(s.handleAccountTransfers))
	m.Handle("GET /customers/{id}/transfers", s.api(s.handleCustomerTransfers))
	m.Handle("POST /transfers/{id}", s.api(s.handleTransferCancel))
	m.Handle("GET /transfers/{id}/failure", s.api(s.handleTransferFailure))
}

// routesSandbox lists the sandbox routes.
func (s *Server) routesSandbox() {
	s.mux.Handle("POST /sandbox-simulations", s.api(s.handleSandboxSimulation))
}

func (s *Server) handleAccountTransfers(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	if r.PathValue("id") != p.AccountID {
		return masspay.NotFound("Account not found.")
	}
	return s.listTransfers(w, r, p, "/accounts/"+p.AccountID+"/transfers", "")
}

func (s *Server) handleCustomerTransfers(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	id := r.PathValue("id")
	return s.listTransfers(w, r, p, "/customers/"+id+"/transfers", id)
}

// listTransfers answers a transfer list with Dwolla's filters: status (repeatable, also as
// status[]), correlationId, search, startAmount, endAmount, startDate and endDate (YYYY-MM-DD,
// both inclusive), limit and offset.
func (s *Server) listTransfers(w http.ResponseWriter, r *http.Request, p *service.Principal, path, customerID string) error {
	var f masspay.Fields
	qs := r.URL.Query()
	filter := masspay.TransferFilter{CustomerID: customerID, CorrelationID: qs.Get("correlationId"), Page: parsePage(r, &f)}
	filter.Search = qs.Get("search")
	for _, st := range append(qs["status"], qs["status[]"]...) {
		if masspay.TransferStatus(st).Valid() {
			filter.Statuses = append(filter.Statuses, st)
		} else {
			f.Add(masspay.FCodeInvalid, "/status", "Status invalid.")
		}
	}
	amount := func(key string) int64 {
		v := qs.Get(key)
		if v == "" {
			return 0
		}
		c, err := masspay.ParseAmount(v)
		if err != nil {
			f.Add(masspay.FCodeInvalid, "/"+key, "%s must be an amount such as 10.00.", key)
		}
		return c
	}
	filter.StartAmount, filter.EndAmount = amount("startAmount"), amount("endAmount")
	filter.StartDate, filter.EndDate = dateRange(qs, &f)
	if err := f.Err(); err != nil {
		return err
	}
	list, total, err := s.svc.ListTransfers(r.Context(), p, filter)
	if err != nil {
		return err
	}
	writeList(s.hal, w, r, path, "transfers", filter.Page, total, list, s.transferJSON)
	return nil
}

// dateRange reads the startDate and endDate filters (YYYY-MM-DD, both inclusive) as a start and
// an exclusive end, the stores' bounds; zero when absent. A malformed date is an Invalid error
// at the parameter's name.
func dateRange(qs url.Values, f *masspay.Fields) (start, end time.Time) {
	date := func(key string) time.Time {
		v := qs.Get(key)
		if v == "" {
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			f.Add(masspay.FCodeInvalid, "/"+key, "%s must be a date in the form YYYY-MM-DD.", key)
		}
		return d
	}
	start = date("startDate")
	if end = date("endDate"); !end.IsZero() {
		end = end.AddDate(0, 0, 1)
	}
	return start, end
}

func (s *Server) handleTransferCancel(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	o, err := decodeBody(w, r, &f, false)
	if err != nil {
		return err
	}
	if st, ok := o.m["status"].(string); !ok || masspay.TransferStatus(st) != masspay.TransferCancelled {
		f.Add(masspay.FCodeInvalid, "/status", "Status invalid.")
		return f.Err()
	}
	t, err := s.svc.CancelTransfer(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.transferJSON(t))
	return nil
}

func (s *Server) handleTransferFailure(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	fl, err := s.svc.GetTransferFailure(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	l := links{
		"self":                  s.link("/transfers/"+fl.Transfer.ID+"/failure", "failure"),
		"failed-funding-source": s.link("/funding-sources/"+fl.FundingSource.ID, "funding-source"),
	}
	if fl.FundingSource.CustomerID != "" {
		l["customer"] = s.link("/customers/"+fl.FundingSource.CustomerID, "customer")
	}
	writeJSON(w, http.StatusOK, obj{"_links": l, "code": fl.Return.Code, "description": fl.Return.Description,
		"explanation": fl.Return.Explanation})
	return nil
}

func (s *Server) handleSandboxSimulation(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	n, err := s.svc.SimulateClearing(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj{"_links": links{"self": s.link("/sandbox-simulations", "sandbox-simulation")}, "total": n})
	return nil
}
