package sqlstore

import (
	"context"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"masspay"
)

const transferCols = `id, seq, account_id, source_id, destination_id, source_customer_id, dest_customer_id, amount, status,
 posted, bank, funding_transfer_id, mass_payment_id, item_id, correlation_id, metadata, clearing_source, clearing_dest,
 source_addenda, dest_addenda, processing_channel, failure_code, created`

var transferInsertCols = []string{"id", "account_id", "source_id", "destination_id", "source_customer_id",
	"dest_customer_id", "amount", "status", "posted", "bank", "funding_transfer_id", "mass_payment_id", "item_id",
	"correlation_id", "metadata", "clearing_source", "clearing_dest", "source_addenda", "dest_addenda",
	"processing_channel", "failure_code", "created", "dest_customer_hash", "correlation_hash"}

// keyHash is the 64-bit FNV-1a hash of s, or 0 for "", that indexes transfers by receiving
// customer and by correlation id (migration 00009): an index of 8-byte keys holds three times
// the entries per page of one of the ids themselves. A match on it is confirmed on the text.
func keyHash(s string) int64 {
	if s == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return int64(h.Sum64())
}

// keyedSeqs selects, as transfers.seq, the transfers whose key hash column (dest_customer_hash or
// correlation_hash) is hash, through that column's index (migration 00030). The index leads with
// the transfer's generation, seq / 16384, so that inserts land in the newest generation's range
// of the index rather than all over it; a lookup seeks it once per generation, newest first,
// from a recursive list of the generation numbers (CROSS JOIN keeps SQLite, which has no
// statistics, from scanning the index for the list instead). Both backends read the text as it is, and
// both match the index's expression only when the query spells it the same.
func keyedSeqs(col, hash string) string {
	return `SELECT transfers.seq FROM ` + generations + ` CROSS JOIN transfers
 WHERE (transfers.seq / 16384) = g.n AND transfers.` + col + ` = ` + hash + ` AND transfers.` + col + ` <> 0`
}

// generations lists, as g.n, the generations of the key indexes, newest first (keyedSeqs).
const generations = `(WITH RECURSIVE g(n) AS (SELECT (SELECT MAX(seq) FROM transfers) / 16384
 UNION ALL SELECT n - 1 FROM g WHERE n > 0) SELECT n FROM g) g`

func scanTransfer(sc interface{ Scan(...any) error }) (*masspay.Transfer, error) {
	var t masspay.Transfer
	var metadata string
	var created int64
	if err := sc.Scan(&t.ID, &t.Seq, &t.AccountID, &t.SourceID, &t.DestinationID, &t.SourceCustomerID, &t.DestCustomerID,
		&t.Amount, &t.Status, &t.Posted, &t.Bank, &t.FundingTransferID, &t.MassPaymentID, &t.ItemID, &t.CorrelationID,
		&metadata, &t.ClearingSource, &t.ClearingDest, &t.SourceAddenda, &t.DestAddenda, &t.ProcessingChannel,
		&t.FailureCode, &created); err != nil {
		return nil, noRows(err)
	}
	t.Metadata = parseMap(metadata)
	t.Created = tm(created)
	return &t, nil
}

func (q *q) TransferGet(ctx context.Context, id string) (*masspay.Transfer, error) {
	return scanTransfer(q.queryRow(ctx, `SELECT `+transferCols+` FROM transfers WHERE id = $1`, id))
}

func (q *q) TransferInsertMany(ctx context.Context, ts []*masspay.Transfer) error {
	rows := make([][]any, len(ts))
	for i, t := range ts {
		rows[i] = []any{t.ID, t.AccountID, t.SourceID, t.DestinationID, t.SourceCustomerID, t.DestCustomerID, t.Amount,
			string(t.Status), t.Posted, t.Bank, t.FundingTransferID, t.MassPaymentID, t.ItemID, t.CorrelationID, jsonMap(t.Metadata),
			t.ClearingSource, t.ClearingDest, t.SourceAddenda, t.DestAddenda, t.ProcessingChannel, t.FailureCode, us(t.Created),
			keyHash(t.DestCustomerID), keyHash(t.CorrelationID)}
	}
	return q.unique(q.insertMany(ctx, "transfers", transferInsertCols, rows))
}

// generation is the number of transfers per generation of the key indexes (migration 00030).
const generation = 16384

