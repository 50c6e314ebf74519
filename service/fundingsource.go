package service

import (
	"context"
	"fmt"

	"masspay"
)

// sandboxBankName is the bank Dwolla's sandbox reports for its test routing number.
const sandboxBankName = "SANDBOX TEST BANK"

func bankName(routing string) string {
	if routing == "222222226" {
		return sandboxBankName
	}
	return ""
}

// duplicateBank returns the DuplicateResource error when the owner already has a bank (not
// removed) with the same fingerprint, other than except.
func duplicateBank(owned []*masspay.FundingSource, fp, except string) error {
	for _, o := range owned {
		if o.Type == masspay.FundingBank && !o.Removed && o.Fingerprint == fp && o.ID != except {
			return &masspay.Error{Code: masspay.ECodeDuplicateResource, Message: "Bank already exists: id=" + o.ID,
				About: "/funding-sources/" + o.ID}
		}
	}
	return nil
}

// CreateFundingSource adds a bank for the account or for one of its customers. New banks are
// unverified, as with Dwolla; an unverified bank can still receive (mass payment destinations
// need only a bank that is not removed).
// customerID is empty when the account adds a bank for itself.
func (s *Service) CreateFundingSource(ctx context.Context, p *Principal, customerID string, in *masspay.BankInput) (*masspay.FundingSource, error) {
	var f masspay.Fields
	in.Validate(&f, customerID != "")
	// A customer that does not exist answers 404 before its body's faults, as Dwolla does.
	if customerID != "" {
		if _, err := s.GetCustomer(ctx, p, customerID); err != nil {
			return nil, err
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	fs := &masspay.FundingSource{ID: newID(), AccountID: p.AccountID, CustomerID: customerID, Type: masspay.FundingBank,
		Status: masspay.FundingUnverified, Name: in.Name, BankAccountType: in.BankAccountType, RoutingNumber: in.RoutingNumber,
		AccountNumber: in.AccountNumber, Fingerprint: fingerprint(in.RoutingNumber, in.AccountNumber),
		BankName: bankName(in.RoutingNumber), Channels: []string{"ach"}, Created: now}
	err := s.store.Write(ctx, func(q masspay.Q) error {
		if customerID != "" {
			c, err := customerOf(ctx, q, p, customerID)
			if err != nil {
				return err
			}
			if c.Status.Restricted() {
				return masspay.Errorf(masspay.ECodeInvalidResourceState, "Customer is %s: it cannot add funding sources.", c.Status)
			}
			owned, err := q.FundingSourceList(ctx, masspay.FundingSourceFilter{AccountID: p.AccountID, CustomerID: c.ID})
			if err != nil {
				return err
			}
			if err := duplicateBank(owned, fs.Fingerprint, ""); err != nil {
				return err
			}
			if c.Type == masspay.CustomerReceiveOnly && activeBanks(owned) >= 1 {
				return masspay.Errorf(masspay.ECodeMaxResources, "A receive-only customer may have only one bank funding source; remove it before adding another.")
			}
		} else {
			owned, err := q.FundingSourceList(ctx, masspay.FundingSourceFilter{AccountID: p.AccountID})
			if err != nil {
				return err
			}
			if err := duplicateBank(owned, fs.Fingerprint, ""); err != nil {
				return err
			}
		}
		if err := q.FundingSourceInsert(ctx, fs); err != nil {
			return err
		}
		return Publish(ctx, q, masspay.NewEvent(p.AccountID, fs.CustomerID, masspay.TopicFundingSourceAdded, "funding-sources", fs.ID, "", now))
	})
	if err != nil {
		return nil, err
	}
	return fs, nil
}

func activeBanks(owned []*masspay.FundingSource) int {
	n := 0
	for _, o := range owned {
		if o.Type == masspay.FundingBank && !o.Removed {
			n++
		}
	}
	return n
}

// GetFundingSource returns a funding source of the caller's account.
func (s *Service) GetFundingSource(ctx context.Context, p *Principal, id string) (*masspay.FundingSource, error) {
	var fs *masspay.FundingSource
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { fs, err = fundingSourceOf(ctx, q, p, id); return err })
	return fs, err
}

// fundingSourceOf loads a funding source and hides those of other accounts behind the same
// NotFound.
func fundingSourceOf(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.FundingSource, error) {
	fs, err := q.FundingSourceGet(ctx, id)
	if err == nil && fs.AccountID != p.AccountID {
		err = masspay.ErrNoRows
	}
	return fs, notFound(err, "Funding source not found.")
}

// ListAccountFundingSources lists the account's own funding sources; removed, when set, keeps
// only those removed (true) or not removed (false).
func (s *Service) ListAccountFundingSources(ctx context.Context, p *Principal, accountID string, removed *bool) ([]*masspay.FundingSource, error) {
	if accountID != p.AccountID {
		return nil, masspay.NotFound("Account not found.")
	}
	var list []*masspay.FundingSource
	err := s.store.Read(ctx, func(q masspay.Q) (err error) {
		list, err = q.FundingSourceList(ctx, masspay.FundingSourceFilter{AccountID: p.AccountID, Removed: removed})
		return err
	})
	return list, err
}

// ListCustomerFundingSources lists a customer's funding sources, filtered as above.
func (s *Service) ListCustomerFundingSources(ctx context.Context, p *Principal, customerID string, removed *bool) ([]*masspay.FundingSource, error) {
	var list []*masspay.FundingSource
	err := s.store.Read(ctx, func(q masspay.Q) error {
		c, err := customerOf(ctx, q, p, customerID)
		if err != nil {
			return err
		}
		list, err = q.FundingSourceList(ctx, masspay.FundingSourceFilter{AccountID: p.AccountID, CustomerID: c.ID, Removed: removed})
		return err
	})
	return list, err
}

var errOnlyBanks = masspay.Invalid(masspay.FieldError{Code: masspay.FCodeInvalid, Path: "",
	Message: "Only funding sources of type='bank' can be updated."})

var errRemovedBank = masspay.Errorf(masspay.ECodeInvalidResourceState, "A removed bank cannot be updated.")

// UpdateFundingSource renames a bank (any status), changes its details (while unverified), or
// removes it. Removal is soft: the bank stays readable, with removed true.
func (s *Service) UpdateFundingSource(ctx context.Context, p *Principal, id string, in *masspay.FundingSourceUpdateInput) (*masspay.FundingSource, error) {
	var fs *masspay.FundingSource
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		fs, err = fundingSourceOf(ctx, q, p, id)
		if err != nil {
			return err
		}
		if fs.Type != masspay.FundingBank {
			return errOnlyBanks
		}
		if fs.Removed {
			return errRemovedBank
		}
		var f masspay.Fields
		in.Validate(&f)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now()
		topic := masspay.TopicFundingSourceUpdated
		if in.Removed != nil {
			fs.Removed = true
			topic = masspay.TopicFundingSourceRemoved
		}
		if in.Name != nil {
			fs.Name = *in.Name
		}
		if in.BankChange() {
			if fs.Status == masspay.FundingVerified {
				return masspay.Errorf(masspay.ECodeInvalidResourceState, "The bank details of a verified bank cannot be updated.")
			}
			routing, account, typ := cmpStr(in.RoutingNumber, fs.RoutingNumber), cmpStr(in.AccountNumber, fs.AccountNumber),
				cmpStr(in.BankAccountType, fs.BankAccountType)
			masspay.ValidateBank(&f, routing, account, typ, fs.CustomerID != "")
			if err := f.Err(); err != nil {
				return err
			}
			owned, err := q.FundingSourceList(ctx, masspay.FundingSourceFilter{AccountID: fs.AccountID, CustomerID: fs.CustomerID})
			if err != nil {
				return err
			}
			fp := fingerprint(routing, account)
			if err := duplicateBank(owned, fp, fs.ID); err != nil {
				return err
			}
			fs.RoutingNumber, fs.AccountNumber, fs.BankAccountType = routing, account, typ
			fs.Fingerprint, fs.BankName = fp, bankName(routing)
		}
		if err := q.FundingSourceUpdate(ctx, fs); err != nil {
			return err
		}
		return Publish(ctx, q, masspay.NewEvent(fs.AccountID, fs.CustomerID, topic, "funding-sources", fs.ID, "", now))
	})
	if err != nil {
		return nil, err
	}
	return fs, nil
}

// cmpStr returns *p, or def when p is nil.
func cmpStr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// ErrNoBankBalance answers GET /funding-sources/{id}/balance for a bank. Dwolla reads a bank's
// balance only through Open Banking, which masspay does not have, so a bank has no balance
// resource: 404, with a message that tells it apart from an unknown funding source.
var ErrNoBankBalance = masspay.NotFound("Balance not found: only a balance funding source has a balance.")

// GetBalance returns a balance funding source (its Balance field is the amount).
func (s *Service) GetBalance(ctx context.Context, p *Principal, id string) (*masspay.FundingSource, error) {
	fs, err := s.GetFundingSource(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if fs.Type != masspay.FundingBalance {
		return nil, ErrNoBankBalance
	}
	return fs, nil
}

func fingerprint(routing, account string) string {
	return hash(fmt.Sprintf("%s:%s", routing, account))
}
