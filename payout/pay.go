package payout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"masspay"
	"masspay/client"
)

// Payer sends payments through one API client and reports on Out.
type Payer struct {
	Client *client.Client
	// Out receives the progress and the summary; Terminal says it is a terminal, where a
	// progress bar is drawn (elsewhere a plain line now and then).
	Out      io.Writer
	Terminal bool
	// Poll is how often progress is read (default 500 ms).
	Poll time.Duration
}

// Outcome is what a run did.
type Outcome struct {
	Batches []*Batch // Rows empty for a retry's batch
	Results []Result
}

// Failed is the number of items that failed.
func (o *Outcome) Failed() int {
	n := 0
	for _, r := range o.Results {
		if r.Status != client.ItemSuccess {
			n++
		}
	}
	return n
}

// SourceError says why the --source cannot pay.
type SourceError struct {
	Source string
	Reason string
	Err    error // the API's answer, when it gave one
}

func (e *SourceError) Error() string { return fmt.Sprintf("source %s: %s", e.Source, e.Reason) }
func (e *SourceError) Unwrap() error { return e.Err }

// NotCompleteError is a batch that retry-failed refuses because not all its items were tried.
type NotCompleteError struct {
	Href   string
	Status string
}

func (e *NotCompleteError) Error() string {
	why := "its items are still being attempted; wait until its status is complete"
	switch e.Status {
	case client.StatusDeferred:
		why = "it was never released, so no item was attempted; release it or cancel it"
	case client.StatusCancelled:
		why = "it was cancelled before any item was attempted; pay those items with a new file"
	}
	return fmt.Sprintf("mass payment %s is %s, not complete: %s", e.Href, e.Status, why)
}

// Source finds the funding source to pay from (a URL or an id) and checks that it can send. It
// returns its href and the href of its owner's mass payment list, where batches are looked up.
func (p *Payer) Source(ctx context.Context, source string) (href, listHref string, err error) {
	href = source
	if !strings.Contains(source, "/") {
		if _, perr := uuid.Parse(source); perr != nil {
			return "", "", &SourceError{Source: source, Reason: "expected a funding source URL (https://.../funding-sources/ID) or id"}
		}
		href = p.Client.Href("/funding-sources/" + source)
	}
	fs, err := p.Client.FundingSource(ctx, href)
	var apiErr *client.Error
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status == http.StatusForbidden) {
		return "", "", &SourceError{Source: source, Reason: "no such funding source for these credentials (" + apiErr.Error() + ")", Err: err}
	}
	if err != nil {
		return "", "", err
	}
	switch {
	case fs.Removed:
		return "", "", &SourceError{Source: source, Reason: "the funding source was removed"}
	case fs.Status != "verified":
		return "", "", &SourceError{Source: source, Reason: fmt.Sprintf("the funding source is %s; a mass payment needs a verified bank or balance", fs.Status)}
	}
	owner := fs.Links.Href("customer")
	if owner == "" {
		owner = fs.Links.Href("account")
	}
	if owner == "" {
		return "", "", &SourceError{Source: source, Reason: "the funding source links neither an account nor a customer"}
	}
	return fs.Links.Href("self"), owner + "/mass-payments", nil
}

// Pay sends the file's batches from source (skipping those an earlier run already made), waits
// until every batch is complete, and returns one result per row, in file order.
func (p *Payer) Pay(ctx context.Context, f *File, source string) (*Outcome, error) {
	src, list, err := p.Source(ctx, source)
	if err != nil {
		return nil, err
	}
	batches := Plan(f)
	for _, b := range batches {
		var existed bool
		b.Href, existed, err = p.send(ctx, list, b.Key, b.body(p.Client, src))
		if err != nil {
			return nil, batchError(b, err)
		}
		verb := "sent"
		if existed {
			verb = "already sent by an earlier run"
		}
		fmt.Fprintf(p.Out, "batch %d/%d: %d items, %s USD: %s %s\n", b.Index, b.Of, len(b.Rows), masspay.FormatAmount(b.Total), verb, b.Href)
	}
	if err := p.wait(ctx, batches, len(f.Rows)); err != nil {
		return nil, err
	}
	out := &Outcome{Batches: batches}
	for _, b := range batches {
		rs, err := p.match(ctx, b)
		if err != nil {
			return nil, err
		}
		out.Results = append(out.Results, rs...)
	}
	p.summary(out)
	return out, nil
}

