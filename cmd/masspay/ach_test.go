package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"masspay"
	"masspay/app"
	"masspay/apptest"
	"masspay/nacha"
	"masspay/sqlstore"
)

// achArgs are the --clearing ach flags of the tests' servers.
func achArgs(dir string) []string {
	return []string{"--clearing", "ach", "--ach-odfi", "121042882", "--ach-company-name", "Acme Payouts",
		"--ach-company-id", "1234567890", "--ach-dir", dir}
}

// testStore returns a fresh store for one test: a data directory, a PostgreSQL schema's URL
// when MASSPAY_TEST_DATABASE_URL is set ("" otherwise), and the flags that name the store.
func testStore(t *testing.T) (dir, dbURL string, storeArgs []string) {
	dir, dbURL = t.TempDir(), apptest.DatabaseURL(t)
	storeArgs = []string{"--data", dir}
	if dbURL != "" {
		storeArgs = []string{"--database", dbURL}
	}
	return dir, dbURL, storeArgs
}

// incompleteBatches counts the account's mass payments that are not complete yet.
func incompleteBatches(st masspay.Store, accountID string) int {
	var left int
	st.Read(context.Background(), func(q masspay.Q) error {
		list, _, err := q.MassPaymentList(context.Background(), masspay.MassPaymentFilter{AccountID: accountID, Page: masspay.Page{Limit: 1000}})
		for _, mp := range list {
			if mp.Status != masspay.MassPaymentComplete {
				left++
			}
		}
		return err
	})
	return left
}

// readACHDir reads every NACHA file of dir back with moov-io/ach (each must validate) and returns
// its entries by individual id and direction ("D"/"C" suffix), failing on any entry found twice.
func readACHDir(t *testing.T, dir string) map[string]int {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.ach"))
	out := map[string]int{}
	for _, p := range names {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := nacha.Read(b)
		if err != nil {
			t.Fatalf("%s does not validate: %v", p, err)
		}
		for _, batch := range f.Batches {
			for _, ed := range batch.GetEntries() {
				key := strings.TrimSpace(ed.IdentificationNumber) + map[bool]string{true: "D", false: "C"}[ed.TransactionCode == 27 || ed.TransactionCode == 37]
				if _, dup := out[key]; dup {
					t.Errorf("entry %s is in two files (again in %s)", key, filepath.Base(p))
				}
				out[key] = ed.Amount
			}
		}
	}
	return out
}