func (q *q) TransferList(ctx context.Context, f masspay.TransferFilter) ([]*masspay.Transfer, int, error) {
	var w where
	var c, h string
	if f.CustomerID != "" {
		c, h = w.arg(f.CustomerID), w.arg(keyHash(f.CustomerID))
		// Not through an index: SQLite, which keeps no statistics, would read the sending arm
		// (customerArms) through transfers_account, which it finds as selective as
		// transfers_source_customer and in seq order as well.
		w.add(q.s.dialect.Unindexed + "account_id = " + w.arg(f.AccountID))
	} else {
		w.add("(source_customer_id = '' OR dest_customer_id = '')")
		w.add("account_id = " + w.arg(f.AccountID))
	}
	w.in("status", f.Statuses)
	if f.CorrelationID != "" {
		w.add("seq IN (" + keyedSeqs("correlation_hash", w.arg(keyHash(f.CorrelationID))) + ") AND correlation_id = " +
			w.arg(f.CorrelationID))
	}
	if f.StartAmount > 0 {
		w.add("amount >= " + w.arg(f.StartAmount))
	}
	if f.EndAmount > 0 {
		w.add("amount <= " + w.arg(f.EndAmount))
	}
	if !f.StartDate.IsZero() {
		w.add("created >= " + w.arg(us(f.StartDate)))
	}
	if !f.EndDate.IsZero() {
		w.add("created < " + w.arg(us(f.EndDate)))
	}
	if f.Search != "" {
		w.add(`EXISTS (SELECT 1 FROM customers c WHERE c.id IN (transfers.source_customer_id, transfers.dest_customer_id)
 AND c.id <> ` + w.arg(f.CustomerID) + ` AND ` + customerSearch(&w, f.Search) + `)`)
	}
	if f.CustomerID == "" {
		return list(ctx, q, transferCols, "transfers", &w, "seq DESC", f.Page, scanTransfer)
	}
	return q.customerTransfers(ctx, c, h, strings.Join(w.conds, " AND "), w.args, f.Page)
}

// customerTransfers counts and reads a page of a customer's transfers that match cond (with its
// parameters args, among which customer and hash): a window of the key indexes' generations at a
// time, newest first (customerArms), as many as the page and the count need. A history of up to
// a window's generations, 4,194,304 transfers by default, is one count and one page.
func (q *q) customerTransfers(ctx context.Context, customer, hash, cond string, args []any, p masspay.Page) ([]*masspay.Transfer, int, error) {
	// The count, up to the cap, reads the customer's transfers one side and one generation after
	// the other, as keyedSeqs does, until it has as many as the cap; the page reads the
	// generations there were then (last, the newest).
	capped := min(p.Offset, math.MaxInt-ListCountCap) + ListCountCap
	var total, last int
	if err := q.queryRow(ctx, `SELECT COUNT(*), (SELECT COALESCE(MAX(seq), 0) / 16384 FROM transfers) FROM (
 SELECT 1 FROM transfers WHERE source_customer_id = `+customer+` AND source_customer_id <> '' AND `+cond+`
 UNION ALL `+keyedSeqs("dest_customer_hash", hash)+`
 AND dest_customer_id = `+customer+` AND source_customer_id <> dest_customer_id AND `+cond+`
 LIMIT $`+strconv.Itoa(len(args)+1)+`) c`, append(args, capped)...).Scan(&total, &last); err != nil {
		return nil, 0, err
	}
	// How many of the customer's transfers generations lo to hi hold, up to limit.
	count := func(hi, lo, limit int) (int, error) {
		var n int
		err := q.queryRow(ctx, `SELECT COUNT(*) FROM (`+customerArms(customer, hash, "", cond, hi, lo, false)+
			` LIMIT $`+strconv.Itoa(len(args)+1)+`) c`, append(args, limit)...).Scan(&n)
		return n, err
	}
	if q.s.dialect.SortFewCustomerTransfers && total < capped && total <= fewCustomerTransfers {
		// The count read them all and found few: read them again in one query and sort them.
		rows, err := q.query(ctx, `SELECT `+transferCols+` FROM transfers WHERE seq IN (
 SELECT seq FROM transfers WHERE source_customer_id = `+customer+` AND source_customer_id <> '' AND seq < `+strconv.Itoa((last+1)*generation)+`
 UNION ALL `+keyedSeqs("dest_customer_hash", hash)+` AND g.n <= `+strconv.Itoa(last)+`
 AND dest_customer_id = `+customer+`) AND `+cond+
			` ORDER BY seq DESC LIMIT $`+strconv.Itoa(len(args)+1)+` OFFSET $`+strconv.Itoa(len(args)+2), append(args, p.Limit, p.Offset)...)
		if err != nil {
			return nil, 0, err
		}
		out, err := collect(rows, scanTransfer)
		return out, total, err
	}
	window := q.s.customerWindow()
	var out []*masspay.Transfer
	skip, limit := p.Offset, p.Limit
	for hi := last; hi >= 0 && limit > 0; hi -= window {
		lo := max(hi-window+1, 0)
		n := len(args)
		need := "$" + strconv.Itoa(n+1)
		rows, err := q.query(ctx, `SELECT `+transferCols+` FROM (SELECT kseq FROM (`+
			customerArms(customer, hash, need, cond, hi, lo, q.s.dialect.MergeOrderedArms)+
			`) u ORDER BY kseq DESC LIMIT $`+strconv.Itoa(n+2)+` OFFSET $`+strconv.Itoa(n+3)+
			`) k CROSS JOIN transfers WHERE transfers.seq = k.kseq ORDER BY k.kseq DESC`,
			append(args, min(skip, math.MaxInt-limit)+limit, limit, skip)...)
		if err != nil {
			return nil, 0, err
		}
		page, err := collect(rows, scanTransfer)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, page...)
		limit -= len(page)
		if len(page) > 0 || skip == 0 {
			skip = 0
			continue
		}
		// The window held at most skip of the customer's transfers, all skipped.
		held, err := count(hi, lo, skip)
		if err != nil {
			return nil, 0, err
		}
		skip -= held
	}
	return out, total, nil
}

