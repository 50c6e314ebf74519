package service

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"masspay"
)

// CreateCustomerParams is a decoded POST /customers body. Sensitive inputs (DateOfBirth, SSN,
// EIN, the controller's) are validated and then dropped: they are never stored.
type CreateCustomerParams struct {
	FirstName, LastName, Email, Type     string
	BusinessName, CorrelationID          string
	Address1, Address2, City, State      string
	PostalCode, Phone                    string
	DateOfBirth, SSN, EIN                string
	BusinessType, BusinessClassification string
	Website, DoingBusinessAs             string
	Controller                           *ControllerParams
}

// ControllerParams is the controller of a verified business (not a sole proprietorship).
type ControllerParams struct {
	FirstName, LastName, Title, DateOfBirth, SSN string
	Address1, Address2, Address3, City           string
	StateProvinceRegion, PostalCode, Country     string
}

var businessTypes = map[string]bool{"soleProprietorship": true, "corporation": true, "llc": true, "partnership": true}

// sandboxStatuses are the first names that, as in Dwolla's sandbox, give a new personal
// customer that status instead of verified.
var sandboxStatuses = map[string]masspay.CustomerStatus{
	"verified": masspay.CustomerStatusVerified, "retry": masspay.CustomerStatusRetry,
	"kba": masspay.CustomerStatusKBA, "document": masspay.CustomerStatusDocument,
	"suspended": masspay.CustomerStatusSuspended,
}

func maxLen(s string, n int) bool { return utf8.RuneCountInString(s) <= n }

// validate checks the body and returns the customer type it asks for.
func (in *CreateCustomerParams) validate(f *masspay.Fields, s *Service) string {
	now := s.now()
	in.validateCommon(f)
	typ := in.Type
	switch typ {
	case "":
		typ = masspay.CustomerUnverified
	case masspay.CustomerUnverified, masspay.CustomerReceiveOnly:
	case masspay.CustomerPersonal:
		in.validateAddress(f, "")
		in.validatePerson(f, "", in.DateOfBirth, in.SSN, now)
	case masspay.CustomerBusiness:
		in.validateAddress(f, "")
		if in.BusinessName == "" {
			f.Add(masspay.FCodeRequired, "/businessName", "BusinessName required.")
		}
		if in.BusinessClassification == "" {
			f.Add(masspay.FCodeRequired, "/businessClassification", "BusinessClassification required.")
		} else if !maxLen(in.BusinessClassification, 255) {
			f.Add(masspay.FCodeInvalidFormat, "/businessClassification", "BusinessClassification invalid.")
		}
		switch {
		case in.BusinessType == "":
			f.Add(masspay.FCodeRequired, "/businessType", "BusinessType required.")
		case !businessTypes[in.BusinessType]:
			f.Add(masspay.FCodeInvalid, "/businessType", "BusinessType must be one of soleProprietorship, corporation, llc, partnership.")
		case in.BusinessType == "soleProprietorship":
			in.validatePerson(f, "", in.DateOfBirth, in.SSN, now)
			if in.EIN != "" && !masspay.ValidEIN(in.EIN) {
				f.Add(masspay.FCodeInvalidFormat, "/ein", "Ein must be 9 digits.")
			}
		default:
			if in.EIN == "" {
				f.Add(masspay.FCodeRequired, "/ein", "Ein required.")
			} else if !masspay.ValidEIN(in.EIN) {
				f.Add(masspay.FCodeInvalidFormat, "/ein", "Ein must be 9 digits.")
			}
			in.validateController(f, now)
		}
	default:
		f.Add(masspay.FCodeInvalid, "/type", "Type must be one of receive-only, unverified, personal, business.")
	}
	return typ
}

