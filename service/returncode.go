package service

// ReturnCode is an ACH return a sandbox bank can simulate: a bank funding source named after the
// code (e.g. "R01") makes the transfers that debit it (Debit) or credit it fail with that code.
type ReturnCode struct {
	Code        string
	Description string
	Explanation string
	Debit       bool // true: fails debits of the bank; false: fails credits to it
	RemovesBank bool // the bank is removed when the return arrives (R03, as Dwolla's sandbox does)
}

// ReturnCodes are the returns the sandbox simulates, with NACHA's descriptions.
var ReturnCodes = map[string]ReturnCode{
	"R01": {"R01", "Insufficient Funds", "Available balance is not sufficient to cover the dollar value of the debit entry.", true, false},
	"R02": {"R02", "Account Closed", "Previously active account has been closed by customer or RDFI.", false, false},
	"R03": {"R03", "No Account/Unable to Locate Account", "Account number structure is valid and passes editing process, but does not correspond to individual or is not an open account.", false, true},
	"R04": {"R04", "Invalid Account Number", "Account number structure not valid; entry may fail check digit validation or may contain an incorrect number of digits.", false, false},
	"R07": {"R07", "Authorization Revoked by Customer", "Consumer, who previously authorized ACH payment, has revoked authorization from Originator.", true, false},
	"R08": {"R08", "Payment Stopped", "Receiver of a recurring debit transaction has stopped payment to a specific ACH debit.", true, false},
	"R10": {"R10", "Customer Advises Not Authorized", "Customer has advised RDFI that originator of transaction is not authorized to debit account.", true, false},
	"R16": {"R16", "Account Frozen", "Access to account is restricted due to specific action taken by the RDFI or by legal action.", false, false},
	"R20": {"R20", "Non-Transaction Account", "ACH entry to a non-transaction account.", false, false},
	"R29": {"R29", "Corporate Customer Advises Not Authorized", "Corporate customer has advised RDFI that originator of transaction is not authorized to debit account.", true, false},
}

// LateReturns are the returns a sandbox bank named after the code plus "-late" ("R01-late",
// "R03-late") simulates after settlement: its transfers are processed by one simulation and
// returned by the next, as in Dwolla's sandbox.
var LateReturns = []string{"R01", "R03"}

// lateNames are the bank names of LateReturns, split by the side of the transfer they return.
func lateNames() (debit, credit []string) {
	for _, code := range LateReturns {
		if ReturnCodes[code].Debit {
			debit = append(debit, code+"-late")
		} else {
			credit = append(credit, code+"-late")
		}
	}
	return debit, credit
}