// fewCustomerTransfers is the most transfers, all counted, that a customer's list reads and sorts
// when the backend says so (Dialect.SortFewCustomerTransfers) rather than merging its arms.
const fewCustomerTransfers = 1000

// customerArms selects, as kseq, the seqs of the customer's transfers that match cond in
// generations lo to hi of the key indexes (seqs from lo*generation to below (hi+1)*generation):
// those it sends through transfers_source_customer, (source_customer_id, seq), and those it
// receives through transfers_dest_customer, one arm per generation, newest first, which the index
// gives in seq order (a receiving arm's match is the hash's, confirmed on the row; what the
// customer sends to itself is the sending arm's). Ordered by kseq, both backends merge the arms
// as they read them, so that a page reads its offset plus its limit of entries and one seek per
// generation, not all of the customer's transfers: PostgreSQL (Merge Append) when the arms are
// ordered subqueries of at most need rows each (ordered; it merges no plain arms, and reads an
// arm in index order only under a LIMIT), SQLite (a compound's ORDER BY) when they are plain
// selects (it would sort an ordered subquery's rows again). Unordered, a count reads them an arm
// after the other. Seqs past generation hi, written since the newest generation's number
// was read, are left out of both sides alike.
func customerArms(customer, hash, need, cond string, hi, lo int, ordered bool) string {
	var b strings.Builder
	arm := func(where string) {
		if b.Len() > 0 {
			b.WriteString("\n UNION ALL ")
		}
		if ordered {
			b.WriteString("SELECT kseq FROM (SELECT seq AS kseq FROM transfers WHERE " + where + " AND " + cond +
				" ORDER BY seq DESC LIMIT " + need + ") a")
		} else {
			b.WriteString("SELECT seq AS kseq FROM transfers WHERE " + where + " AND " + cond)
		}
	}
	seqs := ` AND seq < ` + strconv.Itoa((hi+1)*generation)
	if lo > 0 {
		seqs = ` AND seq >= ` + strconv.Itoa(lo*generation) + seqs
	}
	arm(`source_customer_id = ` + customer + ` AND source_customer_id <> ''` + seqs)
	for g := hi; g >= lo; g-- {
		arm("(seq / 16384) = " + strconv.Itoa(g) + " AND dest_customer_hash = " + hash +
			" AND dest_customer_hash <> 0 AND dest_customer_id = " + customer + " AND source_customer_id <> dest_customer_id")
	}
	return b.String()
}

func (q *q) TransferListFundedBy(ctx context.Context, fundingTransferID string) ([]*masspay.Transfer, error) {
	rows, err := q.query(ctx, `SELECT `+transferCols+` FROM transfers WHERE funding_transfer_id = $1 ORDER BY seq`, fundingTransferID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTransfer)
}

// TransferListPendingBank returns the account's oldest pending bank transfers, up to limit,
// locked until the transaction ends.
func (q *q) TransferListPendingBank(ctx context.Context, accountID string, limit int) ([]*masspay.Transfer, error) {
	rows, err := q.query(ctx, `SELECT `+transferCols+` FROM transfers WHERE account_id = $1 AND status = 'pending' AND bank
 ORDER BY seq LIMIT $2`+q.s.dialect.RowLock, accountID, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTransfer)
}

// TransferUpdate writes the fields that change after creation: status, posting and failure.
func (q *q) TransferUpdate(ctx context.Context, t *masspay.Transfer) error {
	return one(q.exec(ctx, `UPDATE transfers SET status = $1, posted = $2, failure_code = $3 WHERE id = $4`,
		t.Status, t.Posted, t.FailureCode, t.ID))
}

func (q *q) TransferListProcessedBank(ctx context.Context, accountID string, debitNames, creditNames []string, limit int) ([]*masspay.Transfer, error) {
	var w where
	acc := w.arg(accountID)
	banks := func(names []string) string {
		return `(SELECT id FROM funding_sources WHERE account_id = ` + acc + ` AND type = 'bank' AND name IN (` + w.list(names) + `))`
	}
	var sides []string
	if len(debitNames) > 0 {
		sides = append(sides, `(funding_transfer_id = '' AND source_id IN `+banks(debitNames)+`)`)
	}
	if len(creditNames) > 0 {
		sides = append(sides, `destination_id IN `+banks(creditNames))
	}
	if len(sides) == 0 {
		return nil, nil
	}
	rows, err := q.query(ctx, `SELECT `+transferCols+` FROM transfers WHERE account_id = `+acc+` AND status = 'processed' AND bank
 AND (`+strings.Join(sides, " OR ")+`) ORDER BY seq LIMIT `+w.arg(limit)+q.s.dialect.RowLock, w.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTransfer)
}
