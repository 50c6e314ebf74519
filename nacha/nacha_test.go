package nacha_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"masspay/nacha"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func testConfig() nacha.Config {
	return nacha.Config{ODFI: "121042882", CompanyName: "Acme Payouts", CompanyID: "1234567890", Dir: "/tmp/ach"}.WithDefaults()
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*nacha.Config)
		setting string
	}{
		{"OK", func(*nacha.Config) {}, ""},
		{"ODFICheckDigit", func(c *nacha.Config) { c.ODFI = "121042883" }, "odfi"},
		{"ODFIShort", func(c *nacha.Config) { c.ODFI = "12104288" }, "odfi"},
		{"DestinationLetters", func(c *nacha.Config) { c.Destination = "12104288x" }, "destination"},
		{"CompanyIDShort", func(c *nacha.Config) { c.CompanyID = "123" }, "companyId"},
		{"CompanyNameMissing", func(c *nacha.Config) { c.CompanyName = "" }, "companyName"},
		{"CompanyNameLong", func(c *nacha.Config) { c.CompanyName = "Acme Payouts Incorporated" }, "companyName"},
		{"DescriptionLong", func(c *nacha.Config) { c.EntryDescription = "PAYOUTS2026X" }, "entryDescription"},
		{"WindowsDescending", func(c *nacha.Config) { c.Windows = []string{"14:45", "10:30"} }, "windows"},
		{"WindowNotTime", func(c *nacha.Config) { c.Windows = []string{"25:00"} }, "windows"},
		{"WindowSeconds", func(c *nacha.Config) { c.Windows = []string{"10:30:15", "10:30:45"} }, ""},
		{"WindowHalfSeconds", func(c *nacha.Config) { c.Windows = []string{"10:30:1"} }, "windows"},
		{"Timezone", func(c *nacha.Config) { c.Timezone = "Mars/Olympus" }, "timezone"},
		{"ReturnDays", func(c *nacha.Config) { c.ReturnDays = -1 }, "returnDays"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			tc.change(&c)
			err := c.Validate()
			var se *nacha.SettingError
			switch {
			case tc.setting == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.setting != "" && (!errors.As(err, &se) || se.Setting != tc.setting):
				t.Fatalf("Validate = %v, want a %s error", err, tc.setting)
			}
		})
	}
}

func TestBankingDays(t *testing.T) {
	for _, tc := range []struct {
		day  string
		want bool
	}{
		{"2026-11-25", true},  // Wednesday
		{"2026-11-26", false}, // Thanksgiving
		{"2026-11-27", true},  // the day after: the Fed is open
		{"2026-11-28", false}, // Saturday
		{"2026-11-29", false}, // Sunday
		{"2026-12-25", false}, // Christmas, a Friday
		{"2026-07-03", true},  // Independence Day falls on Saturday: the Fed does not close Friday
		{"2026-07-04", false},
		{"2023-01-02", false}, // New Year's Day on a Sunday is observed Monday
		{"2026-06-19", false}, // Juneteenth
		{"2026-10-12", false}, // Columbus Day
		{"2026-11-11", false}, // Veterans Day
		{"2026-01-19", false}, // Martin Luther King Jr. Day
	} {
		if got := nacha.IsBankingDay(date(tc.day)); got != tc.want {
			t.Errorf("IsBankingDay(%s) = %v, want %v", tc.day, got, tc.want)
		}
	}
	if got := nacha.AddBankingDays(date("2026-11-25"), 1); !got.Equal(date("2026-11-27")) {
		t.Errorf("banking day after 2026-11-25 = %s, want 2026-11-27 (Thanksgiving skipped)", got.Format(time.DateOnly))
	}
	if got := nacha.AddBankingDays(date("2026-12-24"), 2); !got.Equal(date("2026-12-29")) {
		t.Errorf("2 banking days after 2026-12-24 = %s, want 2026-12-29", got.Format(time.DateOnly))
	}
}

