package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"masspay"
	"masspay/nacha"
)

// achLock serializes everything that decides what is in a file, or moves a transfer that may be
// in one: cutoffs, writing files, settlement and cancels, on every node sharing the database.
const achLock = "masspay_ach"

// ACHFileLimit is the most transfers one cutoff puts in a file; more wait for the next window.
const ACHFileLimit = 100_000

// achSettleLimit is how many entries one settlement pass processes at most.
const achSettleLimit = 500

// ACH runs real ACH clearing (docs/ach.md): at each cutoff window it puts every due bank
// transfer in one NACHA file, writes the file to the ODFI's directory, and later settles the
// entries on the Federal Reserve calendar.
type ACH struct {
	s   *Service
	cfg nacha.Config
	cal *nacha.Calendar
}

// ACH returns the ACH clearing of cfg (its defaults filled) on this service.
func (s *Service) ACH(cfg nacha.Config) (*ACH, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cal, err := cfg.Calendar()
	if err != nil {
		return nil, err
	}
	if s.cfg.ACH == nil {
		// A tool's service (masspay ach cutoff) clears as the server does.
		c := *s
		c.cfg.ACH = &cfg
		s = &c
	}
	return &ACH{s: s, cfg: cfg, cal: cal}, nil
}

// ErrNoACHSettings is returned by LoadACH when no server has run with --clearing ach.
var ErrNoACHSettings = errors.New("the store has no ACH settings: start masspay serve --clearing ach first")

// LoadACH returns the ACH clearing with the settings `masspay serve --clearing ach` recorded in
// the store, for tools that run beside it.
func (s *Service) LoadACH(ctx context.Context) (*ACH, error) {
	var settings string
	err := s.store.Read(ctx, func(q masspay.Q) (err error) { settings, err = q.ACHSettingsGet(ctx); return err })
	if errors.Is(err, masspay.ErrNoRows) {
		return nil, ErrNoACHSettings
	}
	if err != nil {
		return nil, err
	}
	cfg, err := nacha.Decode(settings)
	if err != nil {
		return nil, fmt.Errorf("stored ACH settings: %w", err)
	}
	return s.ACH(cfg)
}

// Config returns the effective settings.
func (a *ACH) Config() nacha.Config { return a.cfg }

// Calendar returns the settings' calendar.
func (a *ACH) Calendar() *nacha.Calendar { return a.cal }

// Record stores the settings, so that `masspay ach cutoff` beside the server uses the same.
func (a *ACH) Record(ctx context.Context) error {
	return a.s.store.Write(ctx, func(q masspay.Q) error { return q.ACHSettingsPut(ctx, a.cfg.Encode(), a.s.now()) })
}

// CutoffResult is what a cutoff did.
type CutoffResult struct {
	Window nacha.Window
	// Closed is true when this cutoff made the window's file; false when nothing was due (the
	// window stays open) or the window was closed already (by another node, or early).
	Closed bool
	File   *masspay.ACHFile // nil when no file was made
	Path   string
	// Held are due transfers no entry can carry (an amount over nacha.MaxAmount): they stay
	// pending and unsent, and the operator is told.
	Held []string
}

