package service

import (
	"context"

	"masspay"
)

// CancelTransfer cancels a pending bank transfer: its posting, if any, is reversed, and a
// funding transfer takes the transfers it funds with it.
func (s *Service) CancelTransfer(ctx context.Context, p *Principal, id string) (*masspay.Transfer, error) {
	var t *masspay.Transfer
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		if err := s.lockACH(ctx, q); err != nil {
			return err
		}
		if t, err = getTransfer(ctx, q, p, id); err != nil {
			return err
		}
		if err := s.refuseSent(ctx, q, t.ID); err != nil {
			return err
		}
		// Every pending transfer is waiting on a bank: its own leg, or its funding transfer's.
		if t.Status != masspay.TransferPending || (!t.Bank && t.FundingTransferID == "") {
			return masspay.Invalid(masspay.FieldError{Code: masspay.FCodeNotAllowed, Message: "Status not allowed.", Path: "/status"})
		}
		c := s.newClearing(ctx, q)
		if err := s.unwind(c, t, masspay.TransferCancelled, ""); err != nil {
			return err
		}
		return c.flush()
	})
	return t, err
}

func getTransfer(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.Transfer, error) {
	t, err := q.TransferGet(ctx, id)
	if err == nil && t.AccountID != p.AccountID {
		err = masspay.ErrNoRows
	}
	return t, notFound(err, "Transfer not found.")
}

// TransferFailure is why a transfer failed, as GET /transfers/{id}/failure shows it.
type TransferFailure struct {
	Transfer      *masspay.Transfer
	Return        ReturnCode
	FundingSource *masspay.FundingSource // the bank that returned it
}

// GetTransferFailure returns the failure of one of the caller's failed transfers.
func (s *Service) GetTransferFailure(ctx context.Context, p *Principal, id string) (*TransferFailure, error) {
	var out *TransferFailure
	err := s.store.Read(ctx, func(q masspay.Q) error {
		t, err := getTransfer(ctx, q, p, id)
		if err != nil {
			return err
		}
		rc, ok, err := s.failureReturn(ctx, q, t)
		if err != nil {
			return err
		}
		if t.Status != masspay.TransferFailed || !ok {
			return masspay.NotFound("Failure not found.")
		}
		// The failed funding source is the bank the code names: the debited one for a debit
		// return (for a funded transfer that is its own source, the bank the batch named).
		f, err := q.FundingSourceGet(ctx, entryBank(t, rc.Debit))
		if err != nil {
			return err
		}
		out = &TransferFailure{Transfer: t, Return: rc, FundingSource: f}
		return nil
	})
	return out, err
}

// AccountTransferListCap is how many transfers one query of an account's transfer list can reach,
// as with Dwolla ("limited to 10,000 transfers per query; use date range filters for historical
// data beyond this limit").
const AccountTransferListCap = 10_000

// ListTransfers returns a page of the transfers of the caller's account, or of one of its
// customers when f.CustomerID is set, and their total. The account's list sees only the newest
// AccountTransferListCap matches: the total says no more, and pages past it are empty.
func (s *Service) ListTransfers(ctx context.Context, p *Principal, f masspay.TransferFilter) ([]*masspay.Transfer, int, error) {
	var list []*masspay.Transfer
	var total int
	capped := f.CustomerID == ""
	if capped {
		f.Limit = max(0, min(f.Limit, AccountTransferListCap-f.Offset))
	}
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		if f.CustomerID != "" {
			if _, err := customerOf(ctx, q, p, f.CustomerID); err != nil {
				return err
			}
		}
		f.AccountID = p.AccountID
		list, total, err = q.TransferList(ctx, f)
		return err
	})
	if capped {
		total = min(total, AccountTransferListCap)
	}
	return list, total, err
}

// GetTransfer returns one of the caller's transfers.
func (s *Service) GetTransfer(ctx context.Context, p *Principal, id string) (*masspay.Transfer, error) {
	var t *masspay.Transfer
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		if t, err = getTransfer(ctx, q, p, id); err == nil && s.cfg.ACH != nil {
			err = notFound(achDetails(ctx, q, t), "Transfer not found.")
		}
		return err
	})
	return t, err
}
