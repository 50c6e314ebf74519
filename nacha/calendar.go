package nacha

import (
	"fmt"
	"time"
	_ "time/tzdata" // the windows' zones, also where the system has no zoneinfo (a scratch image)

	"github.com/moov-io/base"
)

// Calendar answers the time questions of a validated Config: banking days (weekends and Federal
// Reserve holidays, from moov-io/base and rickar/cal), cutoff windows and effective dates.
type Calendar struct {
	loc        *time.Location
	eastern    *time.Location
	windows    []int // seconds after midnight, ascending
	returnDays int
}

// Calendar returns the calendar of c (which must be valid).
func (c Config) Calendar() (*Calendar, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, err
	}
	eastern, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, err
	}
	ws, err := parseWindows(c.Windows)
	if err != nil {
		return nil, err
	}
	return &Calendar{loc: loc, eastern: eastern, windows: ws, returnDays: c.ReturnDays}, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Date is the calendar date of t in the calendar's zone, as midnight UTC (a civil date).
func (c *Calendar) Date(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// bankTime is a date as moov-io/base sees it (noon, so no zone moves it to another day).
func bankTime(date time.Time) base.Time { return base.NewTime(date.Add(12 * time.Hour)) }

func dateOnly(t base.Time) time.Time {
	y, m, d := t.Time.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// IsBankingDay reports whether date is a banking day: Monday to Friday and not a Federal Reserve
// holiday (one on a Sunday is observed Monday; one on a Saturday is not moved).
func IsBankingDay(date time.Time) bool { return bankTime(date).IsBankingDay() }

// AddBankingDays is the n-th banking day after date (n >= 1).
func AddBankingDays(date time.Time, n int) time.Time {
	return dateOnly(bankTime(date).AddBankingDay(n))
}

// Window is one cutoff: a banking date and a time of day. A file made for it reaches the ODFI by
// its cutoff.
type Window struct {
	Date    time.Time // banking date, midnight UTC
	Cutoff  time.Time // the instant
	SameDay bool      // at or before FedACH's last same-day deadline (16:45 Eastern)
}

// ID names the window: its date and local time, e.g. "2026-11-30T10:30" (with seconds when the
// window has them).
func (w Window) ID() string {
	if w.Cutoff.Second() != 0 {
		return w.Date.Format("2006-01-02") + "T" + w.Cutoff.Format("15:04:05")
	}
	return w.Date.Format("2006-01-02") + "T" + w.Cutoff.Format("15:04")
}

func (w Window) String() string { return w.ID() }

// on returns the windows of date (none when it is not a banking day).
func (c *Calendar) on(date time.Time) []Window {
	if !IsBankingDay(date) {
		return nil
	}
	out := make([]Window, len(c.windows))
	for i, s := range c.windows {
		cut := time.Date(date.Year(), date.Month(), date.Day(), s/3600, s/60%60, s%60, 0, c.loc)
		e := cut.In(c.eastern)
		out[i] = Window{Date: date, Cutoff: cut, SameDay: e.Hour()*3600+e.Minute()*60+e.Second() <= lastSameDay}
	}
	return out
}

// Next is the first window whose cutoff is after t.
func (c *Calendar) Next(t time.Time) (Window, error) {
	d := c.Date(t)
	for range 400 {
		for _, w := range c.on(d) {
			if w.Cutoff.After(t) {
				return w, nil
			}
		}
		d = d.AddDate(0, 0, 1)
	}
	return Window{}, fmt.Errorf("no banking day within 400 days of %s", t.Format(time.DateOnly))
}

// Passed is the latest window whose cutoff is in (after, upTo], if any.
func (c *Calendar) Passed(after, upTo time.Time) (Window, bool) {
	var last Window
	found := false
	for w, err := c.Next(after); err == nil && !w.Cutoff.After(upTo); w, err = c.Next(w.Cutoff) {
		last, found = w, true
	}
	return last, found
}

// EffectiveDate is the effective entry date of an entry in a file of window w: the window's own
// date for a same-day entry (clearing next-available, a same-day window, and within the same-day
// limit), the next banking day otherwise.
func (c *Calendar) EffectiveDate(w Window, nextAvailable bool, amount int64) time.Time {
	if nextAvailable && w.SameDay && amount <= SameDayLimit {
		return w.Date
	}
	return AddBankingDays(w.Date, 1)
}

// ProcessDate is the last banking day on which a return of an entry settled on effective can
// arrive: its transfer is processed once that day is over.
func (c *Calendar) ProcessDate(effective time.Time) time.Time {
	return AddBankingDays(effective, c.returnDays)
}