// `masspay ach cutoff` beside a running `masspay serve --clearing ach`: it writes the file of
// the balance batch paid through the API, which parses against the API's transfers; `ach ls`
// lists it; `verify` checks it; a second cutoff finds nothing due.
func TestACHCutoffBesideServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes; skipped with -short")
	}
	t.Parallel()
	bin := buildBinary(t)
	dir, dbURL, storeArgs := testStore(t)
	achDir := filepath.Join(t.TempDir(), "files")
	accountID, key, secret := appsCreate(t, bin, storeArgs...)
	srv := startServer(t, bin, append(storeArgs, achArgs(achDir)...)...)
	c := &apptest.Client{T: t, Base: srv.base, Key: key, Secret: secret, AccountID: accountID}
	st, err := app.OpenStore(context.Background(), dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	env := &apptest.Env{T: t, Store: st, Base: srv.base}
	_, balance := env.Funding(c)
	payees := env.Payees(c, 3)
	body := apptest.MassPayment(balance, "7.25", apptest.Hrefs(payees)...)
	for i, it := range body["items"].([]any) {
		it.(map[string]any)["achDetails"] = map[string]any{"destination": map[string]any{"addenda": map[string]any{"values": []string{fmt.Sprintf("invoice %d", i)}}}}
	}
	loc := c.Post("/mass-payments", body).Created(t)
	c.WaitStatus(loc, "complete")

	out, err := exec.Command(bin, append([]string{"ach", "cutoff"}, storeArgs...)...).CombinedOutput()
	path := strings.TrimSpace(string(out))
	if err != nil || filepath.Dir(path) != achDir {
		t.Fatalf("ach cutoff: %v: %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := nacha.Read(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	sent := map[string]string{} // individual id -> addenda
	for _, batch := range f.Batches {
		for _, ed := range batch.GetEntries() {
			if ed.Amount != 7_25 || ed.TransactionCode != 22 || batch.GetHeader().StandardEntryClassCode != "PPD" || len(ed.Addenda05) != 1 {
				t.Errorf("entry %+v", ed)
				continue
			}
			sent[strings.TrimSpace(ed.IdentificationNumber)] = strings.TrimSpace(ed.Addenda05[0].PaymentRelatedInformation)
		}
	}
	items := apptest.Dig(c.Get(loc+"/items").OK(t), "_embedded", "items").([]any)
	for i, it := range items {
		tr := c.Get(apptest.Dig(it, "_links", "transfer", "href").(string)).OK(t)
		id, _ := tr["individualAchId"].(string)
		if sent[id] != fmt.Sprintf("invoice %d", i) {
			t.Errorf("transfer %v: individualAchId %q, file's addenda %q", tr["id"], id, sent[id])
		}
	}
	if len(sent) != len(items) {
		t.Fatalf("%d entries for %d items", len(sent), len(items))
	}

	out, err = exec.Command(bin, append([]string{"ach", "cutoff"}, storeArgs...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "nothing was due") {
		t.Fatalf("second cutoff: %v: %s", err, out)
	}
	out, err = exec.Command(bin, append([]string{"ach", "ls"}, storeArgs...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), filepath.Base(path)) || !strings.Contains(string(out), "21.75") {
		t.Fatalf("ach ls: %v: %s", err, out)
	}
	if out, err := exec.Command(bin, append([]string{"verify"}, storeArgs...)...).CombinedOutput(); err != nil {
		t.Fatalf("verify: %v: %s", err, out)
	}
	// verify sees a file that is not recorded.
	os.WriteFile(filepath.Join(achDir, "stray.ach"), []byte("x"), 0o644)
	if out, err := exec.Command(bin, append([]string{"verify"}, storeArgs...)...).CombinedOutput(); err == nil || !strings.Contains(string(out), "stray.ach") {
		t.Fatalf("verify with a stray file: %v: %s", err, out)
	}
	os.Remove(filepath.Join(achDir, "stray.ach"))

	// A real file named as masspay names its files that the store does not record (made by a
	// cutoff the store lost): verify names it, `ach cutoff` refuses, and a server starting logs it
	// by name, without its content.
	lost := filepath.Join(achDir, "masspay-20200102-A.ach")
	if err := os.WriteFile(lost, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, append([]string{"verify"}, storeArgs...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), lost) || !strings.Contains(string(out), "named as masspay names its files") {
		t.Fatalf("verify with an unrecorded file of ours: %v: %s", err, out)
	}
	out, err = exec.Command(bin, append([]string{"ach", "cutoff"}, storeArgs...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), filepath.Base(lost)) || !strings.Contains(string(out), "does not record") {
		t.Fatalf("ach cutoff with an unrecorded file of ours: %v: %s", err, out)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	srv = startServer(t, bin, append(storeArgs, achArgs(achDir)...)...)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	logs := srv.log()
	if !strings.Contains(logs, "not recorded in the store") || !strings.Contains(logs, filepath.Base(lost)) {
		t.Fatalf("the server did not log the unrecorded file:\n%s", logs)
	}
	for _, batch := range f.Batches {
		for _, ed := range batch.GetEntries() {
			if acct := strings.TrimSpace(ed.DFIAccountNumber); strings.Contains(logs, acct) {
				t.Fatalf("the server logged account number %s:\n%s", acct, logs)
			}
		}
	}
	os.Remove(lost)
	if out, err := exec.Command(bin, append([]string{"verify"}, storeArgs...)...).CombinedOutput(); err != nil {
		t.Fatalf("verify once moved away: %v: %s", err, out)
	}
}

// TestACHKillDuringCutoffs runs `masspay ach cutoff` again and again beside a real
// `masspay serve --clearing ach` that accepts and processes batches, SIGKILLs cutoffs at random
// moments (before, while or after the file is written, before or after the commit) and the
// server too, and checks that every due transfer ends up in exactly one file on disk and in the
// store, and that the files on disk are exactly the files recorded.
func TestACHKillDuringCutoffs(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	t.Parallel()
	const batches, perBatch = 9, 400
	k := newACHKill(t, batches, perBatch)
	bin, st, storeArgs, achDir, accountID := k.bin, k.st, k.storeArgs, k.achDir, k.accountID
	serveArgs := append(append([]string{}, storeArgs...), achArgs(achDir)...)
	srv := startServer(t, bin, serveArgs...)
	submit := func() { k.submit(srv.base, 2) } // a few at a time
	// cutoff runs `masspay ach cutoff` and kills it after a random delay, from half to a little
	// more than what a cutoff takes (the first half is mostly the process starting; the estimate
	// follows the runs), unless it ends first.
	ran, killed := 0, 0
	took := 300 * time.Millisecond
	cutoff := func() {
		start := time.Now()
		cmd := exec.Command(bin, append([]string{"ach", "cutoff"}, storeArgs...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ach cutoff: %v: %s", err, out.String())
			}
			ran++
			took = time.Since(start)
		case <-time.After(took/2 + time.Duration(rand.Int64N(int64(took)*7/10))):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
			took = took * 5 / 4 // so that about half of them end on their own
		}
	}

	// Batches arrive a few at a time, so that most cutoffs find something due.
	serverKills := 0
	for round := 0; round < 6; round++ {
		done := make(chan struct{})
		go func() { submit(); close(done) }()
		for range 3 {
			cutoff()
		}
		if round%2 == 1 {
			srv.kill()
			serverKills++
		}
		<-done
		if round%2 == 1 {
			srv = startServer(t, bin, serveArgs...)
		}
	}
	k.submitAll(srv.base, 2)
	// Let the server finish every batch, cutting off (and killing cutoffs) meanwhile.
	for stop := time.Now().Add(2 * time.Minute); ; {
		cutoff()
		left := incompleteBatches(st, accountID)
		if left == 0 {
			break
		}
		if time.Now().After(stop) {
			t.Fatalf("%d batches not complete", left)
		}
	}
	// A last cutoff that is not killed takes whatever is still due; the server stops cleanly.
	out, err := exec.Command(bin, append([]string{"ach", "cutoff"}, storeArgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("final cutoff: %v: %s", err, out)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, srv.log())
	}
	t.Logf("%d cutoffs ran, %d killed, %d server kills", ran, killed, serverKills)

	recorded := checkSentOnce(t, bin, st, storeArgs, achDir, batches, perBatch)
	// More files than cutoffs that ran to the end: some were killed after their commit.
	t.Logf("%d files recorded and on disk", len(recorded))
}

// achKill is the fixture of the ACH kill tests: the binary, a store with an account, a second
// handle on it, and batchBodies' batches to submit.
type achKill struct {
	t                      *testing.T
	bin, achDir, accountID string
	key, secret            string
	storeArgs              []string
	st                     *sqlstore.Store
	bodies                 [][]byte
	located                []string // each batch's Location once accepted
}

func newACHKill(t *testing.T, batches, perBatch int) *achKill {
	k := &achKill{t: t, bin: buildBinary(t), achDir: filepath.Join(t.TempDir(), "files")}
	dir, dbURL, storeArgs := testStore(t)
	k.storeArgs = storeArgs
	k.accountID, k.key, k.secret = appsCreate(t, k.bin, storeArgs...)
	st, err := app.OpenStore(context.Background(), dir, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k.st = st
	env := &apptest.Env{T: t, Store: st, Base: "http://masspay"}
	k.bodies = batchBodies(env, &apptest.Client{T: t, AccountID: k.accountID, Key: k.key, Secret: k.secret}, batches, perBatch)
	k.located = make([]string, batches)
	return k
}

// submit sends up to n batches not yet accepted to the server at base, under their
// Idempotency-Keys; a killed server leaves the rest for a later call.
func (k *achKill) submit(base string, n int) {
	tok, ok := tryToken(&apptest.Client{T: k.t, Base: base, Key: k.key, Secret: k.secret})
	if !ok {
		return
	}
	for i := range k.bodies {
		if k.located[i] != "" {
			continue
		}
		if n == 0 {
			return
		}
		n--
		status, loc, err := postMassPayment(base, tok, fmt.Sprint("ach-kill-", i), k.bodies[i])
		if err != nil {
			return
		}
		if status == 201 {
			k.located[i] = loc
		}
	}
}

// submitAll submits n batches at a time to the server at base until every batch is accepted.
func (k *achKill) submitAll(base string, n int) {
	for stop := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		k.submit(base, n)
		if !slices.Contains(k.located, "") {
			return
		}
		if time.Now().After(stop) {
			k.t.Fatal("not every batch was accepted")
		}
	}
}

// checkSentOnce checks the end state of a kill test of batchBodies' batches: every balance
// batch's credits and every bank batch's funding debit are each in exactly one file on disk, the
// recorded files hold exactly them, nothing else is due (a bank batch's credits wait for its debit
// to be processed), and `masspay verify` (the directory against the store) passes. It returns
// the recorded files.
func checkSentOnce(t *testing.T, bin string, st masspay.Store, storeArgs []string, achDir string, batches, perBatch int) []*masspay.ACHFile {
	t.Helper()
	entries := readACHDir(t, achDir)
	var due []*masspay.Transfer
	var recorded []*masspay.ACHFile
	var total int
	st.Read(context.Background(), func(q masspay.Q) (err error) {
		if due, err = q.ACHTransferListDue(context.Background(), 10); err != nil {
			return err
		}
		recorded, total, err = q.ACHFileList(context.Background(), masspay.Page{Limit: 1000})
		return err
	})
	bankBatches := (batches + 2) / 3
	want := (batches-bankBatches)*perBatch + bankBatches
	if len(entries) != want || len(due) != 0 {
		out, _ := exec.Command(bin, append([]string{"verify"}, storeArgs...)...).CombinedOutput()
		t.Fatalf("%d entries in the files and %d transfers still due, want %d and 0; masspay verify says:\n%s", len(entries), len(due), want, out)
	}
	sum := 0
	for _, f := range recorded {
		sum += f.EntryCount
	}
	if sum != want || total != len(recorded) {
		t.Fatalf("recorded files hold %d entries, want %d", sum, want)
	}
	if out, err := exec.Command(bin, append([]string{"verify"}, storeArgs...)...).CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("masspay verify: %v\n%s", err, out)
	}
	return recorded
}

// Bad or missing ACH settings stop serve at start with one line naming the flag and what it
// expects, from flags or from MASSPAY_* variables alike.
func TestServeACHSettings(t *testing.T) {
	t.Parallel()
	base := []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--clearing", "ach"}
	good := map[string]string{"MASSPAY_ACH_ODFI": "121042882", "MASSPAY_ACH_COMPANY_NAME": "Acme", "MASSPAY_ACH_COMPANY_ID": "1234567890"}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"MissingODFI", nil, map[string]string{"MASSPAY_ACH_ODFI": ""}, `--ach-odfi "": want the ODFI's 9-digit routing number`},
		{"ODFICheckDigit", []string{"--ach-odfi", "121042883"}, nil, `--ach-odfi "121042883"`},
		{"DestinationFromEnv", nil, map[string]string{"MASSPAY_ACH_DESTINATION": "12345"}, `--ach-destination "12345"`},
		{"CompanyID", []string{"--ach-company-id", "12345"}, nil, `--ach-company-id "12345": want exactly 10 characters`},
		{"MissingCompanyName", nil, map[string]string{"MASSPAY_ACH_COMPANY_NAME": ""}, `--ach-company-name "": want 1 to 16`},
		{"Windows", []string{"--ach-windows", "14:45,10:30"}, nil, `--ach-windows "14:45,10:30": want ascending cutoff times`},
		{"Timezone", nil, map[string]string{"MASSPAY_ACH_TIMEZONE": "Eastern"}, `--ach-timezone "Eastern": want an IANA time zone`},
		{"ReturnDays", []string{"--ach-return-days", "0"}, nil, `--ach-return-days "0": want a number of banking days from 1 to 60`},
		{"Description", []string{"--ach-entry-description", "MONTHLY PAYOUT"}, nil, `--ach-entry-description "MONTHLY PAYOUT": want 1 to 10`},
		{"Clearing", nil, map[string]string{"MASSPAY_CLEARING": "achh"}, `MASSPAY_CLEARING "achh" (--clearing): want sandbox, ach or auto=DURATION`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			args := append(append([]string{}, base...), tc.args...)
			if tc.name == "Clearing" {
				args = args[:len(args)-2]
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if err != exitError(2) || len(lines) != 1 || !strings.HasPrefix(lines[0], tc.want) {
				t.Fatalf("serve: %v, stderr %q; want exit 2 and one line %q...", err, stderr.String(), tc.want)
			}
		})
	}
}

// bankingZone returns a time zone in which now is a banking day with at least span left before
// midnight, or "" when there is none (a weekend or holiday everywhere).
func bankingZone(now time.Time, span time.Duration) string {
	for _, z := range []string{"America/New_York", "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Los_Angeles",
		"UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Pacific/Auckland", "Pacific/Kiritimati"} {
		loc, err := time.LoadLocation(z)
		if err != nil {
			continue
		}
		l := now.In(loc)
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		midnight := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
		if nacha.IsBankingDay(day) && midnight.Sub(l) > span {
			return z
		}
	}
	return ""
}

// TestACHKillServerAtCutoffs gives a real `masspay serve --clearing ach` a window every two
// seconds (in a time zone where today is a banking day) while it accepts and processes batches,
// SIGKILLs it again and again at random moments, restarts it, and checks that the server made
// files at its windows and that every due transfer is in exactly one file on disk and in the
// store, the files on disk being exactly the files recorded.
func TestACHKillServerAtCutoffs(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	t.Parallel()
	zone := bankingZone(time.Now(), 5*time.Minute)
	if zone == "" {
		t.Skip("no time zone has a banking day now: the server makes no files (TestACHKillDuringCutoffs still runs)")
	}
	loc, _ := time.LoadLocation(zone)
	const batches, perBatch = 15, 200
	k := newACHKill(t, batches, perBatch)
	bin, st, storeArgs, achDir, accountID := k.bin, k.st, k.storeArgs, k.achDir, k.accountID

	first := time.Now().Add(5 * time.Second).Truncate(time.Second)
	var windows, ids []string
	for i := range 15 {
		w := first.Add(time.Duration(2*i) * time.Second).In(loc)
		windows = append(windows, w.Format("15:04:05"))
		ids = append(ids, w.Format("2006-01-02T15:04:05"))
	}
	last := first.Add(28 * time.Second)
	serveArgs := append(append(append([]string{}, storeArgs...), achArgs(achDir)...),
		"--ach-timezone", zone, "--ach-windows", strings.Join(windows, ","))
	srv := startServer(t, bin, serveArgs...)
	submit := func() { k.submit(srv.base, 1) } // one at a time, so that batches keep arriving while windows pass
	kills := 0
	for time.Now().Before(last.Add(-3 * time.Second)) {
		done := make(chan struct{})
		go func() { submit(); close(done) }()
		time.Sleep(time.Duration(700+rand.IntN(1500)) * time.Millisecond)
		srv.kill()
		kills++
		<-done
		srv = startServer(t, bin, serveArgs...)
	}
	k.submitAll(srv.base, 1)
	for stop := time.Now().Add(2 * time.Minute); incompleteBatches(st, accountID) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(stop) {
			t.Fatal("batches not complete")
		}
	}
	time.Sleep(time.Until(last.Add(1500 * time.Millisecond))) // the last windows pass in the running server
	// What arrived after the last window goes in one more file, on demand.
	if out, err := exec.Command(bin, append([]string{"ach", "cutoff"}, storeArgs...)...).CombinedOutput(); err != nil {
		t.Fatalf("final cutoff: %v: %s", err, out)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, srv.log())
	}

	recorded := checkSentOnce(t, bin, st, storeArgs, achDir, batches, perBatch)
	byServer := 0
	for _, f := range recorded {
		if slices.Contains(ids, f.WindowID) {
			byServer++
		}
	}
	if byServer == 0 {
		t.Fatalf("the server made no file at its windows (recorded: %d)", len(recorded))
	}
	t.Logf("%d server kills; %d files, %d made by the server at its windows (%s)", kills, len(recorded), byServer, zone)
}
