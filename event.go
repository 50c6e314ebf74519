package masspay

import "time"

// Topics masspay produces, in Dwolla's spelling.
const (
	TopicMassPaymentCreated   = "mass_payment_created"
	TopicMassPaymentCompleted = "mass_payment_completed"
	TopicMassPaymentCancelled = "mass_payment_cancelled"

	TopicTransferCreated       = "transfer_created"
	TopicTransferCancelled     = "transfer_cancelled"
	TopicTransferFailed        = "transfer_failed"
	TopicTransferCompleted     = "transfer_completed"
	TopicBankTransferCreated   = "bank_transfer_created"
	TopicBankTransferCancelled = "bank_transfer_cancelled"
	TopicBankTransferFailed    = "bank_transfer_failed"
	TopicBankTransferCompleted = "bank_transfer_completed"

	TopicCustomerCreated  = "customer_created"
	TopicCustomerVerified = "customer_verified"
	// Dwolla names reactivation "activated".
	TopicCustomerActivated   = "customer_activated"
	TopicCustomerDeactivated = "customer_deactivated"

	TopicFundingSourceAdded    = "funding_source_added"
	TopicFundingSourceRemoved  = "funding_source_removed"
	TopicFundingSourceVerified = "funding_source_verified"
	TopicFundingSourceUpdated  = "funding_source_updated"
	TopicMicroDepositsAdded    = "microdeposits_added"
	TopicMicroDepositsComplete = "microdeposits_completed"
	TopicMicroDepositsFailed   = "microdeposits_failed"
	TopicMicroDepositsMax      = "microdeposits_maxattempts"
)

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

// CustomerTopic returns the customer_ form of an account topic ("transfer_created" becomes
// "customer_transfer_created"), which Dwolla fires when the resource belongs to a customer.
func CustomerTopic(topic string) string { return "customer_" + topic }

// NewEvent returns an event with a new id. When customerID is set, the topic takes its
// customer_ form: the event is the customer's.
func NewEvent(accountID, customerID, topic, resourceType, resourceID, correlationID string, now time.Time) *Event {
	if customerID != "" {
		topic = CustomerTopic(topic)
	}
	return &Event{ID: NewID(), AccountID: accountID, CustomerID: customerID, Topic: topic,
		ResourceType: resourceType, ResourceID: resourceID, CorrelationID: correlationID, Created: now}
}

// TransferEvents returns the events of something that happened to t: one per party, as Dwolla
// does. The account's side gets the plain topic, each customer side the customer_ form.
func TransferEvents(t *Transfer, topic string, now time.Time) []*Event {
	src := NewEvent(t.AccountID, t.SourceCustomerID, topic, "transfers", t.ID, t.CorrelationID, now)
	if t.DestCustomerID == t.SourceCustomerID {
		return []*Event{src}
	}
	return []*Event{src, NewEvent(t.AccountID, t.DestCustomerID, topic, "transfers", t.ID, t.CorrelationID, now)}
}
