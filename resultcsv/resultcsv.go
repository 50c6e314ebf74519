// Package resultcsv is the results file of mass payments: one row per payment, in the columns
// `masspay pay --out` and `masspay results` write and the dashboard's download gives. It knows
// only the domain, so the CLI (through payout) and the dashboard share it.
package resultcsv

import (
	"encoding/csv"
	"io"
	"strconv"

	"masspay"
)

// Row is the outcome of one payment, ready for reconciliation.
type Row struct {
	Row           int    // the input row (the header is row 1); 0 when the payment came from no file
	Destination   string // funding source id
	Amount        int64  // cents
	CorrelationID string
	MassPayment   string // href
	Item          string // id
	Status        string // success, failed or pending
	ErrorCode     string
	ErrorMessage  string
	Transfer      string // id; only for success
}

// Columns is the header of a results file.
var Columns = []string{"row", "destination", "amount", "correlationId", "massPayment", "item", "status", "errorCode", "errorMessage", "transfer"}

// Write writes rows as CSV with a header row.
func Write(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	cw.Write(Columns)
	for _, r := range rows {
		row := ""
		if r.Row > 0 {
			row = strconv.Itoa(r.Row)
		}
		cw.Write([]string{row, r.Destination, masspay.FormatAmount(r.Amount), r.CorrelationID, r.MassPayment, r.Item,
			r.Status, r.ErrorCode, r.ErrorMessage, r.Transfer})
	}
	cw.Flush()
	return cw.Error()
}
