package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"masspay"
)

const fundingCols = `id, account_id, customer_id, type, status, name, bank_account_type, routing_number, account_number,
 fingerprint, bank_name, channels, removed, balance, md_status, md_amount1, md_amount2, md_attempts, md_created, created`

func scanFunding(sc interface{ Scan(...any) error }) (*masspay.FundingSource, error) {
	var f masspay.FundingSource
	var channels string
	var mdCreated, created int64
	if err := sc.Scan(&f.ID, &f.AccountID, &f.CustomerID, &f.Type, &f.Status, &f.Name, &f.BankAccountType,
		&f.RoutingNumber, &f.AccountNumber, &f.Fingerprint, &f.BankName, &channels, &f.Removed, &f.Balance,
		&f.MicroDeposits.Status, &f.MicroDeposits.Amount1, &f.MicroDeposits.Amount2, &f.MicroDeposits.Attempts,
		&mdCreated, &created); err != nil {
		return nil, noRows(err)
	}
	f.Channels = splitList(channels)
	f.MicroDeposits.Created = tm(mdCreated)
	f.Created = tm(created)
	return &f, nil
}

func (q *q) FundingSourceBalance(ctx context.Context, id string) (int64, error) {
	var b int64
	err := q.queryRow(ctx, `SELECT balance FROM funding_sources WHERE id = $1`+q.s.dialect.RowLock, id).Scan(&b)
	return b, noRows(err)
}

func (q *q) FundingSourceGet(ctx context.Context, id string) (*masspay.FundingSource, error) {
	return scanFunding(q.queryRow(ctx, `SELECT `+fundingCols+` FROM funding_sources WHERE id = $1`, id))
}

