package nacha

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/moov-io/ach"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Entry is one entry of a file: a debit of a bank or a credit to one, for one transfer.
type Entry struct {
	TransferID    string
	IndividualID  string // leads back to the transfer; 15 characters at most
	Debit         bool
	Business      bool // CCD (a business or the account itself); PPD for individuals
	Savings       bool
	RoutingNumber string // the receiver's bank (RDFI), 9 digits
	AccountNumber string
	Amount        int64 // cents
	Name          string
	Addenda       string // one Addenda05 when set (80 characters at most)
	EffectiveDate time.Time
	// Set by Build.
	TraceSeq int    // the trace number's 7-digit sequence
	Trace    string // ODFI's 8 digits and TraceSeq
}

// SEC is the entry's Standard Entry Class code.
func (e *Entry) SEC() string {
	if e.Business {
		return ach.CCD
	}
	return ach.PPD
}

// TransactionCode is 22/27 for checking credits/debits and 32/37 for savings.
func (e *Entry) TransactionCode() int {
	switch {
	case e.Savings && e.Debit:
		return ach.SavingsDebit
	case e.Savings:
		return ach.SavingsCredit
	case e.Debit:
		return ach.CheckingDebit
	}
	return ach.CheckingCredit
}

// File is a built NACHA file with what masspay records of it.
type File struct {
	Name        string
	Date        time.Time // creation date (civil)
	Modifier    string
	Content     []byte
	SHA256      string // hex
	Entries     []Entry
	DebitTotal  int64
	CreditTotal int64
}

// MaxFilesPerDay is how many File ID Modifiers a day has: A-Z, then 0-9.
const MaxFilesPerDay = 36

// MaxAmount is the largest amount an entry's 10-digit field holds: 99,999,999.99.
const MaxAmount = 99_999_999_99

// MaxTraceSeq is the largest 7-digit trace sequence: the most entries an ODFI's day can hold.
const MaxTraceSeq = 9_999_999

// Modifier is the File ID Modifier of the day's n-th file (from 0): A-Z, then 0-9.
func Modifier(n int) (string, error) {
	if n < 0 || n >= len(modifiers) {
		return "", fmt.Errorf("all %d File ID Modifiers of the day are used", len(modifiers))
	}
	return modifiers[n : n+1], nil
}

// modifiers are the File ID Modifiers, in the order a day uses them.
const modifiers = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// FileName names a file by its creation date and File ID Modifier.
func FileName(date time.Time, modifier string) string {
	return "masspay-" + date.Format("20060102") + "-" + modifier + ".ach"
}

// IsFileName reports whether name is one FileName gives: masspay-YYYYMMDD-M.ach, a real date
// and a File ID Modifier.
func IsFileName(name string) bool {
	rest, ok := strings.CutPrefix(name, "masspay-")
	if !ok || len(rest) != len("20060102-A.ach") || rest[8] != '-' || !strings.HasSuffix(rest, ".ach") {
		return false
	}
	if _, err := time.Parse("20060102", rest[:8]); err != nil {
		return false
	}
	return strings.IndexByte(modifiers, rest[9]) >= 0
}

