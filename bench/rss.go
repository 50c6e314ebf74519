package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"masspay"
	"masspay/engine"
	"masspay/sqlstore"
)

// Memory is read from /proc (Linux): a process's resident set (VmRSS) and its peak (VmHWM).
// Elsewhere both read as 0 and the report says so.

// ProcRSS returns the resident set and its peak (VmRSS and VmHWM, in bytes) of the process pid,
// 0 for this process.
func ProcRSS(pid int) (rss, hwm int64, err error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(val) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("%s: %s: unexpected %q", path, name, val)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("%s: no VmRSS or VmHWM", path)
	}
	return rss, hwm, nil
}

// ResetPeakRSS starts the peak resident set (VmHWM) of process pid (0: this one) over from its
// resident set now (Linux 4.0 and later: "5" written to /proc/<pid>/clear_refs).
func ResetPeakRSS(pid int) error {
	path := "/proc/self/clear_refs"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/clear_refs", pid)
	}
	return os.WriteFile(path, []byte("5"), 0)
}

// peakRSS follows this process's peak resident set across resets: the largest VmHWM seen.
type peakRSS struct{ max int64 }

// note takes in the peak so far.
func (p *peakRSS) note() {
	if _, hwm, err := ProcRSS(0); err == nil {
		p.max = max(p.max, hwm)
	}
}

// Concurrent is how many mass payments the load phase posts at once (issue 15: ten 5,000-item
// batches at once, with list reads going on).
const Concurrent = 10

// load posts n batches (body) at once while the engine runs as `masspay serve` runs it and a
// reader goes through Lists again and again, and measures the process's peak resident set from
// the first POST until every batch is complete. The whole run's peak (before the reset this
// needs) goes into run.
func (m *measures) load(ctx context.Context, cfg Config, store *sqlstore.Store, c *client, body []byte, n int, paths []string, run *peakRSS) error {
	run.note()
	reset := ResetPeakRSS(0) == nil
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		engine.New(store, engine.Config{ChunkSize: cfg.ChunkSize}, slog.New(slog.DiscardHandler)).Run(ctx)
	})
	// Without the reset, VmRSS sampled every 5 ms stands in for the peak.
	var sampled int64
	if !reset {
		wg.Go(func() {
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				if rss, _, err := ProcRSS(0); err == nil {
					sampled = max(sampled, rss)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	var lists []time.Duration
	var listErr error
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			d, err := c.get(paths[i%len(paths)] + "?limit=25")
			if err != nil {
				if ctx.Err() == nil {
					listErr = err
				}
				return
			}
			lists = append(lists, d)
		}
	})
	start := time.Now()
	ids := make([]string, n)
	accepts := make([]time.Duration, n)
	errs := make([]error, n)
	var posts sync.WaitGroup
	for i := range n {
		posts.Go(func() {
			var loc string
			accepts[i], loc, errs[i] = c.post(body)
			ids[i] = loc[strings.LastIndex(loc, "/")+1:]
		})
	}
	posts.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, id := range ids {
		for {
			var mp *masspay.MassPayment
			if err := store.Read(ctx, func(q masspay.Q) (err error) { mp, err = q.MassPaymentGet(ctx, id); return err }); err != nil {
				return err
			}
			if mp.Status == masspay.MassPaymentComplete {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	took := time.Since(start)
	cancel()
	wg.Wait()
	if listErr != nil {
		return listErr
	}
	m.loadAccept, m.loadRate, m.loadListReads = median(accepts), float64(n*cfg.Items)/took.Seconds(), len(lists)
	if len(lists) > 0 {
		m.loadList = median(lists)
	}
	if reset {
		_, m.rssLoad, _ = ProcRSS(0)
	} else {
		m.rssLoad = sampled
	}
	run.note()
	return nil
}
