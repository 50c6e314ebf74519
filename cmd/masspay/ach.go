package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"masspay"
	"masspay/app"
	"masspay/service"
	"masspay/sqlstore"
)

const achUsage = `usage: masspay ach <command> [flags]

commands:
  cutoff   close the current cutoff window now: write the file of every due bank transfer
  ls       list the NACHA files written, newest first
  import   apply a file of returns and notifications of change from the bank
  return   write a return (or NOC) file for given transfers, to rehearse returns
  corrections  list the notifications of change received, newest first
`

func runACH(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, achUsage)
		return exitError(2)
	}
	switch args[0] {
	case "cutoff":
		return runACHCutoff(ctx, args[1:], getenv, stdout, stderr)
	case "ls":
		return runACHList(ctx, args[1:], getenv, stdout, stderr)
	case "import", "return", "corrections":
		return runACHInbound(ctx, args[0], args[1:], getenv, stdout, stderr)
	}
	fmt.Fprintf(stderr, "masspay ach: unknown command %q\n\n%s", args[0], achUsage)
	return exitError(2)
}

// openACH opens the store the flags name and the ACH clearing `masspay serve --clearing ach`
// recorded in it.
func openACH(ctx context.Context, store storeFlags, stderr io.Writer) (*sqlstore.Store, *service.ACH, error) {
	st, err := app.OpenStore(ctx, *store.data, *store.database)
	if err != nil {
		return nil, nil, err
	}
	a, err := service.New(st, service.Config{}).LoadACH(ctx)
	if err != nil {
		st.Close()
		if errors.Is(err, service.ErrNoACHSettings) {
			fmt.Fprintln(stderr, "masspay ach:", err)
			return nil, nil, exitError(1)
		}
		return nil, nil, err
	}
	return st, a, nil
}

func runACHCutoff(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ach cutoff", getenv, stderr)
	store := fs.storeFlags()
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, err := openACH(ctx, store, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := a.Cutoff(ctx, nil)
	if err != nil {
		return err
	}
	for _, id := range res.Held {
		fmt.Fprintf(stderr, "masspay ach: transfer %s is over 99,999,999.99, more than one entry carries; it stays pending\n", id)
	}
	if res.File == nil {
		fmt.Fprintf(stdout, "nothing was due (window %s stays open)\n", res.Window.ID())
		return nil
	}
	fmt.Fprintln(stdout, res.Path)
	return nil
}

func runACHList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return achList(ctx, "ach ls", "files", args, getenv, stderr, func(a *service.ACH, page masspay.Page) error {
		return printFiles(ctx, a, page, stdout)
	})
}

func printFiles(ctx context.Context, a *service.ACH, page masspay.Page, stdout io.Writer) error {
	files, total, err := a.Files(ctx, page)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "name\tcreated\twindow\tentries\tdebits\tcredits\tdelivered\t")
	loc := a.Calendar().Location()
	for _, f := range files {
		uploaded := "-"
		if !f.Uploaded.IsZero() {
			uploaded = f.Uploaded.In(loc).Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", f.Name, f.Created.In(loc).Format(time.DateTime), f.WindowID, f.EntryCount,
			masspay.FormatAmount(f.DebitTotal), masspay.FormatAmount(f.CreditTotal), uploaded)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d of %d files in %s\n", len(files), total, a.Config().Dir)
	return nil
}

// achDirViolations compares the ACH directory with the recorded files, when the store has ACH
// settings (`masspay verify`).
func achDirViolations(ctx context.Context, st masspay.Store) ([]string, error) {
	a, err := service.New(st, service.Config{}).LoadACH(ctx)
	if errors.Is(err, service.ErrNoACHSettings) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return a.CheckDir(ctx)
}
