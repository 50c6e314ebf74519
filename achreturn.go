package masspay

import "time"

// TopicFundingSourceCorrection is masspay's event for a notification of change (an Addenda98 the
// bank sent back about one of a funding source's entries). Dwolla has no public topic for it.
const TopicFundingSourceCorrection = "funding_source_correction_received"

// ACHImport is a return or notification-of-change file that was imported, recorded by the
// SHA-256 of its bytes, with the summary of what it did.
type ACHImport struct {
	SHA256      string // hex
	Name        string
	Content     []byte // loaded only where needed
	Matched     int    // returns applied now (or held)
	Already     int    // returns and corrections for entries that had one already
	Unmatched   int    // returns and corrections whose trace number matches no entry
	Corrections int    // notifications of change recorded
	Held        int    // late debit returns waiting for the balance to cover them
	Report      string // one line per entry that was not applied, for the operator
	Imported    time.Time
}

// ACHReturn is a returned entry: one side (Debit) of a transfer came back with a return code.
// Held is set while a late return of a debit waits for the balance it landed in to cover it.
type ACHReturn struct {
	TransferID   string
	Debit        bool
	ImportSHA256 string
	Trace        string // the original entry's trace number
	Code         string // R01, R03, ...
	ReturnTrace  string // the return entry's own trace number
	Information  string // the addenda's information field
	Held         bool
	Created      time.Time
}

// ACHCorrection is a notification of change: the bank's corrected data for the funding source of
// one entry (C01 account number, C02 routing number, ...). masspay records and shows it; it never
// rewrites the funding source.
type ACHCorrection struct {
	ID              string
	ImportSHA256    string
	TransferID      string
	Debit           bool
	FundingSourceID string
	AccountID       string
	Trace           string
	Code            string
	CorrectedData   string
	Created         time.Time
}