// send makes a batch's mass payment unless one with its key exists, and returns its href. It first
// looks for the key as a correlationId in the owner's mass payments: that finds a batch of an
// earlier run even after the API forgot the Idempotency-Key (24 hours at Dwolla). Otherwise it
// creates the batch under the key, so a create whose answer was lost (a timeout, a crash) and
// is sent again gets the first one's Location back instead of a second batch.
func (p *Payer) send(ctx context.Context, list, key string, body *client.MassPayment) (href string, existed bool, err error) {
	mps, err := p.Client.MassPaymentsByCorrelationID(ctx, list, key)
	if err != nil {
		return "", false, err
	}
	if len(mps) > 0 {
		found := mps[0].Links
		if client.ID(found.Href("source")) != client.ID(body.Links.Href("source")) {
			// The same payments were sent from another source: paying them again from this
			// one would pay twice.
			return "", false, &SourceError{Source: body.Links.Href("source"), Reason: fmt.Sprintf(
				"these payments were already sent from another source, as %s (from %s); refusing to pay them twice",
				found.Href("self"), found.Href("source"))}
		}
		return found.Href("self"), true, nil
	}
	href, err = p.Client.Create(ctx, "/mass-payments", body, key)
	return href, false, err
}

// BatchError is a batch the API refused; Rows maps item paths back to the file.
type BatchError struct {
	Batch *Batch
	Err   error
}

func (e *BatchError) Unwrap() error { return e.Err }

func (e *BatchError) Error() string {
	var apiErr *client.Error
	if !errors.As(e.Err, &apiErr) || len(apiErr.Errors) == 0 || e.Batch.Rows == nil {
		return fmt.Sprintf("batch %d/%d: %v", e.Batch.Index, e.Batch.Of, e.Err)
	}
	// "/items/17/amount/value" is row 17 of this batch: name the spreadsheet row.
	var parts []string
	for _, fe := range apiErr.Errors {
		where := fe.Path
		var i int
		var rest string
		if n, _ := fmt.Sscanf(fe.Path, "/items/%d%s", &i, &rest); n >= 1 && i >= 0 && i < len(e.Batch.Rows) {
			where = fmt.Sprintf("row %d (%s)", e.Batch.Rows[i].Line, fe.Path)
		}
		parts = append(parts, where+": "+fe.Message)
	}
	return fmt.Sprintf("batch %d/%d refused: %s %s: %s", e.Batch.Index, e.Batch.Of, apiErr.Code, apiErr.Message, strings.Join(parts, "; "))
}

func batchError(b *Batch, err error) error {
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.Status < 500 && !apiErr.Unauthorized() {
		return &BatchError{Batch: b, Err: err}
	}
	return err
}

// wait follows the batches until all are complete, showing their items' progress.
func (p *Payer) wait(ctx context.Context, batches []*Batch, total int) error {
	poll := p.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	prog := newProgress(p.Out, p.Terminal, total)
	final := make(map[string]client.ItemCounts) // complete batches' counts, read once
	for {
		var sum client.ItemCounts
		open := 0
		for _, b := range batches {
			n, done := final[b.Href]
			if !done {
				mp, err := p.Client.MassPayment(ctx, b.Href)
				if err != nil {
					return err
				}
				switch mp.Status {
				case client.StatusDeferred, client.StatusCancelled:
					return fmt.Errorf("batch %d/%d: mass payment %s is %s; it will not be processed", b.Index, b.Of, b.Href, mp.Status)
				}
				if n, err = p.Client.Counts(ctx, mp); err != nil {
					return err
				}
				if mp.Status == client.StatusComplete {
					final[b.Href] = n
				} else {
					open++
				}
			}
			sum.Pending += n.Pending
			sum.Success += n.Success
			sum.Failed += n.Failed
		}
		prog.update(sum)
		if open == 0 {
			prog.finish(sum)
			return nil
		}
		if err := client.Sleep(ctx, poll); err != nil {
			return err
		}
	}
}

