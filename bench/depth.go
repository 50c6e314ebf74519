package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"masspay"
	"masspay/engine"
	"masspay/postgres"
	"masspay/service"
	"masspay/sqlstore"
)

// Lists are the list endpoints whose p50 a round measures fresh and at depth, in report order.
var Lists = []string{"GET /accounts/{id}/transfers", "GET /customers/{id}/transfers", "GET /events",
	"GET /accounts/{id}/mass-payments", "GET /mass-payments/{id}/items"}

// listSamples is how many times each list is read for its p50.
const listSamples = 15

// listPaths are the paths of Lists for an account, one of its payees and one of its batches.
func listPaths(accountID, customerID, mpID string) []string {
	return []string{"/accounts/" + accountID + "/transfers", "/customers/" + customerID + "/transfers", "/events",
		"/accounts/" + accountID + "/mass-payments", "/mass-payments/" + mpID + "/items"}
}

// listP50s reads each of paths (limit 25) listSamples times and returns their medians.
func listP50s(c *client, paths []string) ([]time.Duration, error) {
	out := make([]time.Duration, len(paths))
	for i, p := range paths {
		var took []time.Duration
		for range listSamples {
			d, err := c.get(p + "?limit=25")
			if err != nil {
				return nil, err
			}
			took = append(took, d)
		}
		out[i] = median(took)
	}
	return out, nil
}

