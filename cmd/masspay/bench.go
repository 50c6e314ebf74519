package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"masspay/bench"
)

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", getenv, stderr)
	items := fs.Int("items", 5000, 1, "items per mass payment")
	rounds := fs.Int("rounds", 5, 1, "rounds per store (medians are reported)")
	pg := fs.Checked("postgres", "", "a postgres:// or postgresql:// URL",
		"also measure PostgreSQL at this URL (a fresh schema per round), e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		postgresURL)
	chunk := fs.Int("chunk", 0, 0, "engine chunk size (default 0: the engine's)")
	hist := fs.Int("history", 0, 0, "items of history to write through the store before measuring at depth")
	conc := fs.Int("concurrent", bench.Concurrent, 0, "mass payments posted at once, with list reads going on, for the peak RSS (0: none)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	results, err := bench.Run(ctx, bench.Config{Items: *items, Rounds: *rounds, PostgresURL: *pg, ChunkSize: *chunk, History: *hist, Concurrent: *conc}, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nmasspay bench: %d-item mass payments, medians of %d rounds, %d items of history (GOMAXPROCS=%d, %s)\n\n",
		*items, *rounds, *hist, runtime.GOMAXPROCS(0), runtime.Version())
	depth := ""
	if *hist > 0 {
		depth = ", at depth"
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 3, ' ', tabwriter.AlignRight)
	row := func(label string, f func(r bench.Result) string) {
		cells := []string{label}
		for _, r := range results {
			cells = append(cells, f(r))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	row("", func(r bench.Result) string { return r.Store })
	if *hist > 0 {
		row("accept, fresh", func(r bench.Result) string { return r.AcceptFresh.Round(100 * time.Microsecond).String() })
		row("process, fresh", func(r bench.Result) string { return fmt.Sprintf("%.0f items/s", r.ProcessFresh) })
	}
	row("accept (POST to 201)"+depth, func(r bench.Result) string { return r.Accept.Round(100 * time.Microsecond).String() })
	row("process (claim to complete)"+depth, func(r bench.Result) string { return fmt.Sprintf("%.0f items/s", r.ProcessRate) })
	row("raw insert of the same rows", func(r bench.Result) string { return fmt.Sprintf("%.0f items/s", r.RawRate) })
	row("engine share of raw", func(r bench.Result) string { return fmt.Sprintf("%.0f%%", 100*r.Share()) })
	for i, name := range bench.Lists {
		row(name+" p50, fresh", func(r bench.Result) string { return r.ListsFresh[i].Round(10 * time.Microsecond).String() })
		if *hist > 0 {
			row(name+" p50"+depth, func(r bench.Result) string { return r.ListsDepth[i].Round(10 * time.Microsecond).String() })
		}
	}
	if *hist > 0 {
		row("store bytes per item of history", func(r bench.Result) string { return fmt.Sprintf("%.0f", r.BytesPerItem) })
	}
	if *hist > 0 {
		row("pages written per item processed, fresh (SQLite)", func(r bench.Result) string { return fmt.Sprintf("%.2f", r.PagesFresh) })
	}
	row("pages written per item processed"+depth+" (SQLite)", func(r bench.Result) string { return fmt.Sprintf("%.2f", r.Pages) })
	row("peak WAL (SQLite)", func(r bench.Result) string { return mib(uint64(r.WALPeak)) })
	for i, n := range bench.HeapSizes(*items) {
		row(fmt.Sprintf("peak heap growth, %d items", n), func(r bench.Result) string { return mib(r.Heap[i]) })
	}
	if *conc > 0 {
		load := fmt.Sprintf("%d batches at once", *conc)
		row(load+": accept p50"+depth, func(r bench.Result) string { return r.LoadAccept.Round(100 * time.Microsecond).String() })
		row(load+": items/s"+depth, func(r bench.Result) string { return fmt.Sprintf("%.0f items/s", r.LoadRate) })
		row(load+": list p50 meanwhile", func(r bench.Result) string {
			return fmt.Sprintf("%v (%d reads)", r.LoadList.Round(10*time.Microsecond), r.LoadListReads)
		})
		row(load+": peak RSS"+depth, func(r bench.Result) string { return mib(uint64(r.RSSLoad)) })
	}
	row("peak RSS, whole run", func(r bench.Result) string { return mib(uint64(r.RSSPeak)) })
	return tw.Flush()
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
