package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"masspay"
	"masspay/service"
)

func (s *Server) routesWebhooks() {
	m := s.mux
	m.Handle("POST /webhook-subscriptions", s.api(s.handleSubscriptionCreate))
	m.Handle("GET /webhook-subscriptions", s.api(s.handleSubscriptionList))
	m.Handle("GET /webhook-subscriptions/{id}", s.api(s.handleSubscriptionGet))
	m.Handle("POST /webhook-subscriptions/{id}", s.api(s.handleSubscriptionUpdate))
	m.Handle("DELETE /webhook-subscriptions/{id}", s.api(s.handleSubscriptionDelete))
	m.Handle("GET /webhook-subscriptions/{id}/webhooks", s.api(s.handleWebhookList))
	m.Handle("GET /webhooks/{id}", s.api(s.handleWebhookGet))
	m.Handle("POST /webhooks/{id}/retries", s.api(s.handleWebhookRetry))
	m.Handle("GET /webhooks/{id}/retries", s.api(s.handleWebhookRetryList))
	m.Handle("GET /webhooks/{id}/retries/{retryId}", s.api(s.handleWebhookRetryGet))
}

// renderSubscription never includes the secret.
func (s *Server) renderSubscription(sub *masspay.WebhookSubscription) obj {
	self := "/webhook-subscriptions/" + sub.ID
	return obj{
		"_links": links{
			"self":     s.link(self, "webhook-subscription"),
			"webhooks": s.link(self+"/webhooks", "webhook"),
		},
		"id":      sub.ID,
		"url":     sub.URL,
		"paused":  sub.Paused,
		"created": timestamp(sub.Created),
	}
}

func (s *Server) renderWebhook(d *service.WebhookDetail) obj {
	self := "/webhooks/" + d.ID
	attempts := make([]obj, len(d.Attempts))
	for i, a := range d.Attempts {
		attempts[i] = obj{
			"id":       a.ID,
			"request":  obj{"timestamp": timestamp(a.RequestTime), "url": a.URL, "headers": headers(a.RequestHeaders), "body": a.RequestBody},
			"response": obj{"timestamp": timestamp(a.ResponseTime), "headers": headers(a.ResponseHeaders), "statusCode": a.StatusCode, "body": a.ResponseBody},
		}
	}
	return obj{
		"_links": links{
			"self":         s.link(self, "webhook"),
			"subscription": s.link("/webhook-subscriptions/"+d.SubscriptionID, "webhook-subscription"),
			"retry":        s.link(self+"/retries", "retry"),
			"event":        s.link("/events/"+d.EventID, "event"),
		},
		"id":             d.ID,
		"topic":          d.Topic,
		"accountId":      d.AccountID,
		"eventId":        d.EventID,
		"subscriptionId": d.SubscriptionID,
		"attempts":       attempts,
	}
}

func headers(h []masspay.WebhookHeader) []masspay.WebhookHeader {
	if h == nil {
		return []masspay.WebhookHeader{}
	}
	return h
}

func (s *Server) renderRetry(r *masspay.WebhookRetry) obj {
	return obj{
		"_links": links{
			"self":    s.link("/webhooks/"+r.WebhookID+"/retries/"+r.ID, "retry"),
			"webhook": s.link("/webhooks/"+r.WebhookID, "webhook"),
		},
		"id":        r.ID,
		"timestamp": timestamp(r.Created),
	}
}

func (s *Server) handleSubscriptionCreate(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	o, err := decodeBody(w, r, &f, false)
	if err != nil {
		return err
	}
	in := service.CreateWebhookSubscriptionParams{URL: o.str("url"), Secret: o.str("secret")}
	sub, err := s.svc.CreateWebhookSubscription(r.Context(), p, in, f)
	if err != nil {
		return err
	}
	s.created(w, "/webhook-subscriptions/"+sub.ID)
	return nil
}

func (s *Server) handleSubscriptionList(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	list, err := s.svc.ListWebhookSubscriptions(r.Context(), p)
	if err != nil {
		return err
	}
	items := make([]obj, len(list))
	for i, sub := range list {
		items[i] = s.renderSubscription(sub)
	}
	writeJSON(w, http.StatusOK, obj{
		"_links":    links{"self": s.link("/webhook-subscriptions", "webhook-subscription")},
		"_embedded": obj{"webhook-subscriptions": items},
		"total":     len(items),
	})
	return nil
}

func (s *Server) handleSubscriptionGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	sub, err := s.svc.GetWebhookSubscription(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.renderSubscription(sub))
	return nil
}

func (s *Server) handleSubscriptionUpdate(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	o, err := decodeBody(w, r, &f, false)
	if err != nil {
		return err
	}
	paused, ok := o.boolean("paused")
	if !ok && len(f) == 0 {
		f.Add(masspay.FCodeRequired, "/paused", "Paused required.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	sub, err := s.svc.PauseWebhookSubscription(r.Context(), p, r.PathValue("id"), paused)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.renderSubscription(sub))
	return nil
}

func (s *Server) handleSubscriptionDelete(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	sub, err := s.svc.DeleteWebhookSubscription(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.renderSubscription(sub))
	return nil
}

// handleWebhookList answers a subscription's webhooks with Dwolla's filters: startDate and
// endDate (YYYY-MM-DD, both inclusive), resourceId (the event's resource), limit and offset.
func (s *Server) handleWebhookList(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	var f masspay.Fields
	id := r.PathValue("id")
	filter := masspay.WebhookFilter{SubscriptionID: id, ResourceID: r.URL.Query().Get("resourceId"), Page: parsePage(r, &f)}
	filter.StartDate, filter.EndDate = dateRange(r.URL.Query(), &f)
	// Every resource id is a UUID, so anything else is a mistake worth naming, not a filter
	// that quietly matches nothing.
	if v := filter.ResourceID; v != "" {
		if _, err := uuid.Parse(v); err != nil || len(v) != 36 {
			f.Add(masspay.FCodeInvalid, "/resourceId", "resourceId must be the id of a resource.")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	list, total, err := s.svc.ListWebhooks(r.Context(), p, filter)
	if err != nil {
		return err
	}
	writeList(s.hal, w, r, "/webhook-subscriptions/"+id+"/webhooks", "webhooks", filter.Page, total, list, s.renderWebhook)
	return nil
}

func (s *Server) handleWebhookGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	d, err := s.svc.GetWebhook(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.renderWebhook(d))
	return nil
}

func (s *Server) handleWebhookRetry(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	rt, err := s.svc.RetryWebhook(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.created(w, "/webhooks/"+rt.WebhookID+"/retries/"+rt.ID)
	return nil
}

func (s *Server) handleWebhookRetryList(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	id := r.PathValue("id")
	list, err := s.svc.ListWebhookRetries(r.Context(), p, id)
	if err != nil {
		return err
	}
	items := make([]obj, len(list))
	for i, rt := range list {
		items[i] = s.renderRetry(rt)
	}
	writeJSON(w, http.StatusOK, obj{
		"_links":    links{"self": s.link("/webhooks/"+id+"/retries", "retry")},
		"_embedded": obj{"retries": items},
		"total":     len(items),
	})
	return nil
}

func (s *Server) handleWebhookRetryGet(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
	list, err := s.svc.ListWebhookRetries(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, rt := range list {
		if rt.ID == r.PathValue("retryId") {
			writeJSON(w, http.StatusOK, s.renderRetry(rt))
			return nil
		}
	}
	return masspay.NotFound("Retry not found.")
}
