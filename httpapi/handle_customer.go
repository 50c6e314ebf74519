package httpapi

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"

	"masspay"
	"masspay/service"
)

func handleCustomerCreate(
	h hal,
	createCustomer func(ctx context.Context, p *service.Principal, in service.CreateCustomerParams) (*masspay.Customer, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		var f masspay.Fields
		o, err := decodeBody(w, r, &f, false)
		if err != nil {
			return err
		}
		in := service.CreateCustomerParams{
			FirstName: o.str("firstName"), LastName: o.str("lastName"), Email: o.str("email"), Type: o.str("type"),
			BusinessName: o.str("businessName"), CorrelationID: o.str("correlationId"),
			Address1: o.str("address1"), Address2: o.str("address2"), City: o.str("city"), State: o.str("state"),
			PostalCode: o.str("postalCode"), Phone: o.str("phone"),
			DateOfBirth: o.str("dateOfBirth"), SSN: o.str("ssn"), EIN: o.str("ein"),
			BusinessType: o.str("businessType"), BusinessClassification: o.str("businessClassification"),
			Website: o.str("website"), DoingBusinessAs: o.str("doingBusinessAs"),
		}
		o.str("ipAddress") // accepted and not kept; only its type is checked
		if o.has("controller") {
			c := o.object("controller")
			a := c.object("address")
			in.Controller = &service.ControllerParams{
				FirstName: c.str("firstName"), LastName: c.str("lastName"), Title: c.str("title"),
				DateOfBirth: c.str("dateOfBirth"), SSN: c.str("ssn"),
				Address1: a.str("address1"), Address2: a.str("address2"), Address3: a.str("address3"), City: a.str("city"),
				StateProvinceRegion: a.str("stateProvinceRegion"), PostalCode: a.str("postalCode"), Country: a.str("country"),
			}
		}
		if err := f.Err(); err != nil {
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

func handleCustomerUpdate(
	h hal,
	updateCustomer func(ctx context.Context, p *service.Principal, id string, in service.UpdateCustomerParams) (*masspay.Customer, error),
) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *service.Principal) error {
		var f masspay.Fields
		o, err := decodeBody(w, r, &f, false)
		if err != nil {
			return err
		}
		in := service.UpdateCustomerParams{Set: map[string]string{}}
		for _, k := range slices.Sorted(maps.Keys(o.m)) {
			switch {
			case o.m[k] == nil:
				// null is absent, as on create
			case k == "status":
				st := o.str(k)
				in.Status = &st
			case service.CustomerUpdateField(k):
				in.Set[k] = o.str(k)
			default:
				in.Set[k] = "" // refused whatever its value; the service says why
			}
		}
		if err := f.Err(); err != nil {
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
		qs := r.URL.Query()
		filter := masspay.CustomerFilter{Page: parsePage(r, &f), Search: qs.Get("search"), Email: qs.Get("email")}
		// SDKs send a list as repeated keys (Python, Node) or with brackets (Ruby's Faraday).
		for _, st := range append(qs["status"], qs["status[]"]...) {
			if !masspay.CustomerStatus(st).Valid() {
				f.Add(masspay.FCodeInvalid, "/status", "Status must be one of unverified, verified, retry, kba, document, suspended, deactivated.")
				break
			}
			filter.Statuses = append(filter.Statuses, st)
		}
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
	switch c.Status {
	case masspay.CustomerStatusDeactivated:
		l["reactivate"] = h.link(self, "customer")
	case masspay.CustomerStatusSuspended:
	default:
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