// validateCommon checks the fields every customer type may carry. An update runs it too, on the
// customer as it would become.
func (in *CreateCustomerParams) validateCommon(f *masspay.Fields) {
	if in.FirstName == "" {
		f.Add(masspay.FCodeRequired, "/firstName", "FirstName required.")
	} else if !masspay.ValidPersonName(in.FirstName) {
		f.Add(masspay.FCodeInvalidFormat, "/firstName", "FirstName must be 1 to 50 characters and contain none of <>=\"`!?%%~${}\\.")
	}
	if in.LastName == "" {
		f.Add(masspay.FCodeRequired, "/lastName", "LastName required.")
	} else if !masspay.ValidPersonName(in.LastName) {
		f.Add(masspay.FCodeInvalidFormat, "/lastName", "LastName must be 1 to 50 characters and contain none of <>=\"`!?%%~${}\\.")
	}
	if in.Email == "" {
		f.Add(masspay.FCodeRequired, "/email", "Email required.")
	} else if !masspay.ValidEmail(in.Email) {
		f.Add(masspay.FCodeInvalidFormat, "/email", "Email invalid.")
	}
	if !maxLen(in.BusinessName, 255) {
		f.Add(masspay.FCodeInvalidFormat, "/businessName", "BusinessName must be 255 or fewer characters.")
	}
	if in.CorrelationID != "" && !masspay.ValidCorrelationID(in.CorrelationID) {
		f.Add(masspay.FCodeInvalidFormat, "/correlationId",
			"Correlation id must be at least one character and up to 255 characters of A-Z, a-z, 0-9, '.', '_' and '-' when supplied.")
	}
	if in.Phone != "" && (len(in.Phone) != 10 || !masspay.ValidAccountNumber(in.Phone)) {
		f.Add(masspay.FCodeInvalidFormat, "/phone", "Phone must be 10 digits.")
	}
	for _, x := range []struct {
		v, path, name string
		max           int
	}{{in.Address2, "/address2", "Address2", 50}, {in.Website, "/website", "Website", 255}, {in.DoingBusinessAs, "/doingBusinessAs", "DoingBusinessAs", 255}} {
		if !maxLen(x.v, x.max) {
			f.Add(masspay.FCodeInvalidFormat, x.path, "%s must be %d or fewer characters.", x.name, x.max)
		}
	}
}

func (in *CreateCustomerParams) validateAddress(f *masspay.Fields, prefix string) {
	if in.Address1 == "" {
		f.Add(masspay.FCodeRequired, prefix+"/address1", "Address1 required.")
	} else if !maxLen(in.Address1, 50) {
		f.Add(masspay.FCodeInvalidFormat, prefix+"/address1", "Address1 must be 50 or fewer characters.")
	}
	if in.City == "" {
		f.Add(masspay.FCodeRequired, prefix+"/city", "City required.")
	} else if !maxLen(in.City, 50) {
		f.Add(masspay.FCodeInvalidFormat, prefix+"/city", "City must be 50 or fewer characters.")
	}
	if in.State == "" {
		f.Add(masspay.FCodeRequired, prefix+"/state", "State required.")
	} else if !masspay.ValidState(in.State) {
		f.Add(masspay.FCodeInvalidFormat, prefix+"/state", "State must be a two-letter US state code.")
	}
	if in.PostalCode == "" {
		f.Add(masspay.FCodeRequired, prefix+"/postalCode", "PostalCode required.")
	} else if !masspay.ValidPostalCode(in.PostalCode) {
		f.Add(masspay.FCodeInvalidFormat, prefix+"/postalCode", "PostalCode must be a 5 or 9 digit US ZIP code.")
	}
}

// validatePerson checks a date of birth (18 or older) and an SSN (last four or all nine).
func (in *CreateCustomerParams) validatePerson(f *masspay.Fields, prefix, dob, ssn string, now time.Time) {
	switch {
	case dob == "":
		f.Add(masspay.FCodeRequired, prefix+"/dateOfBirth", "DateOfBirth required.")
	case !masspay.ValidDate(dob):
		f.Add(masspay.FCodeInvalidFormat, prefix+"/dateOfBirth", "DateOfBirth must be a date formatted YYYY-MM-DD.")
	case !masspay.Adult(dob, now):
		f.Add(masspay.FCodeInvalid, prefix+"/dateOfBirth", "Must be at least 18 years of age.")
	}
	if ssn == "" {
		f.Add(masspay.FCodeRequired, prefix+"/ssn", "Ssn required.")
	} else if !masspay.ValidSSN(ssn) {
		f.Add(masspay.FCodeInvalidFormat, prefix+"/ssn", "Ssn must be the last 4 or all 9 digits.")
	}
}