func TestWindows(t *testing.T) {
	cfg := testConfig()
	cfg.Windows = []string{"10:30", "14:45", "16:45", "20:00"}
	cal, err := cfg.Calendar()
	if err != nil {
		t.Fatal(err)
	}
	ny := cal.Location()
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		now     string
		want    string
		sameDay bool
	}{
		{"2026-11-25 09:00", "2026-11-25T10:30", true},
		{"2026-11-25 10:30", "2026-11-25T14:45", true}, // a cutoff at the instant has passed
		{"2026-11-25 17:00", "2026-11-25T20:00", false},
		{"2026-11-25 21:00", "2026-11-27T10:30", true}, // Thanksgiving skipped
		{"2026-11-28 12:00", "2026-11-30T10:30", true}, // Saturday: Monday's first window
	} {
		w, err := cal.Next(at(tc.now))
		if err != nil {
			t.Fatal(err)
		}
		if w.ID() != tc.want || w.SameDay != tc.sameDay {
			t.Errorf("Next(%s) = %s same-day %v, want %s same-day %v", tc.now, w.ID(), w.SameDay, tc.want, tc.sameDay)
		}
	}
	if w, ok := cal.Passed(at("2026-11-25 10:00"), at("2026-11-25 15:00")); !ok || w.ID() != "2026-11-25T14:45" {
		t.Errorf("Passed = %s %v, want the latest, 2026-11-25T14:45", w.ID(), ok)
	}
	if w, ok := cal.Passed(at("2026-11-28 00:00"), at("2026-11-29 23:59")); ok {
		t.Errorf("Passed over a weekend = %s, want none", w.ID())
	}

	// Same-day versus next-day.
	mon, _ := cal.Next(at("2026-11-30 09:00"))
	late, _ := cal.Next(at("2026-11-30 17:00"))
	for _, tc := range []struct {
		w             nacha.Window
		nextAvailable bool
		amount        int64
		want          string
	}{
		{mon, true, 100_00, "2026-11-30"},
		{mon, true, nacha.SameDayLimit, "2026-11-30"},
		{mon, true, nacha.SameDayLimit + 1, "2026-12-01"}, // over the same-day limit
		{mon, false, 100_00, "2026-12-01"},                // standard
		{late, true, 100_00, "2026-12-01"},                // not a same-day window
	} {
		if got := cal.EffectiveDate(tc.w, tc.nextAvailable, tc.amount).Format(time.DateOnly); got != tc.want {
			t.Errorf("EffectiveDate(%s, %v, %d) = %s, want %s", tc.w.ID(), tc.nextAvailable, tc.amount, got, tc.want)
		}
	}
	if got := cal.ProcessDate(date("2026-11-25")).Format(time.DateOnly); got != "2026-11-30" {
		t.Errorf("ProcessDate(2026-11-25) = %s, want 2026-11-30 (2 banking days, Thanksgiving and the weekend skipped)", got)
	}
}

func TestModifier(t *testing.T) {
	for n, want := range map[int]string{0: "A", 25: "Z", 26: "0", 35: "9"} {
		if got, err := nacha.Modifier(n); err != nil || got != want {
			t.Errorf("Modifier(%d) = %q, %v; want %q", n, got, err, want)
		}
	}
	if _, err := nacha.Modifier(36); err == nil {
		t.Error("Modifier(36) = nil error, want the day's modifiers used up")
	}
}

// IsFileName knows FileName's names and no other.
func TestIsFileName(t *testing.T) {
	d := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for n := range 36 {
		m, _ := nacha.Modifier(n)
		if name := nacha.FileName(d, m); !nacha.IsFileName(name) {
			t.Errorf("IsFileName(%q) = false", name)
		}
	}
	for _, name := range []string{"stray.ach", "masspay-20261127-a.ach", "masspay-20261127-AB.ach", "masspay-20261327-A.ach",
		"masspay-20261127-A.txt", "masspay-2026112-A.ach", "xmasspay-20261127-A.ach", "masspay-20261127_A.ach", ".masspay-123.tmp"} {
		if nacha.IsFileName(name) {
			t.Errorf("IsFileName(%q) = true", name)
		}
	}
}

