package httpapi

import (
	"net/http"

	"masspay"
	"masspay/service"
)

func handleRoot(h hal) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		writeJSON(w, http.StatusOK, obj{"_links": links{
			"self":                  h.link("/", "root"),
			"account":               h.link("/accounts/"+p.AccountID, "account"),
			"customers":             h.link("/customers", "customer"),
			"events":                h.link("/events", "event"),
			"webhook-subscriptions": h.link("/webhook-subscriptions", "webhook-subscription"),
		}})
		return nil
	}
}

// accountJSON renders the account as Dwolla does.
func (h hal) accountJSON(a *masspay.Account) obj {
	base := "/accounts/" + a.ID
	return obj{
		"_links": links{
			"self":            h.link(base, "account"),
			"receive":         h.link("/transfers", "transfer"),
			"send":            h.link("/transfers", "transfer"),
			"funding-sources": h.link(base+"/funding-sources", "funding-source"),
			"transfers":       h.link(base+"/transfers", "transfer"),
			"customers":       h.link("/customers", "customer"),
			"mass-payments":   h.link(base+"/mass-payments", "mass-payment"),
		},
		"id":             a.ID,
		"name":           a.Name,
		"timezoneOffset": 0,
		"type":           "Commercial",
	}
}

func handleNotFound() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		return masspay.NotFound("The requested resource was not found.")
	}
}

// handleHealthz answers 200 once the server is ready, 503 until then.
func handleHealthz(ready func() bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ready() {
			writeJSON(w, http.StatusServiceUnavailable, obj{"status": "starting"})
			return
		}
		writeJSON(w, http.StatusOK, obj{"status": "ok"})
	})
}