func (q *q) DestinationRevision(ctx context.Context) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT n FROM revisions WHERE name = 'destinations'`).Scan(&n)
	return n, err
}

func (q *q) DestinationGetMany(ctx context.Context, ids []string) (map[string]*masspay.Destination, error) {
	return getMany(ctx, q, `SELECT f.id, f.account_id, f.customer_id, f.type, f.removed, COALESCE(c.status, '')
 FROM funding_sources f LEFT JOIN customers c ON c.id = f.customer_id AND f.customer_id <> '' WHERE f.id`, ids,
		func(sc interface{ Scan(...any) error }) (*masspay.Destination, error) {
			var d masspay.Destination
			err := sc.Scan(&d.ID, &d.AccountID, &d.CustomerID, &d.Type, &d.Removed, &d.CustomerStatus)
			return &d, err
		}, func(d *masspay.Destination) string { return d.ID })
}

func (q *q) FundingSourceInsert(ctx context.Context, f *masspay.FundingSource) error {
	_, err := q.exec(ctx, `INSERT INTO funding_sources (`+fundingCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		f.ID, f.AccountID, f.CustomerID, f.Type, f.Status, f.Name, f.BankAccountType, f.RoutingNumber, f.AccountNumber,
		f.Fingerprint, f.BankName, joinList(f.Channels), f.Removed, f.Balance, f.MicroDeposits.Status,
		f.MicroDeposits.Amount1, f.MicroDeposits.Amount2, f.MicroDeposits.Attempts, us(f.MicroDeposits.Created), us(f.Created))
	return q.unique(err)
}

func (q *q) FundingSourceList(ctx context.Context, f masspay.FundingSourceFilter) ([]*masspay.FundingSource, error) {
	var w where
	w.add("account_id = " + w.arg(f.AccountID))
	w.add("customer_id = " + w.arg(f.CustomerID))
	if f.Removed != nil {
		w.add("removed = " + w.arg(*f.Removed))
	}
	rows, err := q.query(ctx, `SELECT `+fundingCols+` FROM funding_sources`+w.String()+` ORDER BY seq`, w.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanFunding)
}

// FundingSourceUpdate writes the mutable fields. The balance is not among them: only LedgerPost
// moves a balance. Removing a funding source moves the destinations revision.
func (q *q) FundingSourceUpdate(ctx context.Context, f *masspay.FundingSource) error {
	if _, err := q.exec(ctx, `UPDATE revisions SET n = n + 1 WHERE name = 'destinations'
 AND EXISTS (SELECT 1 FROM funding_sources WHERE id = $1 AND removed <> $2)`, f.ID, f.Removed); err != nil {
		return err
	}
	return one(q.exec(ctx, `UPDATE funding_sources SET status = $1, name = $2, bank_account_type = $3, routing_number = $4,
 account_number = $5, fingerprint = $6, bank_name = $7, channels = $8, removed = $9, md_status = $10, md_amount1 = $11,
 md_amount2 = $12, md_attempts = $13, md_created = $14 WHERE id = $15`,
		f.Status, f.Name, f.BankAccountType, f.RoutingNumber, f.AccountNumber, f.Fingerprint, f.BankName,
		joinList(f.Channels), f.Removed, f.MicroDeposits.Status, f.MicroDeposits.Amount1, f.MicroDeposits.Amount2,
		f.MicroDeposits.Attempts, us(f.MicroDeposits.Created), f.ID))
}

// LedgerPost writes the entries and applies their sums to the balance-type funding sources (bank
// funding sources keep no balance: their entries are the record of money in and out of masspay). The CHECK constraint on balance turns an
// overdraft into an error: the engine never attempts one, and this is the last line if it did.
func (q *q) LedgerPost(ctx context.Context, entries []masspay.LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([][]any, len(entries))
	sums := map[string]int64{}
	var order []string
	for i, e := range entries {
		rows[i] = []any{e.FundingSourceID, e.TransferID, e.Amount, us(e.Created)}
		if _, ok := sums[e.FundingSourceID]; !ok {
			order = append(order, e.FundingSourceID)
		}
		sums[e.FundingSourceID] += e.Amount
	}
	if err := q.insertMany(ctx, "ledger_entries", []string{"funding_source_id", "transfer_id", "amount", "created"}, rows); err != nil {
		return err
	}
	// Every entry must name an existing funding source; only balances have a balance to move
	// (usually just the batch's source: payees are mostly banks).
	types, err := q.fundingTypes(ctx, order)
	if err != nil {
		return err
	}
	var balances []string
	for _, id := range order {
		switch types[id] {
		case "":
			return fmt.Errorf("ledger entry for a missing funding source: %w", masspay.ErrNoRows)
		case masspay.FundingBalance:
			if sums[id] != 0 {
				balances = append(balances, id)
			}
		}
	}
	for _, id := range balances {
		if _, err := q.exec(ctx, `UPDATE funding_sources SET balance = balance + $1 WHERE id = $2`, sums[id], id); err != nil {
			return fmt.Errorf("move balance of %s: %w", id, err)
		}
	}
	return nil
}

// fundingTypes returns the types of the funding sources with the given ids that exist. A funding
// source's type never changes and a funding source is never deleted, so a type once read stays
// true: the store keeps those it has read, and asks the database only for the others.
func (q *q) fundingTypes(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	var ask []string
	for _, id := range ids {
		if t, ok := q.s.kinds.get(id); ok {
			out[id] = t
		} else {
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	if q.learned == nil {
		q.learned = make(map[string]string, len(ask))
	}
	err := q.tx.QueryIDs(ctx, `SELECT id, type FROM funding_sources WHERE id`, ask, func(row Row) error {
		var id, typ string
		if err := row.Scan(&id, &typ); err != nil {
			return err
		}
		out[id], q.learned[id] = typ, typ
		return nil
	})
	return out, err
}

// kinds remembers funding source types (see fundingTypes). It only learns what a committed
// transaction read, so that it never holds a funding source a rollback undid, and it forgets
// everything when full: a cache, not a copy.
type kinds struct {
	mu sync.RWMutex
	m  map[string]string
}

const maxKinds = 100_000

func (k *kinds) get(id string) (string, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	t, ok := k.m[id]
	return t, ok
}

func (k *kinds) learn(m map[string]string) {
	if len(m) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m)+len(m) > maxKinds {
		k.m = make(map[string]string, len(m))
	}
	maps.Copy(k.m, m)
}
