package service

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"masspay"
)

// UpdateCustomerParams is a decoded POST /customers/{id} body: a status change, or the fields to
// change by their Dwolla JSON names (every key the body sent, so that one the customer cannot
// change is refused rather than silently ignored). An empty value unsets an optional field.
type UpdateCustomerParams struct {
	Status *string
	Set    map[string]string
}

// What each customer type may change (Dwolla's "Update a customer"). ipAddress is accepted and,
// as on create, not kept.
var (
	unverifiedUpdates = fieldSet("firstName", "lastName", "email", "businessName", "ipAddress")
	personalUpdates   = fieldSet("email", "ipAddress", "address1", "address2", "city", "state", "postalCode", "phone")
	businessUpdates   = fieldSet("email", "ipAddress", "address1", "address2", "city", "state", "postalCode", "phone",
		"doingBusinessAs", "website")
	// detailFields are kept in Customer.Details.
	detailFields    = fieldSet("address1", "address2", "city", "state", "postalCode", "phone", "website", "doingBusinessAs")
	customerUpdates = map[string]map[string]bool{
		masspay.CustomerUnverified: unverifiedUpdates, masspay.CustomerReceiveOnly: unverifiedUpdates,
		masspay.CustomerPersonal: personalUpdates, masspay.CustomerBusiness: businessUpdates,
	}
)

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// CustomerUpdateField reports whether some customer type can change the field name (a string),
// so that the HTTP layer checks the JSON type only of fields an update can take.
func CustomerUpdateField(name string) bool {
	return unverifiedUpdates[name] || businessUpdates[name]
}

// UpdateCustomer changes a customer's information or status and returns it as it now stands.
// Deactivation keeps the status it had, which reactivation restores; each fires its event in the
// same transaction.
func (s *Service) UpdateCustomer(ctx context.Context, p *Principal, id string, in UpdateCustomerParams) (*masspay.Customer, error) {
	var out *masspay.Customer
	err := s.store.Write(ctx, func(q masspay.Q) error {
		c, err := customerOf(ctx, q, p, id)
		if err != nil {
			return err
		}
		topic := ""
		if in.Status != nil {
			topic, err = changeStatus(c, in)
		} else {
			err = changeInfo(ctx, q, c, in.Set)
		}
		if err != nil {
			return err
		}
		if err := q.CustomerUpdate(ctx, c); err != nil {
			if errors.Is(err, masspay.ErrUnique) {
				return errDuplicateEmail
			}
			return err
		}
		out = c
		if topic == "" {
			return nil
		}
		ev := s.event(p.AccountID, "", topic, "customers", c.ID, "", s.now())
		ev.CustomerID = c.ID
		return Publish(ctx, q, ev)
	})
	return out, err
}

// changeStatus applies a status request and returns the topic of the event it fires.
func changeStatus(c *masspay.Customer, in UpdateCustomerParams) (string, error) {
	var f masspay.Fields
	for _, k := range slices.Sorted(maps.Keys(in.Set)) {
		f.Add(masspay.FCodeNotAllowed, "/"+k, "%s cannot be updated together with status.", k)
	}
	// The change is judged on a copy: c changes only when the whole request is allowed.
	next := *c
	var refused *masspay.FieldError
	topic := ""
	switch *in.Status {
	case "deactivated":
		refused, topic = next.Deactivate(), masspay.TopicCustomerDeactivated
	case "reactivated":
		refused, topic = next.Reactivate(), masspay.TopicCustomerActivated
	case "suspended":
		// Only Dwolla can lift a suspension, so a client could never undo one it made here.
		refused = &masspay.FieldError{Code: masspay.FCodeNotAllowed, Path: "/status",
			Message: "Suspending a customer is not supported: a suspension can only be lifted by Dwolla."}
	default:
		refused = &masspay.FieldError{Code: masspay.FCodeInvalid, Path: "/status", Message: "Status must be deactivated or reactivated."}
	}
	if refused != nil {
		f = append(f, *refused)
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	*c = next
	return topic, nil
}

// changeInfo applies the fields of an information update to c, after checking them as create
// does, on the customer as it would become.
func changeInfo(ctx context.Context, q masspay.Q, c *masspay.Customer, set map[string]string) error {
	if !c.CanChangeInfo() {
		return masspay.Errorf(masspay.ECodeInvalidResourceState, "A customer with status %s cannot be updated.", c.Status)
	}
	var f masspay.Fields
	allowed := customerUpdates[c.Type]
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if !allowed[k] {
			f.Add(masspay.FCodeNotAllowed, "/"+k, "%s cannot be updated on a customer of type %s.", k, c.Type)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}

	d := c.Details
	in := CreateCustomerParams{FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, BusinessName: c.BusinessName,
		Address1: d["address1"], Address2: d["address2"], City: d["city"], State: d["state"], PostalCode: d["postalCode"],
		Phone: d["phone"], Website: d["website"], DoingBusinessAs: d["doingBusinessAs"]}
	fields := map[string]*string{"firstName": &in.FirstName, "lastName": &in.LastName, "email": &in.Email,
		"businessName": &in.BusinessName, "address1": &in.Address1, "address2": &in.Address2, "city": &in.City,
		"state": &in.State, "postalCode": &in.PostalCode, "phone": &in.Phone, "website": &in.Website,
		"doingBusinessAs": &in.DoingBusinessAs}
	for k, v := range set {
		if p := fields[k]; p != nil {
			*p = v
		}
	}
	var all masspay.Fields
	in.validateCommon(&all)
	if c.Type == masspay.CustomerPersonal || c.Type == masspay.CustomerBusiness {
		in.validateAddress(&all, "")
	}
	// Only what the request sent is judged: a stored value is the customer's, not this request's.
	for _, e := range all {
		if _, sent := set[strings.TrimPrefix(e.Path, "/")]; sent {
			f = append(f, e)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}

	if e, ok := set["email"]; ok && !strings.EqualFold(e, c.Email) {
		if _, n, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: c.AccountID, Email: e, Page: masspay.Page{Limit: 1}}); err != nil {
			return err
		} else if n > 0 {
			return errDuplicateEmail
		}
	}
	c.FirstName, c.LastName, c.Email, c.BusinessName = in.FirstName, in.LastName, in.Email, in.BusinessName
	for k, v := range set {
		if !detailFields[k] {
			continue
		}
		if k == "state" {
			v = strings.ToUpper(v)
		}
		if c.Details == nil {
			c.Details = map[string]string{}
		}
		if v == "" {
			delete(c.Details, k)
		} else {
			c.Details[k] = v
		}
	}
	return nil
}
