package nacha

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/moov-io/ach"
)

// Return is a returned entry of a bank's file: an entry with an Addenda99.
type Return struct {
	OriginalTrace string // the trace number of the entry masspay sent
	IndividualID  string // the original entry's individual identification, as the RDFI copied it
	Code          string // R01, R03, ...
	Trace         string // the return entry's own trace number
	Information   string // the addenda's information field
	Amount        int64
}

// Correction is a notification of change: a COR entry with an Addenda98.
type Correction struct {
	OriginalTrace string
	IndividualID  string
	Code          string // C01, C02, ...
	CorrectedData string // as the bank sent it, trimmed
}

// Inbound is what a bank's file of returns and notifications of change holds.
type Inbound struct {
	Returns     []Return
	Corrections []Correction
}

// ReadInbound parses and validates a file of returns and notifications of change with
// moov-io/ach. A file that does not parse, does not validate, or holds any other kind of entry is
// refused as a whole.
func ReadInbound(content []byte) (*Inbound, error) {
	if len(bytes.TrimSpace(content)) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	f, err := Read(content)
	if err != nil {
		return nil, err
	}
	in := &Inbound{}
	for _, b := range f.Batches {
		for _, e := range b.GetEntries() {
			switch {
			case e.Addenda99 != nil:
				a := e.Addenda99
				in.Returns = append(in.Returns, Return{OriginalTrace: trace15(a.OriginalTrace), IndividualID: strings.TrimSpace(e.IdentificationNumber),
					Code: strings.ToUpper(strings.TrimSpace(a.ReturnCode)), Trace: strings.TrimSpace(e.TraceNumber),
					Information: strings.TrimSpace(a.AddendaInformation), Amount: int64(e.Amount)})
			case e.Addenda98 != nil:
				a := e.Addenda98
				in.Corrections = append(in.Corrections, Correction{OriginalTrace: trace15(a.OriginalTrace),
					IndividualID: strings.TrimSpace(e.IdentificationNumber), Code: strings.ToUpper(strings.TrimSpace(a.ChangeCode)),
					CorrectedData: strings.TrimSpace(a.CorrectedData)})
			default:
				return nil, fmt.Errorf("entry %s is neither a return (Addenda99) nor a notification of change (Addenda98)", e.TraceNumber)
			}
		}
	}
	if len(f.IATBatches) > 0 {
		return nil, fmt.Errorf("the file holds IAT batches; masspay sends none")
	}
	if len(in.Returns)+len(in.Corrections) == 0 {
		return nil, fmt.Errorf("the file holds no returns or notifications of change")
	}
	return in, nil
}

// trace15 is a trace number as masspay records it: 15 digits, zero-padded on the left.
func trace15(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 15 && strings.Trim(s, "0123456789") == "" {
		s = strings.Repeat("0", 15-len(s)) + s
	}
	return s
}

// ReturnReason is NACHA's title and explanation of a return code ("" when the code is unknown).
func ReturnReason(code string) (reason, description string) {
	if rc := ach.LookupReturnCode(code); rc != nil {
		return rc.Reason, rc.Description
	}
	return "", ""
}

// ChangeReason is NACHA's title of a change code ("" when the code is unknown).
func ChangeReason(code string) string {
	if cc := ach.LookupChangeCode(code); cc != nil {
		return cc.Reason
	}
	return ""
}

// ClosingReturns are the return codes that show the receiver's account cannot be used again, as
// Dwolla treats them: the bank funding source is removed when one arrives.
var ClosingReturns = []string{"R02", "R03", "R04", "R14", "R15", "R16", "R20"}

// Closes reports whether a return code closes the account.
func Closes(code string) bool {
	for _, c := range ClosingReturns {
		if c == code {
			return true
		}
	}
	return false
}

// MaskedCorrection shows a notification's corrected data with any account number masked to its
// last four digits; routing numbers and transaction codes are shown as they are.
func MaskedCorrection(code, data string) string {
	a := &ach.Addenda98{ChangeCode: code, CorrectedData: data}
	cd := a.ParseCorrectedData()
	if cd == nil {
		return Mask(data)
	}
	var parts []string
	if cd.RoutingNumber != "" {
		parts = append(parts, "routing "+cd.RoutingNumber)
	}
	if cd.AccountNumber != "" {
		parts = append(parts, "account "+Mask(cd.AccountNumber))
	}
	if cd.TransactionCode != 0 {
		parts = append(parts, fmt.Sprintf("transaction code %d", cd.TransactionCode))
	}
	if cd.Name != "" {
		parts = append(parts, "name "+cd.Name)
	}
	if cd.Identification != "" {
		parts = append(parts, "identification "+Mask(cd.Identification))
	}
	return strings.Join(parts, ", ")
}