// get reads path and returns the time to the whole 200 body.
func (c *client) get(path string) (time.Duration, error) {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Accept", "application/vnd.dwolla.v1.hal+json")
	req.Header.Set("Authorization", "Bearer "+c.bearer)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var b [4096]byte
	for {
		if _, err := res.Body.Read(b[:]); err != nil {
			break
		}
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	return time.Since(start), nil
}

// history writes n items of history through the store (not the API): batches of len(written)
// items from the account's balance to the payees, each inserted as accepted and then written
// as the engine writes its outcomes (transfers, ledger entries, item outcomes, events), a chunk
// per transaction, with fresh ids and the shapes of the transfers the engine made.
func history(ctx context.Context, store masspay.Store, accountID, sourceID string, written []*masspay.Transfer, chunk, n int) error {
	for done := 0; done < n; {
		size := min(len(written), n-done)
		now := time.Now().UTC().Truncate(time.Microsecond)
		mp := &masspay.MassPayment{ID: masspay.NewID(), AccountID: accountID, SourceID: sourceID, SourceType: string(masspay.FundingBalance),
			Status: masspay.MassPaymentProcessing, ItemCount: size, Created: now}
		items := make([]*masspay.Item, size)
		ts := make([]*masspay.Transfer, size)
		for i := range size {
			t := *written[i]
			t.ID, t.MassPaymentID, t.Created = masspay.NewID(), mp.ID, now
			items[i] = &masspay.Item{MassPaymentID: mp.ID, ID: masspay.NewID(), Idx: i, DestinationID: t.DestinationID,
				Amount: t.Amount, Status: masspay.ItemPending, CorrelationID: fmt.Sprintf("item-%d", i)}
			t.ItemID = items[i].ID
			ts[i] = &t
			mp.Total += t.Amount
		}
		if err := store.Write(ctx, func(q masspay.Q) error { return q.MassPaymentInsert(ctx, mp, items) }); err != nil {
			return err
		}
		for _, it := range items {
			it.Status = masspay.ItemSuccess
		}
		for i, t := range ts {
			items[i].TransferID = t.ID
		}
		if err := writeOutcomes(ctx, store, mp, items, ts, chunk, now); err != nil {
			return err
		}
		mp.Status, mp.Completed = masspay.MassPaymentComplete, now
		if err := store.Write(ctx, func(q masspay.Q) error { return q.MassPaymentUpdate(ctx, mp) }); err != nil {
			return err
		}
		done += size
	}
	return nil
}

// writeOutcomes writes, chunk by chunk and one transaction per chunk, the rows the engine writes
// for a batch's items whose transfers are ts: transfers, ledger entries, item outcomes, events,
// the batch's cursor.
func writeOutcomes(ctx context.Context, store masspay.Store, mp *masspay.MassPayment, items []*masspay.Item, ts []*masspay.Transfer, chunk int, now time.Time) error {
	for lo := 0; lo < len(ts); lo += chunk {
		hi := min(lo+chunk, len(ts))
		err := store.Write(ctx, func(q masspay.Q) error {
			if err := q.TransferInsertMany(ctx, ts[lo:hi]); err != nil {
				return err
			}
			entries := make([]masspay.LedgerEntry, 0, 2*(hi-lo))
			events := make([]*masspay.Event, 0, 2*(hi-lo))
			for _, t := range ts[lo:hi] {
				entries = append(entries, masspay.PostingEntries(t, t.SourceID, t.DestinationID, now)...)
				events = append(events, masspay.TransferEvents(t, masspay.TopicTransferCreated, now)...)
			}
			if err := q.LedgerPost(ctx, entries); err != nil {
				return err
			}
			if err := q.ItemUpdateMany(ctx, items[lo:hi]); err != nil {
				return err
			}
			if err := service.Publish(ctx, q, events...); err != nil {
				return err
			}
			mp.NextIdx = hi
			return q.MassPaymentUpdate(ctx, mp)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// storeBytes is the size of the store on disk: the SQLite database's pages (what its file holds
// once the WAL is copied into it), or PostgreSQL's tables with their indexes and TOAST in the
// store's schema.
//
// SQLite's size is read, not the file's: page_count on a snapshot taken now counts every
// committed page, whether or not a checkpoint has copied it into the file yet. The file's size
// after a TRUNCATE checkpoint said the same only when that checkpoint finished, and it does not
// while another one runs (the store's own checkpointer: its quiet-time or five-second checkpoint
// can fall on the measurement, the likelier the slower the machine) or a reader is still in the
// WAL: the checkpoint answers "busy", not an error, and the file had not grown (BytesPerItem 0).
func storeBytes(ctx context.Context, store *sqlstore.Store) (int64, error) {
	tx, err := store.Driver().Begin(ctx, false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if store.Dialect() != "postgres" {
		var pages, size int64
		if err := tx.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
			return 0, err
		}
		if err := tx.QueryRow(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
			return 0, err
		}
		return pages * size, nil
	}
	var n int64
	err = tx.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS BIGINT) FROM pg_class c
 JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relkind = 'r'`).Scan(&n)
	return n, err
}

// process processes the next batch, of items items, and returns its rate from claim to complete
// and the SQLite pages the writer wrote per item meanwhile.
func process(ctx context.Context, store *sqlstore.Store, eng *engine.Engine, items int) (rate, pages float64, err error) {
	before, err := pagesWritten(ctx, store)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if did, err := eng.ProcessNext(ctx); err != nil || !did {
		return 0, 0, fmt.Errorf("process: did=%v err=%v", did, err)
	}
	rate = float64(items) / time.Since(start).Seconds()
	after, err := pagesWritten(ctx, store)
	return rate, float64(after-before) / float64(items), err
}

// pagesWritten is how many pages the SQLite store's writer has written so far (0 on PostgreSQL).
func pagesWritten(ctx context.Context, store *sqlstore.Store) (int64, error) {
	if d, ok := store.Driver().(interface {
		PagesWritten(context.Context) (int64, error)
	}); ok {
		return d.PagesWritten(ctx)
	}
	return 0, nil
}

// walPeak is the SQLite store's largest WAL seen at a commit (0 on PostgreSQL).
func walPeak(store *sqlstore.Store) int64 {
	if d, ok := store.Driver().(interface{ WALPeak() int64 }); ok {
		return d.WALPeak()
	}
	return 0
}

// depth measures, on the warm store, a batch's accept and processing and the list p50s; then,
// with cfg.History, writes that much history through the store and reads the lists again. The
// round's own figures, measured after it, are then at depth.
func (m *measures) depth(ctx context.Context, cfg Config, store *sqlstore.Store, c *client, eng *engine.Engine, body []byte, accountID, balanceID string) error {
	took, loc, err := c.post(body)
	if err != nil {
		return err
	}
	m.acceptFresh = took
	if m.processFresh, m.pagesFresh, err = process(ctx, store, eng, cfg.Items); err != nil {
		return err
	}
	mpID := loc[strings.LastIndex(loc, "/")+1:]
	written, err := engineTransfers(ctx, store, mpID)
	if err != nil {
		return err
	}
	m.lists = listPaths(accountID, written[0].DestCustomerID, mpID)
	if m.listsFresh, err = listP50s(c, m.lists); err != nil || cfg.History == 0 {
		return err
	}
	before, err := storeBytes(ctx, store)
	if err != nil {
		return err
	}
	if err := history(ctx, store, accountID, balanceID, written, eng.ChunkSize(), cfg.History); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	// The history took a minute to write, not a year: PostgreSQL's autovacuum, which analyzes a
	// table once a tenth of it is new (and wakes once a minute), has not caught up, and without
	// statistics the planner takes a 1,000,000-row account for 1,700 rows and reads its whole
	// index into a bitmap before a page of 25 (1.07 s at 1M, 0.06 ms analyzed). A store grown by
	// its API is analyzed as it grows; this does at once what autovacuum would have done by then.
	// SQLite keeps no statistics (masspay never runs ANALYZE there): its plans do not change.
	if _, ok := store.Driver().(*postgres.Driver); ok {
		if err := store.ExecSQL(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	}
	after, err := storeBytes(ctx, store)
	if err != nil {
		return err
	}
	m.bytesPerItem = float64(after-before) / float64(cfg.History)
	m.listsDepth, err = listP50s(c, m.lists)
	return err
}
