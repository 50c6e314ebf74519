package storetest

import (
	"errors"
	"fmt"
	"testing"

	"masspay"
)

var achTests = []test{
	{"ACHSettings", testACHSettings},
	{"ACHWindows", testACHWindows},
	{"ACHTransferListDue", testACHTransferListDue},
	{"ACHFiles", testACHFiles},
	{"ACHEntriesDueAndProcessed", testACHEntriesDue},
	{"ACHViolations", testACHViolations},
}

func testACHSettings(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.read(func(q masspay.Q) error {
		if _, err := q.ACHSettingsGet(f.ctx); !errors.Is(err, masspay.ErrNoRows) {
			t.Fatalf("settings of a fresh store: %v, want ErrNoRows", err)
		}
		return nil
	})
	f.write(func(q masspay.Q) error { return q.ACHSettingsPut(f.ctx, `{"odfi":"1"}`, at(0)) })
	f.write(func(q masspay.Q) error { return q.ACHSettingsPut(f.ctx, `{"odfi":"2"}`, at(1)) })
	f.read(func(q masspay.Q) error {
		s, err := q.ACHSettingsGet(f.ctx)
		must(t, err)
		equal(t, "settings, replaced", s, `{"odfi":"2"}`)
		return nil
	})
}

func testACHWindows(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.read(func(q masspay.Q) error {
		last, err := q.ACHWindowLast(f.ctx)
		must(t, err)
		equal(t, "last window of a fresh store", last.IsZero(), true)
		return nil
	})
	f.write(func(q masspay.Q) error {
		must(t, q.ACHWindowInsert(f.ctx, &masspay.ACHWindow{ID: "2026-03-04T10:30", Cutoff: at(100), Closed: at(50), FileName: "a.ach"}))
		return q.ACHWindowInsert(f.ctx, &masspay.ACHWindow{ID: "2026-03-04T14:45", Cutoff: at(200), Closed: at(60)})
	})
	err := f.writeErr(func(q masspay.Q) error {
		return q.ACHWindowInsert(f.ctx, &masspay.ACHWindow{ID: "2026-03-04T10:30", Cutoff: at(100), Closed: at(70)})
	})
	if !errors.Is(err, masspay.ErrUnique) {
		t.Fatalf("closing a window twice: %v, want ErrUnique", err)
	}
	f.read(func(q masspay.Q) error {
		last, err := q.ACHWindowLast(f.ctx)
		must(t, err)
		equal(t, "last window's cutoff", last, stored(at(200)))
		return nil
	})
}

// achFile records a file named name on date holding one credit entry per transfer id, traces
// numbered from trace on.
func (f *fx) achFile(id, date string, trace int, transferIDs ...string) (*masspay.ACHFile, []*masspay.ACHEntry) {
	f.t.Helper()
	file := &masspay.ACHFile{ID: id, Name: "masspay-" + id + ".ach", Date: date, Modifier: id[len(id)-1:], WindowID: date + "T10:30",
		SHA256: "ab", EntryCount: len(transferIDs), ODFI: "121042882", CompanyName: "Acme", CompanyID: "1234567890",
		EntryDescription: "PAYOUT", Content: []byte("101 ...\n"), Created: at(trace)}
	var entries []*masspay.ACHEntry
	for i, tid := range transferIDs {
		e := &masspay.ACHEntry{TransferID: tid, FileID: id, FileDate: date, TraceSeq: trace + i, Trace: fmt.Sprintf("12104288%07d", trace+i),
			IndividualID: fmt.Sprintf("%015d", trace+i), SEC: "PPD", Amount: 100, RoutingNumber: "222222226", Name: "Jane",
			Addenda: "inv " + tid, EffectiveDate: date, ProcessDate: date}
		file.CreditTotal += e.Amount
		entries = append(entries, e)
	}
	f.write(func(q masspay.Q) error { return q.ACHFileInsert(f.ctx, file, entries) })
	return file, entries
}

