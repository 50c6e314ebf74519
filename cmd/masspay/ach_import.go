package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"masspay"
	"masspay/nacha"
	"masspay/service"
)

// runACHInbound runs the commands of what comes back from the bank: import, return, corrections.
func runACHInbound(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch cmd {
	case "import":
		return runACHImport(ctx, args, getenv, stdout, stderr)
	case "return":
		return runACHReturn(ctx, args, getenv, stdout, stderr)
	}
	return runACHCorrections(ctx, args, getenv, stdout, stderr)
}

// runACHImport applies a file of returns and notifications of change, beside a running server.
func runACHImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ach import", getenv, stderr)
	store := fs.storeFlags()
	fs.usageMore = "\nFILE is a NACHA file of returns (Addenda99) and notifications of change (Addenda98) from the bank.\n"
	pos, err := fs.parseArgs(args, 1, "ach import FILE [--data DIR | --database URL]")
	if err != nil {
		return err
	}
	path := pos[0]
	content, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "masspay ach import %s: cannot read the file: %v\n", path, errors.Unwrap(err))
		return exitError(1)
	}
	st, a, err := openACH(ctx, store, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := a.Import(ctx, path, content)
	var bad *service.ImportError
	if errors.As(err, &bad) {
		fmt.Fprintf(stderr, "masspay ach import: %s; nothing was changed\n", oneLine(bad.Error()))
		return exitError(1)
	}
	if err != nil {
		return err
	}
	im := res.Import
	if res.Already {
		fmt.Fprintf(stdout, "%s was imported already on %s (sha256 %s): nothing changed\n", path,
			im.Imported.In(a.Calendar().Location()).Format(time.DateTime), im.SHA256)
		return nil
	}
	fmt.Fprintf(stdout, "imported %s (sha256 %s): %d matched, %d already applied, %d unmatched, %d corrections, %d held\n",
		path, im.SHA256, im.Matched, im.Already, im.Unmatched, im.Corrections, im.Held)
	if im.Report != "" {
		for _, line := range strings.Split(im.Report, "\n") {
			fmt.Fprintln(stdout, "  "+line)
		}
	}
	return nil
}

// oneLine joins a multi-line error (moov-io/ach lists every problem) into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// runACHReturn writes a return or NOC file for given transfers, to rehearse returns.
func runACHReturn(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ach return", getenv, stderr)
	store := fs.storeFlags()
	transfers := fs.String("transfer", "", "the transfers whose entries come back, comma-separated ids")
	code := fs.String("code", "", "the return code (R01, R03, ...) or change code (C01, ...)")
	debit := fs.Bool("debit", "return the transfer's debit entry (default its credit, or its only entry)")
	corrected := fs.String("corrected-data", "", "a change code's corrected data (e.g. the new account number for C01)")
	out := fs.String("out", "", "file to write (default standard output)")
	if err := fs.parse(args); err != nil {
		return err
	}
	var ids []string
	for _, id := range strings.Split(*transfers, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	c := strings.ToUpper(strings.TrimSpace(*code))
	switch {
	case len(ids) == 0:
		return fs.fail("--transfer: want the id of a transfer in an ACH file (several: comma-separated)")
	case strings.HasPrefix(c, "R") && *corrected != "":
		return fs.fail("--corrected-data: want it only with a change code (C01, ...), not a return code")
	case strings.HasPrefix(c, "C") && *corrected == "":
		return fs.fail("--corrected-data: want the corrected data of change code %s", c)
	}
	st, a, err := openACH(ctx, store, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := a.Rehearse(ctx, service.Rehearsal{TransferIDs: ids, Code: c, Debit: *debit, CorrectedData: *corrected})
	if err != nil {
		fmt.Fprintf(stderr, "masspay ach return: %s\n", oneLine(err.Error()))
		return exitError(1)
	}
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o640); err != nil {
		return err
	}
	fmt.Fprintln(stdout, *out)
	return nil
}

// achList runs a listing command beside the server: its flags (the store, --limit), then list
// with the store's ACH clearing and the page asked for.
func achList(ctx context.Context, name, what string, args []string, getenv func(string) string, stderr io.Writer,
	list func(a *service.ACH, page masspay.Page) error) error {
	fs := newFlagSet(name, getenv, stderr)
	store := fs.storeFlags()
	limit := fs.Int("limit", 50, 1, "how many "+what+", newest first")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, err := openACH(ctx, store, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	return list(a, masspay.Page{Limit: *limit})
}

// runACHCorrections lists the notifications of change received, newest first.
func runACHCorrections(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return achList(ctx, "ach corrections", "notifications", args, getenv, stderr, func(a *service.ACH, page masspay.Page) error {
		return printCorrections(ctx, a, page, stdout)
	})
}

func printCorrections(ctx context.Context, a *service.ACH, page masspay.Page, stdout io.Writer) error {
	list, total, err := a.Corrections(ctx, page)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "received\tcode\treason\tfunding source\ttransfer\ttrace\tcorrected data\t")
	loc := a.Calendar().Location()
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Created.In(loc).Format(time.DateTime), c.Code, nacha.ChangeReason(c.Code),
			c.FundingSourceID, c.TransferID, c.Trace, nacha.MaskedCorrection(c.Code, c.CorrectedData))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d of %d notifications of change; masspay never rewrites a bank: update it (or ask the customer to) as they say\n", len(list), total)
	return nil
}
