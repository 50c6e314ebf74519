package nacha_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"masspay/nacha"
)

func TestRehearsalFileReadsBack(t *testing.T) {
	c := testConfig()
	orig := nacha.Original{Trace: "121042880000007", IndividualID: "MP1Z", RoutingNumber: "222222226", AccountNumber: "987654321",
		Amount: 12345, Name: "Jane Doe"}
	debit := orig
	debit.Debit, debit.Business, debit.Trace, debit.Savings = true, true, "121042880000008", true
	b, err := c.RehearsalFile(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), []nacha.Rehearsal{
		{Original: orig, Code: "R03"}, {Original: debit, Code: "R01"}, {Original: orig, Code: "C01", CorrectedData: "1234567890"}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := nacha.ReadInbound(b)
	if err != nil {
		t.Fatalf("ReadInbound: %v\n%s", err, b)
	}
	if len(in.Returns) != 2 || len(in.Corrections) != 1 {
		t.Fatalf("got %d returns and %d corrections, want 2 and 1", len(in.Returns), len(in.Corrections))
	}
	r := in.Returns[0]
	if r.OriginalTrace != orig.Trace || r.Code != "R03" || r.IndividualID != "MP1Z" || r.Amount != 12345 {
		t.Fatalf("return = %+v", r)
	}
	if r := in.Returns[1]; r.OriginalTrace != debit.Trace || r.Code != "R01" {
		t.Fatalf("second return = %+v", r)
	}
	n := in.Corrections[0]
	if n.OriginalTrace != orig.Trace || n.Code != "C01" || n.CorrectedData != "1234567890" {
		t.Fatalf("correction = %+v", n)
	}
	if got := nacha.MaskedCorrection(n.Code, n.CorrectedData); got != "account ******7890" {
		t.Fatalf("MaskedCorrection = %q", got)
	}
	if _, err := c.RehearsalFile(time.Now(), []nacha.Rehearsal{{Original: orig, Code: "R99"}}); err == nil {
		t.Fatal("R99 made a file")
	}
}

func TestReadInboundRefuses(t *testing.T) {
	forward, err := os.ReadFile("testdata/small-batch.ach")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("this is not a NACHA file\n"),
		"truncated": forward[:len(forward)/2],
		"forward":   forward, // masspay's own file: entries that are neither returns nor NOCs
	} {
		if _, err := nacha.ReadInbound(b); err == nil {
			t.Errorf("%s: ReadInbound accepted it", name)
		} else if strings.Contains(err.Error(), "\n\n") {
			t.Errorf("%s: error %q", name, err)
		}
	}
}

func TestClosingReturns(t *testing.T) {
	for _, code := range []string{"R02", "R03", "R04", "R16", "R20"} {
		if !nacha.Closes(code) {
			t.Errorf("%s does not close the account", code)
		}
	}
	for _, code := range []string{"R01", "R09", "R10"} {
		if nacha.Closes(code) {
			t.Errorf("%s closes the account", code)
		}
	}
	if reason, desc := nacha.ReturnReason("R09"); reason != "Uncollected Funds" || desc == "" {
		t.Errorf("R09 reason %q, %q", reason, desc)
	}
	if reason, _ := nacha.ReturnReason("R00"); reason != "" {
		t.Errorf("R00 reason %q", reason)
	}
}
