package httpapi

import (
	"net/http"
	"strings"
)

// routes is the map of the API.
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.Handle("GET /readyz", handleReadyz(s.logger, s.ready, s.readiness))
	m.HandleFunc("POST /token", s.handleToken)

	m.Handle("GET /{$}", s.api(s.handleRoot))
	m.Handle("GET /accounts/{id}", s.api(s.handleAccountGet))

	// Each resource's routes are listed in its handle_*.go file.
	s.routesCustomers()
	s.routesFundingSources()
	s.routesMassPayments()
	s.routesTransfers()
	s.routesTransferActions()
	s.routesSandbox()
	s.routesEvents()
	s.routesWebhooks()

	m.Handle("/", s.api(s.handleNotFound))
}

// resourceTypeOf names the HAL resource-type of a path such as "/funding-sources/ID".
func resourceTypeOf(path string) string {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
	switch seg {
	case "accounts":
		return "account"
	case "customers":
		return "customer"
	case "funding-sources":
		return "funding-source"
	case "transfers":
		return "transfer"
	case "mass-payments":
		return "mass-payment"
	case "mass-payment-items":
		return "mass-payment-item"
	case "events":
		return "event"
	case "webhook-subscriptions":
		return "webhook-subscription"
	case "webhooks":
		return "webhook"
	}
	return seg
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	if !s.ready() {
		writeJSON(w, http.StatusServiceUnavailable, obj{"status": "starting"})
		return
	}
	writeJSON(w, http.StatusOK, obj{"status": "ok"})
}
