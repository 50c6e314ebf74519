package masspay

import "time"

// ACHWindow is a cutoff window that has been closed: by the node that reached its cutoff, or
// early by `masspay ach cutoff`. FileName is the file it made ("" when nothing was due).
type ACHWindow struct {
	ID       string
	Cutoff   time.Time
	Closed   time.Time
	FileName string
}

// ACHFile is a NACHA file masspay made for the ODFI, as recorded. Content is the file's bytes
// (loaded only where it is written to disk); Written is set once it is on disk under Name.
type ACHFile struct {
	ID               string
	Name             string
	Date             string // creation date, YYYY-MM-DD in the calendar's zone
	Modifier         string // File ID Modifier
	WindowID         string
	SHA256           string // hex
	EntryCount       int
	DebitTotal       int64
	CreditTotal      int64
	ODFI             string
	CompanyName      string
	CompanyID        string
	EntryDescription string
	Content          []byte
	Written          bool
	Uploaded         time.Time // when it was delivered: uploaded over SFTP, or handed over in the outbound folder without SFTP (zero: not yet)
	Created          time.Time
}

// ACHEntry is one entry of a file: the debit of a transfer's source bank, or the credit to its
// destination bank. A transfer side is in exactly one file.
type ACHEntry struct {
	TransferID    string
	Debit         bool
	FileID        string
	FileDate      string // the file's creation date: trace numbers are unique per ODFI and day
	TraceSeq      int
	Trace         string
	IndividualID  string
	SEC           string // PPD or CCD
	Amount        int64
	RoutingNumber string // the receiver's bank (RDFI)
	Name          string // the receiver's name as sent
	Addenda       string
	EffectiveDate string // YYYY-MM-DD: the entry settles on it
	ProcessDate   string // YYYY-MM-DD: the last day a return can arrive; processed after it
	Processed     bool
	// File is the entry's file (ACHEntryListByTransfer fills it, without Content).
	File *ACHFile
}
