package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"masspay"
	"masspay/service"
)

// batch is one chunk's view of a mass payment, inside the chunk's transaction.
type batch struct {
	q       masspay.Q
	mp      *masspay.MassPayment
	now     time.Time
	source  *masspay.FundingSource
	hub     *masspay.FundingSource // the source owner's balance, where a bank debit lands
	refused *masspay.FieldError    // why the source can no longer pay (every item fails), or nil
}

// errInsufficient is the item failure of the engine's own, as Dwolla words it (the rules on
// sources and destinations are the domain's: FundRefusal, PayRefusal).
var errInsufficient = masspay.FieldError{Code: masspay.FCodeInsufficientFunds, Message: "Insufficient funds.", Path: "/items/amount/value"}

// load reads the source and, for a bank source, makes sure the batch's one funding transfer exists.
func (b *batch) load(ctx context.Context) error {
	src, err := b.q.FundingSourceGet(ctx, b.mp.SourceID)
	if err != nil {
		return err
	}
	b.source = src
	// The source may have been removed, or its owner suspended or deactivated, since the batch
	// was accepted.
	if b.refused, err = service.FundRefusal(ctx, b.q, src); err != nil || b.refused != nil {
		return err
	}
	if src.Type != masspay.FundingBank {
		return nil
	}
	owned, err := b.q.FundingSourceList(ctx, masspay.FundingSourceFilter{AccountID: b.mp.AccountID, CustomerID: b.mp.CustomerID})
	if err != nil {
		return err
	}
	for _, f := range owned {
		if f.Type == masspay.FundingBalance && !f.Removed {
			b.hub = f
		}
	}
	if b.hub == nil {
		invalid := masspay.ErrSourceInvalid
		b.refused = &invalid
		return nil
	}
	if b.mp.FundingTransferID != "" {
		return nil
	}
	// One debit of the bank for the whole batch total, created with the first chunk. It is
	// pending and unposted until clearing (docs/ledger.md).
	ft := &masspay.Transfer{ID: masspay.NewID(), AccountID: b.mp.AccountID, SourceID: src.ID, DestinationID: b.hub.ID,
		SourceCustomerID: b.mp.CustomerID, DestCustomerID: b.mp.CustomerID, Amount: b.mp.Total, Status: masspay.TransferPending,
		Bank: true, MassPaymentID: b.mp.ID, CorrelationID: b.mp.CorrelationID, ClearingSource: b.mp.ClearingSource,
		SourceAddenda: b.mp.Addenda, Created: b.now}
	if err := b.q.TransferInsertMany(ctx, []*masspay.Transfer{ft}); err != nil {
		return err
	}
	b.mp.FundingTransferID = ft.ID
	return service.Publish(ctx, b.q, masspay.TransferEvents(ft, masspay.TopicBankTransferCreated, b.now)[:1]...)
}

// pay decides each item in order, against its destination as dests has it, and writes the
// chunk's transfers, entries, outcomes and events.
func (b *batch) pay(ctx context.Context, items []*masspay.Item, dests map[string]*masspay.Destination) error {
	var balance int64
	var err error
	fromBalance := b.source.Type == masspay.FundingBalance
	if fromBalance && b.refused == nil {
		if balance, err = b.q.FundingSourceBalance(ctx, b.source.ID); err != nil {
			return err
		}
	}

	transfers := make([]*masspay.Transfer, 0, len(items))
	entries := make([]masspay.LedgerEntry, 0, 2*len(items))
	events := make([]*masspay.Event, 0, 2*len(items))
	for _, it := range items {
		d := dests[it.DestinationID]
		refused := b.refused
		if refused == nil {
			refused = b.mp.PayRefusal(d)
		}
		if refused == nil && fromBalance && it.Amount > balance {
			refused = &errInsufficient
		}
		if refused != nil {
			e := *refused // each item keeps its own copy
			it.Status, it.Error = masspay.ItemFailed, &e
			continue
		}
		t := &masspay.Transfer{ID: masspay.NewID(), AccountID: b.mp.AccountID, SourceID: b.source.ID, DestinationID: d.ID,
			SourceCustomerID: b.mp.CustomerID, DestCustomerID: d.CustomerID, Amount: it.Amount, Status: masspay.TransferPending,
			Bank: d.Type == masspay.FundingBank || !fromBalance, MassPaymentID: b.mp.ID, ItemID: it.ID, CorrelationID: it.CorrelationID,
			Metadata: it.Metadata, ClearingSource: b.mp.ClearingSource, ClearingDest: it.ClearingDestination,
			SourceAddenda: b.mp.Addenda, DestAddenda: it.Addenda, ProcessingChannel: it.ProcessingChannel, Created: b.now}
		events = append(events, masspay.TransferEvents(t, masspay.TopicTransferCreated, b.now)...)
		if fromBalance {
			// Paid from the balance at once: the balance can never be spent twice. To another
			// balance it is also complete at once; to a bank it clears later.
			balance -= it.Amount
			t.Posted = true
			entries = append(entries, masspay.PostingEntries(t, b.source.ID, d.ID, b.now)...)
			if !t.Bank {
				t.Status = masspay.TransferProcessed
				events = append(events, masspay.TransferEvents(t, masspay.TopicTransferCompleted, b.now)...)
			}
		} else {
			t.FundingTransferID = b.mp.FundingTransferID
		}
		it.Status, it.TransferID = masspay.ItemSuccess, t.ID
		transfers = append(transfers, t)
	}

	if err := b.q.TransferInsertMany(ctx, transfers); err != nil {
		if errors.Is(err, masspay.ErrUnique) {
			return errors.New("an item already has a transfer: refusing to pay it twice")
		}
		return err
	}
	if err := b.q.LedgerPost(ctx, entries); err != nil {
		return err
	}
	if err := b.q.ItemUpdateMany(ctx, items); err != nil {
		return err
	}
	if err := service.Publish(ctx, b.q, events...); err != nil {
		return err
	}
	b.mp.NextIdx = items[len(items)-1].Idx + 1
	return b.q.MassPaymentUpdate(ctx, b.mp)
}

// complete ends the batch: every item has its outcome.
func (b *batch) complete(ctx context.Context) error {
	if !b.mp.Status.CanBecome(masspay.MassPaymentComplete) {
		return fmt.Errorf("complete mass payment %s: it is %s", b.mp.ID, b.mp.Status)
	}
	b.mp.Status, b.mp.Completed = masspay.MassPaymentComplete, b.now
	b.mp.LeaseOwner, b.mp.LeaseUntil = "", time.Time{}
	if err := b.q.MassPaymentUpdate(ctx, b.mp); err != nil {
		return err
	}
	ev := masspay.NewEvent(b.mp.AccountID, b.mp.CustomerID, masspay.TopicMassPaymentCompleted, "mass-payments", b.mp.ID, "", b.now)
	return service.Publish(ctx, b.q, ev)
}
