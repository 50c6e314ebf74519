// Package bench measures masspay on a real store: the time to accept a mass payment (HTTP 201),
// the engine's processing rate, and, in the same run on the same store, the raw rate at which the
// store inserts the very rows the engine writes, so that the engine's share of what the store can
// do is visible. `masspay bench` prints its report.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"masspay"
	"masspay/app"
	"masspay/engine"
	"masspay/httpapi"
	"masspay/postgres"
	"masspay/service"
	"masspay/sqlstore"
)

// Config says what to measure.
type Config struct {
	Items       int    // items per mass payment (default 5,000)
	Rounds      int    // rounds per store; medians are reported (default 5)
	PostgresURL string // also measure PostgreSQL (a fresh schema per round) when set
	ChunkSize   int    // engine chunk size (default: the engine's)
	History     int    // items of history written through the store before measuring at depth
	Concurrent  int    // mass payments posted at once in the load phase, with list reads going on (0: none)
}

// Result holds one store's medians.
type Result struct {
	Store         string
	Accept        time.Duration // POST /mass-payments with Items items, to the 201
	ProcessRate   float64       // items per second, claim to complete
	RawRate       float64       // items per second, inserting the same rows with no engine logic
	Heap          []uint64      // peak heap growth processing a batch of each of HeapSizes(Items) items
	AcceptSamples []time.Duration
	// With History: the same figures on the fresh store (Accept, ProcessRate, RawRate and Heap
	// are then at depth), and what the history cost.
	AcceptFresh  time.Duration
	ProcessFresh float64
	ListsFresh   []time.Duration // p50 of each of Lists, fresh
	ListsDepth   []time.Duration // and at depth (History > 0)
	WALPeak      int64           // SQLite: the largest WAL seen at a commit
	BytesPerItem float64         // store growth per item of history
	// With Concurrent: Concurrent batches posted at once (at depth with History) while the engine
	// runs as `masspay serve` runs it and the lists are read in a loop, until all are complete.
	LoadAccept    time.Duration // median time to the 201 of the batches posted at once
	LoadRate      float64       // items per second, first POST to the last batch complete
	LoadList      time.Duration // p50 of the list reads meanwhile (all of Lists)
	LoadListReads int           // how many list reads the phase saw
	RSSLoad       int64         // peak resident set of this process during the phase (VmHWM)
	RSSPeak       int64         // peak resident set of this process over the whole run so far
	// SQLite: pages the writer wrote per item processed (at depth with History, and fresh):
	// the write work, which unlike the rates does not move with the machine's load.
	Pages, PagesFresh float64
}

// Share is the engine's processing rate as a fraction of the raw insert rate.
func (r Result) Share() float64 { return r.ProcessRate / r.RawRate }

