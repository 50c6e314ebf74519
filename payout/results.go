package payout

import (
	"context"
	"fmt"
	"io"

	"masspay"
	"masspay/client"
	"masspay/resultcsv"
)

// Result is the outcome of one payment, ready for reconciliation.
type Result = resultcsv.Row

// ResultColumns is the header of a results file.
var ResultColumns = resultcsv.Columns

func resultOf(mpHref string, it *client.Item) Result {
	cents, _ := masspay.ParseAmount(it.Amount.Value)
	fail := it.Failure()
	r := Result{Destination: client.ID(it.Links.Href("destination")), Amount: cents, CorrelationID: it.CorrelationID,
		MassPayment: mpHref, Item: it.ID, Status: it.Status, ErrorCode: fail.Code, ErrorMessage: fail.Message}
	if t := it.Links.Href("transfer"); t != "" {
		r.Transfer = client.ID(t)
	}
	return r
}

// Results returns one result per item of the mass payment at href, in the order the API lists
// them (no input rows are known).
func (p *Payer) Results(ctx context.Context, href string) ([]Result, error) {
	items, err := p.Client.Items(ctx, href)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(items))
	for i := range items {
		out[i] = resultOf(href, &items[i])
	}
	return out, nil
}

// match pairs each item of the batch's mass payment with the row it came from and returns the
// results in row order. Dwolla does not promise to list items in the order they were sent, nor
// to show an item's correlationId, so an item is matched on what it does show: its destination
// and amount, then its correlationId when it has one, then list order among rows that are
// otherwise alike (and so interchangeable).
func (p *Payer) match(ctx context.Context, b *Batch) ([]Result, error) {
	items, err := p.Client.Items(ctx, b.Href)
	if err != nil {
		return nil, err
	}
	if len(items) != len(b.Rows) {
		return nil, fmt.Errorf("batch %d/%d: mass payment %s has %d items, the file's batch %d rows; it is not this file's batch",
			b.Index, b.Of, b.Href, len(items), len(b.Rows))
	}
	type key struct {
		dest  string
		cents int64
	}
	candidates := map[key][]int{}
	for i, r := range b.Rows {
		k := key{r.Destination, r.Amount}
		candidates[k] = append(candidates[k], i)
	}
	out := make([]Result, len(b.Rows))
	taken := make([]bool, len(b.Rows))
	for i := range items {
		res := resultOf(b.Href, &items[i])
		k := key{res.Destination, res.Amount}
		row := -1
		for _, j := range candidates[k] {
			if !taken[j] && (items[i].CorrelationID == "" || items[i].CorrelationID == b.Rows[j].CorrelationID) {
				row = j
				break
			}
		}
		if row < 0 {
			return nil, fmt.Errorf("batch %d/%d: item %s (%s USD to %s) matches no row of the file", b.Index, b.Of,
				res.Item, masspay.FormatAmount(res.Amount), res.Destination)
		}
		taken[row] = true
		res.Row, res.CorrelationID = b.Rows[row].Line, b.Rows[row].CorrelationID
		out[row] = res
	}
	return out, nil
}

// WriteResults writes results as CSV with a header row.
func WriteResults(w io.Writer, results []Result) error { return resultcsv.Write(w, results) }