func (in *CreateCustomerParams) validateController(f *masspay.Fields, now time.Time) {
	c := in.Controller
	if c == nil {
		f.Add(masspay.FCodeRequired, "/controller", "Controller required.")
		return
	}
	for _, x := range []struct{ v, path, name string }{
		{c.FirstName, "/controller/firstName", "FirstName"}, {c.LastName, "/controller/lastName", "LastName"},
	} {
		if x.v == "" {
			f.Add(masspay.FCodeRequired, x.path, "Controller %s required.", x.name)
		} else if !masspay.ValidPersonName(x.v) {
			f.Add(masspay.FCodeInvalidFormat, x.path, "Controller %s must be 1 to 50 characters and contain none of <>=\"`!?%%~${}\\.", x.name)
		}
	}
	if c.Title == "" {
		f.Add(masspay.FCodeRequired, "/controller/title", "Controller Title required.")
	} else if !maxLen(c.Title, 50) {
		f.Add(masspay.FCodeInvalidFormat, "/controller/title", "Controller Title must be 50 or fewer characters.")
	}
	switch {
	case c.DateOfBirth == "":
		f.Add(masspay.FCodeRequired, "/controller/dateOfBirth", "Controller DateOfBirth required.")
	case !masspay.ValidDate(c.DateOfBirth):
		f.Add(masspay.FCodeInvalidFormat, "/controller/dateOfBirth", "DateOfBirth must be a date formatted YYYY-MM-DD.")
	case !masspay.Adult(c.DateOfBirth, now):
		f.Add(masspay.FCodeInvalid, "/controller/dateOfBirth", "Must be at least 18 years of age.")
	}
	if c.SSN != "" && !masspay.ValidSSN(c.SSN) {
		f.Add(masspay.FCodeInvalidFormat, "/controller/ssn", "Ssn must be the last 4 or all 9 digits.")
	}
	a := "/controller/address"
	for _, x := range []struct{ v, path, name string }{
		{c.Address1, a + "/address1", "Address1"}, {c.City, a + "/city", "City"},
		{c.StateProvinceRegion, a + "/stateProvinceRegion", "StateProvinceRegion"},
		{c.PostalCode, a + "/postalCode", "PostalCode"}, {c.Country, a + "/country", "Country"},
	} {
		if x.v == "" {
			f.Add(masspay.FCodeRequired, x.path, "Controller %s required.", x.name)
		} else if !maxLen(x.v, 50) {
			f.Add(masspay.FCodeInvalidFormat, x.path, "Controller %s must be 50 or fewer characters.", x.name)
		}
	}
	if c.Country != "" && (len(c.Country) != 2 || !isUpperAlpha(c.Country)) {
		f.Add(masspay.FCodeInvalidFormat, a+"/country", "Country must be a two-letter ISO 3166 code.")
	} else if c.Country == "US" {
		if c.StateProvinceRegion != "" && !masspay.ValidState(c.StateProvinceRegion) {
			f.Add(masspay.FCodeInvalidFormat, a+"/stateProvinceRegion", "StateProvinceRegion must be a two-letter US state code.")
		}
		if c.PostalCode != "" && !masspay.ValidPostalCode(c.PostalCode) {
			f.Add(masspay.FCodeInvalidFormat, a+"/postalCode", "PostalCode must be a 5 or 9 digit US ZIP code.")
		}
	}
}

func isUpperAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// details returns the public fields kept on a verified customer, by their Dwolla JSON names. The
// controller's are kept under "controller." and "controller.address." prefixes.
func (in *CreateCustomerParams) details(typ string) map[string]string {
	if typ != masspay.CustomerPersonal && typ != masspay.CustomerBusiness {
		return nil
	}
	d := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	put("address1", in.Address1)
	put("address2", in.Address2)
	put("city", in.City)
	put("state", strings.ToUpper(in.State))
	put("postalCode", in.PostalCode)
	put("phone", in.Phone)
	if typ == masspay.CustomerBusiness {
		put("businessType", in.BusinessType)
		put("businessClassification", in.BusinessClassification)
		put("website", in.Website)
		put("doingBusinessAs", in.DoingBusinessAs)
		if c := in.Controller; c != nil && in.BusinessType != "soleProprietorship" {
			put("controller.firstName", c.FirstName)
			put("controller.lastName", c.LastName)
			put("controller.title", c.Title)
			put("controller.address.address1", c.Address1)
			put("controller.address.address2", c.Address2)
			put("controller.address.address3", c.Address3)
			put("controller.address.city", c.City)
			put("controller.address.stateProvinceRegion", c.StateProvinceRegion)
			put("controller.address.postalCode", c.PostalCode)
			put("controller.address.country", c.Country)
		}
	}
	return d
}

