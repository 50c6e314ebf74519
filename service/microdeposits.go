package service

import (
	"context"

	"masspay"
)

// maxMicroDepositAttempts is how many wrong guesses a bank gets before verification locks.
const maxMicroDepositAttempts = 3

// microDepositsTarget loads a bank whose micro-deposits may be initiated or verified.
func microDepositsTarget(ctx context.Context, q masspay.Q, p *Principal, id string) (*masspay.FundingSource, error) {
	fs, err := fundingSourceOf(ctx, q, p, id)
	if err != nil {
		return nil, err
	}
	switch {
	case fs.Type != masspay.FundingBank:
		return nil, masspay.Errorf(masspay.ECodeInvalidResourceState, "Micro-deposits are only for banks.")
	case fs.Removed:
		return nil, errRemovedBank
	case !fs.Status.CanBecome(masspay.FundingVerified):
		return nil, masspay.Errorf(masspay.ECodeInvalidResourceState, "Bank already verified.")
	case fs.MicroDeposits.Status == masspay.MicroDepositsMax:
		return nil, masspay.Errorf(masspay.ECodeInvalidResourceState, "Maximum micro-deposit verification attempts reached.")
	}
	return fs, nil
}

// InitiateMicroDeposits starts micro-deposit verification of an unverified bank. In the sandbox
// the deposits need no clearing: they can be verified at once.
func (s *Service) InitiateMicroDeposits(ctx context.Context, p *Principal, id string) (*masspay.FundingSource, error) {
	var fs *masspay.FundingSource
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		fs, err = microDepositsTarget(ctx, q, p, id)
		if err != nil {
			return err
		}
		if fs.MicroDeposits.Status != masspay.MicroDepositsNone {
			return masspay.Errorf(masspay.ECodeInvalidResourceState, "Micro-deposits already initiated.")
		}
		now := s.now()
		fs.MicroDeposits = masspay.MicroDeposits{Status: masspay.MicroDepositsPending, Created: now}
		if err := q.FundingSourceUpdate(ctx, fs); err != nil {
			return err
		}
		return Publish(ctx, q, masspay.NewEvent(fs.AccountID, fs.CustomerID, masspay.TopicMicroDepositsAdded, "funding-sources", fs.ID, "", now))
	})
	if err != nil {
		return nil, err
	}
	return fs, nil
}

var errWrongAmounts = masspay.Invalid(masspay.FieldError{Code: masspay.FCodeInvalid, Path: "/amount1/value", Message: "Wrong amount(s)."})

// sandboxMicroDepositsMatch is Dwolla's sandbox rule: any two amounts under 0.10 verify, except
// 0.09 and 0.09, which simulate a wrong guess.
func sandboxMicroDepositsMatch(a1, a2 int64) bool {
	return a1 > 0 && a1 < 10 && a2 > 0 && a2 < 10 && !(a1 == 9 && a2 == 9)
}

// VerifyMicroDeposits checks the two amounts (cents). A match verifies the bank; a wrong guess is
// counted (and committed) before the ValidationError is returned, and the third wrong guess locks
// verification (max-attempts).
func (s *Service) VerifyMicroDeposits(ctx context.Context, p *Principal, id string, amount1, amount2 int64) (*masspay.FundingSource, error) {
	var fs *masspay.FundingSource
	var wrong bool
	err := s.store.Write(ctx, func(q masspay.Q) (err error) {
		wrong = false // Write may run this again after a transient conflict
		fs, err = microDepositsTarget(ctx, q, p, id)
		if err != nil {
			return err
		}
		if fs.MicroDeposits.Status == masspay.MicroDepositsNone {
			return masspay.Errorf(masspay.ECodeInvalidResourceState, "Micro-deposits have not been initiated.")
		}
		now := s.now()
		var events []*masspay.Event
		if sandboxMicroDepositsMatch(amount1, amount2) {
			fs.Status = masspay.FundingVerified
			fs.MicroDeposits.Status = masspay.MicroDepositsProcessed
			events = append(events,
				masspay.NewEvent(fs.AccountID, fs.CustomerID, masspay.TopicMicroDepositsComplete, "funding-sources", fs.ID, "", now),
				masspay.NewEvent(fs.AccountID, fs.CustomerID, masspay.TopicFundingSourceVerified, "funding-sources", fs.ID, "", now))
		} else {
			wrong = true
			fs.MicroDeposits.Attempts++
			if fs.MicroDeposits.Attempts >= maxMicroDepositAttempts {
				fs.MicroDeposits.Status = masspay.MicroDepositsMax
				events = append(events,
					masspay.NewEvent(fs.AccountID, fs.CustomerID, masspay.TopicMicroDepositsMax, "funding-sources", fs.ID, "", now))
			}
		}
		if err := q.FundingSourceUpdate(ctx, fs); err != nil {
			return err
		}
		return Publish(ctx, q, events...)
	})
	if err != nil {
		return nil, err
	}
	if wrong {
		return nil, errWrongAmounts
	}
	return fs, nil
}

// GetMicroDeposits returns the bank whose micro-deposits are asked for; NotFound when none were
// initiated.
func (s *Service) GetMicroDeposits(ctx context.Context, p *Principal, id string) (*masspay.FundingSource, error) {
	fs, err := s.GetFundingSource(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if fs.MicroDeposits.Status == masspay.MicroDepositsNone {
		return nil, masspay.NotFound("Micro-deposits not found.")
	}
	return fs, nil
}
