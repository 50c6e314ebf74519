package masspay

import (
	"context"
	"time"
)

// Store is the storage seam. sqlstore implements it for SQLite and PostgreSQL alike. Read runs fn
// against a consistent read-only snapshot; Write runs fn in one write transaction, committed when
// fn returns nil and rolled back otherwise. Store methods hold no business rules: those live once,
// in service and engine.
type Store interface {
	Read(ctx context.Context, fn func(Q) error) error
	Write(ctx context.Context, fn func(Q) error) error
	// Dialect names the backend: "sqlite" or "postgres".
	Dialect() string
	// Subscribe returns a channel that receives a signal (coalesced) after a transaction that
	// called Q.Notify(channel) commits, in this process or, on PostgreSQL, on any node. Workers
	// wake on it instead of polling fast. cancel stops the subscription.
	Subscribe(channel string) (signals <-chan struct{}, cancel func())
	// Sync makes every write committed before the call survive a power loss or an OS crash, not
	// only the end of the process. Call it before an effect outside the store that a lost commit
	// would make wrong (an ACH file written for a cutoff). PostgreSQL's commits are durable
	// already (synchronous_commit=on): nothing to do. SQLite's (WAL, synchronous=NORMAL) are not
	// until a checkpoint: Sync runs one (see sqlite.Driver.Sync). The hot path never calls it.
	Sync(ctx context.Context) error
	Close() error
}

// Wake-up channels for Store.Subscribe and Q.Notify.
const (
	ChannelWork     = "masspay_work"     // a mass payment became pending
	ChannelWebhooks = "masspay_webhooks" // webhook deliveries became due
)

// Page is a limit/offset window of a list.
type Page struct {
	Limit  int
	Offset int
}

// CustomerFilter narrows GET /customers.
type CustomerFilter struct {
	AccountID string
	Search    string // case-insensitive substring of first name, last name, email or business name
	Email     string
	Statuses  []string
	Page
	CorrelationID string // exact match
}

// FundingSourceFilter narrows a list of funding sources to one owner.
type FundingSourceFilter struct {
	AccountID  string
	CustomerID string // empty: the account's own funding sources
	Removed    *bool
}

// MassPaymentFilter narrows a list of mass payments.
type MassPaymentFilter struct {
	AccountID     string
	CustomerID    string // empty: the account's own mass payments
	CorrelationID string
	Statuses      []string // empty: any status
	Page
}

// ItemFilter narrows the items of one mass payment.
type ItemFilter struct {
	MassPaymentID string
	Statuses      []string
	Page
}

// TransferFilter narrows GET /accounts/{id}/transfers and /customers/{id}/transfers.
type TransferFilter struct {
	AccountID     string
	CustomerID    string // empty: transfers touching the account's own funding sources
	Statuses      []string
	CorrelationID string
	StartAmount   int64 // 0: no bound
	EndAmount     int64 // 0: no bound
	StartDate     time.Time
	EndDate       time.Time // exclusive
	Page
	// Search is a case-insensitive substring of the counterparty customer's first name, last
	// name, email or business name (the counterparty: a side's customer other than CustomerID).
	Search string
}

// EventFilter narrows GET /events.
type EventFilter struct {
	AccountID string
	Since     time.Time // zero: no bound; older events are left out (retention)
	Page
}

// WebhookFilter narrows the webhooks of one subscription.
type WebhookFilter struct {
	SubscriptionID string
	ResourceID     string    // the resource of the webhook's event
	StartDate      time.Time // zero: no bound
	EndDate        time.Time // exclusive; zero: no bound
	Page
}

// Backlog is the work waiting, at one moment: mass payments pending or processing, their items
// not yet decided, and webhooks due now or waiting for a retry (the outbox).
type Backlog struct {
	MassPayments int64
	Items        int64
	Webhooks     int64
}

// ClaimParams asks for the next mass payment that is pending, or processing under a lease that
// has run out, and leases it to Owner until LeaseUntil.
type ClaimParams struct {
	Owner      string
	Now        time.Time
	LeaseUntil time.Time
}

