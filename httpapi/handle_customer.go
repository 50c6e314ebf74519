package httpapi

import (
	"context"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"masspay"
	"masspay/service"
)

// handleCustomerCreate serves POST /customers. A body with values of the wrong JSON type is
// answered with those alone.
func handleCustomerCreate(
	h hal,
	createCustomer func(ctx context.Context, p *service.Principal, in *masspay.CustomerInput) (*masspay.Customer, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		in, err := decodeStrict[masspay.CustomerInput](w, r)
		if err != nil {
			return err
		}
		c, err := createCustomer(r.Context(), p, in)
		if err != nil {
			return err
		}
		h.created(w, "/customers/"+c.ID)
		return nil
	}
}

// handleCustomerUpdate serves POST /customers/{id}. A body with values of the wrong JSON type is
// answered with those alone.
func handleCustomerUpdate(
	h hal,
	updateCustomer func(ctx context.Context, p *service.Principal, id string, in masspay.CustomerUpdateInput) (*masspay.Customer, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		m, err := parseObject(body, false)
		if err != nil {
			return err
		}
		// The members are the fields to change, by name: each is kept (its type checked only
		// when some customer can change it), so that the domain refuses what it does not allow.
		in := masspay.CustomerUpdateInput{Set: map[string]string{}}
		var typeErrs masspay.Fields
		for _, k := range slices.Sorted(maps.Keys(m)) {
			var v string
			switch {
			case m[k] == nil:
				// null is absent, as on create
			case k == "status":
				decodeValue(reflect.ValueOf(&v).Elem(), m[k], k, &at{key: k}, -1, &typeErrs)
				in.Status = &v
			case masspay.CustomerUpdateField(k):
				decodeValue(reflect.ValueOf(&v).Elem(), m[k], k, &at{key: k}, -1, &typeErrs)
				in.Set[k] = v
			default:
				in.Set[k] = "" // refused whatever its value
			}
		}
		if err := typeErrs.Err(); err != nil {
			return err
		}
		c, err := updateCustomer(r.Context(), p, r.PathValue("id"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, h.customerJSON(c))
		return nil
	}
}

func handleCustomerList(
	h hal,
	listCustomers func(ctx context.Context, p *service.Principal, f masspay.CustomerFilter) ([]*masspay.Customer, int, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		var f masspay.Fields
		filter := masspay.CustomerFilterQuery(r.URL.Query(), &f)
		if err := f.Err(); err != nil {
			return err
		}
		list, total, err := listCustomers(r.Context(), p, filter)
		if err != nil {
			return err
		}
		writeList(h, w, r, "/customers", "customers", filter.Page, total, list, h.customerJSON)
		return nil
	}
}

// customerJSON renders a customer as Dwolla does: the base fields, and for verified types the
// public fields kept in Details (the controller's nested as Dwolla nests them).
func (h hal) customerJSON(c *masspay.Customer) obj {
	self := "/customers/" + c.ID
	l := links{
		"self":            h.link(self, "customer"),
		"edit":            h.link(self, "customer"),
		"receive":         h.link("/transfers", "transfer"),
		"funding-sources": h.link(self+"/funding-sources", "funding-source"),
		"transfers":       h.link(self+"/transfers", "transfer"),
		"mass-payments":   h.link(self+"/mass-payments", "mass-payment"),
	}
	if c.Verified() {
		l["send"] = h.link("/transfers", "transfer")
	}
	if c.CanReactivate() {
		l["reactivate"] = h.link(self, "customer")
	}
	if c.CanDeactivate() {
		l["deactivate"] = h.link(self, "customer")
	}
	out := obj{"_links": l, "id": c.ID, "firstName": c.FirstName, "lastName": c.LastName, "email": c.Email,
		"type": c.Type, "status": c.Status, "created": timestamp(c.Created)}
	if c.BusinessName != "" {
		out["businessName"] = c.BusinessName
	}
	if c.CorrelationID != "" {
		out["correlationId"] = c.CorrelationID
	}
	var controller, address obj
	for k, v := range c.Details {
		switch {
		case strings.HasPrefix(k, "controller.address."):
			if address == nil {
				address = obj{}
			}
			address[strings.TrimPrefix(k, "controller.address.")] = v
		case strings.HasPrefix(k, "controller."):
			if controller == nil {
				controller = obj{}
			}
			controller[strings.TrimPrefix(k, "controller.")] = v
		default:
			out[k] = v
		}
	}
	if controller != nil {
		if address != nil {
			controller["address"] = address
		}
		out["controller"] = controller
	}
	return out
}
