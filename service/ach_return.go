package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"masspay"
	"masspay/nacha"
)

// achHeldLimit is how many held returns one pass tries again.
const achHeldLimit = 500

// ImportError is a file that cannot be imported: it does not parse, does not validate, or is not
// a file of returns and notifications of change. Nothing was changed.
type ImportError struct {
	Name string
	Err  error
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("%s is not a NACHA file of returns or notifications of change: %v", e.Name, e.Err)
}

func (e *ImportError) Unwrap() error { return e.Err }

// ImportResult is what an import did. Already is set when the same bytes were imported before:
// then nothing changed, and Import is the first import's record.
type ImportResult struct {
	Import  *masspay.ACHImport
	Already bool
}

// achReturn is the return of an entry as the clearing applies it: the code's texts, the side
// that came back (Debit) and whether it closes the account.
func achReturn(code string, debit bool) *ReturnCode {
	rc, ok := ReturnCodes[code]
	if !ok {
		reason, desc := nacha.ReturnReason(code)
		rc = ReturnCode{Code: code, Description: reason, Explanation: desc}
		if desc != "" && !strings.HasSuffix(desc, ".") {
			rc.Explanation += "."
		}
	}
	rc.Debit, rc.RemovesBank = debit, nacha.Closes(code)
	return &rc
}

