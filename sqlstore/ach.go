package sqlstore

import (
	"context"
	"time"

	"masspay"
)

func (q *q) ACHSettingsGet(ctx context.Context) (string, error) {
	var s string
	err := q.queryRow(ctx, `SELECT settings FROM ach_settings WHERE id = 1`).Scan(&s)
	return s, noRows(err)
}

func (q *q) ACHSettingsPut(ctx context.Context, settings string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO ach_settings (id, settings, updated) VALUES (1, $1, $2)
 ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated = excluded.updated`, settings, us(now))
	return err
}

func (q *q) ACHWindowLast(ctx context.Context) (time.Time, error) {
	var v int64 // 0, the zero time, when there is no window
	err := q.queryRow(ctx, `SELECT COALESCE(MAX(cutoff), 0) FROM ach_windows`).Scan(&v)
	return tm(v), err
}

func (q *q) ACHWindowInsert(ctx context.Context, w *masspay.ACHWindow) error {
	_, err := q.exec(ctx, `INSERT INTO ach_windows (id, cutoff, closed, file_name) VALUES ($1, $2, $3, $4)`,
		w.ID, us(w.Cutoff), us(w.Closed), w.FileName)
	return q.unique(err)
}

// ACHTransferListDue reads pending bank transfers through their partial index (its condition
// spelled out so that it applies).
func (q *q) ACHTransferListDue(ctx context.Context, limit int) ([]*masspay.Transfer, error) {
	rows, err := q.query(ctx, `SELECT `+transferCols+` FROM transfers t WHERE t.status = 'pending' AND t.bank
 AND NOT EXISTS (SELECT 1 FROM ach_entries e WHERE e.transfer_id = t.id)
 AND (t.funding_transfer_id = '' OR EXISTS (SELECT 1 FROM transfers f WHERE f.id = t.funding_transfer_id AND f.status = 'processed'))
 ORDER BY t.seq LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanTransfer)
}

func (q *q) ACHFileDay(ctx context.Context, date string) (files, lastTrace int, err error) {
	if err = q.queryRow(ctx, `SELECT COUNT(*) FROM ach_files WHERE file_date = $1`, date).Scan(&files); err != nil {
		return 0, 0, err
	}
	err = q.queryRow(ctx, `SELECT COALESCE(MAX(trace_seq), 0) FROM ach_entries WHERE file_date = $1`, date).Scan(&lastTrace)
	return files, lastTrace, err
}

const achFileCols = `id, name, file_date, modifier, window_id, sha256, entry_count, debit_total, credit_total, odfi,
 company_name, company_id, entry_description, written, created, uploaded`

func scanACHFile(sc interface{ Scan(...any) error }, extra ...any) (*masspay.ACHFile, error) {
	var f masspay.ACHFile
	var created, uploaded int64
	if err := sc.Scan(append([]any{&f.ID, &f.Name, &f.Date, &f.Modifier, &f.WindowID, &f.SHA256, &f.EntryCount,
		&f.DebitTotal, &f.CreditTotal, &f.ODFI, &f.CompanyName, &f.CompanyID, &f.EntryDescription, &f.Written, &created, &uploaded}, extra...)...); err != nil {
		return nil, noRows(err)
	}
	f.Created = tm(created)
	if uploaded != 0 {
		f.Uploaded = tm(uploaded)
	}
	return &f, nil
}

var achEntryInsertCols = []string{"transfer_id", "debit", "file_id", "file_date", "trace_seq", "trace", "individual_id",
	"sec", "amount", "routing_number", "name", "addenda", "effective_date", "process_date", "processed"}

