package bench_test

import (
	"context"
	"io"
	"testing"

	"masspay/bench"
)

// TestRun runs one small round on SQLite: the benchmark works and leaves a consistent store.
func TestRun(t *testing.T) {
	t.Parallel()
	res, err := bench.Run(context.Background(), bench.Config{Items: 300, Rounds: 1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].ProcessRate <= 0 || res[0].RawRate <= 0 || res[0].Accept <= 0 || len(res[0].Heap) != len(bench.HeapSizes(300)) {
		t.Fatalf("result = %+v", res)
	}
}

// TestRunAtDepth writes history through the store between the fresh and the deep figures, and
// the store stays consistent (Run checks its invariants after the round).
func TestRunAtDepth(t *testing.T) {
	t.Parallel()
	res, err := bench.Run(context.Background(), bench.Config{Items: 200, Rounds: 1, History: 1000}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if len(r.ListsFresh) != len(bench.Lists) || len(r.ListsDepth) != len(bench.Lists) || r.AcceptFresh <= 0 ||
		r.ProcessFresh <= 0 || r.BytesPerItem <= 0 || r.WALPeak <= 0 || r.Pages <= 0 || r.PagesFresh <= 0 {
		t.Fatalf("result = %+v", r)
	}
	for i, d := range r.ListsDepth {
		if d <= 0 || r.ListsFresh[i] <= 0 {
			t.Fatalf("%s: fresh %v, at depth %v", bench.Lists[i], r.ListsFresh[i], d)
		}
	}
}
