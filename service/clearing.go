package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"masspay"
)

// SimulationLimit is how many pending bank transfers one sandbox simulation processes at most.
const SimulationLimit = 500

// SimulateClearing processes (or fails, for banks named after a return code) the caller's
// oldest pending bank transfers, up to 500, returns the processed transfers of banks named for a
// late return, and returns how many transfers changed.
func (s *Service) SimulateClearing(ctx context.Context, p *Principal) (int, error) {
	if s.cfg.ACH != nil {
		return 0, errACHClearing
	}
	var late []*masspay.Transfer
	return s.clear(ctx, func(q masspay.Q) (ts []*masspay.Transfer, err error) {
		// Listed before this pass processes anything, so that a transfer processed now is
		// returned by the next simulation, not this one. Returns are applied first: a credit
		// still pending that a returned debit funded goes back with it instead of being sent.
		debit, credit := lateNames()
		if late, err = q.TransferListProcessedBank(ctx, p.AccountID, debit, credit, SimulationLimit); err != nil {
			return nil, err
		}
		return q.TransferListPendingBank(ctx, p.AccountID, SimulationLimit)
	}, func(c *clearing) error {
		for _, t := range late {
			if err := c.lateReturn(t); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearPendingBefore clears, for every account, pending bank transfers created before the given
// time, up to 500 per call (automatic clearing). It returns how many transfers changed.
func (s *Service) ClearPendingBefore(ctx context.Context, before time.Time) (int, error) {
	return s.clear(ctx, func(q masspay.Q) ([]*masspay.Transfer, error) {
		return q.TransferListPendingBankBefore(ctx, before, SimulationLimit)
	})
}

// clear runs each function of first, then clears the pending transfers that list returned, all in
// one transaction.
func (s *Service) clear(ctx context.Context, list func(masspay.Q) ([]*masspay.Transfer, error), first ...func(*clearing) error) (int, error) {
	var n int
	err := s.store.Write(ctx, func(q masspay.Q) error {
		ts, err := list(q)
		if err != nil {
			return err
		}
		c := s.newClearing(ctx, q)
		for _, fn := range first {
			if err := fn(c); err != nil {
				return err
			}
		}
		for _, t := range ts {
			if err := c.clearOne(t); err != nil {
				return err
			}
		}
		n = len(c.changed)
		return c.flush()
	})
	return n, err
}

// clearing carries one transaction's clearing work: caches, the transfers already changed (a
// transfer moves at most one step per pass, so bank-to-bank takes two passes as with Dwolla)
// and the events to write.
type clearing struct {
	s       *Service
	ctx     context.Context
	q       masspay.Q
	now     time.Time
	sources map[string]*masspay.FundingSource
	changed map[string]bool
	events  []*masspay.Event
}

func (s *Service) newClearing(ctx context.Context, q masspay.Q) *clearing {
	return &clearing{s: s, ctx: ctx, q: q, now: s.now(), sources: map[string]*masspay.FundingSource{}, changed: map[string]bool{}}
}

func (c *clearing) source(id string) (*masspay.FundingSource, error) {
	if f, ok := c.sources[id]; ok {
		return f, nil
	}
	f, err := c.q.FundingSourceGet(c.ctx, id)
	if err != nil {
		return nil, err
	}
	c.sources[id] = f
	return f, nil
}

// returnCode reports the return a bank simulates for a debit of it (debit) or a credit to it.
func (c *clearing) returnCode(fundingSourceID string, debit bool) (*ReturnCode, error) {
	if c.s.cfg.ACH != nil {
		return nil, nil // real banks return through return files (part 2), not by their names
	}
	f, err := c.source(fundingSourceID)
	if err != nil {
		return nil, err
	}
	rc, ok := ReturnCodes[f.Name]
	if f.Type != masspay.FundingBank || !ok || rc.Debit != debit {
		return nil, nil
	}
	return &rc, nil
}

// postedFrom is the funding source a transfer's posting debits: the owner's balance for a
// funded transfer (where its funding transfer landed), the transfer's own source otherwise.
func (c *clearing) postedFrom(t *masspay.Transfer) (string, error) {
	if t.FundingTransferID == "" {
		return t.SourceID, nil
	}
	fund, err := c.q.TransferGet(c.ctx, t.FundingTransferID)
	if err != nil {
		return "", err
	}
	return fund.DestinationID, nil
}

// clearOne moves one pending bank transfer one step, per docs/ledger.md.
func (c *clearing) clearOne(t *masspay.Transfer) error {
	if c.changed[t.ID] || t.Status != masspay.TransferPending {
		return nil
	}
	if t.FundingTransferID != "" {
		fund, err := c.q.TransferGet(c.ctx, t.FundingTransferID)
		if err != nil {
			return err
		}
		// A funded transfer waits for its funding and then follows it. One created after its
		// funding cleared (the engine was still creating the batch's transfers) is posted now.
		switch {
		case fund.Status == masspay.TransferPending:
			return nil
		case fund.Status != masspay.TransferProcessed:
			return c.settle(t, fund.Status, fund.FailureCode)
		case !t.Posted:
			return c.postFunded(fund, t)
		}
		return c.credit(t)
	}
	if t.Posted {
		return c.credit(t) // a payout from a balance, debited at creation
	}
	// Money coming in from a bank: the debit of that bank is what can be returned.
	rc, err := c.returnCode(t.SourceID, true)
	if err != nil {
		return err
	}
	if rc != nil {
		return c.fail(t, rc)
	}
	if err := c.q.LedgerPost(c.ctx, masspay.PostingEntries(t, t.SourceID, t.DestinationID, c.now)); err != nil {
		return err
	}
	t.Posted = true
	if err := c.settle(t, masspay.TransferProcessed, ""); err != nil {
		return err
	}
	funded, err := c.fundedBy(t)
	if err != nil {
		return err
	}
	for _, f := range funded {
		if f.Status == masspay.TransferPending && !f.Posted {
			if err := c.postFunded(t, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// postFunded posts a funded transfer once its funding has landed in the owner's balance: from
// that balance to the destination. A balance destination is then processed; a bank destination
// stays pending until a later pass clears the credit.
func (c *clearing) postFunded(fund, f *masspay.Transfer) error {
	if err := c.q.LedgerPost(c.ctx, masspay.PostingEntries(f, fund.DestinationID, f.DestinationID, c.now)); err != nil {
		return err
	}
	f.Posted = true
	dest, err := c.source(f.DestinationID)
	if err != nil {
		return err
	}
	status := masspay.TransferPending
	if dest.Type == masspay.FundingBalance {
		status = masspay.TransferProcessed
	}
	return c.settle(f, status, "")
}

// credit clears a posted transfer to its destination: processed, or failed and reversed when
// the destination bank returns it.
func (c *clearing) credit(t *masspay.Transfer) error {
	rc, err := c.returnCode(t.DestinationID, false)
	if err != nil {
		return err
	}
	if rc != nil {
		return c.fail(t, rc)
	}
	return c.settle(t, masspay.TransferProcessed, "")
}

// fail marks t failed with a return code, reverses its posting if it had one, fails what it
// funds, and removes the bank when the code says so.
func (c *clearing) fail(t *masspay.Transfer, rc *ReturnCode) error {
	if err := c.s.unwind(c, t, masspay.TransferFailed, rc.Code); err != nil {
		return err
	}
	if !rc.RemovesBank {
		return nil
	}
	bankID := t.DestinationID
	if rc.Debit {
		bankID = t.SourceID
	}
	bank, err := c.source(bankID)
	if err != nil || bank.Removed {
		return err
	}
	bank.Removed = true
	if err := c.q.FundingSourceUpdate(c.ctx, bank); err != nil {
		return err
	}
	c.events = append(c.events, masspay.NewEvent(bank.AccountID, bank.CustomerID, masspay.TopicFundingSourceRemoved,
		"funding-sources", bank.ID, "", c.now))
	return nil
}

// lateReturn returns a processed transfer of a bank named for a late return, per docs/ledger.md:
// failed with the code and its posting reversed.
func (c *clearing) lateReturn(t *masspay.Transfer) error {
	if c.changed[t.ID] || t.Status != masspay.TransferProcessed {
		return nil
	}
	debit := true
	bank, err := c.source(t.SourceID)
	if err != nil {
		return err
	}
	if bank.Type != masspay.FundingBank || t.FundingTransferID != "" {
		if bank, err = c.source(t.DestinationID); err != nil {
			return err
		}
		debit = false
	}
	rc, ok := ReturnCodes[strings.TrimSuffix(bank.Name, "-late")]
	if !ok || rc.Debit != debit || bank.Name != rc.Code+"-late" {
		return nil
	}
	if !debit {
		return c.fail(t, &rc) // the money goes back into the balance it came from
	}
	_, err = c.returnProcessedDebit(t, &rc)
	return err
}

// returnProcessedDebit fails a processed transfer whose debit of a bank came back, and reports
// whether it did.
func (c *clearing) returnProcessedDebit(t *masspay.Transfer, rc *ReturnCode) (bool, error) {
	// A returned debit takes the money back out of the balance it landed in. What that money
	// funds and has not yet been credited to a bank is still in masspay: it is returned with it.
	// What was already credited stays paid, as with Dwolla.
	dest, err := c.source(t.DestinationID)
	if err != nil {
		return false, err
	}
	funded, err := c.fundedBy(t)
	if err != nil {
		return false, err
	}
	var unsent []*masspay.Transfer
	var back int64
	for _, f := range funded {
		if f.Status != masspay.TransferPending || !f.Posted {
			continue
		}
		if sent, err := c.sent(f); err != nil || sent {
			if err != nil {
				return false, err
			}
			continue // in an ACH file: gone to the bank
		}
		unsent, back = append(unsent, f), back+f.Amount
	}
	if dest.Type == masspay.FundingBalance {
		have, err := c.q.FundingSourceBalance(c.ctx, dest.ID)
		if err != nil {
			return false, err
		}
		// Dwolla would take the balance negative; masspay's balances never go below zero, so a
		// return the balance cannot cover waits (for a later simulation, or held under ACH).
		if have+back < t.Amount {
			return false, nil
		}
	}
	for _, f := range unsent {
		if err := c.s.unwind(c, f, masspay.TransferFailed, rc.Code); err != nil {
			return false, err
		}
	}
	return true, c.fail(t, rc)
}

// unwind ends a pending transfer (or a processed one, on a late return) as failed or cancelled: its posting (if any) is reversed, and
// the transfers it funds end the same way, with no entries (they were never posted).
func (s *Service) unwind(c *clearing, t *masspay.Transfer, status masspay.TransferStatus, code string) error {
	if t.Posted {
		from, err := c.postedFrom(t)
		if err != nil {
			return err
		}
		if err := c.q.LedgerPost(c.ctx, masspay.PostingEntries(t, t.DestinationID, from, c.now)); err != nil {
			return err
		}
	}
	if err := c.settle(t, status, code); err != nil {
		return err
	}
	funded, err := c.fundedBy(t)
	if err != nil {
		return err
	}
	for _, f := range funded {
		if f.Status == masspay.TransferPending && !f.Posted {
			if err := c.settle(f, status, code); err != nil {
				return err
			}
		}
	}
	return nil
}

// fundedBy lists the transfers t funds (only a mass payment's funding transfer funds any).
func (c *clearing) fundedBy(t *masspay.Transfer) ([]*masspay.Transfer, error) {
	if t.MassPaymentID == "" || t.ItemID != "" {
		return nil, nil
	}
	return c.q.TransferListFundedBy(c.ctx, t.ID)
}

// settle writes a transfer's new state and, when its status changed, its events.
func (c *clearing) settle(t *masspay.Transfer, status masspay.TransferStatus, code string) error {
	moved := t.Status != status
	if moved && !t.Status.CanBecome(status) {
		return fmt.Errorf("transfer %s: %s cannot become %s", t.ID, t.Status, status)
	}
	t.Status, t.FailureCode = status, code
	if err := c.q.TransferUpdate(c.ctx, t); err != nil {
		return err
	}
	c.changed[t.ID] = true
	if moved {
		c.events = append(c.events, c.s.transferEvents(t, status, c.now)...)
	}
	return nil
}

func (c *clearing) flush() error {
	return Publish(c.ctx, c.q, c.events...)
}

// transferTopics maps a transfer's new status to its topics: item and balance transfers, and
// bank legs (funding transfers, deposits).
var transferTopics = map[masspay.TransferStatus][2]string{
	masspay.TransferProcessed: {masspay.TopicTransferCompleted, masspay.TopicBankTransferCompleted},
	masspay.TransferFailed:    {masspay.TopicTransferFailed, masspay.TopicBankTransferFailed},
	masspay.TransferCancelled: {masspay.TopicTransferCancelled, masspay.TopicBankTransferCancelled},
}

// transferEvents are the events of a transfer reaching status (masspay.TransferEvents: one per
// party). Bank legs (funding transfers, deposits) use the bank_transfer_* topics.
func (s *Service) transferEvents(t *masspay.Transfer, status masspay.TransferStatus, now time.Time) []*masspay.Event {
	topics, ok := transferTopics[status]
	if !ok {
		return nil
	}
	topic := topics[0]
	if t.Bank && t.ItemID == "" {
		topic = topics[1]
	}
	return masspay.TransferEvents(t, topic, now)
}
