package masspay

import (
	"cmp"
	"time"
)

// Customer types, in Dwolla's spelling.
const (
	CustomerReceiveOnly = "receive-only"
	CustomerUnverified  = "unverified"
	CustomerPersonal    = "personal"
	CustomerBusiness    = "business"
)

// CustomerStatus is where a customer stands with verification, in Dwolla's spelling.
type CustomerStatus string

// Customer statuses.
const (
	CustomerStatusUnverified  CustomerStatus = "unverified"
	CustomerStatusVerified    CustomerStatus = "verified"
	CustomerStatusRetry       CustomerStatus = "retry"
	CustomerStatusKBA         CustomerStatus = "kba"
	CustomerStatusDocument    CustomerStatus = "document"
	CustomerStatusSuspended   CustomerStatus = "suspended"
	CustomerStatusDeactivated CustomerStatus = "deactivated"
)

// Valid reports whether s is a customer status (GET /customers filters by them).
func (s CustomerStatus) Valid() bool {
	switch s {
	case CustomerStatusUnverified, CustomerStatusVerified, CustomerStatusRetry, CustomerStatusKBA,
		CustomerStatusDocument, CustomerStatusSuspended, CustomerStatusDeactivated:
		return true
	}
	return false
}

// Restricted reports whether the status forbids moving money: a suspended or deactivated
// customer can neither send nor receive, nor add a funding source.
func (s CustomerStatus) Restricted() bool {
	return s == CustomerStatusSuspended || s == CustomerStatusDeactivated
}

// Customer is a person or business the account pays (or, when verified, pays from).
type Customer struct {
	ID            string
	AccountID     string
	FirstName     string
	LastName      string
	Email         string
	Type          string
	Status        CustomerStatus
	BusinessName  string
	CorrelationID string
	// Details holds the verified customers' public fields (address1, city, state, postalCode,
	// phone, businessType, website...) by their Dwolla JSON names. Sensitive inputs (ssn,
	// dateOfBirth, ein) are validated and never stored.
	Details map[string]string
	Created time.Time
	// PriorStatus is the status a deactivated customer had, which reactivation restores.
	PriorStatus CustomerStatus
}

// Verified reports whether the customer is a verified personal or business customer: one that
// owns a balance and may send money (a suspended or deactivated one is not verified).
func (c *Customer) Verified() bool {
	return (c.Type == CustomerPersonal || c.Type == CustomerBusiness) && c.Status == CustomerStatusVerified
}

// CanChangeInfo reports whether the customer's information may be updated: not while it is
// restricted, nor while Dwolla reviews its documents.
func (c *Customer) CanChangeInfo() bool {
	return !c.Status.Restricted() && c.Status != CustomerStatusDocument
}

// CanDeactivate reports whether the customer may be deactivated: not when it already is, nor
// when it is suspended (only Dwolla lifts a suspension).
func (c *Customer) CanDeactivate() bool { return !c.Status.Restricted() }

// CanReactivate reports whether the customer may be reactivated: only a deactivated one.
func (c *Customer) CanReactivate() bool { return c.Status == CustomerStatusDeactivated }

// Deactivate moves the customer to deactivated, keeping the status it had for Reactivate. It
// answers why not, at /status, when the customer is already deactivated or is suspended.
func (c *Customer) Deactivate() *FieldError {
	switch {
	case c.Status == CustomerStatusDeactivated:
		return statusNotAllowed("Customer is already deactivated.")
	case !c.CanDeactivate():
		return statusNotAllowed("A suspended customer cannot be deactivated.")
	}
	c.PriorStatus, c.Status = c.Status, CustomerStatusDeactivated
	return nil
}

// Reactivate restores a deactivated customer's prior status (unverified when none is known).
func (c *Customer) Reactivate() *FieldError {
	if !c.CanReactivate() {
		return statusNotAllowed("Only a deactivated customer can be reactivated.")
	}
	c.Status, c.PriorStatus = cmp.Or(c.PriorStatus, CustomerStatusUnverified), ""
	return nil
}

func statusNotAllowed(msg string) *FieldError {
	return &FieldError{Code: FCodeNotAllowed, Path: "/status", Message: msg}
}
