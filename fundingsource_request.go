package masspay

import "unicode/utf8"

// BankInput is a POST /funding-sources or /customers/{id}/funding-sources body as decoded.
type BankInput struct {
	RoutingNumber   string `json:"routingNumber"`
	AccountNumber   string `json:"accountNumber"`
	BankAccountType string `json:"bankAccountType"`
	Name            string `json:"name"`
}

// Bank account types an account's bank, and a customer's, may have.
var (
	accountBankTypes  = map[string]bool{"checking": true, "savings": true}
	customerBankTypes = map[string]bool{"checking": true, "savings": true, "general-ledger": true, "loan": true}
)

// Validate checks a new bank of a customer (forCustomer) or of the account.
func (in *BankInput) Validate(f *Fields, forCustomer bool) {
	ValidateBank(f, in.RoutingNumber, in.AccountNumber, in.BankAccountType, forCustomer)
	validateName(f, in.Name)
}

func validateName(f *Fields, name string) {
	if name == "" {
		f.Add(FCodeRequired, "/name", "Name required.")
	} else if utf8.RuneCountInString(name) > 50 {
		f.Add(FCodeInvalidFormat, "/name", "Name must be 50 or fewer characters.")
	}
}

// ValidateBank checks the bank details of a create, or of an update once the current values
// have filled in what the update leaves out.
func ValidateBank(f *Fields, routing, account, typ string, forCustomer bool) {
	if routing == "" {
		f.Add(FCodeRequired, "/routingNumber", "RoutingNumber required.")
	} else if !ValidRoutingNumber(routing) {
		f.Add(FCodeInvalidFormat, "/routingNumber", "Routing number invalid.")
	}
	if account == "" {
		f.Add(FCodeRequired, "/accountNumber", "AccountNumber required.")
	} else if !ValidAccountNumber(account) {
		f.Add(FCodeInvalidFormat, "/accountNumber", "Account number must be 4 to 17 digits.")
	}
	types, allowed := accountBankTypes, "checking, savings"
	if forCustomer {
		types, allowed = customerBankTypes, "checking, savings, general-ledger, loan"
	}
	if typ == "" {
		f.Add(FCodeRequired, "/bankAccountType", "BankAccountType required.")
	} else if !types[typ] {
		f.Add(FCodeInvalid, "/bankAccountType", "BankAccountType must be one of %s.", allowed)
	}
}

// FundingSourceUpdateInput is a POST /funding-sources/{id} body as decoded; nil fields are absent.
type FundingSourceUpdateInput struct {
	Name            *string `json:"name"`
	RoutingNumber   *string `json:"routingNumber"`
	AccountNumber   *string `json:"accountNumber"`
	BankAccountType *string `json:"bankAccountType"`
	Removed         *bool   `json:"removed"`
}

// BankChange reports whether the update changes bank details.
func (in *FundingSourceUpdateInput) BankChange() bool {
	return in.RoutingNumber != nil || in.AccountNumber != nil || in.BankAccountType != nil
}

// Validate checks what the update asks on its own: a removal alone, or a name and bank details
// (which ValidateBank judges once the bank's current values fill in the rest).
func (in *FundingSourceUpdateInput) Validate(f *Fields) {
	switch {
	case in.Removed != nil:
		if in.Name != nil || in.BankChange() {
			f.Add(FCodeNotAllowed, "/removed", "Removed cannot be combined with other fields.")
		} else if !*in.Removed {
			f.Add(FCodeInvalid, "/removed", "Removed must be true.")
		}
	case in.Name == nil && !in.BankChange():
		f.Add(FCodeRequired, "/name", "Name required.")
	}
	if in.Name != nil {
		validateName(f, *in.Name)
	}
}

// MicroDepositsInput is a POST /funding-sources/{id}/micro-deposits body: empty to initiate,
// two amounts to verify.
type MicroDepositsInput struct {
	Keys    Keys
	Amount1 *MicroDepositAmount `json:"amount1"`
	Amount2 *MicroDepositAmount `json:"amount2"`
}

// MicroDepositAmount is one amount of a micro-deposit verification.
type MicroDepositAmount struct {
	Value    *AmountText `json:"value"`
	Currency *string     `json:"currency"`
}

// Initiate reports whether the body asks to initiate micro-deposits (it has no member).
func (in *MicroDepositsInput) Initiate() bool { return len(in.Keys) == 0 }

// Validate checks a verification and returns the two amounts in cents.
func (in *MicroDepositsInput) Validate(f *Fields) (int64, int64) {
	return in.Amount1.cents("amount1", f), in.Amount2.cents("amount2", f)
}

func (a *MicroDepositAmount) cents(key string, f *Fields) int64 {
	if a == nil {
		f.Add(FCodeRequired, "/"+key, "%s required.", key)
		return 0
	}
	if a.Value == nil {
		f.Add(FCodeRequired, "/"+key+"/value", "%s value required.", key)
		return 0
	}
	cents, err := ParseAmount(string(*a.Value))
	if err != nil {
		f.Add(FCodeInvalidFormat, "/"+key+"/value", "Invalid amount. The supplied amount must be a positive number with at most 2 decimal places.")
	}
	if a.Currency == nil || (*a.Currency != Currency && *a.Currency != "") {
		f.Add(FCodeInvalid, "/"+key+"/currency", "Currency must be USD.")
	}
	return cents
}