// CreateCustomer creates a customer. A customer that ends up verified gets its balance funding
// source at once, as with Dwolla. The customer, its balance and the events commit together.
func (s *Service) CreateCustomer(ctx context.Context, p *Principal, in CreateCustomerParams) (*masspay.Customer, error) {
	var f masspay.Fields
	typ := in.validate(&f, s)
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	c := &masspay.Customer{ID: newID(), AccountID: p.AccountID, FirstName: in.FirstName, LastName: in.LastName,
		Email: in.Email, Type: typ, Status: masspay.CustomerStatusUnverified, BusinessName: in.BusinessName,
		CorrelationID: in.CorrelationID, Details: in.details(typ), Created: now}
	switch typ {
	case masspay.CustomerPersonal:
		c.Status = masspay.CustomerStatusVerified
		if st, ok := sandboxStatuses[strings.ToLower(in.FirstName)]; ok {
			c.Status = st
		}
	case masspay.CustomerBusiness:
		c.Status = masspay.CustomerStatusVerified
	}
	err := s.store.Write(ctx, func(q masspay.Q) error {
		// Checked before the insert so that the answer names the field; the unique indexes stay
		// the last line against a concurrent twin.
		if _, n, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: p.AccountID, Email: c.Email, Page: masspay.Page{Limit: 1}}); err != nil {
			return err
		} else if n > 0 {
			return errDuplicateEmail
		}
		if c.CorrelationID != "" {
			if _, n, err := q.CustomerList(ctx, masspay.CustomerFilter{AccountID: p.AccountID, CorrelationID: c.CorrelationID, Page: masspay.Page{Limit: 1}}); err != nil {
				return err
			} else if n > 0 {
				return errDuplicateCorrelation
			}
		}
		if err := q.CustomerInsert(ctx, c); err != nil {
			if errors.Is(err, masspay.ErrUnique) {
				return errDuplicateEmail
			}
			return err
		}
		created := s.event(p.AccountID, "", masspay.TopicCustomerCreated, "customers", c.ID, "", now)
		created.CustomerID = c.ID
		events := []*masspay.Event{created}
		if c.Verified() {
			bal := &masspay.FundingSource{ID: newID(), AccountID: p.AccountID, CustomerID: c.ID, Type: masspay.FundingBalance,
				Status: masspay.FundingVerified, Name: "Balance", Channels: []string{}, Created: now}
			if err := q.FundingSourceInsert(ctx, bal); err != nil {
				return err
			}
			verified := s.event(p.AccountID, "", masspay.TopicCustomerVerified, "customers", c.ID, "", now)
			verified.CustomerID = c.ID
			events = append(events, verified)
		}
		return Publish(ctx, q, events...)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

var (
	errDuplicateEmail = masspay.Invalid(masspay.FieldError{Code: masspay.FCodeDuplicate, Path: "/email",
		Message: "A customer with the specified email already exists."})
	errDuplicateCorrelation = masspay.Invalid(masspay.FieldError{Code: masspay.FCodeDuplicate, Path: "/correlationId",
		Message: "A customer with the specified correlation id already exists."})
)

// GetCustomer returns a customer of the caller's account.
func (s *Service) GetCustomer(ctx context.Context, p *Principal, id string) (*masspay.Customer, error) {
	var c *masspay.Customer
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { c, err = customerOf(ctx, q, p, id); return err })
	return c, err
}

// customerOf loads a customer and hides those of other accounts behind the same NotFound.
func customerOf(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.Customer, error) {
	c, err := q.CustomerGet(ctx, id)
	if err == nil && c.AccountID != p.AccountID {
		err = masspay.ErrNoRows
	}
	return c, notFound(err, "Customer not found.")
}

// ListCustomers lists the caller's customers, newest first.
func (s *Service) ListCustomers(ctx context.Context, p *Principal, f masspay.CustomerFilter) ([]*masspay.Customer, int, error) {
	f.AccountID = p.AccountID
	var list []*masspay.Customer
	var total int
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { list, total, err = q.CustomerList(ctx, f); return err })
	return list, total, err
}