func TestName(t *testing.T) {
	for in, want := range map[string]string{
		"Jane Doe":                         "Jane Doe",
		"Jürgen Müller":                    "Jurgen Muller",
		"Zoë 東京 Ltd":                       "Zoe    Ltd",
		"A Very Long Business Name Indeed": "A Very Long Business N",
	} {
		if got := nacha.Name(in, 22); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
}

// goldenEntries are a small batch: an individual's checking credit with addenda, an individual's
// savings credit, a business's credit, and the account's own funding debit, on two dates.
func goldenEntries() []nacha.Entry {
	eff, next := date("2026-11-30"), date("2026-12-01")
	return []nacha.Entry{
		{TransferID: "t1", IndividualID: "000000000000101", RoutingNumber: "222222226", AccountNumber: "123456789",
			Amount: 12_34, Name: "Jürgen Müller", Addenda: "invoice-1 thanks", EffectiveDate: eff},
		{TransferID: "t2", IndividualID: "000000000000102", Savings: true, RoutingNumber: "231380104", AccountNumber: "987654321",
			Amount: 5_00, Name: "Jane Doe", EffectiveDate: eff},
		{TransferID: "t3", IndividualID: "000000000000103", Business: true, RoutingNumber: "222222226", AccountNumber: "55555",
			Amount: 1_000_00, Name: "Widgets Inc", EffectiveDate: next},
		{TransferID: "t4", IndividualID: "000000000000104", Business: true, Debit: true, RoutingNumber: "121042882",
			AccountNumber: "1111222233334444", Amount: 1_017_34, Name: "Acme Payouts", Addenda: "batch 7", EffectiveDate: eff},
	}
}

func TestBuildGolden(t *testing.T) {
	cfg := testConfig()
	cal, err := cfg.Calendar()
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 30, 10, 29, 0, 0, cal.Location())
	f, err := cfg.Build(cal, created, "B", 41, goldenEntries())
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "masspay-20261130-B.ach" || f.DebitTotal != 1_017_34 || f.CreditTotal != 12_34+5_00+1_000_00 {
		t.Fatalf("file %s debit %d credit %d", f.Name, f.DebitTotal, f.CreditTotal)
	}
	golden := filepath.Join("testdata", "small-batch.ach")
	if *update {
		if err := os.WriteFile(golden, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Content, want) {
		t.Fatalf("file differs from %s (go test ./nacha -update rewrites it):\n%s", golden, f.Content)
	}

	// Read back with moov-io/ach: valid, and every entry as built.
	file, err := nacha.Read(f.Content)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if len(file.Batches) != 3 {
		t.Fatalf("%d batches, want 3 (CCD debit and PPD credits on 11-30, CCD credit on 12-01)", len(file.Batches))
	}
	byID := map[string]nacha.Entry{}
	for _, e := range f.Entries {
		byID[e.IndividualID] = e
	}
	seen := map[string]bool{}
	for _, b := range file.Batches {
		h := b.GetHeader()
		for _, ed := range b.GetEntries() {
			e, ok := byID[ed.IdentificationNumber]
			if !ok {
				t.Fatalf("entry %q not built", ed.IdentificationNumber)
			}
			seen[ed.TraceNumber] = true
			if h.StandardEntryClassCode != e.SEC() || ed.TransactionCode != e.TransactionCode() || int64(ed.Amount) != e.Amount ||
				ed.TraceNumber != e.Trace || h.EffectiveEntryDate != e.EffectiveDate.Format("060102") {
				t.Errorf("entry %s: %s code %d amount %d trace %s eff %s", e.TransferID, h.StandardEntryClassCode,
					ed.TransactionCode, ed.Amount, ed.TraceNumber, h.EffectiveEntryDate)
			}
			if e.Addenda != "" && (len(ed.Addenda05) != 1 || ed.Addenda05[0].PaymentRelatedInformation != e.Addenda) {
				t.Errorf("entry %s addenda %v, want one Addenda05 %q", e.TransferID, ed.Addenda05, e.Addenda)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d distinct trace numbers, want 4", len(seen))
	}
}

func TestBuildRefusesPastTheDaysTraces(t *testing.T) {
	cfg := testConfig()
	cal, _ := cfg.Calendar()
	if _, err := cfg.Build(cal, time.Now(), "A", nacha.MaxTraceSeq, goldenEntries()); err == nil {
		t.Fatal("Build with traces past 9,999,999 succeeded")
	}
}
