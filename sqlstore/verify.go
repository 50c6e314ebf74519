package sqlstore

import (
	"context"
	"fmt"
)

// invariants are the checks of `masspay verify`. Each query returns one row per violation: a
// subject and two figures, rendered with the message.
var invariants = []struct {
	query   string
	message string
}{
	{`SELECT f.id, f.balance, COALESCE(e.s, 0) FROM funding_sources f
 LEFT JOIN (SELECT funding_source_id, SUM(amount) AS s FROM ledger_entries GROUP BY funding_source_id) e ON e.funding_source_id = f.id
 WHERE f.type = 'balance' AND f.balance <> COALESCE(e.s, 0)`,
		"balance of funding source %s is %d cents but its ledger entries sum to %d"},
	{`SELECT id, balance, 0 FROM funding_sources WHERE balance < 0 AND type = 'balance'`,
		"balance of funding source %s is negative (%d cents, floor %d)"},
	{`SELECT transfer_id, SUM(amount), COUNT(*) FROM ledger_entries GROUP BY transfer_id HAVING SUM(amount) <> 0`,
		"ledger entries of transfer %s do not balance: they sum to %d cents over %d entries"},
	// "t.item_id <> ''" lets both backends use the partial index on transfers(item_id).
	{`SELECT i.id, COUNT(t.id), 1 FROM mass_payment_items i LEFT JOIN transfers t ON t.item_id = i.id AND t.item_id <> ''
 WHERE i.status = 'success' GROUP BY i.id HAVING COUNT(t.id) <> 1`,
		"successful item %s has %d transfers, want %d"},
	{`SELECT i.id, COUNT(t.id), 0 FROM mass_payment_items i JOIN transfers t ON t.item_id = i.id AND t.item_id <> ''
 WHERE i.status <> 'success' GROUP BY i.id`,
		"item %s is not successful but has %d transfers, want %d"},
	{`SELECT i.id, 0, 0 FROM mass_payment_items i JOIN transfers t ON t.id = i.transfer_id WHERE t.item_id <> i.id`,
		"item %s links a transfer made for another item (%d, %d)"},
	{`SELECT m.id, m.total, COALESCE((SELECT SUM(i.amount) FROM mass_payment_items i WHERE i.mass_payment_id = m.id), 0)
 FROM mass_payments m WHERE m.total <> COALESCE((SELECT SUM(i.amount) FROM mass_payment_items i WHERE i.mass_payment_id = m.id), 0)`,
		"mass payment %s has total %d cents but its items sum to %d"},
	{`SELECT m.id, m.item_count, (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = m.id)
 FROM mass_payments m WHERE m.item_count <> (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = m.id)`,
		"mass payment %s should have %d items but has %d"},
	{`SELECT m.id, m.total, t.amount FROM mass_payments m JOIN transfers t ON t.id = m.funding_transfer_id WHERE t.amount <> m.total`,
		"mass payment %s has total %d cents but its funding transfer is %d"},
	{`SELECT mass_payment_id, COUNT(*), 0 FROM transfers WHERE item_id = '' AND mass_payment_id <> ''
 GROUP BY mass_payment_id HAVING COUNT(*) > 1`,
		"mass payment %s has %d funding transfers, want at most one (%d)"},
	{`SELECT m.id, COUNT(*), 0 FROM mass_payments m JOIN mass_payment_items i ON i.mass_payment_id = m.id
 WHERE m.status = 'complete' AND i.status = 'pending' GROUP BY m.id`,
		"complete mass payment %s has %d pending items, want %d"},
	{`SELECT m.id, m.items_succeeded, (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = m.id AND i.status = 'success')
 FROM mass_payments m WHERE m.items_succeeded <> (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = m.id AND i.status = 'success')`,
		"mass payment %s counts %d successful items but has %d"},
	{`SELECT m.id, m.items_failed, (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = m.id AND i.status = 'failed')
 FROM mass_payments m WHERE m.items_failed <> (SELECT COUNT(*) FROM mass_payment_items i WHERE i.mass_payment_id = m.id AND i.status = 'failed')`,
		"mass payment %s counts %d failed items but has %d"},
	// ACH: a transfer is in exactly one file, an entry carries its transfer's amount, and a file's
	// recorded count and totals are its entries'.
	{`SELECT transfer_id, COUNT(DISTINCT file_id), 1 FROM ach_entries GROUP BY transfer_id HAVING COUNT(DISTINCT file_id) <> 1`,
		"transfer %s is in %d ACH files, want %d"},
	{`SELECT e.transfer_id, e.amount, t.amount FROM ach_entries e JOIN transfers t ON t.id = e.transfer_id WHERE e.amount <> t.amount`,
		"ACH entry of transfer %s is %d cents but the transfer is %d"},
	{`SELECT e.transfer_id, 0, 0 FROM ach_entries e WHERE NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = e.transfer_id)`,
		"ACH entry of transfer %s has no transfer (%d, %d)"},
	{`SELECT f.name, f.entry_count, COUNT(e.transfer_id) FROM ach_files f LEFT JOIN ach_entries e ON e.file_id = f.id
 GROUP BY f.id, f.name, f.entry_count HAVING f.entry_count <> COUNT(e.transfer_id)`,
		"ACH file %s records %d entries but holds %d"},
	{`SELECT f.name, f.debit_total, COALESCE(SUM(CASE WHEN e.debit THEN e.amount ELSE 0 END), 0) FROM ach_files f
 LEFT JOIN ach_entries e ON e.file_id = f.id GROUP BY f.id, f.name, f.debit_total
 HAVING f.debit_total <> COALESCE(SUM(CASE WHEN e.debit THEN e.amount ELSE 0 END), 0)`,
		"ACH file %s records debits of %d cents but its entries sum to %d"},
	{`SELECT f.name, f.credit_total, COALESCE(SUM(CASE WHEN e.debit THEN 0 ELSE e.amount END), 0) FROM ach_files f
 LEFT JOIN ach_entries e ON e.file_id = f.id GROUP BY f.id, f.name, f.credit_total
 HAVING f.credit_total <> COALESCE(SUM(CASE WHEN e.debit THEN 0 ELSE e.amount END), 0)`,
		"ACH file %s records credits of %d cents but its entries sum to %d"},
	// ACH returns: each names an entry masspay sent, an applied one failed its transfer, and a
	// file is uploaded only once written.
	{`SELECT r.transfer_id, 0, 0 FROM ach_returns r WHERE NOT EXISTS
 (SELECT 1 FROM ach_entries e WHERE e.transfer_id = r.transfer_id AND e.debit = r.debit)`,
		"ACH return of transfer %s names no entry sent (%d, %d)"},
	{`SELECT r.transfer_id, 0, 0 FROM ach_returns r JOIN transfers t ON t.id = r.transfer_id WHERE NOT r.held AND t.status <> 'failed'`,
		"transfer %s has an applied ACH return but is not failed (%d, %d)"},
	{`SELECT name, 0, 0 FROM ach_files WHERE uploaded <> 0 AND NOT written`,
		"ACH file %s is marked uploaded but was never written (%d, %d)"},
}

// Violations runs every invariant check and describes each violation found.
func (q *q) Violations(ctx context.Context) ([]string, error) {
	var out []string
	for _, inv := range invariants {
		rows, err := q.query(ctx, inv.query)
		if err != nil {
			return nil, fmt.Errorf("check %q: %w", inv.message, err)
		}
		for rows.Next() {
			var subject string
			var a, b int64
			if err := rows.Scan(&subject, &a, &b); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, fmt.Sprintf(inv.message, subject, a, b))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