// Cutoff closes a window: every due bank transfer goes into one file, recorded and then written
// to the directory. scheduled is the window whose cutoff has passed; nil closes the current
// window now (the first one not yet closed whose cutoff is still ahead), as `masspay ach cutoff`
// does. A window is closed by the file made for it: when nothing is due, no file is made and the
// window stays open.
//
// The file is recorded, with its bytes, in the same transaction that puts its transfers in it,
// and written to disk only after that commits: a crash before the commit leaves the transfers
// due and no file; a crash after it leaves a recorded file that Deliver (run first and last by
// every cutoff, and at start) writes; a cancel after it does not stop the write. So a transfer is in exactly one file, and once delivered the
// files on disk are the files recorded.
func (a *ACH) Cutoff(ctx context.Context, scheduled *nacha.Window) (*CutoffResult, error) {
	if _, err := a.Deliver(ctx); err != nil {
		return nil, err
	}
	// A file of ours the store does not record may hold transfers the store thinks are due:
	// recording them in a new file could pay them twice.
	if err := a.refuseUnrecorded(ctx); err != nil {
		return nil, err
	}
	res := &CutoffResult{}
	err := a.s.store.Write(ctx, func(q masspay.Q) error {
		*res = CutoffResult{}
		if err := q.Lock(ctx, achLock); err != nil {
			return err
		}
		now := a.s.now()
		last, err := q.ACHWindowLast(ctx)
		if err != nil {
			return err
		}
		if scheduled != nil {
			if !scheduled.Cutoff.After(last) {
				return nil // closed already, early or by another node
			}
			res.Window = *scheduled
		} else {
			after := now.Add(-time.Nanosecond)
			if !last.Before(after) {
				after = last
			}
			if res.Window, err = a.cal.Next(after); err != nil {
				return err
			}
		}
		due, err := q.ACHTransferListDue(ctx, ACHFileLimit)
		if err != nil {
			return err
		}
		entries, err := a.entries(ctx, q, due, res.Window)
		if err != nil {
			return err
		}
		// One entry no file can carry must not hold back every other transfer.
		kept := entries[:0]
		for _, e := range entries {
			if e.Amount > nacha.MaxAmount {
				res.Held = append(res.Held, e.TransferID)
				continue
			}
			kept = append(kept, e)
		}
		entries = kept
		if len(entries) == 0 {
			// Nothing to send: the window stays open for what arrives before its cutoff.
			return nil
		}
		if res.File, err = a.record(ctx, q, now, res.Window, entries); err != nil {
			return err
		}
		res.Closed = true
		return q.ACHWindowInsert(ctx, &masspay.ACHWindow{ID: res.Window.ID(), Cutoff: res.Window.Cutoff, Closed: now, FileName: res.File.Name})
	})
	if err != nil {
		return nil, err
	}
	if res.File != nil {
		res.Path = filepath.Join(a.cfg.Dir, res.File.Name)
	}
	// Once the file is recorded it is written even if ctx ends meanwhile (a server stopping
	// on SIGTERM between the commit and the write used to leave its file off disk until the
	// next start or cutoff). And a cutoff that made no file delivers too: it may have waited on
	// the lock behind another node's cutoff, whose file must not wait for the next window.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverGrace)
	defer cancel()
	if _, err := a.Deliver(dctx); err != nil {
		return res, err
	}
	return res, nil
}

// deliverGrace bounds the writing of a recorded file by a cutoff whose context has ended.
const deliverGrace = 30 * time.Second

// entries turns due transfers into the entries of window w: the debit of a transfer's own source
// bank (a funded transfer's debit is its funding transfer) and the credit to its destination
// bank. A due funded transfer with neither (its funding was processed and it credits a balance)
// is cleared at once, as the sandbox's clearing does.
func (a *ACH) entries(ctx context.Context, q masspay.Q, due []*masspay.Transfer, w nacha.Window) ([]nacha.Entry, error) {
	c := a.s.newClearing(ctx, q)
	owners := map[string]*achOwner{}
	var out []nacha.Entry
	for _, t := range due {
		src, err := c.source(t.SourceID)
		if err != nil {
			return nil, err
		}
		dst, err := c.source(t.DestinationID)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, side := range []struct {
			bank     *masspay.FundingSource
			debit    bool
			clearing string
			addenda  string
		}{
			{src, true, t.ClearingSource, t.SourceAddenda},
			{dst, false, t.ClearingDest, t.DestAddenda},
		} {
			if side.bank.Type != masspay.FundingBank || (side.debit && t.FundingTransferID != "") {
				continue
			}
			owner, err := a.owner(ctx, q, owners, side.bank)
			if err != nil {
				return nil, err
			}
			eff := a.cal.EffectiveDate(w, side.clearing == "next-available", t.Amount)
			out = append(out, nacha.Entry{TransferID: t.ID, IndividualID: IndividualACHID(t), Debit: side.debit,
				Business: owner.business, Savings: side.bank.BankAccountType == "savings", RoutingNumber: side.bank.RoutingNumber,
				AccountNumber: side.bank.AccountNumber, Amount: t.Amount, Name: owner.name, Addenda: side.addenda, EffectiveDate: eff})
		}
		if len(out) == n {
			if err := c.clearOne(t); err != nil {
				return nil, err
			}
		}
	}
	return out, c.flush()
}

// IndividualACHID is the individual identification number of a transfer's entries: "MP" and the
// transfer's sequence number in base 36, which leads back to the transfer (GET /transfers/{id}
// shows it as individualAchId).
func IndividualACHID(t *masspay.Transfer) string {
	return "MP" + strings.ToUpper(strconv.FormatInt(t.Seq, 36))
}

// achOwner is who holds a bank account, as an entry names them.
type achOwner struct {
	name     string
	business bool // CCD: a business customer or the account itself; PPD: an individual
}