func testACHTransferListDue(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	mk := func(id string, status masspay.TransferStatus, bank bool, funding string) *masspay.Transfer {
		tr := newTransfer(id, "acc1", "s", "d", 100)
		tr.Status, tr.Bank, tr.FundingTransferID = status, bank, funding
		return tr
	}
	f.transfers(mk("fund1", "processed", true, ""), mk("fund2", "pending", true, ""),
		mk("a", "pending", true, ""), mk("b", "pending", false, ""), mk("c", "processed", true, ""),
		mk("d", "pending", true, "fund1"), mk("e", "pending", true, "fund2"), mk("sent", "pending", true, ""))
	f.achFile("f1", "2026-03-04", 1, "sent")
	f.read(func(q masspay.Q) error {
		list, err := q.ACHTransferListDue(f.ctx, 10)
		must(t, err)
		equal(t, "due: pending bank transfers in no file, funded ones once their funding is processed",
			ids(list, func(tr *masspay.Transfer) string { return tr.ID }), []string{"fund2", "a", "d"})
		list, err = q.ACHTransferListDue(f.ctx, 1)
		must(t, err)
		equal(t, "limit 1", ids(list, func(tr *masspay.Transfer) string { return tr.ID }), []string{"fund2"})
		return nil
	})
}

func testACHFiles(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.transfers(newTransfer("t1", "acc1", "s", "d", 100), newTransfer("t2", "acc1", "s", "d", 100), newTransfer("t3", "acc1", "s", "d", 100))
	f.read(func(q masspay.Q) error {
		files, last, err := q.ACHFileDay(f.ctx, "2026-03-04")
		must(t, err)
		equal(t, "a fresh day", []int{files, last}, []int{0, 0})
		return nil
	})
	fa, _ := f.achFile("fA", "2026-03-04", 1, "t1", "t2")
	f.achFile("fB", "2026-03-04", 3, "t3")
	f.read(func(q masspay.Q) error {
		files, last, err := q.ACHFileDay(f.ctx, "2026-03-04")
		must(t, err)
		equal(t, "files and last trace of the day", []int{files, last}, []int{2, 3})
		files, last, err = q.ACHFileDay(f.ctx, "2026-03-05")
		must(t, err)
		equal(t, "another day", []int{files, last}, []int{0, 0})
		return nil
	})
	// The same transfer side in a second file, a reused trace or a reused name is refused.
	for name, e := range map[string]*masspay.ACHEntry{
		"side again":  {TransferID: "t1", FileID: "fC", FileDate: "2026-03-05", TraceSeq: 1},
		"trace again": {TransferID: "t9", FileID: "fC", FileDate: "2026-03-04", TraceSeq: 2},
	} {
		err := f.writeErr(func(q masspay.Q) error {
			return q.ACHFileInsert(f.ctx, &masspay.ACHFile{ID: "fC", Name: "c.ach", Date: e.FileDate, Modifier: "C", Created: at(9)}, []*masspay.ACHEntry{e})
		})
		if !errors.Is(err, masspay.ErrUnique) {
			t.Errorf("%s: %v, want ErrUnique", name, err)
		}
	}
	err := f.writeErr(func(q masspay.Q) error {
		return q.ACHFileInsert(f.ctx, &masspay.ACHFile{ID: "fD", Name: "x.ach", Date: "2026-03-04", Modifier: "A", Created: at(9)}, nil)
	})
	if !errors.Is(err, masspay.ErrUnique) {
		t.Errorf("a File ID Modifier used again on the same day: %v, want ErrUnique", err)
	}

	f.read(func(q masspay.Q) error {
		list, total, err := q.ACHFileList(f.ctx, masspay.Page{Limit: 10})
		must(t, err)
		equal(t, "files, newest first", ids(list, func(x *masspay.ACHFile) string { return x.ID }), []string{"fB", "fA"})
		equal(t, "total", total, 2)
		got := *list[1]
		want := *fa
		want.Content, want.Created = nil, stored(fa.Created)
		equal(t, "file as recorded", got, want)
		unwritten, err := q.ACHFileListUnwritten(f.ctx)
		must(t, err)
		equal(t, "unwritten, oldest first", ids(unwritten, func(x *masspay.ACHFile) string { return x.ID }), []string{"fA", "fB"})
		equal(t, "with content", string(unwritten[0].Content), "101 ...\n")
		entries, err := q.ACHEntryListByTransfer(f.ctx, "t2", "t3", "nope")
		must(t, err)
		equal(t, "entries of t2 and t3", len(entries), 2)
		for _, e := range entries {
			if e.File == nil || e.File.ID != map[string]string{"t2": "fA", "t3": "fB"}[e.TransferID] || e.Addenda != "inv "+e.TransferID {
				t.Errorf("entry %+v", e)
			}
		}
		return nil
	})
	f.write(func(q masspay.Q) error { return q.ACHFileSetWritten(f.ctx, "fA") })
	f.read(func(q masspay.Q) error {
		unwritten, err := q.ACHFileListUnwritten(f.ctx)
		must(t, err)
		equal(t, "unwritten after fA is on disk", ids(unwritten, func(x *masspay.ACHFile) string { return x.ID }), []string{"fB"})
		return nil
	})
}