// Run measures SQLite, and PostgreSQL when cfg.PostgresURL is set.
func Run(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if cfg.Items <= 0 {
		cfg.Items = masspay.MaxItems
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 5
	}
	stores := []string{"sqlite"}
	if cfg.PostgresURL != "" {
		stores = append(stores, "postgres")
	}
	var out []Result
	for _, name := range stores {
		// Each store's peak from what the process holds at its start (the store before it closed,
		// its memory given back).
		var run peakRSS
		debug.FreeOSMemory()
		ResetPeakRSS(0)
		var acc, accF []time.Duration
		var proc, raw, procF, bpi []float64
		var lf, ld [][]time.Duration
		var wal, rssLoad []int64
		var loadAcc, loadList []time.Duration
		var loadRate []float64
		var loadReads int
		var pages, pagesF []float64
		heap := make([][]uint64, len(HeapSizes(cfg.Items)))
		for r := 0; r < cfg.Rounds; r++ {
			// The load phase writes ten batches at once, and PostgreSQL's checkpoints and
			// autovacuum after it would fall on the next round's timings: only the last round of
			// a store runs it, after its own measurements.
			rc := cfg
			if r < cfg.Rounds-1 {
				rc.Concurrent = 0
			}
			m, err := round(ctx, rc, name, &run)
			if err != nil {
				return nil, fmt.Errorf("%s round %d: %w", name, r+1, err)
			}
			fmt.Fprintf(progress, "%s round %d: accept %v, process %.0f items/s, raw %.0f items/s\n",
				name, r+1, m.accept.Round(time.Millisecond), m.process, m.raw)
			acc, proc, raw = append(acc, m.accept), append(proc, m.process), append(raw, m.raw)
			accF, procF, bpi = append(accF, m.acceptFresh), append(procF, m.processFresh), append(bpi, m.bytesPerItem)
			lf, ld, wal = append(lf, m.listsFresh), append(ld, m.listsDepth), append(wal, m.walPeak)
			if rc.Concurrent > 0 {
				rssLoad, loadAcc, loadList = append(rssLoad, m.rssLoad), append(loadAcc, m.loadAccept), append(loadList, m.loadList)
				loadRate, loadReads = append(loadRate, m.loadRate), loadReads+m.loadListReads
			}
			pages, pagesF = append(pages, m.pages), append(pagesF, m.pagesFresh)
			for i, h := range m.heap {
				heap[i] = append(heap[i], h)
			}
		}
		res := Result{Store: name, Accept: median(acc), ProcessRate: median(proc), RawRate: median(raw), AcceptSamples: acc,
			AcceptFresh: median(accF), ProcessFresh: median(procF), WALPeak: slices.Max(wal), BytesPerItem: median(bpi),
			Pages: median(pages), PagesFresh: median(pagesF)}
		run.note()
		res.RSSPeak = run.max
		if cfg.Concurrent > 0 {
			res.RSSLoad, res.LoadAccept, res.LoadRate = slices.Max(rssLoad), median(loadAcc), median(loadRate)
			res.LoadList, res.LoadListReads = median(loadList), loadReads
		}
		for i := range Lists {
			res.ListsFresh = append(res.ListsFresh, median(column(lf, i)))
			if cfg.History > 0 {
				res.ListsDepth = append(res.ListsDepth, median(column(ld, i)))
			}
		}
		for _, h := range heap {
			res.Heap = append(res.Heap, median(h))
		}
		out = append(out, res)
	}
	return out, nil
}

// column is the i-th value of each row.
func column[T any](rows [][]T, i int) []T {
	out := make([]T, len(rows))
	for r, row := range rows {
		out[r] = row[i]
	}
	return out
}