func (q *q) ACHFileInsert(ctx context.Context, f *masspay.ACHFile, entries []*masspay.ACHEntry) error {
	if _, err := q.exec(ctx, `INSERT INTO ach_files (id, name, file_date, modifier, window_id, sha256, entry_count, debit_total,
 credit_total, odfi, company_name, company_id, entry_description, content, written, created)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, f.ID, f.Name, f.Date, f.Modifier, f.WindowID, f.SHA256,
		f.EntryCount, f.DebitTotal, f.CreditTotal, f.ODFI, f.CompanyName, f.CompanyID, f.EntryDescription,
		string(f.Content), f.Written, us(f.Created)); err != nil {
		return q.unique(err)
	}
	rows := make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = []any{e.TransferID, e.Debit, f.ID, f.Date, int64(e.TraceSeq), e.Trace, e.IndividualID, e.SEC, e.Amount,
			e.RoutingNumber, e.Name, e.Addenda, e.EffectiveDate, e.ProcessDate, e.Processed}
	}
	return q.unique(q.insertMany(ctx, "ach_entries", achEntryInsertCols, rows))
}

func (q *q) ACHFileList(ctx context.Context, p masspay.Page) ([]*masspay.ACHFile, int, error) {
	// Counted as every list is: to offset+ListCountCap at most.
	return list(ctx, q, achFileCols, "ach_files", &where{}, "created DESC, name DESC", p,
		func(sc interface{ Scan(...any) error }) (*masspay.ACHFile, error) { return scanACHFile(sc) })
}

func (q *q) ACHFileListUnwritten(ctx context.Context) ([]*masspay.ACHFile, error) {
	return q.achFilesWithContent(ctx, `NOT written`)
}

// achFilesWithContent returns the files that match a condition, oldest first, with their content.
func (q *q) achFilesWithContent(ctx context.Context, where string) ([]*masspay.ACHFile, error) {
	rows, err := q.query(ctx, `SELECT `+achFileCols+`, content FROM ach_files WHERE `+where+` ORDER BY created, name`)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (*masspay.ACHFile, error) {
		var content string
		f, err := scanACHFile(sc, &content)
		if err == nil {
			f.Content = []byte(content)
		}
		return f, err
	})
}

func (q *q) ACHFileSetWritten(ctx context.Context, id string) error {
	return one(q.exec(ctx, `UPDATE ach_files SET written = TRUE WHERE id = $1`, id))
}

const achEntryCols = `e.transfer_id, e.debit, e.file_id, e.file_date, e.trace_seq, e.trace, e.individual_id, e.sec, e.amount,
 e.routing_number, e.name, e.addenda, e.effective_date, e.process_date, e.processed`

func scanACHEntry(sc interface{ Scan(...any) error }, extra ...any) (*masspay.ACHEntry, error) {
	var e masspay.ACHEntry
	if err := sc.Scan(append([]any{&e.TransferID, &e.Debit, &e.FileID, &e.FileDate, &e.TraceSeq, &e.Trace, &e.IndividualID,
		&e.SEC, &e.Amount, &e.RoutingNumber, &e.Name, &e.Addenda, &e.EffectiveDate, &e.ProcessDate, &e.Processed}, extra...)...); err != nil {
		return nil, noRows(err)
	}
	return &e, nil
}

func (q *q) ACHEntryListByTransfer(ctx context.Context, transferIDs ...string) ([]*masspay.ACHEntry, error) {
	var out []*masspay.ACHEntry
	if len(transferIDs) == 0 {
		return nil, nil
	}
	fileCols := `f.id, f.name, f.file_date, f.modifier, f.window_id, f.sha256, f.entry_count, f.debit_total, f.credit_total,
 f.odfi, f.company_name, f.company_id, f.entry_description, f.written, f.created`
	err := q.tx.QueryIDs(ctx, `SELECT `+achEntryCols+`, `+fileCols+` FROM ach_entries e JOIN ach_files f ON f.id = e.file_id
 WHERE e.transfer_id`, transferIDs, func(rows Row) error {
		var f masspay.ACHFile
		var created int64
		e, err := scanACHEntry(rows, &f.ID, &f.Name, &f.Date, &f.Modifier, &f.WindowID, &f.SHA256, &f.EntryCount,
			&f.DebitTotal, &f.CreditTotal, &f.ODFI, &f.CompanyName, &f.CompanyID, &f.EntryDescription, &f.Written, &created)
		if err != nil {
			return err
		}
		f.Created = tm(created)
		e.File = &f
		out = append(out, e)
		return nil
	})
	return out, err
}

func (q *q) ACHEntryListDue(ctx context.Context, date string, limit int) ([]*masspay.ACHEntry, error) {
	rows, err := q.query(ctx, `SELECT `+achEntryCols+` FROM ach_entries e WHERE NOT e.processed AND e.process_date < $1
 ORDER BY e.process_date, e.file_date, e.trace_seq LIMIT $2`, date, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (*masspay.ACHEntry, error) { return scanACHEntry(sc) })
}

func (q *q) ACHEntrySetProcessed(ctx context.Context, entries []*masspay.ACHEntry) error {
	for _, e := range entries {
		if _, err := q.exec(ctx, `UPDATE ach_entries SET processed = TRUE WHERE transfer_id = $1 AND debit = $2`, e.TransferID, e.Debit); err != nil {
			return err
		}
		e.Processed = true
	}
	return nil
}