// Import applies a bank's file of returns and notifications of change (docs/ach.md), in one
// transaction: each return fails the transfer of the entry it names by original trace number,
// through the clearing's failure path (its posting reversed, what it funds failed with it, the
// bank removed for a code that closes the account, the same events); each notification of change
// is recorded against the entry's funding source, with an event. The file is recorded by its
// SHA-256: importing the same bytes again changes nothing. A file that does not parse is an
// *ImportError and changes nothing.
func (a *ACH) Import(ctx context.Context, name string, content []byte) (*ImportResult, error) {
	in, err := nacha.ReadInbound(content)
	if err != nil {
		return nil, &ImportError{Name: name, Err: err}
	}
	sum := hashHex(content)
	res := &ImportResult{}
	err = a.s.store.Write(ctx, func(q masspay.Q) error {
		*res = ImportResult{}
		if err := q.Lock(ctx, achLock); err != nil {
			return err
		}
		prev, err := q.ACHImportGet(ctx, sum)
		if err == nil {
			res.Import, res.Already = prev, true
			return nil
		}
		if !errors.Is(err, masspay.ErrNoRows) {
			return err
		}
		c := a.s.newClearing(ctx, q)
		im := &masspay.ACHImport{SHA256: sum, Name: name, Content: content, Imported: c.now}
		var report []string
		note := func(format string, args ...any) { report = append(report, fmt.Sprintf(format, args...)) }
		seen := map[string]bool{}
		var returns []*masspay.ACHReturn
		for _, r := range in.Returns {
			e, why, err := matchEntry(ctx, q, r.OriginalTrace, r.IndividualID)
			if err != nil {
				return err
			}
			if e == nil {
				im.Unmatched++
				note("return %s of trace %s: %s", r.Code, r.OriginalTrace, why)
				continue
			}
			key := fmt.Sprint(e.TransferID, e.Debit)
			prior, err := q.ACHReturnList(ctx, e.TransferID)
			if err != nil {
				return err
			}
			if seen[key] || hasSide(prior, e.Debit) {
				im.Already++
				note("return %s of trace %s: transfer %s was returned already", r.Code, r.OriginalTrace, e.TransferID)
				continue
			}
			seen[key] = true
			row := &masspay.ACHReturn{TransferID: e.TransferID, Debit: e.Debit, ImportSHA256: sum, Trace: r.OriginalTrace,
				Code: r.Code, ReturnTrace: r.Trace, Information: r.Information, Created: c.now}
			applied, err := a.applyReturn(c, row)
			if err != nil {
				return err
			}
			if applied {
				im.Matched++
			} else {
				row.Held, im.Held = true, im.Held+1
				note("return %s of trace %s: transfer %s was processed and its funds are spent; held until the balance covers it",
					r.Code, r.OriginalTrace, e.TransferID)
			}
			returns = append(returns, row)
		}
		for _, n := range in.Corrections {
			e, why, err := matchEntry(ctx, q, n.OriginalTrace, n.IndividualID)
			if err != nil {
				return err
			}
			if e == nil {
				im.Unmatched++
				note("correction %s of trace %s: %s", n.Code, n.OriginalTrace, why)
				continue
			}
			recorded, err := a.recordCorrection(c, e, sum, n)
			if err != nil {
				return err
			}
			if !recorded {
				im.Already++
				note("correction %s of trace %s: the entry has one already", n.Code, n.OriginalTrace)
				continue
			}
			im.Corrections++
		}
		im.Report = strings.Join(report, "\n")
		if err := q.ACHImportInsert(ctx, im); err != nil {
			return err
		}
		for _, r := range returns {
			if err := q.ACHReturnInsert(ctx, r); err != nil {
				return err
			}
		}
		res.Import = im
		return c.flush()
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func hasSide(rs []*masspay.ACHReturn, debit bool) bool {
	for _, r := range rs {
		if r.Debit == debit {
			return true
		}
	}
	return false
}

// matchEntry finds the entry a return or correction names: by its original trace number, and
// when several days' entries share it, by the individual identification the RDFI copied back.
// A nil entry comes with the reason.
func matchEntry(ctx context.Context, q masspay.Q, trace, individualID string) (*masspay.ACHEntry, string, error) {
	es, err := q.ACHEntryListByTrace(ctx, trace)
	if err != nil || len(es) == 1 {
		if len(es) == 1 {
			return es[0], "", err
		}
		return nil, "", err
	}
	if len(es) == 0 {
		return nil, "no entry masspay sent has this trace number", nil
	}
	var match []*masspay.ACHEntry
	for _, e := range es {
		if e.IndividualID == individualID {
			match = append(match, e)
		}
	}
	if len(match) != 1 {
		return nil, fmt.Sprintf("%d entries of different days have this trace number and %d this individual id %q", len(es), len(match), individualID), nil
	}
	return match[0], "", nil
}

// applyReturn fails the transfer of a returned entry, and reports false when it must wait: a
// processed debit whose funds the balance no longer holds (a balance never goes below zero).
func (a *ACH) applyReturn(c *clearing, r *masspay.ACHReturn) (bool, error) {
	t, err := c.q.TransferGet(c.ctx, r.TransferID)
	if err != nil {
		return false, err
	}
	rc := achReturn(r.Code, r.Debit)
	switch {
	case t.Status == masspay.TransferFailed || t.Status == masspay.TransferCancelled:
		return true, nil // the other side of a bank-to-bank transfer came back first
	case r.Debit && t.Status == masspay.TransferProcessed:
		return c.returnProcessedDebit(t, rc)
	}
	// A pending transfer (its return window still open), or a processed credit: its posting,
	// if any, is reversed into the balance it came from.
	return true, c.fail(t, rc)
}

// recordCorrection records a notification of change against the funding source of the entry's
// side, with an event the owner sees; false when the entry has one already.
func (a *ACH) recordCorrection(c *clearing, e *masspay.ACHEntry, sum string, n nacha.Correction) (bool, error) {
	t, err := c.q.TransferGet(c.ctx, e.TransferID)
	if err != nil {
		return false, err
	}
	bank, err := c.source(entryBank(t, e.Debit))
	if err != nil {
		return false, err
	}
	ok, err := c.q.ACHCorrectionInsert(c.ctx, &masspay.ACHCorrection{ID: masspay.NewID(), ImportSHA256: sum, TransferID: e.TransferID,
		Debit: e.Debit, FundingSourceID: bank.ID, AccountID: bank.AccountID, Trace: n.OriginalTrace, Code: n.Code,
		CorrectedData: n.CorrectedData, Created: c.now})
	if err != nil || !ok {
		return false, err
	}
	c.events = append(c.events, masspay.NewEvent(bank.AccountID, bank.CustomerID, masspay.TopicFundingSourceCorrection,
		"funding-sources", bank.ID, "", c.now))
	return true, nil
}

// ApplyHeld tries the held returns again (late debit returns waiting for the balance to cover
// them) and returns how many it applied.
func (a *ACH) ApplyHeld(ctx context.Context) (int, error) {
	var any []*masspay.ACHReturn
	if err := a.s.store.Read(ctx, func(q masspay.Q) (err error) { any, err = q.ACHReturnListHeld(ctx, 1); return err }); err != nil || len(any) == 0 {
		return 0, err
	}
	var n int
	err := a.s.store.Write(ctx, func(q masspay.Q) error {
		n = 0
		if err := q.Lock(ctx, achLock); err != nil {
			return err
		}
		held, err := q.ACHReturnListHeld(ctx, achHeldLimit)
		if err != nil {
			return err
		}
		c := a.s.newClearing(ctx, q)
		for _, r := range held {
			applied, err := a.applyReturn(c, r)
			if err != nil {
				return err
			}
			if applied {
				if err := q.ACHReturnSetApplied(ctx, r.TransferID, r.Debit); err != nil {
					return err
				}
				n++
			}
		}
		return c.flush()
	})
	return n, err
}

// Corrections lists the notifications of change, newest first.
func (a *ACH) Corrections(ctx context.Context, page masspay.Page) ([]*masspay.ACHCorrection, int, error) {
	var list []*masspay.ACHCorrection
	var total int
	err := a.s.store.Read(ctx, func(q masspay.Q) (err error) { list, total, err = q.ACHCorrectionList(ctx, page); return err })
	return list, total, err
}

// failureReturn is the return that failed t: the one recorded for one of its entries, or for its
// funding transfer's debit (an item of a batch whose funding came back), or else the sandbox's.
func (s *Service) failureReturn(ctx context.Context, q masspay.Q, t *masspay.Transfer) (ReturnCode, bool, error) {
	for _, id := range []string{t.ID, t.FundingTransferID} {
		if id == "" || s.cfg.ACH == nil {
			continue
		}
		rs, err := q.ACHReturnList(ctx, id)
		if err != nil {
			return ReturnCode{}, false, err
		}
		for _, r := range rs {
			if r.Code == t.FailureCode {
				return *achReturn(r.Code, r.Debit || id != t.ID), true, nil
			}
		}
	}
	rc, ok := ReturnCodes[t.FailureCode]
	return rc, ok, nil
}

// Uploads lists the written files not yet uploaded to the bank, oldest first, with their bytes.
func (a *ACH) Uploads(ctx context.Context) ([]*masspay.ACHFile, error) {
	var list []*masspay.ACHFile
	err := a.s.store.Read(ctx, func(q masspay.Q) (err error) { list, err = q.ACHFileListUnuploaded(ctx); return err })
	return list, err
}

// SetUploaded records that a file reached the bank.
func (a *ACH) SetUploaded(ctx context.Context, id string) error {
	return a.s.store.Write(ctx, func(q masspay.Q) error { return q.ACHFileSetUploaded(ctx, id, a.s.now()) })
}

// sent reports whether a transfer is in an ACH file (gone to the bank: it cannot be pulled back).
func (c *clearing) sent(t *masspay.Transfer) (bool, error) {
	if c.s.cfg.ACH == nil {
		return false, nil
	}
	es, err := c.q.ACHEntryListByTransfer(c.ctx, t.ID)
	return len(es) > 0, err
}

// Rehearsal asks for a return (code R..) or notification of change (code C.., with corrected
// data) of one side of given transfers: the debit when Debit, else the credit (or the only entry
// a transfer has).
type Rehearsal struct {
	TransferIDs   []string
	Code          string
	Debit         bool
	CorrectedData string
}

// Rehearse writes, with moov-io/ach, the file the receivers' banks would answer the transfers'
// entries with (`masspay ach return`), to rehearse returns and corrections in a test bed.
func (a *ACH) Rehearse(ctx context.Context, r Rehearsal) ([]byte, error) {
	var items []nacha.Rehearsal
	err := a.s.store.Read(ctx, func(q masspay.Q) error {
		for _, id := range r.TransferIDs {
			es, err := q.ACHEntryListByTransfer(ctx, id)
			if err != nil {
				return err
			}
			var e *masspay.ACHEntry
			for _, x := range es {
				if x.TransferID == id && (x.Debit == r.Debit || len(es) == 1) {
					e = x
				}
			}
			if e == nil {
				side := "credit"
				if r.Debit {
					side = "debit"
				}
				return fmt.Errorf("transfer %s has no %s entry in an ACH file", id, side)
			}
			t, err := q.TransferGet(ctx, id)
			if err != nil {
				return fmt.Errorf("transfer %s: %w", id, err)
			}
			bank, err := q.FundingSourceGet(ctx, entryBank(t, e.Debit))
			if err != nil {
				return err
			}
			items = append(items, nacha.Rehearsal{Code: strings.ToUpper(r.Code), CorrectedData: r.CorrectedData,
				Original: nacha.Original{Trace: e.Trace, IndividualID: e.IndividualID, Debit: e.Debit,
					Savings: bank.BankAccountType == "savings", Business: e.SEC == "CCD", RoutingNumber: e.RoutingNumber,
					AccountNumber: bank.AccountNumber, Amount: e.Amount, Name: e.Name}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a.cfg.RehearsalFile(a.s.now().In(a.cal.Location()), items)
}

// entryBank is the bank of one side of a transfer: the source of its debit, the destination of
// its credit (for a funded transfer, the bank the batch named as the source).
func entryBank(t *masspay.Transfer, debit bool) string {
	if debit {
		return t.SourceID
	}
	return t.DestinationID
}