func median[T int64 | uint64 | float64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

type measures struct {
	accept       time.Duration
	process, raw float64
	heap         []uint64 // by HeapSizes

	acceptFresh            time.Duration
	processFresh           float64
	listsFresh, listsDepth []time.Duration
	walPeak                int64
	bytesPerItem           float64
	pages, pagesFresh      float64  // SQLite pages written per item processed
	lists                  []string // the paths of Lists in this round

	loadAccept, loadList time.Duration
	loadRate             float64
	loadListReads        int
	rssLoad              int64
}

// HeapSizes are the batch sizes whose peak heap growth a round measures: below one engine chunk,
// a few chunks, and the full batch. Flat from the second on means memory does not grow with the
// batch.
func HeapSizes(items int) []int {
	var sizes []int
	for _, n := range []int{max(1, items/5), max(1, items/2), items} {
		if !slices.Contains(sizes, n) {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

// round measures one fresh store.
func round(ctx context.Context, cfg Config, name string, run *peakRSS) (m measures, err error) {
	var store *sqlstore.Store
	var dir string
	if name == "postgres" {
		u, drop, err := postgres.NewSchema(ctx, cfg.PostgresURL)
		if err != nil {
			return m, err
		}
		defer drop(context.WithoutCancel(ctx))
		store, err = app.OpenStore(ctx, "", u)
		if err != nil {
			return m, err
		}
	} else {
		dir, err = os.MkdirTemp("", "masspay-bench-")
		if err != nil {
			return m, err
		}
		defer os.RemoveAll(dir)
		store, err = app.OpenStore(ctx, dir, "")
		if err != nil {
			return m, err
		}
	}
	defer store.Close()

	svc := service.New(store, service.Config{})
	na, err := svc.CreateApplication(ctx, service.NewApplicationParams{Name: "bench", Balance: masspay.MaxCents / 10})
	if err != nil {
		return m, err
	}
	var balanceID string
	err = store.Read(ctx, func(q masspay.Q) error {
		list, err := q.FundingSourceList(ctx, masspay.FundingSourceFilter{AccountID: na.AccountID})
		for _, f := range list {
			if f.Type == masspay.FundingBalance {
				balanceID = f.ID
			}
		}
		return err
	})
	if err != nil {
		return m, err
	}
	dests, err := payees(ctx, store, na.AccountID, cfg.Items)
	if err != nil {
		return m, err
	}

	// The API, on a real listener, as clients see it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return m, err
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: httpapi.New(httpapi.Config{PublicURL: base}, svc, slog.New(slog.DiscardHandler))}
	go srv.Serve(ln)
	defer srv.Close()
	c := &client{base: base}
	if err := c.token(na.Key, na.Secret); err != nil {
		return m, err
	}
	body := massPayment(base, balanceID, dests)
	// Warm up as a running server is warm: one batch of the same size accepted and processed
	// (the connection is open, and the store has prepared its statements), untimed.
	if _, _, err := c.post(body); err != nil {
		return m, err
	}
	eng := engine.New(store, engine.Config{ChunkSize: cfg.ChunkSize}, slog.New(slog.DiscardHandler))
	if _, err := eng.ProcessNext(ctx); err != nil {
		return m, err
	}
	if err := m.depth(ctx, cfg, store, c, eng, body, na.AccountID, balanceID); err != nil {
		return m, err
	}

	// 1. Accept: request sent to 201 received.
	var loc string
	if m.accept, loc, err = c.post(body); err != nil {
		return m, err
	}
	// 2. Process: claim to complete.
	if m.process, m.pages, err = process(ctx, store, eng, cfg.Items); err != nil {
		return m, err
	}
	written, err := engineTransfers(ctx, store, loc[strings.LastIndex(loc, "/")+1:])
	if err != nil {
		return m, err
	}
	// 3. Raw: the same rows into the same store, in the same chunks, with no reads or decisions.
	if m.raw, err = rawInsert(ctx, c, store, base, balanceID, dests, written, eng); err != nil {
		return m, err
	}
	// 4. Memory: peak heap growth for batches of growing size (each separately, untimed).
	for _, n := range HeapSizes(cfg.Items) {
		h, err := peakHeap(ctx, c, eng, massPayment(base, balanceID, dests[:n]))
		if err != nil {
			return m, err
		}
		m.heap = append(m.heap, h)
	}
	// 5. Load: batches posted at once while the lists are read (at depth with History).
	if cfg.Concurrent > 0 {
		if err := m.load(ctx, cfg, store, c, body, cfg.Concurrent, m.lists, run); err != nil {
			return m, fmt.Errorf("load: %w", err)
		}
	}
	m.walPeak = walPeak(store)
	var v []string
	if err := store.Read(ctx, func(q masspay.Q) (err error) { v, err = q.Violations(ctx); return err }); err != nil {
		return m, err
	}
	if len(v) > 0 {
		return m, fmt.Errorf("invariants broken after the run: %v", v)
	}
	return m, nil
}

// payees makes n receive-only customers with a bank each.
func payees(ctx context.Context, store masspay.Store, accountID string, n int) ([]string, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	ids := make([]string, n)
	err := store.Write(ctx, func(q masspay.Q) error {
		for i := range ids {
			c := &masspay.Customer{ID: uuid.NewString(), AccountID: accountID, FirstName: "Payee", LastName: fmt.Sprint(i),
				Email: fmt.Sprintf("payee%d@example.com", i), Type: masspay.CustomerReceiveOnly, Status: masspay.CustomerStatusUnverified, Created: now}
			if err := q.CustomerInsert(ctx, c); err != nil {
				return err
			}
			f := &masspay.FundingSource{ID: uuid.NewString(), AccountID: accountID, CustomerID: c.ID, Type: masspay.FundingBank,
				Status: masspay.FundingUnverified, Name: "Payee", BankAccountType: "checking", RoutingNumber: "222222226",
				AccountNumber: fmt.Sprintf("%010d", i+1), Fingerprint: uuid.NewString(), Channels: []string{"ach"}, Created: now}
			if err := q.FundingSourceInsert(ctx, f); err != nil {
				return err
			}
			ids[i] = f.ID
		}
		return nil
	})
	return ids, err
}

func massPayment(base, sourceID string, dests []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"_links":{"source":{"href":"%s/funding-sources/%s"}},"items":[`, base, sourceID)
	for i, d := range dests {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"_links":{"destination":{"href":"%s/funding-sources/%s"}},"amount":{"value":"%d.%02d","currency":"USD"},"metadata":{"n":"%d"},"correlationId":"item-%d"}`,
			base, d, 1+i%50, i%100, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// engineTransfers reads back the transfers the engine made for a batch, in item order.
func engineTransfers(ctx context.Context, store masspay.Store, mpID string) ([]*masspay.Transfer, error) {
	var out []*masspay.Transfer
	err := store.Read(ctx, func(q masspay.Q) error {
		for off := 0; ; off += 200 {
			items, _, err := q.ItemList(ctx, masspay.ItemFilter{MassPaymentID: mpID, Page: masspay.Page{Limit: 200, Offset: off}})
			if err != nil || len(items) == 0 {
				return err
			}
			for _, it := range items {
				t, err := q.TransferGet(ctx, it.TransferID)
				if err != nil {
					return err
				}
				out = append(out, t)
			}
		}
	})
	return out, err
}

// rawInsert accepts a second batch (deferred, untimed), then writes for it the same rows the
// engine wrote for the first (transfers, ledger entries, item outcomes, events, the batch's
// cursor), chunk by chunk, one transaction per chunk, through the same store methods. The time
// it takes is the store's limit for the engine's work.
func rawInsert(ctx context.Context, c *client, store masspay.Store, base, sourceID string, dests []string, written []*masspay.Transfer, eng *engine.Engine) (float64, error) {
	var in map[string]any
	body := massPayment(base, sourceID, dests)
	json.Unmarshal(body, &in)
	in["status"] = "deferred"
	body, _ = json.Marshal(in)
	_, loc, err := c.post(body)
	if err != nil {
		return 0, err
	}
	mpID := loc[strings.LastIndex(loc, "/")+1:]
	var items []*masspay.Item
	var mp *masspay.MassPayment
	err = store.Read(ctx, func(q masspay.Q) (err error) {
		if mp, err = q.MassPaymentGet(ctx, mpID); err != nil {
			return err
		}
		items, _, err = q.ItemList(ctx, masspay.ItemFilter{MassPaymentID: mpID, Page: masspay.Page{Limit: len(dests)}})
		return err
	})
	if err != nil {
		return 0, err
	}
	// Fresh ids, same shapes.
	now := time.Now().UTC().Truncate(time.Microsecond)
	ts := make([]*masspay.Transfer, len(written))
	for i, t := range written {
		tt := *t
		tt.ID, tt.ItemID, tt.MassPaymentID, tt.Created = masspay.NewID(), items[i].ID, mpID, now
		ts[i] = &tt
		items[i].Status, items[i].TransferID = masspay.ItemSuccess, tt.ID
	}
	start := time.Now()
	if err := writeOutcomes(ctx, store, mp, items, ts, eng.ChunkSize(), now); err != nil {
		return 0, err
	}
	rate := float64(len(ts)) / time.Since(start).Seconds()
	// Leave the store consistent: the batch is done.
	err = store.Write(ctx, func(q masspay.Q) error {
		mp.Status, mp.Completed = masspay.MassPaymentComplete, now
		return q.MassPaymentUpdate(ctx, mp)
	})
	return rate, err
}

// peakHeap accepts body and measures the peak heap growth while the engine processes it.
func peakHeap(ctx context.Context, c *client, eng *engine.Engine, body []byte) (uint64, error) {
	if _, _, err := c.post(body); err != nil {
		return 0, err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	_, err := eng.ProcessNext(ctx)
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return p - base, err
	}
	return 0, err
}

// client is a minimal API client: the benchmark measures the server, not a client library.
type client struct {
	base, bearer string
}

func (c *client) token(key, secret string) error {
	req, _ := http.NewRequest("POST", c.base+"/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(key, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&t); err != nil || t.AccessToken == "" {
		return fmt.Errorf("token: status %d", res.StatusCode)
	}
	c.bearer = t.AccessToken
	return nil
}

// post sends a mass payment and returns the time to the 201 and its Location.
func (c *client) post(body []byte) (time.Duration, string, error) {
	req, _ := http.NewRequest("POST", c.base+"/mass-payments", bytes.NewReader(body))
	req.Header.Set("Accept", httpapi.MediaType)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.bearer)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	took := time.Since(start)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return 0, "", fmt.Errorf("POST /mass-payments: %d %s", res.StatusCode, b)
	}
	return took, res.Header.Get("Location"), nil
}