func (a *ACH) owner(ctx context.Context, q masspay.Q, cache map[string]*achOwner, bank *masspay.FundingSource) (*achOwner, error) {
	key := bank.AccountID + "/" + bank.CustomerID
	if o, ok := cache[key]; ok {
		return o, nil
	}
	o := &achOwner{business: true}
	if bank.CustomerID == "" {
		acc, err := q.AccountGet(ctx, bank.AccountID)
		if err != nil {
			return nil, err
		}
		o.name = acc.Name
	} else {
		cu, err := q.CustomerGet(ctx, bank.CustomerID)
		if err != nil {
			return nil, err
		}
		o.business = cu.Type == masspay.CustomerBusiness
		o.name = strings.TrimSpace(cu.FirstName + " " + cu.LastName)
		if o.business && cu.BusinessName != "" {
			o.name = cu.BusinessName
		}
	}
	o.name = nacha.Name(o.name, 22)
	cache[key] = o
	return o, nil
}

// record builds the file of entries and records it with them.
func (a *ACH) record(ctx context.Context, q masspay.Q, now time.Time, w nacha.Window, entries []nacha.Entry) (*masspay.ACHFile, error) {
	date := a.cal.Date(now).Format(time.DateOnly)
	files, lastTrace, err := q.ACHFileDay(ctx, date)
	if err != nil {
		return nil, err
	}
	mod, err := nacha.Modifier(files)
	if err != nil {
		return nil, err
	}
	built, err := a.cfg.Build(a.cal, now, mod, lastTrace+1, entries)
	if err != nil {
		return nil, err
	}
	f := &masspay.ACHFile{ID: masspay.NewID(), Name: built.Name, Date: date, Modifier: mod, WindowID: w.ID(),
		SHA256: built.SHA256, EntryCount: len(built.Entries), DebitTotal: built.DebitTotal, CreditTotal: built.CreditTotal,
		ODFI: a.cfg.ODFI, CompanyName: a.cfg.CompanyName, CompanyID: a.cfg.CompanyID, EntryDescription: a.cfg.EntryDescription,
		Content: built.Content, Created: now}
	rows := make([]*masspay.ACHEntry, len(built.Entries))
	for i, e := range built.Entries {
		rows[i] = &masspay.ACHEntry{TransferID: e.TransferID, Debit: e.Debit, FileID: f.ID, FileDate: date, TraceSeq: e.TraceSeq,
			Trace: e.Trace, IndividualID: e.IndividualID, SEC: e.SEC(), Amount: e.Amount, RoutingNumber: e.RoutingNumber,
			Name: nacha.Name(e.Name, 22), Addenda: e.Addenda, EffectiveDate: e.EffectiveDate.Format(time.DateOnly),
			ProcessDate: a.cal.ProcessDate(e.EffectiveDate).Format(time.DateOnly)}
	}
	return f, q.ACHFileInsert(ctx, f, rows)
}

// Deliver writes every recorded file that is not yet on disk, each to a temporary name in the
// directory, synced, then renamed (so that nothing picks up half a file), and marks it written.
// A file already there with the same bytes (written before a crash) is marked; one with other
// bytes is never overwritten. It returns the paths it wrote.
//
// A file is written only once the commit that recorded it is durable (Store.Sync): on SQLite a
// commit survives a killed process at once but a power loss only after a checkpoint, and a file
// written (and uploaded) for a cutoff the store then lost would put its transfers, due again, in
// a second file. And nothing is written while the directory holds a file named as ours that the
// store does not record (*UnrecordedError): the store may have lost the cutoff that made it.
func (a *ACH) Deliver(ctx context.Context) ([]string, error) {
	var pending []*masspay.ACHFile
	if err := a.s.store.Read(ctx, func(q masspay.Q) (err error) { pending, err = q.ACHFileListUnwritten(ctx); return err }); err != nil {
		return nil, err
	}
	if stale, _ := filepath.Glob(filepath.Join(a.cfg.Dir, tempPattern)); len(pending) == 0 && len(stale) == 0 {
		return nil, nil
	}
	durable := map[string]bool{}
	if len(pending) > 0 {
		if err := a.refuseUnrecorded(ctx); err != nil {
			return nil, err
		}
		// Every file listed was recorded by a commit before this point: Sync makes them all
		// durable. A file recorded after the list waits for the next Deliver.
		if err := a.s.store.Sync(ctx); err != nil {
			return nil, fmt.Errorf("ach files are not written until their record is on disk: %w", err)
		}
		for _, f := range pending {
			durable[f.ID] = true
		}
	}
	var paths []string
	err := a.s.store.Write(ctx, func(q masspay.Q) error {
		paths = nil
		if err := q.Lock(ctx, achLock); err != nil {
			return err
		}
		files, err := q.ACHFileListUnwritten(ctx)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(a.cfg.Dir, 0o750); err != nil {
			return fmt.Errorf("ach dir: %w", err)
		}
		// Under the lock no other writer is half-way: a temporary file is left from a crash.
		stale, _ := filepath.Glob(filepath.Join(a.cfg.Dir, tempPattern))
		for _, p := range stale {
			os.Remove(p)
		}
		for _, f := range files {
			if !durable[f.ID] {
				continue
			}
			path := filepath.Join(a.cfg.Dir, f.Name)
			if err := writeFileOnce(path, f.Content, f.SHA256); err != nil {
				return err
			}
			if err := q.ACHFileSetWritten(ctx, f.ID); err != nil {
				return err
			}
			paths = append(paths, path)
		}
		return nil
	})
	return paths, err
}