// Q is what a transaction (or a read snapshot) can do. Methods are noun-first. Single-row lookups
// return ErrNoRows when nothing matches.
type Q interface {
	AccountCount(ctx context.Context) (int, error)
	AccountGet(ctx context.Context, id string) (*Account, error)
	AccountInsert(ctx context.Context, a *Account) error

	ApplicationGetByKey(ctx context.Context, key string) (*Application, error)
	ApplicationInsert(ctx context.Context, a *Application) error

	// AccessTokenDelete forgets one token (a dashboard session signed out); ErrNoRows if unknown.
	AccessTokenDelete(ctx context.Context, hash string) error

	// Backlog counts the work waiting (for metrics).
	Backlog(ctx context.Context) (Backlog, error)

	AccessTokenDeleteExpired(ctx context.Context, now time.Time) (int, error)
	AccessTokenGet(ctx context.Context, hash string) (*AccessToken, error)
	AccessTokenInsert(ctx context.Context, t *AccessToken) error

	CustomerGet(ctx context.Context, id string) (*Customer, error)
	CustomerInsert(ctx context.Context, c *Customer) error
	CustomerList(ctx context.Context, f CustomerFilter) ([]*Customer, int, error)
	// CustomerUpdate writes a customer's names, email, business name, details and status.
	CustomerUpdate(ctx context.Context, c *Customer) error

	// FundingSourceBalance reads a balance and locks it until the transaction ends.
	FundingSourceBalance(ctx context.Context, id string) (int64, error)
	FundingSourceGet(ctx context.Context, id string) (*FundingSource, error)
	FundingSourceInsert(ctx context.Context, f *FundingSource) error
	FundingSourceList(ctx context.Context, f FundingSourceFilter) ([]*FundingSource, error)
	FundingSourceUpdate(ctx context.Context, f *FundingSource) error

	// DestinationGetMany looks up the funding sources with the given ids (missing ones are left
	// out), with their customers' statuses, in one query.
	DestinationGetMany(ctx context.Context, ids []string) (map[string]*Destination, error)
	// DestinationRevision is a counter that moves, in the same transaction, with every change
	// that can alter what DestinationGetMany returns for an existing funding source (a source
	// removed, a customer's status changed). Equal revisions in two transactions mean that
	// the destinations one read are current in the other.
	DestinationRevision(ctx context.Context) (int64, error)

	// LedgerPost writes entries and moves the balance of every balance-type funding source
	// they touch by the same amounts, in the same transaction.
	LedgerPost(ctx context.Context, entries []LedgerEntry) error

	TransferGet(ctx context.Context, id string) (*Transfer, error)
	TransferInsertMany(ctx context.Context, ts []*Transfer) error
	TransferList(ctx context.Context, f TransferFilter) ([]*Transfer, int, error)
	TransferListFundedBy(ctx context.Context, fundingTransferID string) ([]*Transfer, error)
	TransferListPendingBank(ctx context.Context, accountID string, limit int) ([]*Transfer, error)
	TransferUpdate(ctx context.Context, t *Transfer) error

	MassPaymentClaim(ctx context.Context, p ClaimParams) (*MassPayment, error)
	MassPaymentGet(ctx context.Context, id string) (*MassPayment, error)
	MassPaymentInsert(ctx context.Context, mp *MassPayment, items []*Item) error
	MassPaymentList(ctx context.Context, f MassPaymentFilter) ([]*MassPayment, int, error)
	MassPaymentUpdate(ctx context.Context, mp *MassPayment) error
	// MassPaymentRenewLease extends the lease if Owner still holds it; false when it is lost.
	MassPaymentRenewLease(ctx context.Context, id, owner string, until time.Time) (bool, error)

	ItemGet(ctx context.Context, id string) (*Item, error)
	ItemList(ctx context.Context, f ItemFilter) ([]*Item, int, error)
	// ItemListPending returns up to limit pending items of a mass payment from index fromIdx on.
	ItemListPending(ctx context.Context, massPaymentID string, fromIdx, limit int) ([]*Item, error)
	ItemUpdateMany(ctx context.Context, items []*Item) error

	EventGet(ctx context.Context, id string) (*Event, error)
	// EventInsertMany stores events; it does not fan them out (service.Publish does).
	EventInsertMany(ctx context.Context, events []*Event) error
	EventList(ctx context.Context, f EventFilter) ([]*Event, int, error)

	IdempotencyDelete(ctx context.Context, appID, key string) error
	IdempotencyDeleteExpired(ctx context.Context, now time.Time) (int, error)
	IdempotencyGet(ctx context.Context, appID, key string) (*IdempotencyRecord, error)
	// IdempotencyComplete marks the key done with location if owner still holds it in flight,
	// and reports whether it did.
	IdempotencyComplete(ctx context.Context, appID, key, owner, location string, expires time.Time) (bool, error)
	// IdempotencyReleaseInFlight forgets every in-flight key (at the start of a process that
	// is the store's only one: no request can still be running).
	IdempotencyReleaseInFlight(ctx context.Context) (int, error)
	// IdempotencyInsert stores a new record; ErrUnique when the key is already taken.
	IdempotencyInsert(ctx context.Context, r *IdempotencyRecord) error
	IdempotencyPut(ctx context.Context, r *IdempotencyRecord) error

	// Notify asks for a signal to subscribers of channel once this transaction commits.
	Notify(ctx context.Context, channel string) error
	// Lock takes the named lock until the transaction ends: transactions that take the same name
	// run one at a time, across every node sharing the database. Take it first, before reading
	// what it protects.
	Lock(ctx context.Context, name string) error

	// Violations runs the store's invariant checks and describes each one that fails.
	Violations(ctx context.Context) ([]string, error)

	WebhookAttemptInsert(ctx context.Context, a *WebhookAttempt) error
	// WebhookAttemptList returns the attempts made to deliver these webhooks, oldest first.
	WebhookAttemptList(ctx context.Context, webhookIDs ...string) ([]*WebhookAttempt, error)
	// WebhookClaim leases due webhooks of unpaused subscriptions (skipping rows another node
	// holds) and returns them with their subscription and event.
	WebhookClaim(ctx context.Context, p WebhookClaimParams) ([]*WebhookDelivery, error)
	// WebhookClearDue makes nothing of a subscription due (it was paused).
	WebhookClearDue(ctx context.Context, subscriptionID string) error
	WebhookGet(ctx context.Context, id string) (*Webhook, error)
	// WebhookInsertMany stores new webhooks: their ids, events, NextAt and Created (a new
	// webhook has no retries and no lease; the store assigns Seq). ErrUnique for a used id.
	WebhookInsertMany(ctx context.Context, ws []*Webhook) error
	WebhookList(ctx context.Context, f WebhookFilter) ([]*Webhook, int, error)
	WebhookRetryInsert(ctx context.Context, r *WebhookRetry) error
	WebhookRetryList(ctx context.Context, webhookID string) ([]*WebhookRetry, error)
	// WebhookUpdate writes the delivery state: Retries, NextAt and LeaseUntil.
	WebhookUpdate(ctx context.Context, w *Webhook) error

	WebhookSubscriptionCount(ctx context.Context, accountID string) (int, error)
	// WebhookSubscriptionDelete removes a subscription with its webhooks, attempts and retries.
	WebhookSubscriptionDelete(ctx context.Context, id string) error
	WebhookSubscriptionGet(ctx context.Context, id string) (*WebhookSubscription, error)
	WebhookSubscriptionInsert(ctx context.Context, s *WebhookSubscription) error
	WebhookSubscriptionList(ctx context.Context, accountID string) ([]*WebhookSubscription, error)
	// WebhookSubscriptionRecord counts one delivery outcome atomically (a success resets the
	// failure count and stamps LastSuccess) and returns the subscription as it now stands.
	WebhookSubscriptionRecord(ctx context.Context, id string, success bool, now time.Time) (*WebhookSubscription, error)
	WebhookSubscriptionSetPaused(ctx context.Context, id string, paused bool) error

	// TransferListPendingBankBefore returns the oldest pending bank transfers of every account
	// created before the given time, up to limit, locked until the transaction ends.
	TransferListPendingBankBefore(ctx context.Context, before time.Time, limit int) ([]*Transfer, error)

	// TransferListProcessedBank returns the account's oldest processed bank transfers, up to
	// limit, locked until the transaction ends, that debit a bank of the account named one of
	// debitNames (funded transfers left out: their bank debit is their funding transfer) or
	// credit a bank named one of creditNames.
	TransferListProcessedBank(ctx context.Context, accountID string, debitNames, creditNames []string, limit int) ([]*Transfer, error)

	// ACH (--clearing ach, docs/ach.md).

	// ACHSettingsGet returns the originator settings serve recorded (ErrNoRows when none).
	ACHSettingsGet(ctx context.Context) (string, error)
	ACHSettingsPut(ctx context.Context, settings string, now time.Time) error
	// ACHWindowLast returns the latest cutoff of a closed window (zero when none).
	ACHWindowLast(ctx context.Context) (time.Time, error)
	// ACHWindowInsert records a closed window; ErrUnique when it was closed already.
	ACHWindowInsert(ctx context.Context, w *ACHWindow) error
	// ACHTransferListDue returns up to limit pending bank transfers, oldest first, that are in
	// no file and wait on no funding transfer that is not yet processed.
	ACHTransferListDue(ctx context.Context, limit int) ([]*Transfer, error)
	// ACHFileDay returns how many files were made on a date and the last trace sequence used.
	ACHFileDay(ctx context.Context, date string) (files, lastTrace int, err error)
	// ACHFileInsert records a file with its entries.
	ACHFileInsert(ctx context.Context, f *ACHFile, entries []*ACHEntry) error
	// ACHFileList returns recorded files, newest first, without their content, and their total.
	ACHFileList(ctx context.Context, p Page) ([]*ACHFile, int, error)
	// ACHFileListUnwritten returns the files not yet on disk, oldest first, with their content.
	ACHFileListUnwritten(ctx context.Context) ([]*ACHFile, error)
	ACHFileSetWritten(ctx context.Context, id string) error
	// ACHEntryListByTransfer returns the entries of the given transfers with their files.
	ACHEntryListByTransfer(ctx context.Context, transferIDs ...string) ([]*ACHEntry, error)
	// ACHEntryListDue returns up to limit unprocessed entries whose process date is before date.
	ACHEntryListDue(ctx context.Context, date string, limit int) ([]*ACHEntry, error)
	// ACHEntrySetProcessed marks entries processed (their return window is over).
	ACHEntrySetProcessed(ctx context.Context, entries []*ACHEntry) error

	// ACH returns and corrections (part 2, docs/ach.md).

	// ACHEntryListByTrace returns the entries with a trace number (one per ODFI and day, so
	// several days may share it), with their files.
	ACHEntryListByTrace(ctx context.Context, trace string) ([]*ACHEntry, error)
	// ACHImportGet returns the import of a file by its SHA-256 (ErrNoRows when none).
	ACHImportGet(ctx context.Context, sha256 string) (*ACHImport, error)
	// ACHImportInsert records an import; ErrUnique when the file was imported already.
	ACHImportInsert(ctx context.Context, im *ACHImport) error
	// ACHReturnInsert records a returned entry; ErrUnique when that side has a return already.
	ACHReturnInsert(ctx context.Context, r *ACHReturn) error
	// ACHReturnList returns the returns of a transfer (each side at most once).
	ACHReturnList(ctx context.Context, transferID string) ([]*ACHReturn, error)
	// ACHReturnListHeld returns up to limit held returns, oldest first.
	ACHReturnListHeld(ctx context.Context, limit int) ([]*ACHReturn, error)
	// ACHReturnSetApplied marks a held return applied.
	ACHReturnSetApplied(ctx context.Context, transferID string, debit bool) error
	// ACHCorrectionInsert records a notification of change; false (and nothing written) when the
	// entry has one already.
	ACHCorrectionInsert(ctx context.Context, c *ACHCorrection) (bool, error)
	// ACHCorrectionList returns notifications of change, newest first, and their total.
	ACHCorrectionList(ctx context.Context, p Page) ([]*ACHCorrection, int, error)
	// ACHFileListUnuploaded returns written files not yet uploaded to the bank, oldest first,
	// with their content.
	ACHFileListUnuploaded(ctx context.Context) ([]*ACHFile, error)
	ACHFileSetUploaded(ctx context.Context, id string, at time.Time) error
}
