package httpapi

import (
	"net/http"

	"masspay"
	"masspay/service"
)

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	writeJSON(w, http.StatusOK, obj{"_links": links{
		"self":                  s.link("/", "root"),
		"account":               s.link("/accounts/"+p.AccountID, "account"),
		"customers":             s.link("/customers", "customer"),
		"events":                s.link("/events", "event"),
		"webhook-subscriptions": s.link("/webhook-subscriptions", "webhook-subscription"),
	}})
	return nil
}

func (s *Server) handleAccountGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	a, err := s.svc.GetAccount(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	base := "/accounts/" + a.ID
	writeJSON(w, http.StatusOK, obj{
		"_links": links{
			"self":            s.link(base, "account"),
			"receive":         s.link("/transfers", "transfer"),
			"send":            s.link("/transfers", "transfer"),
			"funding-sources": s.link(base+"/funding-sources", "funding-source"),
			"transfers":       s.link(base+"/transfers", "transfer"),
			"customers":       s.link("/customers", "customer"),
			"mass-payments":   s.link(base+"/mass-payments", "mass-payment"),
		},
		"id":             a.ID,
		"name":           a.Name,
		"timezoneOffset": 0,
		"type":           "Commercial",
	})
	return nil
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	return masspay.NotFound("The requested resource was not found.")
}