// UnrecordedError is the refusal to make or write files while the ACH directory holds files
// named as masspay names its files (masspay-YYYYMMDD-M.ach) that the store does not record.
// Such a file was made by a cutoff the store no longer has (a store restored from a backup, a
// SQLite store that lost a cutoff in a power loss when files were written before Store.Sync, a
// directory shared with another store), or copied there by hand; its transfers may be due again,
// and another file would pay them twice.
// It names the files only (no account numbers): the operator compares them with what the bank
// received and moves them out of the directory.
type UnrecordedError struct {
	Dir   string
	Names []string
}

func (e *UnrecordedError) Error() string {
	return fmt.Sprintf("the ACH directory %s holds %s, named as masspay names its files, that the store does not record: %s (masspay verify lists it)",
		e.Dir, strings.Join(e.Names, ", "), unrecordedMeans)
}

// unrecordedMeans is what a file of ours that the store does not record means, and what to do.
const unrecordedMeans = "the store may have lost the cutoff that made it, whose transfers are then due again; no ACH file is made or " +
	"written until it is moved out of the directory; check with the bank whether it was sent"

// Unrecorded names the files of the directory named as masspay names its files that the store
// does not record, in name order.
func (a *ACH) Unrecorded(ctx context.Context) ([]string, error) {
	// The directory first: a file on disk was recorded by a commit before it was written, so
	// a read that starts after the listing sees the record of every file listed.
	found, err := os.ReadDir(a.cfg.Dir)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil // no directory, no file in it (and writing will say what is in the way)
	}
	if err != nil {
		return nil, fmt.Errorf("ach dir: %w", err)
	}
	var ours []string
	for _, e := range found {
		if nacha.IsFileName(e.Name()) {
			ours = append(ours, e.Name())
		}
	}
	if len(ours) == 0 {
		return nil, nil
	}
	recorded, err := a.recorded(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range ours {
		if recorded[name] == nil {
			out = append(out, name)
		}
	}
	return out, nil
}

// refuseUnrecorded returns an *UnrecordedError when the directory holds unrecorded files of ours.
func (a *ACH) refuseUnrecorded(ctx context.Context) error {
	names, err := a.Unrecorded(ctx)
	if err != nil || len(names) == 0 {
		return err
	}
	return &UnrecordedError{Dir: a.cfg.Dir, Names: names}
}

const tempPattern = ".masspay-*.tmp"

