package storetest

import (
	"errors"
	"testing"

	"masspay"
)

var achReturnTests = []test{
	{"ACHImportsAndReturns", testACHImportsAndReturns},
	{"ACHCorrections", testACHCorrections},
	{"ACHUploads", testACHUploads},
	{"ACHReturnViolations", testACHReturnViolations},
}

func testACHImportsAndReturns(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.transfers(newTransfer("t1", "acc1", "s", "d", 100), newTransfer("t2", "acc1", "s", "d", 100))
	_, day1 := f.achFile("f1", "2026-03-04", 1, "t1")
	f.achFile("f2", "2026-03-05", 1, "t2") // the same trace number on the next day
	f.read(func(q masspay.Q) error {
		es, err := q.ACHEntryListByTrace(f.ctx, day1[0].Trace)
		must(t, err)
		equal(t, "entries of a trace number, newest day first", ids(es, func(e *masspay.ACHEntry) string { return e.TransferID }), []string{"t2", "t1"})
		es, err = q.ACHEntryListByTrace(f.ctx, "121042889999999")
		must(t, err)
		equal(t, "entries of an unknown trace", len(es), 0)
		_, err = q.ACHImportGet(f.ctx, "abc")
		equal(t, "import of an unknown file", errors.Is(err, masspay.ErrNoRows), true)
		return nil
	})
	im := &masspay.ACHImport{SHA256: "abc", Name: "r.ach", Content: []byte("5..."), Matched: 1, Already: 2, Unmatched: 3,
		Corrections: 4, Held: 1, Report: "line 1\nline 2", Imported: at(5)}
	r := &masspay.ACHReturn{TransferID: "t1", Debit: false, ImportSHA256: "abc", Trace: day1[0].Trace, Code: "R03",
		ReturnTrace: "222222220000001", Information: "info", Held: true, Created: at(5)}
	f.write(func(q masspay.Q) error {
		must(t, q.ACHImportInsert(f.ctx, im))
		return q.ACHReturnInsert(f.ctx, r)
	})
	if err := f.writeErr(func(q masspay.Q) error { return q.ACHImportInsert(f.ctx, im) }); !errors.Is(err, masspay.ErrUnique) {
		t.Fatalf("a second import of the same file: %v, want ErrUnique", err)
	}
	if err := f.writeErr(func(q masspay.Q) error { return q.ACHReturnInsert(f.ctx, r) }); !errors.Is(err, masspay.ErrUnique) {
		t.Fatalf("a second return of the same entry: %v, want ErrUnique", err)
	}
	f.read(func(q masspay.Q) error {
		got, err := q.ACHImportGet(f.ctx, "abc")
		must(t, err)
		want := *im
		want.Content, want.Imported = nil, stored(at(5))
		equal(t, "import", *got, want)
		rs, err := q.ACHReturnList(f.ctx, "t1")
		must(t, err)
		wantR := *r
		wantR.Created = stored(at(5))
		equal(t, "returns of t1", len(rs), 1)
		equal(t, "return", *rs[0], wantR)
		held, err := q.ACHReturnListHeld(f.ctx, 10)
		must(t, err)
		equal(t, "held returns", len(held), 1)
		return nil
	})
	f.write(func(q masspay.Q) error { return q.ACHReturnSetApplied(f.ctx, "t1", false) })
	f.read(func(q masspay.Q) error {
		held, err := q.ACHReturnListHeld(f.ctx, 10)
		must(t, err)
		equal(t, "held returns once applied", len(held), 0)
		return nil
	})
	if err := f.writeErr(func(q masspay.Q) error { return q.ACHReturnSetApplied(f.ctx, "t2", false) }); !errors.Is(err, masspay.ErrNoRows) {
		t.Fatalf("applying a return that is not there: %v, want ErrNoRows", err)
	}
}

