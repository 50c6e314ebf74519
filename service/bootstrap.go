package service

import (
	"cmp"
	"context"
	"crypto/rand"

	"masspay"
)

// NewApplicationParams describes what `masspay apps create` makes.
type NewApplicationParams struct {
	Name    string
	Balance int64 // opening balance, cents
}

// NewApplication is what CreateApplication returns. Secret is shown once and never again.
type NewApplication struct {
	AccountID string
	Key       string
	Secret    string
}

// CreateApplication creates an account with a verified sandbox bank ("Superhero Savings Bank"),
// a balance holding the opening balance (written as a ledger entry funded by that bank), and an
// application key and secret.
func (s *Service) CreateApplication(ctx context.Context, p NewApplicationParams) (*NewApplication, error) {
	return s.createApplication(ctx, p, false)
}

// CreateFirstApplication is CreateApplication on a store that holds no account yet, and returns
// nil when it already holds one. However many nodes start together on a fresh database, exactly
// one creates it.
func (s *Service) CreateFirstApplication(ctx context.Context, p NewApplicationParams) (*NewApplication, error) {
	return s.createApplication(ctx, p, true)
}

// bootstrapLock serialises the first-start check and creation across nodes.
const bootstrapLock = "masspay.bootstrap"

func (s *Service) createApplication(ctx context.Context, p NewApplicationParams, first bool) (*NewApplication, error) {
	if p.Balance < 0 || p.Balance > masspay.MaxCents {
		return nil, masspay.Errorf(masspay.ECodeBadRequest, "opening balance out of range")
	}
	now := s.now()
	acct := &masspay.Account{ID: newID(), Name: cmp.Or(p.Name, "masspay sandbox"), Created: now}
	app := &masspay.Application{ID: newID(), AccountID: acct.ID, Name: acct.Name, Key: randomToken(24), Created: now}
	secret := randomToken(32)
	app.SecretHash = hash(secret)
	bank := &masspay.FundingSource{ID: newID(), AccountID: acct.ID, Type: masspay.FundingBank, Status: masspay.FundingVerified,
		Name: "Superhero Savings Bank", BankAccountType: "checking", RoutingNumber: "222222226",
		AccountNumber: randomDigits(10), BankName: "SANDBOX TEST BANK", Channels: []string{"ach"}, Created: now}
	bank.Fingerprint = fingerprint(bank.RoutingNumber, bank.AccountNumber)
	balance := &masspay.FundingSource{ID: newID(), AccountID: acct.ID, Type: masspay.FundingBalance,
		Status: masspay.FundingVerified, Name: "Balance", Channels: []string{}, Created: now}
	exists := false
	err := s.store.Write(ctx, func(q masspay.Q) error {
		if first {
			// Lock, then count: a node that waited on the lock sees the account the holder
			// committed (each statement reads the latest commits on PostgreSQL).
			if err := q.Lock(ctx, bootstrapLock); err != nil {
				return err
			}
			n, err := q.AccountCount(ctx)
			if err != nil {
				return err
			}
			if exists = n > 0; exists {
				return nil
			}
		}
		if err := q.AccountInsert(ctx, acct); err != nil {
			return err
		}
		if err := q.ApplicationInsert(ctx, app); err != nil {
			return err
		}
		for _, f := range []*masspay.FundingSource{bank, balance} {
			if err := q.FundingSourceInsert(ctx, f); err != nil {
				return err
			}
		}
		if p.Balance == 0 {
			return nil
		}
		// The opening balance arrives from the bank like any deposit: a processed transfer and
		// its two ledger entries.
		t := &masspay.Transfer{ID: newID(), AccountID: acct.ID, SourceID: bank.ID, DestinationID: balance.ID,
			Amount: p.Balance, Status: masspay.TransferProcessed, Posted: true, Bank: true, Created: now}
		if err := q.TransferInsertMany(ctx, []*masspay.Transfer{t}); err != nil {
			return err
		}
		return q.LedgerPost(ctx, masspay.PostingEntries(t, bank.ID, balance.ID, now))
	})
	if err != nil || exists {
		return nil, err
	}
	return &NewApplication{AccountID: acct.ID, Key: app.Key, Secret: secret}, nil
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}
