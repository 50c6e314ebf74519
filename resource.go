package masspay

import (
	"time"

	"github.com/google/uuid"
)

// Account is Dwolla's "Main account": the owner of applications, customers and its own
// funding sources.
type Account struct {
	ID      string
	Name    string
	Created time.Time
}

// Application holds the client credentials of one account. The secret is stored only as a hash.
type Application struct {
	ID         string
	AccountID  string
	Name       string
	Key        string
	SecretHash string
	Created    time.Time
}

// AccessToken is a bearer token issued by POST /token, stored by the hash of its value.
type AccessToken struct {
	Hash          string
	ApplicationID string
	AccountID     string
	Expires       time.Time
}

// Customer types and statuses, in Dwolla's spelling.
const (
	CustomerReceiveOnly = "receive-only"
	CustomerUnverified  = "unverified"
	CustomerPersonal    = "personal"
	CustomerBusiness    = "business"

	CustomerStatusUnverified  = "unverified"
	CustomerStatusVerified    = "verified"
	CustomerStatusRetry       = "retry"
	CustomerStatusKBA         = "kba"
	CustomerStatusDocument    = "document"
	CustomerStatusSuspended   = "suspended"
	CustomerStatusDeactivated = "deactivated"
)

// Customer is a person or business the account pays (or, when verified, pays from).
type Customer struct {
	ID            string
	AccountID     string
	FirstName     string
	LastName      string
	Email         string
	Type          string
	Status        string
	BusinessName  string
	CorrelationID string
	// Details holds the verified customers' public fields (address1, city, state, postalCode,
	// phone, businessType, website...) by their Dwolla JSON names. Sensitive inputs (ssn,
	// dateOfBirth, ein) are validated and never stored.
	Details map[string]string
	Created time.Time
	// PriorStatus is the status a deactivated customer had, which reactivation restores.
	PriorStatus string
}

// Verified reports whether the customer may own a balance and send money.
func (c *Customer) Verified() bool {
	return (c.Type == CustomerPersonal || c.Type == CustomerBusiness) && c.Status == CustomerStatusVerified
}

// Funding source types and statuses.
const (
	FundingBank    = "bank"
	FundingBalance = "balance"

	FundingUnverified = "unverified"
	FundingVerified   = "verified"
)

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
	Status          string
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

// Usable reports whether the funding source can send or receive at all.
func (f *FundingSource) Usable() bool { return !f.Removed && f.Status == FundingVerified }

// Destination is what the engine needs to know of a funding source an item pays: whose it is,
// its kind, whether it was removed, and its customer's status ("" when the account owns it).
type Destination struct {
	ID             string
	AccountID      string
	CustomerID     string
	Type           string
	Removed        bool
	CustomerStatus string
}

// Mass payment and item statuses.
const (
	MassPaymentDeferred   = "deferred"
	MassPaymentPending    = "pending"
	MassPaymentProcessing = "processing"
	MassPaymentComplete   = "complete"
	MassPaymentCancelled  = "cancelled"

	ItemPending = "pending"
	ItemSuccess = "success"
	ItemFailed  = "failed"
)

// MaxItems is the most items one mass payment may hold.
const MaxItems = 5000

// MassPayment is one batch: up to 5,000 items paid from one funding source.
type MassPayment struct {
	ID                string
	Seq               int64
	AccountID         string
	CustomerID        string // set when the source belongs to a customer
	SourceID          string
	SourceType        string // bank or balance, copied at creation
	Status            string
	Total             int64
	ItemCount         int
	Metadata          map[string]string
	CorrelationID     string
	ClearingSource    string
	Addenda           string // achDetails.source.addenda.values[0]
	FundingTransferID string
	NextIdx           int // items below this index are done (the engine's cursor)
	// Succeeded and Failed count the items with each outcome so far: the live counts of the
	// resource's itemCounts. The store keeps them in the transaction that writes the outcomes.
	Succeeded  int
	Failed     int
	LeaseOwner string
	LeaseUntil time.Time
	Created    time.Time
	Completed  time.Time
}

// Pending is the number of items not yet attempted.
func (m *MassPayment) Pending() int { return m.ItemCount - m.Succeeded - m.Failed }

// Item is one payment of a mass payment.
type Item struct {
	ID                  string
	MassPaymentID       string
	Idx                 int
	DestinationID       string
	Amount              int64
	Metadata            map[string]string
	CorrelationID       string
	ClearingDestination string
	Addenda             string
	ProcessingChannel   string
	Status              string
	TransferID          string
	Error               *FieldError
}

// Transfer statuses.
const (
	TransferPending   = "pending"
	TransferProcessed = "processed"
	TransferCancelled = "cancelled"
	TransferFailed    = "failed"
)

// Transfer is a movement of money between two funding sources.
type Transfer struct {
	ID                string
	Seq               int64
	AccountID         string
	SourceID          string // funding source
	DestinationID     string // funding source
	SourceCustomerID  string // empty when the account owns the source
	DestCustomerID    string // empty when the account owns the destination
	Amount            int64
	Status            string
	Posted            bool // its ledger entries are written
	Bank              bool // a bank is on one side: it clears through the bank (sandbox simulation)
	FundingTransferID string
	MassPaymentID     string
	ItemID            string
	CorrelationID     string
	Metadata          map[string]string
	ClearingSource    string
	ClearingDest      string
	SourceAddenda     string
	DestAddenda       string
	ProcessingChannel string
	FailureCode       string
	Created           time.Time
	// ACH holds the entries that carried it to the bank (--clearing ach), when loaded: its own,
	// and for a funded transfer its funding transfer's debit.
	ACH []*ACHEntry
}

// LedgerEntry is one side of a balance change: Amount cents (signed) on a funding source,
// caused by a transfer. The entries of one posting sum to zero.
type LedgerEntry struct {
	FundingSourceID string
	TransferID      string
	Amount          int64
	Created         time.Time
}

// PostingEntries are the two ledger entries that move t.Amount from one funding source to another.
func PostingEntries(t *Transfer, from, to string, now time.Time) []LedgerEntry {
	return []LedgerEntry{
		{FundingSourceID: from, TransferID: t.ID, Amount: -t.Amount, Created: now},
		{FundingSourceID: to, TransferID: t.ID, Amount: t.Amount, Created: now},
	}
}

// Event is a record of something that happened, exposed at /events and sent to webhooks.
type Event struct {
	ID            string
	Seq           int64
	AccountID     string
	CustomerID    string
	Topic         string
	ResourceType  string // path segment: "mass-payments", "transfers", "customers", "funding-sources"
	ResourceID    string
	CorrelationID string
	Created       time.Time
}

// Idempotency record states.
const (
	IdempotencyInFlight = "in-flight"
	IdempotencyDone     = "done"
)

// IdempotencyRecord remembers the outcome of a request sent with an Idempotency-Key.
type IdempotencyRecord struct {
	ApplicationID string
	Key           string
	Fingerprint   string
	Owner         string // the request holding it while in flight
	State         string
	Location      string // path of the created resource, e.g. /mass-payments/ID
	LockedUntil   time.Time
	Expires       time.Time
}

// NewID returns a new resource id: a UUID of version 7, whose leading bits are its creation time.
// Ids made one after another then sort together, so the unique indexes on them grow at one end
// instead of at random places (the engine writes thousands of rows a second). Nothing is given
// away: every resource already shows its creation time in `created`.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }
