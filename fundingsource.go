package masspay

import "time"

// Funding source types.
const (
	FundingBank    = "bank"
	FundingBalance = "balance"
)

// FundingStatus is whether a funding source is verified.
type FundingStatus string

// Funding source statuses. A bank is verified once (micro-deposits); nothing unverifies it.
const (
	FundingUnverified FundingStatus = "unverified"
	FundingVerified   FundingStatus = "verified"
)

// CanBecome reports whether a funding source may move from s to next: an unverified bank is
// verified (micro-deposits); nothing unverifies a bank.
func (s FundingStatus) CanBecome(next FundingStatus) bool {
	return s == FundingUnverified && next == FundingVerified
}

// Micro-deposit states of a bank funding source.
const (
	MicroDepositsNone      = ""
	MicroDepositsPending   = "pending"
	MicroDepositsProcessed = "processed"
	MicroDepositsFailed    = "failed"
	MicroDepositsMax       = "max-attempts"
)

// FundingSource is a bank (money outside masspay) or a balance (money inside it). Exactly one
// of AccountOwned or CustomerID says who owns it; AccountID is always the account it lives under.
type FundingSource struct {
	ID              string
	AccountID       string
	CustomerID      string // empty when the account itself owns it
	Type            string
	Status          FundingStatus
	Name            string
	BankAccountType string
	RoutingNumber   string
	AccountNumber   string // never rendered, never logged
	Fingerprint     string
	BankName        string
	Channels        []string
	Removed         bool
	Balance         int64 // cents, balance type only; equals the sum of its ledger entries
	MicroDeposits   MicroDeposits
	Created         time.Time
}

// MicroDeposits is the state of a bank's micro-deposit verification.
type MicroDeposits struct {
	Status   string
	Amount1  int64
	Amount2  int64
	Attempts int
	Created  time.Time
}

// Why a source cannot fund a mass payment, as Dwolla words it (see FundRefusal).
var (
	ErrSourceInvalid    = FieldError{Code: FCodeInvalid, Message: "Invalid funding source.", Path: "/_links/source/href"}
	ErrSenderRestricted = FieldError{Code: FCodeRestricted, Message: "Sender restricted.", Path: "/_links/source/href"}
)

// refusal returns a copy of e, so that callers may keep or change it.
func refusal(e FieldError) *FieldError { return &e }

// FundRefusal says why the funding source cannot fund a mass payment, or nil when it can. owner
// is its customer (nil when the account owns it). A source funds when it is a verified bank or
// balance, not removed, of the account or of a verified customer that is not restricted. The
// rule holds when a mass payment is accepted and again when each chunk of it is paid.
func (f *FundingSource) FundRefusal(owner *Customer) *FieldError {
	switch {
	case f.Removed || f.Status != FundingVerified || (f.Type != FundingBank && f.Type != FundingBalance):
		return refusal(ErrSourceInvalid)
	case owner == nil:
		return nil
	case owner.Status.Restricted():
		return refusal(ErrSenderRestricted)
	case !owner.Verified():
		return refusal(ErrSourceInvalid)
	}
	return nil
}

// Destination is what the engine needs to know of a funding source an item pays: whose it is,
// its kind, whether it was removed, and its customer's status ("" when the account owns it).
type Destination struct {
	ID             string
	AccountID      string
	CustomerID     string
	Type           string
	Removed        bool
	CustomerStatus CustomerStatus
}
