package masspay

import (
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// CustomerInput is a POST /customers body as decoded. Sensitive inputs (DateOfBirth, SSN, EIN,
// the controller's) are validated and then dropped: they are never stored.
type CustomerInput struct {
	FirstName              string           `json:"firstName"`
	LastName               string           `json:"lastName"`
	Email                  string           `json:"email"`
	Type                   string           `json:"type"`
	BusinessName           string           `json:"businessName"`
	CorrelationID          string           `json:"correlationId"`
	IPAddress              string           `json:"ipAddress"` // accepted and not kept
	Address1               string           `json:"address1"`
	Address2               string           `json:"address2"`
	City                   string           `json:"city"`
	State                  string           `json:"state"`
	PostalCode             string           `json:"postalCode"`
	Phone                  string           `json:"phone"`
	DateOfBirth            string           `json:"dateOfBirth"`
	SSN                    string           `json:"ssn"`
	EIN                    string           `json:"ein"`
	BusinessType           string           `json:"businessType"`
	BusinessClassification string           `json:"businessClassification"`
	Website                string           `json:"website"`
	DoingBusinessAs        string           `json:"doingBusinessAs"`
	Controller             *ControllerInput `json:"controller"`
}

// ControllerInput is the controller of a verified business (not a sole proprietorship).
type ControllerInput struct {
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	Title       string `json:"title"`
	DateOfBirth string `json:"dateOfBirth"`
	SSN         string `json:"ssn"`
	Address     struct {
		Address1            string `json:"address1"`
		Address2            string `json:"address2"`
		Address3            string `json:"address3"`
		City                string `json:"city"`
		StateProvinceRegion string `json:"stateProvinceRegion"`
		PostalCode          string `json:"postalCode"`
		Country             string `json:"country"`
	} `json:"address"`
}

var businessTypes = map[string]bool{"soleProprietorship": true, "corporation": true, "llc": true, "partnership": true}

func maxLen(s string, n int) bool { return utf8.RuneCountInString(s) <= n }

// Validate checks the body (an adult is 18 at now) and returns the customer type it asks for.
func (in *CustomerInput) Validate(f *Fields, now time.Time) string {
	in.validateCommon(f)
	typ := in.Type
	switch typ {
	case "":
		typ = CustomerUnverified
	case CustomerUnverified, CustomerReceiveOnly:
	case CustomerPersonal:
		in.validateAddress(f, "")
		in.validatePerson(f, "", in.DateOfBirth, in.SSN, now)
	case CustomerBusiness:
		in.validateAddress(f, "")
		if in.BusinessName == "" {
			f.Add(FCodeRequired, "/businessName", "BusinessName required.")
		}
		if in.BusinessClassification == "" {
			f.Add(FCodeRequired, "/businessClassification", "BusinessClassification required.")
		} else if !maxLen(in.BusinessClassification, 255) {
			f.Add(FCodeInvalidFormat, "/businessClassification", "BusinessClassification invalid.")
		}
		switch {
		case in.BusinessType == "":
			f.Add(FCodeRequired, "/businessType", "BusinessType required.")
		case !businessTypes[in.BusinessType]:
			f.Add(FCodeInvalid, "/businessType", "BusinessType must be one of soleProprietorship, corporation, llc, partnership.")
		case in.BusinessType == "soleProprietorship":
			in.validatePerson(f, "", in.DateOfBirth, in.SSN, now)
			if in.EIN != "" && !ValidEIN(in.EIN) {
				f.Add(FCodeInvalidFormat, "/ein", "Ein must be 9 digits.")
			}
		default:
			if in.EIN == "" {
				f.Add(FCodeRequired, "/ein", "Ein required.")
			} else if !ValidEIN(in.EIN) {
				f.Add(FCodeInvalidFormat, "/ein", "Ein must be 9 digits.")
			}
			in.validateController(f, now)
		}
	default:
		f.Add(FCodeInvalid, "/type", "Type must be one of receive-only, unverified, personal, business.")
	}
	return typ
}

// validateCommon checks the fields every customer type may carry. An update runs it too, on the
// customer as it would become.
func (in *CustomerInput) validateCommon(f *Fields) {
	if in.FirstName == "" {
		f.Add(FCodeRequired, "/firstName", "FirstName required.")
	} else if !ValidPersonName(in.FirstName) {
		f.Add(FCodeInvalidFormat, "/firstName", "FirstName must be 1 to 50 characters and contain none of <>=\"`!?%%~${}\\.")
	}
	if in.LastName == "" {
		f.Add(FCodeRequired, "/lastName", "LastName required.")
	} else if !ValidPersonName(in.LastName) {
		f.Add(FCodeInvalidFormat, "/lastName", "LastName must be 1 to 50 characters and contain none of <>=\"`!?%%~${}\\.")
	}
	if in.Email == "" {
		f.Add(FCodeRequired, "/email", "Email required.")
	} else if !ValidEmail(in.Email) {
		f.Add(FCodeInvalidFormat, "/email", "Email invalid.")
	}
	if !maxLen(in.BusinessName, 255) {
		f.Add(FCodeInvalidFormat, "/businessName", "BusinessName must be 255 or fewer characters.")
	}
	if in.CorrelationID != "" && !ValidCorrelationID(in.CorrelationID) {
		f.Add(FCodeInvalidFormat, "/correlationId",
			"Correlation id must be at least one character and up to 255 characters of A-Z, a-z, 0-9, '.', '_' and '-' when supplied.")
	}
	if in.Phone != "" && (len(in.Phone) != 10 || !ValidAccountNumber(in.Phone)) {
		f.Add(FCodeInvalidFormat, "/phone", "Phone must be 10 digits.")
	}
	for _, x := range []struct {
		v, path, name string
		max           int
	}{{in.Address2, "/address2", "Address2", 50}, {in.Website, "/website", "Website", 255}, {in.DoingBusinessAs, "/doingBusinessAs", "DoingBusinessAs", 255}} {
		if !maxLen(x.v, x.max) {
			f.Add(FCodeInvalidFormat, x.path, "%s must be %d or fewer characters.", x.name, x.max)
		}
	}
}

func (in *CustomerInput) validateAddress(f *Fields, prefix string) {
	if in.Address1 == "" {
		f.Add(FCodeRequired, prefix+"/address1", "Address1 required.")
	} else if !maxLen(in.Address1, 50) {
		f.Add(FCodeInvalidFormat, prefix+"/address1", "Address1 must be 50 or fewer characters.")
	}
	if in.City == "" {
		f.Add(FCodeRequired, prefix+"/city", "City required.")
	} else if !maxLen(in.City, 50) {
		f.Add(FCodeInvalidFormat, prefix+"/city", "City must be 50 or fewer characters.")
	}
	if in.State == "" {
		f.Add(FCodeRequired, prefix+"/state", "State required.")
	} else if !ValidState(in.State) {
		f.Add(FCodeInvalidFormat, prefix+"/state", "State must be a two-letter US state code.")
	}
	if in.PostalCode == "" {
		f.Add(FCodeRequired, prefix+"/postalCode", "PostalCode required.")
	} else if !ValidPostalCode(in.PostalCode) {
		f.Add(FCodeInvalidFormat, prefix+"/postalCode", "PostalCode must be a 5 or 9 digit US ZIP code.")
	}
}

// validatePerson checks a date of birth (18 or older) and an SSN (last four or all nine).
func (in *CustomerInput) validatePerson(f *Fields, prefix, dob, ssn string, now time.Time) {
	switch {
	case dob == "":
		f.Add(FCodeRequired, prefix+"/dateOfBirth", "DateOfBirth required.")
	case !ValidDate(dob):
		f.Add(FCodeInvalidFormat, prefix+"/dateOfBirth", "DateOfBirth must be a date formatted YYYY-MM-DD.")
	case !Adult(dob, now):
		f.Add(FCodeInvalid, prefix+"/dateOfBirth", "Must be at least 18 years of age.")
	}
	if ssn == "" {
		f.Add(FCodeRequired, prefix+"/ssn", "Ssn required.")
	} else if !ValidSSN(ssn) {
		f.Add(FCodeInvalidFormat, prefix+"/ssn", "Ssn must be the last 4 or all 9 digits.")
	}
}

func (in *CustomerInput) validateController(f *Fields, now time.Time) {
	c := in.Controller
	if c == nil {
		f.Add(FCodeRequired, "/controller", "Controller required.")
		return
	}
	for _, x := range []struct{ v, path, name string }{
		{c.FirstName, "/controller/firstName", "FirstName"}, {c.LastName, "/controller/lastName", "LastName"},
	} {
		if x.v == "" {
			f.Add(FCodeRequired, x.path, "Controller %s required.", x.name)
		} else if !ValidPersonName(x.v) {
			f.Add(FCodeInvalidFormat, x.path, "Controller %s must be 1 to 50 characters and contain none of <>=\"`!?%%~${}\\.", x.name)
		}
	}
	if c.Title == "" {
		f.Add(FCodeRequired, "/controller/title", "Controller Title required.")
	} else if !maxLen(c.Title, 50) {
		f.Add(FCodeInvalidFormat, "/controller/title", "Controller Title must be 50 or fewer characters.")
	}
	switch {
	case c.DateOfBirth == "":
		f.Add(FCodeRequired, "/controller/dateOfBirth", "Controller DateOfBirth required.")
	case !ValidDate(c.DateOfBirth):
		f.Add(FCodeInvalidFormat, "/controller/dateOfBirth", "DateOfBirth must be a date formatted YYYY-MM-DD.")
	case !Adult(c.DateOfBirth, now):
		f.Add(FCodeInvalid, "/controller/dateOfBirth", "Must be at least 18 years of age.")
	}
	if c.SSN != "" && !ValidSSN(c.SSN) {
		f.Add(FCodeInvalidFormat, "/controller/ssn", "Ssn must be the last 4 or all 9 digits.")
	}
	a := "/controller/address"
	for _, x := range []struct{ v, path, name string }{
		{c.Address.Address1, a + "/address1", "Address1"}, {c.Address.City, a + "/city", "City"},
		{c.Address.StateProvinceRegion, a + "/stateProvinceRegion", "StateProvinceRegion"},
		{c.Address.PostalCode, a + "/postalCode", "PostalCode"}, {c.Address.Country, a + "/country", "Country"},
	} {
		if x.v == "" {
			f.Add(FCodeRequired, x.path, "Controller %s required.", x.name)
		} else if !maxLen(x.v, 50) {
			f.Add(FCodeInvalidFormat, x.path, "Controller %s must be 50 or fewer characters.", x.name)
		}
	}
	if c.Address.Country != "" && (len(c.Address.Country) != 2 || !isUpperAlpha(c.Address.Country)) {
		f.Add(FCodeInvalidFormat, a+"/country", "Country must be a two-letter ISO 3166 code.")
	} else if c.Address.Country == "US" {
		if c.Address.StateProvinceRegion != "" && !ValidState(c.Address.StateProvinceRegion) {
			f.Add(FCodeInvalidFormat, a+"/stateProvinceRegion", "StateProvinceRegion must be a two-letter US state code.")
		}
		if c.Address.PostalCode != "" && !ValidPostalCode(c.Address.PostalCode) {
			f.Add(FCodeInvalidFormat, a+"/postalCode", "PostalCode must be a 5 or 9 digit US ZIP code.")
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

// Details returns the public fields kept on a verified customer, by their Dwolla JSON names. The
// controller's are kept under "controller." and "controller.address." prefixes.
func (in *CustomerInput) Details(typ string) map[string]string {
	if typ != CustomerPersonal && typ != CustomerBusiness {
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
	if typ == CustomerBusiness {
		put("businessType", in.BusinessType)
		put("businessClassification", in.BusinessClassification)
		put("website", in.Website)
		put("doingBusinessAs", in.DoingBusinessAs)
		if c := in.Controller; c != nil && in.BusinessType != "soleProprietorship" {
			put("controller.firstName", c.FirstName)
			put("controller.lastName", c.LastName)
			put("controller.title", c.Title)
			put("controller.address.address1", c.Address.Address1)
			put("controller.address.address2", c.Address.Address2)
			put("controller.address.address3", c.Address.Address3)
			put("controller.address.city", c.Address.City)
			put("controller.address.stateProvinceRegion", c.Address.StateProvinceRegion)
			put("controller.address.postalCode", c.Address.PostalCode)
			put("controller.address.country", c.Address.Country)
		}
	}
	return d
}

// CustomerUpdateInput is a POST /customers/{id} body: a status change, or the fields to change by
// their Dwolla JSON names (every member the body sent, so that one the customer cannot change is
// refused rather than silently ignored). An empty value unsets an optional field.
type CustomerUpdateInput struct {
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
		CustomerUnverified: unverifiedUpdates, CustomerReceiveOnly: unverifiedUpdates,
		CustomerPersonal: personalUpdates, CustomerBusiness: businessUpdates,
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
// so that the decoder checks the JSON type only of fields an update can take.
func CustomerUpdateField(name string) bool {
	return unverifiedUpdates[name] || businessUpdates[name]
}

// ChangeInfo returns the customer as the information update set would make it, after checking
// set as create does, on the customer as it would become; c itself is left as it is. Only what
// the request sent is judged: a stored value is the customer's, not this request's.
func (c *Customer) ChangeInfo(set map[string]string) (*Customer, error) {
	if !c.CanChangeInfo() {
		return nil, Errorf(ECodeInvalidResourceState, "A customer with status %s cannot be updated.", c.Status)
	}
	var f Fields
	allowed := customerUpdates[c.Type]
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if !allowed[k] {
			f.Add(FCodeNotAllowed, "/"+k, "%s cannot be updated on a customer of type %s.", k, c.Type)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}

	d := c.Details
	in := CustomerInput{FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, BusinessName: c.BusinessName,
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
	var all Fields
	in.validateCommon(&all)
	if c.Type == CustomerPersonal || c.Type == CustomerBusiness {
		in.validateAddress(&all, "")
	}
	for _, e := range all {
		if _, sent := set[strings.TrimPrefix(e.Path, "/")]; sent {
			f = append(f, e)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}

	next := *c
	next.FirstName, next.LastName, next.Email, next.BusinessName = in.FirstName, in.LastName, in.Email, in.BusinessName
	next.Details = maps.Clone(c.Details)
	for k, v := range set {
		if !detailFields[k] {
			continue
		}
		if k == "state" {
			v = strings.ToUpper(v)
		}
		if next.Details == nil {
			next.Details = map[string]string{}
		}
		if v == "" {
			delete(next.Details, k)
		} else {
			next.Details[k] = v
		}
	}
	return &next, nil
}

// ChangeStatus applies a status request (deactivated or reactivated; Set must be empty) and
// returns the topic of the event it fires. c changes only when the whole request is allowed.
func (c *Customer) ChangeStatus(in CustomerUpdateInput) (string, error) {
	var f Fields
	for _, k := range slices.Sorted(maps.Keys(in.Set)) {
		f.Add(FCodeNotAllowed, "/"+k, "%s cannot be updated together with status.", k)
	}
	next := *c
	var refused *FieldError
	topic := ""
	switch *in.Status {
	case "deactivated":
		refused, topic = next.Deactivate(), TopicCustomerDeactivated
	case "reactivated":
		refused, topic = next.Reactivate(), TopicCustomerActivated
	case "suspended":
		// Only Dwolla can lift a suspension, so a client could never undo one it made here.
		refused = &FieldError{Code: FCodeNotAllowed, Path: "/status",
			Message: "Suspending a customer is not supported: a suspension can only be lifted by Dwolla."}
	default:
		refused = &FieldError{Code: FCodeInvalid, Path: "/status", Message: "Status must be deactivated or reactivated."}
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