// Mask shows only the last four characters of an account number.
func Mask(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= 4 {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", len(s)-4) + s[len(s)-4:]
}

// Original is an entry masspay sent, as a rehearsal return or notification of change refers to it.
type Original struct {
	Trace         string
	IndividualID  string
	Debit         bool
	Savings       bool
	Business      bool
	RoutingNumber string // the RDFI
	AccountNumber string
	Amount        int64
	Name          string
}

// Rehearsal is one return (Code R..) or notification of change (Code C.., with CorrectedData) of
// an entry masspay sent.
type Rehearsal struct {
	Original      Original
	Code          string
	CorrectedData string
}

// RehearsalFile writes, with moov-io/ach, the file an RDFI's answers would reach the ODFI in: one
// batch per answer, returns with an Addenda99 and notifications of change as COR entries with
// an Addenda98. It is for rehearsing returns in a test bed (`masspay ach return`).
func (c Config) RehearsalFile(created time.Time, items []Rehearsal) ([]byte, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("no entries to answer")
	}
	rdfi := items[0].Original.RoutingNumber
	fh := ach.NewFileHeader()
	fh.ImmediateDestination = c.ODFI
	fh.ImmediateOrigin = rdfi
	fh.FileCreationDate = created.Format("060102")
	fh.FileCreationTime = created.Format("1504")
	fh.FileIDModifier = "A"
	fh.ImmediateDestinationName = "ODFI"
	fh.ImmediateOriginName = "RDFI"
	file := ach.NewFile()
	file.SetHeader(fh)
	for i, it := range items {
		o := it.Original
		noc := strings.HasPrefix(it.Code, "C")
		switch {
		case noc && ach.LookupChangeCode(it.Code) == nil:
			return nil, fmt.Errorf("change code %q: want one of NACHA's C01 to C14", it.Code)
		case !noc && ach.LookupReturnCode(it.Code) == nil:
			return nil, fmt.Errorf("return code %q: want one of NACHA's R01 to R85", it.Code)
		}
		bh := ach.NewBatchHeader()
		bh.ServiceClassCode = ach.MixedDebitsAndCredits
		bh.CompanyName = c.CompanyName
		bh.CompanyIdentification = c.CompanyID
		bh.StandardEntryClassCode = ach.PPD
		if o.Business {
			bh.StandardEntryClassCode = ach.CCD
		}
		bh.CompanyEntryDescription = c.EntryDescription
		bh.EffectiveEntryDate = created.Format("060102")
		bh.ODFIIdentification = o.RoutingNumber[:8]
		bh.BatchNumber = i + 1
		ed := ach.NewEntryDetail()
		code := ach.CheckingReturnNOCCredit
		switch {
		case o.Savings && o.Debit:
			code = ach.SavingsReturnNOCDebit
		case o.Savings:
			code = ach.SavingsReturnNOCCredit
		case o.Debit:
			code = ach.CheckingReturnNOCDebit
		}
		ed.TransactionCode = code
		ed.SetRDFI(c.ODFI)
		ed.DFIAccountNumber = o.AccountNumber
		ed.IdentificationNumber = o.IndividualID
		ed.IndividualName = Name(o.Name, 22)
		ed.AddendaRecordIndicator = 1
		ed.SetTraceNumber(bh.ODFIIdentification, i+1)
		var batch ach.Batcher
		if noc {
			bh.StandardEntryClassCode = ach.COR
			bh.CompanyEntryDescription = "AUTOENROLL"
			bh.ServiceClassCode = ach.CreditsOnly
			if o.Debit {
				bh.ServiceClassCode = ach.DebitsOnly
			}
			ed.Category = ach.CategoryNOC
			a := ach.NewAddenda98()
			a.ChangeCode = it.Code
			a.OriginalTrace = o.Trace
			a.OriginalDFI = o.RoutingNumber[:8]
			a.CorrectedData = it.CorrectedData
			a.TraceNumber = ed.TraceNumber
			ed.Addenda98 = a
			batch = ach.NewBatchCOR(bh)
		} else {
			ed.Amount = int(o.Amount)
			ed.Category = ach.CategoryReturn
			a := ach.NewAddenda99()
			a.ReturnCode = it.Code
			a.OriginalTrace = o.Trace
			a.OriginalDFI = o.RoutingNumber[:8]
			a.TraceNumber = ed.TraceNumber
			ed.Addenda99 = a
			if o.Business {
				batch = ach.NewBatchCCD(bh)
			} else {
				batch = ach.NewBatchPPD(bh)
			}
		}
		batch.AddEntry(ed)
		if err := batch.Create(); err != nil {
			return nil, fmt.Errorf("nacha batch %d: %w", i+1, err)
		}
		file.AddBatch(batch)
	}
	if err := file.Create(); err != nil {
		return nil, fmt.Errorf("nacha file: %w", err)
	}
	var buf bytes.Buffer
	if err := ach.NewWriter(&buf).Write(file); err != nil {
		return nil, fmt.Errorf("nacha file: %w", err)
	}
	return buf.Bytes(), nil
}
