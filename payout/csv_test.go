package payout_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"masspay/payout"
)

const (
	fs1 = "0b0e7bc3-2c3f-4a57-9a51-3a4a1d1d2f01"
	fs2 = "0b0e7bc3-2c3f-4a57-9a51-3a4a1d1d2f02"
)

func TestParse(t *testing.T) {
	t.Parallel()
	in := "\xef\xbb\xbfdestination,amount,correlationId,clearing,addenda,metadata.invoice,metadata.team\r\n" +
		fs1 + ",12.34,inv-1,next-available,Thanks,INV 1,ops\r\n" +
		"\r\n" +
		"https://api-sandbox.dwolla.com/funding-sources/" + fs2 + ",5,,,,,\r\n" +
		"\"" + fs1 + "\",\"0.5\",,,,\"multi\nline\",\r\n"
	f, err := payout.Parse("pay.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 3 {
		t.Fatalf("rows = %d, want 3", len(f.Rows))
	}
	r := f.Rows[0]
	if r.Line != 2 || r.Destination != fs1 || r.Amount != 1234 || r.CorrelationID != "inv-1" || r.Clearing != "next-available" ||
		r.Addenda != "Thanks" || r.Metadata["invoice"] != "INV 1" || r.Metadata["team"] != "ops" {
		t.Errorf("row 2 = %+v", r)
	}
	if r := f.Rows[1]; r.Line != 4 || r.Destination != fs2 || r.Amount != 500 || r.Metadata != nil {
		t.Errorf("row 4 = %+v (an empty metadata cell sets no key)", r)
	}
	if r := f.Rows[2]; r.Line != 5 || r.Amount != 50 || r.Metadata["invoice"] != "multi\nline" {
		t.Errorf("row 5 = %+v", r)
	}
	if f.Total() != 1784 {
		t.Errorf("total = %d", f.Total())
	}

	// The same payments written differently (LF, no BOM, quotes) have the same hash; one cent
	// more does not.
	same := strings.ReplaceAll(strings.TrimPrefix(in, "\xef\xbb\xbf"), "\r\n", "\n")
	same = strings.Replace(same, fs1+",12.34", "\""+fs1+"\",\"12.34\"", 1)
	g, err := payout.Parse("again.csv", strings.NewReader(same))
	if err != nil || g.Hash != f.Hash {
		t.Errorf("hash of the same payments differs: %v", err)
	}
	h, _ := payout.Parse("other.csv", strings.NewReader(strings.Replace(in, "12.34", "12.35", 1)))
	if h.Hash == f.Hash {
		t.Error("hash of other payments is the same")
	}
}

func TestParseListsEveryProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"Rows", "destination,amount,correlationId,clearing,addenda,metadata.a\n" +
			fs1 + ",12.34,,,,\n" + // fine
			fs1 + ",\"12,34\",,,,\n" +
			",1.00,,,,\n" +
			"abc,1.00,,,,\n" +
			fs1 + ",0,has space,fast,,\n" +
			fs1 + ",-1,,,é,\n" +
			fs1 + ",1.001\n" +
			"https://x/customers/" + fs2 + ",1.00,,,,\n",
			[]string{
				`row 3, column amount: "12,34" is not an amount`,
				`row 4, column destination: empty`,
				`row 5, column destination: "abc" is not a funding source`,
				`row 6, column amount: "0" is not an amount`,
				`row 6, column correlationId: "has space" is not a correlation id`,
				`row 6, column clearing: "fast" is not a clearing`,
				`row 7, column amount: "-1" is not an amount`,
				`row 7, column addenda: expected up to 80`,
				`row 8: has 2 fields, the header has 6`,
				`row 9, column destination: "https://x/customers/` + fs2 + `" is not a funding source`,
			}},
		{"Header", "destination,amont,metadata.a,metadata.a\n" + fs1 + ",1.00,x,y\n",
			[]string{`row 1, column 2 ("amont"): unknown column`, `row 1, column metadata.a: appears twice`, `row 1, column amount: missing`}},
		{"Empty", "", []string{"row 1: the file is empty"}},
		{"NoRows", "destination,amount\n", []string{"row 2: the file has a header but no payments"}},
		{"BadQuote", "destination,amount\n" + fs1 + ",\"1.00\n", []string{"row 2: extraneous or missing \" in quoted-field"}},
		{"TooMuchMetadata", "destination,amount" + metaHeader(11) + "\n" + fs1 + ",1.00" + strings.Repeat(",v", 11) + "\n",
			[]string{"row 2, column metadata.*: expected at most 10 metadata values"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := payout.Parse("pay.csv", strings.NewReader(tc.in))
			var pe *payout.ProblemsError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want problems", err)
			}
			if len(pe.Problems) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", len(pe.Problems), len(tc.want), problems(pe))
			}
			for i, w := range tc.want {
				if i < len(pe.Problems) && !strings.HasPrefix(pe.Problems[i].String(), w) {
					t.Errorf("problem %d = %q, want %q...", i, pe.Problems[i], w)
				}
			}
		})
	}
}

func metaHeader(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ",metadata.k%d", i)
	}
	return b.String()
}

func problems(pe *payout.ProblemsError) string {
	var b strings.Builder
	for _, p := range pe.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func TestPlan(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("destination,amount\n")
	for i := range 12000 {
		fmt.Fprintf(&b, "%s,%d.%02d\n", fs1, i%7+1, i%100)
	}
	f, err := payout.Parse("big.csv", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	batches := payout.Plan(f)
	sizes := []int{5000, 5000, 2000}
	if len(batches) != 3 {
		t.Fatalf("%d batches", len(batches))
	}
	var total int64
	keys := map[string]bool{}
	for i, bt := range batches {
		if len(bt.Rows) != sizes[i] || bt.Index != i+1 || bt.Of != 3 || bt.Rows[0].Line != 2+i*5000 {
			t.Errorf("batch %d: %d rows from row %d", i+1, len(bt.Rows), bt.Rows[0].Line)
		}
		keys[bt.Key] = true
		total += bt.Total
	}
	if total != f.Total() || len(keys) != 3 {
		t.Errorf("total %d of %d, %d distinct keys", total, f.Total(), len(keys))
	}
	if again := payout.Plan(f); again[1].Key != batches[1].Key {
		t.Error("keys differ between two plans of one file")
	}
}

// FuzzParse: any input either parses into rows that respect the rules or is refused with
// problems; it never panics.
func FuzzParse(f *testing.F) {
	f.Add("destination,amount\n" + fs1 + ",1.00\n")
	f.Add("destination,amount,metadata.x\n" + fs1 + ",\"1\",\"a,b\"\n")
	f.Add("amount,destination\n,\n")
	f.Fuzz(func(t *testing.T, in string) {
		file, err := payout.Parse("f.csv", strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range file.Rows {
			if r.Amount <= 0 || r.Destination == "" || r.Line < 2 {
				t.Fatalf("accepted row %+v", r)
			}
		}
	})
}
