package sqlstore

import (
	"context"
	"time"

	"masspay"
)

func (q *q) ACHEntryListByTrace(ctx context.Context, trace string) ([]*masspay.ACHEntry, error) {
	rows, err := q.query(ctx, `SELECT `+achEntryCols+` FROM ach_entries e WHERE e.trace = $1 ORDER BY e.file_date DESC`, trace)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (*masspay.ACHEntry, error) { return scanACHEntry(sc) })
}

const achImportCols = `sha256, name, matched, already, unmatched, corrections, held, report, imported`

func (q *q) ACHImportGet(ctx context.Context, sha string) (*masspay.ACHImport, error) {
	var im masspay.ACHImport
	var imported int64
	err := q.queryRow(ctx, `SELECT `+achImportCols+` FROM ach_imports WHERE sha256 = $1`, sha).Scan(&im.SHA256, &im.Name,
		&im.Matched, &im.Already, &im.Unmatched, &im.Corrections, &im.Held, &im.Report, &imported)
	if err != nil {
		return nil, noRows(err)
	}
	im.Imported = tm(imported)
	return &im, nil
}

func (q *q) ACHImportInsert(ctx context.Context, im *masspay.ACHImport) error {
	_, err := q.exec(ctx, `INSERT INTO ach_imports (`+achImportCols+`, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		im.SHA256, im.Name, im.Matched, im.Already, im.Unmatched, im.Corrections, im.Held, im.Report, us(im.Imported), string(im.Content))
	return q.unique(err)
}

const achReturnCols = `transfer_id, debit, import_sha256, trace, code, return_trace, information, held, created`

func scanACHReturn(sc interface{ Scan(...any) error }) (*masspay.ACHReturn, error) {
	var r masspay.ACHReturn
	var created int64
	if err := sc.Scan(&r.TransferID, &r.Debit, &r.ImportSHA256, &r.Trace, &r.Code, &r.ReturnTrace, &r.Information, &r.Held, &created); err != nil {
		return nil, noRows(err)
	}
	r.Created = tm(created)
	return &r, nil
}

func (q *q) ACHReturnInsert(ctx context.Context, r *masspay.ACHReturn) error {
	_, err := q.exec(ctx, `INSERT INTO ach_returns (`+achReturnCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.TransferID, r.Debit,
		r.ImportSHA256, r.Trace, r.Code, r.ReturnTrace, r.Information, r.Held, us(r.Created))
	return q.unique(err)
}

func (q *q) ACHReturnList(ctx context.Context, transferID string) ([]*masspay.ACHReturn, error) {
	rows, err := q.query(ctx, `SELECT `+achReturnCols+` FROM ach_returns WHERE transfer_id = $1 ORDER BY debit`, transferID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanACHReturn)
}

func (q *q) ACHReturnListHeld(ctx context.Context, limit int) ([]*masspay.ACHReturn, error) {
	rows, err := q.query(ctx, `SELECT `+achReturnCols+` FROM ach_returns WHERE held ORDER BY created, transfer_id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanACHReturn)
}

func (q *q) ACHReturnSetApplied(ctx context.Context, transferID string, debit bool) error {
	return one(q.exec(ctx, `UPDATE ach_returns SET held = FALSE WHERE transfer_id = $1 AND debit = $2`, transferID, debit))
}

const achCorrectionCols = `id, import_sha256, transfer_id, debit, funding_source_id, account_id, trace, code, corrected_data, created`

func (q *q) ACHCorrectionInsert(ctx context.Context, c *masspay.ACHCorrection) (bool, error) {
	n, err := q.exec(ctx, `INSERT INTO ach_corrections (`+achCorrectionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
 ON CONFLICT (transfer_id, debit) DO NOTHING`, c.ID,
		c.ImportSHA256, c.TransferID, c.Debit, c.FundingSourceID, c.AccountID, c.Trace, c.Code, c.CorrectedData, us(c.Created))
	return n == 1, err
}

func (q *q) ACHCorrectionList(ctx context.Context, p masspay.Page) ([]*masspay.ACHCorrection, int, error) {
	// Counted as every list is: to offset+ListCountCap at most.
	return list(ctx, q, achCorrectionCols, "ach_corrections", &where{}, "created DESC, id DESC", p, func(sc interface{ Scan(...any) error }) (*masspay.ACHCorrection, error) {
		var c masspay.ACHCorrection
		var created int64
		if err := sc.Scan(&c.ID, &c.ImportSHA256, &c.TransferID, &c.Debit, &c.FundingSourceID, &c.AccountID, &c.Trace, &c.Code,
			&c.CorrectedData, &created); err != nil {
			return nil, err
		}
		c.Created = tm(created)
		return &c, nil
	})
}

func (q *q) ACHFileListUnuploaded(ctx context.Context) ([]*masspay.ACHFile, error) {
	return q.achFilesWithContent(ctx, `written AND uploaded = 0`)
}

func (q *q) ACHFileSetUploaded(ctx context.Context, id string, at time.Time) error {
	return one(q.exec(ctx, `UPDATE ach_files SET uploaded = $1 WHERE id = $2`, us(at), id))
}