func testACHCorrections(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	c1 := &masspay.ACHCorrection{ID: "c1", ImportSHA256: "abc", TransferID: "t1", FundingSourceID: "fs1", AccountID: "acc1",
		Trace: "121042880000001", Code: "C01", CorrectedData: "12345", Created: at(1)}
	c2 := *c1
	c2.ID, c2.TransferID, c2.Created = "c2", "t2", at(2)
	f.write(func(q masspay.Q) error {
		for _, c := range []*masspay.ACHCorrection{c1, &c2} {
			ok, err := q.ACHCorrectionInsert(f.ctx, c)
			must(t, err)
			equal(t, "inserted", ok, true)
		}
		dup := *c1
		dup.ID = "c3"
		ok, err := q.ACHCorrectionInsert(f.ctx, &dup)
		must(t, err)
		equal(t, "a second correction of the same entry is inserted", ok, false)
		return nil
	})
	f.read(func(q masspay.Q) error {
		list, total, err := q.ACHCorrectionList(f.ctx, masspay.Page{Limit: 1})
		must(t, err)
		equal(t, "total", total, 2)
		want := c2
		want.Created = stored(at(2))
		equal(t, "newest first", *list[0], want)
		return nil
	})
}

func testACHUploads(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.transfers(newTransfer("t1", "acc1", "s", "d", 100), newTransfer("t2", "acc1", "s", "d", 100))
	f.achFile("f1", "2026-03-04", 1, "t1")
	f.achFile("f2", "2026-03-04", 2, "t2")
	list := func() []string {
		var out []string
		f.read(func(q masspay.Q) error {
			fs, err := q.ACHFileListUnuploaded(f.ctx)
			out = ids(fs, func(x *masspay.ACHFile) string { return x.ID + ":" + string(x.Content) })
			return err
		})
		return out
	}
	equal(t, "nothing written, nothing to upload", len(list()), 0)
	f.write(func(q masspay.Q) error {
		must(t, q.ACHFileSetWritten(f.ctx, "f1"))
		return q.ACHFileSetWritten(f.ctx, "f2")
	})
	equal(t, "written files to upload, oldest first, with content", list(), []string{"f1:101 ...\n", "f2:101 ...\n"})
	f.write(func(q masspay.Q) error { return q.ACHFileSetUploaded(f.ctx, "f1", at(9)) })
	equal(t, "after one upload", list(), []string{"f2:101 ...\n"})
	f.read(func(q masspay.Q) error {
		fs, _, err := q.ACHFileList(f.ctx, masspay.Page{Limit: 10})
		must(t, err)
		for _, x := range fs {
			if x.ID == "f1" {
				equal(t, "uploaded at", x.Uploaded, stored(at(9)))
			}
		}
		return nil
	})
	if err := f.writeErr(func(q masspay.Q) error { return q.ACHFileSetUploaded(f.ctx, "nope", at(9)) }); !errors.Is(err, masspay.ErrNoRows) {
		t.Fatalf("uploading an unknown file: %v, want ErrNoRows", err)
	}
}

func testACHReturnViolations(t *testing.T, newStore NewStoreFunc) {
	f := setup(t, newStore)
	f.transfers(newTransfer("t1", "acc1", "s", "d", 100))
	f.achFile("f1", "2026-03-04", 1, "t1")
	f.write(func(q masspay.Q) error {
		must(t, q.ACHReturnInsert(f.ctx, &masspay.ACHReturn{TransferID: "t1", ImportSHA256: "a", Code: "R03", Created: at(1)}))
		return q.ACHReturnInsert(f.ctx, &masspay.ACHReturn{TransferID: "t1", Debit: true, ImportSHA256: "a", Code: "R01", Held: true, Created: at(1)})
	})
	f.exec(`UPDATE ach_files SET uploaded = 5, written = FALSE`)
	equal(t, "violations", f.violations(), []string{
		"ACH return of transfer t1 names no entry sent (0, 0)",
		"transfer t1 has an applied ACH return but is not failed (0, 0)",
		"ACH file masspay-f1.ach is marked uploaded but was never written (0, 0)",
	})
}