// summary prints what was paid and what failed, and how to re-send the failures.
func (p *Payer) summary(o *Outcome) {
	var paid, failed int
	var paidCents, failedCents int64
	failedIn := map[string]bool{}
	for _, r := range o.Results {
		if r.Status == client.ItemSuccess {
			paid++
			paidCents += r.Amount
		} else {
			failed++
			failedCents += r.Amount
			failedIn[r.MassPayment] = true
		}
	}
	fmt.Fprintf(p.Out, "paid %d of %d items (%s of %s USD) in %d mass payment(s); %d failed (%s USD)\n",
		paid, len(o.Results), masspay.FormatAmount(paidCents), masspay.FormatAmount(paidCents+failedCents), len(o.Batches),
		failed, masspay.FormatAmount(failedCents))
	for _, b := range o.Batches {
		if failedIn[b.Href] {
			fmt.Fprintf(p.Out, "re-send the failed items of batch %d/%d once with: masspay retry-failed %s\n", b.Index, b.Of, b.Href)
		}
	}
}

// RetryFailed makes one new mass payment from the failed items of the complete mass payment at
// href: same source, destinations, amounts, metadata, correlation ids, clearing and addenda, under
// an Idempotency-Key (and correlationId) derived from the original batch, so running it again
// finds the batch it made instead of paying twice. It waits for the new batch and returns its
// results; an Outcome without batches means nothing had failed.
func (p *Payer) RetryFailed(ctx context.Context, href string) (*Outcome, error) {
	mp, err := p.Client.MassPayment(ctx, href)
	if err != nil {
		return nil, err
	}
	if mp.Status != client.StatusComplete {
		return nil, &NotCompleteError{Href: href, Status: mp.Status}
	}
	failed, err := p.Client.Items(ctx, mp.Links.Href("self"), client.ItemFailed)
	if err != nil {
		return nil, err
	}
	if len(failed) == 0 {
		fmt.Fprintf(p.Out, "mass payment %s has no failed items: nothing to re-send\n", href)
		return &Outcome{}, nil
	}
	src, list, err := p.Source(ctx, mp.Links.Href("source"))
	if err != nil {
		return nil, err
	}
	b := &Batch{Index: 1, Of: 1, Key: "masspay-retry-" + mp.ID}
	body := &client.MassPayment{Links: client.Links{"source": {Href: src}}, Metadata: mp.Metadata, CorrelationID: b.Key}
	for _, it := range failed {
		cents, _ := masspay.ParseAmount(it.Amount.Value)
		b.Total += cents
		body.Items = append(body.Items, client.Item{
			Links:  client.Links{"destination": {Href: it.Links.Href("destination")}},
			Amount: it.Amount, Metadata: it.Metadata, CorrelationID: it.CorrelationID,
			Clearing: it.Clearing, AchDetails: it.AchDetails, ProcessingChannel: it.ProcessingChannel,
		})
	}
	var existed bool
	b.Href, existed, err = p.send(ctx, list, b.Key, body)
	if err != nil {
		return nil, batchError(b, err)
	}
	if existed {
		fmt.Fprintf(p.Out, "the failed items of %s were already re-sent as %s\n", href, b.Href)
	} else {
		fmt.Fprintf(p.Out, "re-sent %d failed items (%s USD) of %s as %s\n", len(failed), masspay.FormatAmount(b.Total), href, b.Href)
	}
	if err := p.wait(ctx, []*Batch{b}, len(failed)); err != nil {
		return nil, err
	}
	rs, err := p.Results(ctx, b.Href)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Batches: []*Batch{b}, Results: rs}
	p.summary(out)
	return out, nil
}
