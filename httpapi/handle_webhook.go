package httpapi

import (
	"context"
	"net/http"

	"masspay"
	"masspay/service"
)

// renderSubscription never includes the secret.
func (h hal) renderSubscription(sub *masspay.WebhookSubscription) obj {
	self := "/webhook-subscriptions/" + sub.ID
	return obj{
		"_links": links{
			"self":     h.link(self, "webhook-subscription"),
			"webhooks": h.link(self+"/webhooks", "webhook"),
		},
		"id":      sub.ID,
		"url":     sub.URL,
		"paused":  sub.Paused,
		"created": timestamp(sub.Created),
	}
}

func (h hal) renderWebhook(d *service.WebhookDetail) obj {
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
			"self":         h.link(self, "webhook"),
			"subscription": h.link("/webhook-subscriptions/"+d.SubscriptionID, "webhook-subscription"),
			"retry":        h.link(self+"/retries", "retry"),
			"event":        h.link("/events/"+d.EventID, "event"),
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

func (h hal) renderRetry(r *masspay.WebhookRetry) obj {
	return obj{
		"_links": links{
			"self":    h.link("/webhooks/"+r.WebhookID+"/retries/"+r.ID, "retry"),
			"webhook": h.link("/webhooks/"+r.WebhookID, "webhook"),
		},
		"id":        r.ID,
		"timestamp": timestamp(r.Created),
	}
}

func handleSubscriptionCreate(
	h hal,
	createWebhookSubscription func(ctx context.Context, p *service.Principal, in *masspay.WebhookSubscriptionInput, typeErrs masspay.Fields) (*masspay.WebhookSubscription, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		in, typeErrs, err := decode[masspay.WebhookSubscriptionInput](w, r)
		if err != nil {
			return err
		}
		sub, err := createWebhookSubscription(r.Context(), p, in, typeErrs)
		if err != nil {
			return err
		}
		h.created(w, "/webhook-subscriptions/"+sub.ID)
		return nil
	}
}

func handleSubscriptionList(
	h hal,
	listWebhookSubscriptions func(ctx context.Context, p *service.Principal) ([]*masspay.WebhookSubscription, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		list, err := listWebhookSubscriptions(r.Context(), p)
		if err != nil {
			return err
		}
		items := make([]obj, len(list))
		for i, sub := range list {
			items[i] = h.renderSubscription(sub)
		}
		writeJSON(w, http.StatusOK, obj{
			"_links":    links{"self": h.link("/webhook-subscriptions", "webhook-subscription")},
			"_embedded": obj{"webhook-subscriptions": items},
			"total":     len(items),
		})
		return nil
	}
}

func handleSubscriptionUpdate(
	h hal,
	pauseWebhookSubscription func(ctx context.Context, p *service.Principal, id string, paused bool) (*masspay.WebhookSubscription, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		in, err := decodeChecked[masspay.WebhookSubscriptionUpdateInput](w, r)
		if err != nil {
			return err
		}
		sub, err := pauseWebhookSubscription(r.Context(), p, r.PathValue("id"), *in.Paused)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, h.renderSubscription(sub))
		return nil
	}
}

// handleWebhookList answers a subscription's webhooks with Dwolla's filters: startDate and
// endDate (YYYY-MM-DD, both inclusive), resourceId (the event's resource), limit and offset.
func handleWebhookList(
	h hal,
	listWebhooks func(ctx context.Context, p *service.Principal, f masspay.WebhookFilter) ([]*service.WebhookDetail, int, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		var f masspay.Fields
		id := r.PathValue("id")
		filter := masspay.WebhookFilterQuery(r.URL.Query(), id, &f)
		if err := f.Err(); err != nil {
			return err
		}
		list, total, err := listWebhooks(r.Context(), p, filter)
		if err != nil {
			return err
		}
		writeList(h, w, r, "/webhook-subscriptions/"+id+"/webhooks", "webhooks", filter.Page, total, list, h.renderWebhook)
		return nil
	}
}

func handleWebhookRetry(h hal, retryWebhook byID[*masspay.WebhookRetry]) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		rt, err := retryWebhook(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		h.created(w, "/webhooks/"+rt.WebhookID+"/retries/"+rt.ID)
		return nil
	}
}

func handleWebhookRetryList(h hal, listWebhookRetries byID[[]*masspay.WebhookRetry]) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		id := r.PathValue("id")
		list, err := listWebhookRetries(r.Context(), p, id)
		if err != nil {
			return err
		}
		items := make([]obj, len(list))
		for i, rt := range list {
			items[i] = h.renderRetry(rt)
		}
		writeJSON(w, http.StatusOK, obj{
			"_links":    links{"self": h.link("/webhooks/"+id+"/retries", "retry")},
			"_embedded": obj{"retries": items},
			"total":     len(items),
		})
		return nil
	}
}

func handleWebhookRetryGet(h hal, listWebhookRetries byID[[]*masspay.WebhookRetry]) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		list, err := listWebhookRetries(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		for _, rt := range list {
			if rt.ID == r.PathValue("retryId") {
				writeJSON(w, http.StatusOK, h.renderRetry(rt))
				return nil
			}
		}
		return masspay.NotFound("Retry not found.")
	}
}
