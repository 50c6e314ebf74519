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
