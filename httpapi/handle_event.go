package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"masspay"
	"masspay/service"
)

// renderEvent is an event as GET /events/{id} shows it; webhooks carry the same document.
func (h hal) renderEvent(e *masspay.Event) obj {
	resource := "/" + e.ResourceType + "/" + e.ResourceID
	l := links{
		"self":     h.link("/events/"+e.ID, "event"),
		"resource": h.link(resource, resourceTypeOf(resource)),
		"account":  h.link("/accounts/"+e.AccountID, "account"),
	}
	if e.CustomerID != "" {
		l["customer"] = h.link("/customers/"+e.CustomerID, "customer")
	}
	o := obj{"_links": l, "id": e.ID, "created": timestamp(e.Created), "topic": e.Topic, "resourceId": e.ResourceID}
	if e.CorrelationID != "" {
		o["correlationId"] = e.CorrelationID
	}
	return o
}

// WebhookBody returns the renderer of webhook bodies for an API served at publicURL: the event
// document GET /events/{id} shows, plus "timestamp", the field older receivers read (Dwolla's
// webhook examples carry it; newer ones read "created"). The webhook worker is given it.
func WebhookBody(publicURL string) func(*masspay.Event) ([]byte, error) {
	h := newHAL(publicURL)
	return func(e *masspay.Event) ([]byte, error) {
		o := h.renderEvent(e)
		o["timestamp"] = o["created"]
		return json.Marshal(o)
	}
}

func handleEventList(
	h hal,
	listEvents func(ctx context.Context, p *service.Principal, page masspay.Page) ([]*masspay.Event, int, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		page, err := pageOf(r)
		if err != nil {
			return err
		}
		list, total, err := listEvents(r.Context(), p, page)
		if err != nil {
			return err
		}
		writeList(h, w, r, "/events", "events", page, total, list, h.renderEvent)
		return nil
	}
}