// Build makes the file of entries, created at the given instant with the given File ID
// Modifier, numbering traces from firstTrace on. Entries go in one batch per SEC code, direction
// and effective date (a batch header has one of each), in a fixed order; the file passes
// moov-io/ach's validation.
func (c Config) Build(cal *Calendar, created time.Time, modifier string, firstTrace int, entries []Entry) (*File, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("no entries")
	}
	for _, e := range entries {
		if e.Amount < 1 || e.Amount > MaxAmount {
			return nil, fmt.Errorf("entry of transfer %s: amount %d cents is outside 1 to %d", e.TransferID, e.Amount, int64(MaxAmount))
		}
	}
	if firstTrace < 1 || firstTrace+len(entries)-1 > MaxTraceSeq {
		return nil, fmt.Errorf("trace numbers %d to %d are past the day's %d", firstTrace, firstTrace+len(entries)-1, MaxTraceSeq)
	}
	local := created.In(cal.loc)
	fh := ach.NewFileHeader()
	fh.ImmediateDestination = c.Destination
	fh.ImmediateOrigin = c.ODFI
	fh.FileCreationDate = local.Format("060102")
	fh.FileCreationTime = local.Format("1504")
	fh.FileIDModifier = modifier
	fh.ImmediateDestinationName = c.DestinationName
	fh.ImmediateOriginName = c.CompanyName

	es := slices.Clone(entries)
	slices.SortStableFunc(es, func(a, b Entry) int {
		return cmp.Or(a.EffectiveDate.Compare(b.EffectiveDate), cmp.Compare(a.SEC(), b.SEC()), boolCmp(a.Debit, b.Debit))
	})
	file := ach.NewFile()
	file.SetHeader(fh)
	out := &File{Name: FileName(cal.Date(created), modifier), Date: cal.Date(created), Modifier: modifier}
	seq := firstTrace
	for lo := 0; lo < len(es); {
		hi := lo + 1
		for hi < len(es) && sameBatch(es[lo], es[hi]) {
			hi++
		}
		batch, err := c.batch(es[lo:hi], len(file.Batches)+1, &seq)
		if err != nil {
			return nil, err
		}
		file.AddBatch(batch)
		lo = hi
	}
	if err := file.Create(); err != nil {
		return nil, fmt.Errorf("nacha file: %w", err)
	}
	var buf bytes.Buffer
	if err := ach.NewWriter(&buf).Write(file); err != nil {
		return nil, fmt.Errorf("nacha file: %w", err)
	}
	for _, e := range es {
		if e.Debit {
			out.DebitTotal += e.Amount
		} else {
			out.CreditTotal += e.Amount
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	out.Content, out.SHA256, out.Entries = buf.Bytes(), hex.EncodeToString(sum[:]), es
	return out, nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func sameBatch(a, b Entry) bool {
	return a.Business == b.Business && a.Debit == b.Debit && a.EffectiveDate.Equal(b.EffectiveDate)
}

// batch builds one batch of entries sharing SEC code, direction and effective date, giving each
// entry the next trace number.
func (c Config) batch(es []Entry, number int, seq *int) (ach.Batcher, error) {
	bh := ach.NewBatchHeader()
	bh.ServiceClassCode = ach.CreditsOnly
	if es[0].Debit {
		bh.ServiceClassCode = ach.DebitsOnly
	}
	bh.CompanyName = c.CompanyName
	bh.CompanyIdentification = c.CompanyID
	bh.StandardEntryClassCode = es[0].SEC()
	bh.CompanyEntryDescription = c.EntryDescription
	bh.EffectiveEntryDate = es[0].EffectiveDate.Format("060102")
	bh.ODFIIdentification = c.ODFI[:8]
	bh.BatchNumber = number
	var batch ach.Batcher
	if es[0].Business {
		batch = ach.NewBatchCCD(bh)
	} else {
		batch = ach.NewBatchPPD(bh)
	}
	for i := range es {
		e := &es[i]
		ed := ach.NewEntryDetail()
		ed.TransactionCode = e.TransactionCode()
		ed.SetRDFI(e.RoutingNumber)
		ed.DFIAccountNumber = e.AccountNumber
		ed.Amount = int(e.Amount)
		ed.IdentificationNumber = e.IndividualID
		ed.IndividualName = Name(e.Name, 22)
		ed.Category = ach.CategoryForward
		e.TraceSeq = *seq
		*seq++
		ed.SetTraceNumber(bh.ODFIIdentification, e.TraceSeq)
		e.Trace = ed.TraceNumber
		if e.Addenda != "" {
			a := ach.NewAddenda05()
			a.PaymentRelatedInformation = e.Addenda
			a.SequenceNumber = 1
			a.EntryDetailSequenceNumber = entrySeq(ed.TraceNumber)
			ed.AddAddenda05(a)
			ed.AddendaRecordIndicator = 1
		}
		batch.AddEntry(ed)
	}
	if err := batch.Create(); err != nil {
		return nil, fmt.Errorf("nacha batch %d: %w", number, err)
	}
	return batch, nil
}

// entrySeq is the last 7 digits of a trace number: what an addenda record points back with.
func entrySeq(trace string) int {
	n := 0
	for _, r := range trace[len(trace)-7:] {
		n = n*10 + int(r-'0')
	}
	return n
}

// Name fits a name into a NACHA alphanumeric field of n characters: accents are dropped
// (Müller becomes Muller), other characters outside printable ASCII become spaces.
func Name(s string, n int) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if out, _, err := transform.String(t, s); err == nil {
		s = out
	}
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = strings.TrimSpace(s[:n])
	}
	return s
}

// Read parses a NACHA file and validates it with moov-io/ach.
func Read(content []byte) (*ach.File, error) {
	f, err := ach.NewReader(bytes.NewReader(content)).Read()
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}
