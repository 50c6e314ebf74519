package masspay

import "time"

// MassPaymentStatus is where a mass payment is in its life.
type MassPaymentStatus string

// Mass payment statuses.
const (
	MassPaymentDeferred   MassPaymentStatus = "deferred"
	MassPaymentPending    MassPaymentStatus = "pending"
	MassPaymentProcessing MassPaymentStatus = "processing"
	MassPaymentComplete   MassPaymentStatus = "complete"
	MassPaymentCancelled  MassPaymentStatus = "cancelled"
)

// Valid reports whether s is a mass payment status (the dashboard's list filters by them).
func (s MassPaymentStatus) Valid() bool {
	switch s {
	case MassPaymentDeferred, MassPaymentPending, MassPaymentProcessing, MassPaymentComplete, MassPaymentCancelled:
		return true
	}
	return false
}

// CanBecome reports whether a mass payment may move from s to next: a deferred one is sent
// (pending) or cancelled by its client; the engine claims a pending one (processing) and
// completes it. Complete and cancelled are final.
func (s MassPaymentStatus) CanBecome(next MassPaymentStatus) bool {
	switch s {
	case MassPaymentDeferred:
		return next == MassPaymentPending || next == MassPaymentCancelled
	case MassPaymentPending:
		return next == MassPaymentProcessing
	case MassPaymentProcessing:
		return next == MassPaymentComplete
	}
	return false
}

// ItemStatus is the outcome of one item.
type ItemStatus string

// Item statuses: an item is pending until the engine pays it (success) or cannot (failed).
const (
	ItemPending ItemStatus = "pending"
	ItemSuccess ItemStatus = "success"
	ItemFailed  ItemStatus = "failed"
)

// Valid reports whether s is an item status (GET /mass-payments/{id}/items filters by them).
func (s ItemStatus) Valid() bool { return s == ItemPending || s == ItemSuccess || s == ItemFailed }

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
	Status            MassPaymentStatus
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
	Status              ItemStatus
	TransferID          string
	Error               *FieldError
}

// Why an item's destination cannot be paid, as Dwolla words it.
var (
	errReceiverNotFound   = FieldError{Code: FCodeInvalid, Message: "Receiver not found.", Path: "/items/destination/href"}
	errReceiverIsOwner    = FieldError{Code: FCodeInvalid, Message: "Receiver cannot be the owner of the source funding source.", Path: "/items/destination/href"}
	errReceiverRestricted = FieldError{Code: FCodeRestricted, Message: "Receiver restricted.", Path: "/items/destination/href"}
)

// PayRefusal says why the mass payment cannot pay destination d (nil: d was not found), or nil
// when it can: d must be a funding source of the same account, not removed, of another owner
// than the source's, whose customer (if any) may receive. An unverified bank can be paid.
func (mp *MassPayment) PayRefusal(d *Destination) *FieldError {
	switch {
	case d == nil || d.AccountID != mp.AccountID || d.Removed:
		return refusal(errReceiverNotFound)
	case d.CustomerID == mp.CustomerID:
		return refusal(errReceiverIsOwner)
	case d.CustomerStatus.Restricted():
		return refusal(errReceiverRestricted)
	}
	return nil
}