// writeFileOnce writes content to path through a synced temporary file and a rename, then syncs
// the directory, unless path already holds exactly content.
func writeFileOnce(path string, content []byte, sum string) error {
	if have, err := os.ReadFile(path); err == nil {
		if hashHex(have) == sum {
			return nil
		}
		return fmt.Errorf("ach file %s exists with other content; refusing to overwrite it", path)
	}
	if hashHex(content) != sum {
		return fmt.Errorf("ach file %s: recorded content does not match its SHA-256", path)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Settle processes the transfers whose entries' return window is over (the process date has
// passed with no return), with the events of today's clearing: a funding debit posts to the
// balance and its items' credits become due; a credit becomes processed. It returns how many
// transfers changed. Returns (part 2) will fail an entry's transfer through clearing.fail
// before this pass reaches it.
func (a *ACH) Settle(ctx context.Context) (int, error) {
	today := a.cal.Date(a.s.now()).Format(time.DateOnly)
	var any []*masspay.ACHEntry
	if err := a.s.store.Read(ctx, func(q masspay.Q) (err error) { any, err = q.ACHEntryListDue(ctx, today, 1); return err }); err != nil || len(any) == 0 {
		return 0, err
	}
	var n int
	err := a.s.store.Write(ctx, func(q masspay.Q) error {
		if err := q.Lock(ctx, achLock); err != nil {
			return err
		}
		due, err := q.ACHEntryListDue(ctx, today, achSettleLimit)
		if err != nil || len(due) == 0 {
			return err
		}
		c := a.s.newClearing(ctx, q)
		for _, e := range due {
			t, err := q.TransferGet(ctx, e.TransferID)
			if err != nil {
				return err
			}
			if err := c.clearOne(t); err != nil {
				return err
			}
		}
		if err := q.ACHEntrySetProcessed(ctx, due); err != nil {
			return err
		}
		n = len(c.changed)
		return c.flush()
	})
	return n, err
}

// Files lists the recorded files, newest first.
func (a *ACH) Files(ctx context.Context, page masspay.Page) ([]*masspay.ACHFile, int, error) {
	var list []*masspay.ACHFile
	var total int
	err := a.s.store.Read(ctx, func(q masspay.Q) (err error) { list, total, err = q.ACHFileList(ctx, page); return err })
	return list, total, err
}

// CheckDir compares the directory with the recorded files: every written file is there with its
// SHA-256, and no other NACHA file or temporary file is. It describes each difference.
func (a *ACH) CheckDir(ctx context.Context) ([]string, error) {
	var out []string
	recorded, err := a.recorded(ctx)
	if err != nil {
		return nil, err
	}
	for name, f := range recorded {
		b, err := os.ReadFile(filepath.Join(a.cfg.Dir, name))
		switch {
		case err != nil && !f.Written:
			out = append(out, fmt.Sprintf("ACH file %s is recorded but not yet written to %s", name, a.cfg.Dir))
		case err != nil:
			out = append(out, fmt.Sprintf("ACH file %s is recorded but cannot be read: %v", name, err))
		case hashHex(b) != f.SHA256:
			out = append(out, fmt.Sprintf("ACH file %s on disk differs from the recorded SHA-256", name))
		}
	}
	found, _ := filepath.Glob(filepath.Join(a.cfg.Dir, "*.ach"))
	temps, _ := filepath.Glob(filepath.Join(a.cfg.Dir, tempPattern))
	for _, p := range append(found, temps...) {
		switch name := filepath.Base(p); {
		case recorded[name] != nil:
		case nacha.IsFileName(name):
			out = append(out, fmt.Sprintf("%s is in the ACH directory, named as masspay names its files, but not recorded: %s", p, unrecordedMeans))
		default:
			out = append(out, fmt.Sprintf("%s is in the ACH directory but not recorded", p))
		}
	}
	return out, nil
}

// recorded returns every recorded file, by name, without its content.
func (a *ACH) recorded(ctx context.Context) (map[string]*masspay.ACHFile, error) {
	recorded := map[string]*masspay.ACHFile{}
	for page := 0; ; page++ {
		list, total, err := a.Files(ctx, masspay.Page{Limit: 1000, Offset: page * 1000})
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			recorded[f.Name] = f
		}
		if (page+1)*1000 >= total {
			return recorded, nil
		}
	}
}

// achDetails fills t.ACH with the entries that carry it: its own, and for a funded transfer the
// debit of its funding transfer (its source side).
func achDetails(ctx context.Context, q masspay.Q, t *masspay.Transfer) error {
	ids := []string{t.ID}
	if t.FundingTransferID != "" {
		ids = append(ids, t.FundingTransferID)
	}
	es, err := q.ACHEntryListByTransfer(ctx, ids...)
	if err != nil {
		return err
	}
	t.ACH = t.ACH[:0]
	for _, e := range es {
		if e.TransferID == t.ID || e.Debit {
			t.ACH = append(t.ACH, e)
		}
	}
	return nil
}

// errACHClearing answers POST /sandbox-simulations under real ACH clearing.
var errACHClearing = masspay.NotFound("Sandbox simulations are off: bank transfers clear through ACH files (--clearing ach).")

// lockACH, under ACH clearing, takes the ACH lock, so that no cutoff puts a transfer in a file
// while the transaction changes it.
func (s *Service) lockACH(ctx context.Context, q masspay.Q) error {
	if s.cfg.ACH == nil {
		return nil
	}
	return q.Lock(ctx, achLock)
}

// refuseSent, under ACH clearing, refuses a transfer that is already in a file: it has gone to
// the bank.
func (s *Service) refuseSent(ctx context.Context, q masspay.Q, transferID string) error {
	if s.cfg.ACH == nil {
		return nil
	}
	es, err := q.ACHEntryListByTransfer(ctx, transferID)
	if err != nil {
		return err
	}
	if len(es) > 0 {
		return masspay.Invalid(masspay.FieldError{Code: masspay.FCodeNotAllowed, Message: "Status not allowed.", Path: "/status"})
	}
	return nil
}
