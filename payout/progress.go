package payout

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"masspay/client"
)

// progress shows items done out of a run's total: a bar on a terminal, otherwise a plain line
// at most every few seconds (and one at the end), which reads well in a log or a CI job.
type progress struct {
	out   io.Writer
	total int
	bar   *progressbar.ProgressBar // nil: plain lines
	start time.Time
	last  time.Time
	shown int
}

// plainEvery is the gap between two plain progress lines.
const plainEvery = 2 * time.Second

func newProgress(out io.Writer, terminal bool, total int) *progress {
	p := &progress{out: out, total: total, start: time.Now()}
	if terminal {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription("paying"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
		)
	}
	return p
}

func (p *progress) update(n client.ItemCounts) {
	if p.bar != nil {
		p.bar.Set(n.Done())
		p.bar.Describe(fmt.Sprintf("%d paid, %d failed", n.Success, n.Failed))
		return
	}
	if n.Done() == p.shown || time.Since(p.last) < plainEvery {
		return
	}
	p.line(n)
}

func (p *progress) finish(n client.ItemCounts) {
	if p.bar != nil {
		p.update(n)
		p.bar.Finish()
		fmt.Fprintln(p.out)
		return
	}
	if n.Done() != p.shown || p.shown == 0 {
		p.line(n)
	}
}

func (p *progress) line(n client.ItemCounts) {
	rate := float64(n.Done()) / time.Since(p.start).Seconds()
	fmt.Fprintf(p.out, "progress: %d/%d items done (%d paid, %d failed), %.0f items/s\n", n.Done(), p.total, n.Success, n.Failed, rate)
	p.last, p.shown = time.Now(), n.Done()
}