func testACHEntriesDue(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	_, es := f.achFile("f1", "2026-03-04", 1, "t1", "t2")
	_, es2 := f.achFile("f2", "2026-03-06", 1, "t3")
	f.read(func(q masspay.Q) error {
		due, err := q.ACHEntryListDue(f.ctx, "2026-03-05", 10)
		must(t, err)
		equal(t, "entries whose process date is before 03-05", ids(due, func(e *masspay.ACHEntry) string { return e.TransferID }), []string{"t1", "t2"})
		return nil
	})
	f.write(func(q masspay.Q) error { return q.ACHEntrySetProcessed(f.ctx, es[:1]) })
	f.read(func(q masspay.Q) error {
		due, err := q.ACHEntryListDue(f.ctx, "2026-03-07", 10)
		must(t, err)
		equal(t, "unprocessed entries before 03-07", ids(due, func(e *masspay.ACHEntry) string { return e.TransferID }), []string{"t2", "t3"})
		due, err = q.ACHEntryListDue(f.ctx, "2026-03-07", 1)
		must(t, err)
		equal(t, "limit 1", len(due), 1)
		return nil
	})
	_ = es2
}

func testACHViolations(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.transfers(newTransfer("t1", "acc1", "s", "d", 100), newTransfer("t2", "acc1", "s", "d", 250))
	f.achFile("f1", "2026-03-04", 1, "t1")
	equal(t, "violations of a consistent file", f.violations(), []string(nil))
	// t2 is 250 cents but its entry says 100; the file's credit total then disagrees too once
	// raised by hand, and t1 lands in a second file.
	f.achFile("f2", "2026-03-04", 2, "t2")
	f.exec(`UPDATE ach_files SET credit_total = 999, entry_count = 3 WHERE id = 'f1'`)
	f.exec(`INSERT INTO ach_files (id, name, file_date, modifier, window_id, sha256, entry_count, debit_total, credit_total, odfi,
 company_name, company_id, entry_description, content, written, created) VALUES ('f3', 'f3.ach', '2026-03-04', 'C', 'w', 's', 1, 100, 0,
 '1', 'c', 'c', 'd', '', FALSE, 0)`)
	f.exec(`INSERT INTO ach_entries (transfer_id, debit, file_id, file_date, trace_seq, trace, individual_id, sec, amount, routing_number,
 name, effective_date, process_date) VALUES ('t1', TRUE, 'f3', '2026-03-04', 9, 't', 'i', 'PPD', 100, 'r', 'n', 'e', 'p')`)
	equal(t, "violations", f.violations(), []string{
		"transfer t1 is in 2 ACH files, want 1",
		"ACH entry of transfer t2 is 100 cents but the transfer is 250",
		"ACH file masspay-f1.ach records 3 entries but holds 1",
		"ACH file masspay-f1.ach records credits of 999 cents but its entries sum to 100",
	})
}
