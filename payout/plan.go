package payout

import (
	"fmt"
	"io"

	"masspay"
	"masspay/client"
)

// BatchSize is the most items one mass payment holds (Dwolla's limit).
const BatchSize = masspay.MaxItems

// Batch is one mass payment of a plan: a run of consecutive rows.
type Batch struct {
	Index, Of int // position, from 1, and the number of batches
	Rows      []Row
	Total     int64 // cents
	// Key is the batch's Idempotency-Key and its correlationId: derived from the file's hash and
	// the batch's position, so the same file always makes the same keys.
	Key string
	// Href is the mass payment, once sent or found.
	Href string
}

// Plan cuts the file into batches of at most BatchSize rows, in file order.
func Plan(f *File) []*Batch {
	n := (len(f.Rows) + BatchSize - 1) / BatchSize
	out := make([]*Batch, 0, n)
	for i := 0; i < n; i++ {
		rows := f.Rows[i*BatchSize : min((i+1)*BatchSize, len(f.Rows))]
		b := &Batch{Index: i + 1, Of: n, Rows: rows, Key: fmt.Sprintf("masspay-csv-%s-%dof%d", f.Hash[:32], i+1, n)}
		for _, r := range rows {
			b.Total += r.Amount
		}
		out = append(out, b)
	}
	return out
}

// PrintPlan writes what a plan would send.
func PrintPlan(w io.Writer, name string, f *File, batches []*Batch) {
	fmt.Fprintf(w, "%s: %d payments, %s USD, in %d mass payment(s)\n", name, len(f.Rows), masspay.FormatAmount(f.Total()), len(batches))
	for _, b := range batches {
		fmt.Fprintf(w, "  batch %d/%d: rows %d-%d, %d items, %s USD\n", b.Index, b.Of,
			b.Rows[0].Line, b.Rows[len(b.Rows)-1].Line, len(b.Rows), masspay.FormatAmount(b.Total))
	}
}

// body is the create request of the batch, paying from source.
func (b *Batch) body(c *client.Client, source string) *client.MassPayment {
	items := make([]client.Item, len(b.Rows))
	for i, r := range b.Rows {
		it := client.Item{
			Links:         client.Links{"destination": {Href: c.Href("/funding-sources/" + r.Destination)}},
			Amount:        client.Money{Value: masspay.FormatAmount(r.Amount), Currency: masspay.Currency},
			Metadata:      r.Metadata,
			CorrelationID: r.CorrelationID,
		}
		if r.Clearing != "" {
			it.Clearing = &client.ItemClearing{Destination: r.Clearing}
		}
		if r.Addenda != "" {
			it.AchDetails = client.NewAddenda(r.Addenda)
		}
		items[i] = it
	}
	return &client.MassPayment{Links: client.Links{"source": {Href: source}}, Items: items, CorrelationID: b.Key}
}
