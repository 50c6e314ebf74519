package masspay

import "time"

// TransferStatus is where a transfer is in clearing.
type TransferStatus string

// Transfer statuses.
const (
	TransferPending   TransferStatus = "pending"
	TransferProcessed TransferStatus = "processed"
	TransferCancelled TransferStatus = "cancelled"
	TransferFailed    TransferStatus = "failed"
)

// Valid reports whether s is a transfer status (transfer lists filter by them).
func (s TransferStatus) Valid() bool {
	return s == TransferPending || s == TransferProcessed || s == TransferCancelled || s == TransferFailed
}

// CanBecome reports whether a transfer may move from s to next: a pending one is processed,
// fails (a return) or is cancelled; a processed one can still fail (a late return, see
// docs/ledger.md). Failed and cancelled are final.
func (s TransferStatus) CanBecome(next TransferStatus) bool {
	switch s {
	case TransferPending:
		return next == TransferProcessed || next == TransferFailed || next == TransferCancelled
	case TransferProcessed:
		return next == TransferFailed
	}
	return false
}

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
	Status            TransferStatus
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

// TransferCancelInput is a POST /transfers/{id} body as decoded: {"status": "cancelled"} is the
// only update a transfer takes.
type TransferCancelInput struct {
	Status any `json:"status"`
}

// Validate checks that the body asks to cancel.
func (in *TransferCancelInput) Validate(f *Fields) {
	if s, ok := in.Status.(string); !ok || TransferStatus(s) != TransferCancelled {
		f.Add(FCodeInvalid, "/status", "Status invalid.")
	}
}
