package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"masspay/client"
	"masspay/payout"
)

// Exit codes of pay, results and retry-failed (README, "Payouts from a spreadsheet").
const (
	exitItemsFailed = 1   // every batch is complete, and some items failed
	exitUsage       = 2   // bad flags or arguments
	exitBadFile     = 3   // the input file has problems; nothing was sent
	exitAuth        = 4   // the API refused the key and secret
	exitRefused     = 5   // the API refused the request: unknown source, invalid batch, batch not complete...
	exitUnreachable = 6   // no answer from the API
	exitAPIFailed   = 7   // the API answered with a server error or something unexpected
	exitInterrupted = 130 // Ctrl-C: what was sent keeps processing; run the command again to carry on
)

const apiUsage = `
The API is Dwolla's v2 API: masspay's (the default) or Dwolla's own, e.g.
--url https://api-sandbox.dwolla.com. The key and secret are an application's client credentials;
prefer MASSPAY_KEY and MASSPAY_SECRET to the flags, which other users of the machine can see.

exit codes: 0 every item paid, 1 some items failed, 2 usage, 3 bad input file (nothing sent),
4 wrong key or secret, 5 refused by the API (e.g. unknown source), 6 API unreachable,
7 API server error, 130 interrupted (run the same command again to carry on).
`

// apiTransport, when set (by tests), carries every request of the API client.
var apiTransport http.RoundTripper

// apiFlags are the flags of the commands that call the API.
type apiFlags struct {
	url, key, secret *string
}

func (f *flagSet) apiFlags() apiFlags {
	return apiFlags{
		url:    f.String("url", "http://127.0.0.1:8080", "the API's base URL"),
		key:    f.String("key", "", "application key (client id)"),
		secret: f.String("secret", "", "application secret"),
	}
}

// parseArgs is parse for a command that takes want positional arguments, placed before, after
// or between the flags.
func (f *flagSet) parseArgs(args []string, want int, usage string) ([]string, error) {
	f.usageLine = usage
	if f.usageMore == "" {
		f.usageMore = apiUsage
	}
	if err := f.applyEnv(); err != nil {
		fmt.Fprintln(f.stderr, err)
		return nil, exitError(exitUsage)
	}
	var pos []string
	for {
		if err := f.parseFlags(args); err != nil {
			return nil, err
		}
		if f.NArg() == 0 {
			break
		}
		pos, args = append(pos, f.Arg(0)), f.Args()[1:]
	}
	if len(pos) != want {
		fmt.Fprintf(f.stderr, "usage: masspay %s (run with -h for the flags)\n", usage)
		return nil, exitError(exitUsage)
	}
	return pos, nil
}

// payer builds the API client and the payer the commands share.
func (a apiFlags) payer(stdout, stderr io.Writer) (*payout.Payer, error) {
	if *a.key == "" || *a.secret == "" {
		fmt.Fprintln(stderr, "masspay: no credentials: set --key and --secret (or MASSPAY_KEY and MASSPAY_SECRET) to an application's key and secret")
		return nil, exitError(exitUsage)
	}
	c, err := client.New(*a.url, *a.key, *a.secret)
	if err != nil {
		fmt.Fprintf(stderr, "masspay: --url: %v\n", err)
		return nil, exitError(exitUsage)
	}
	if apiTransport != nil {
		c.HTTP.Transport = apiTransport
	}
	f, ok := stdout.(*os.File)
	return &payout.Payer{Client: c, Out: stdout, Terminal: ok && term.IsTerminal(int(f.Fd()))}, nil
}

func runPay(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pay", getenv, stderr)
	api := fs.apiFlags()
	source := fs.String("source", "", "funding source to pay from: its URL or id")
	dryRun := fs.Bool("dry-run", "check the file and print the plan (batches, items, total); send nothing")
	out := fs.String("out", "", "write one result row per input row to this CSV file")
	pos, err := fs.parseArgs(args, 1, "pay FILE.csv --source FUNDING_SOURCE [--out results.csv] [--dry-run]")
	if err != nil {
		return err
	}
	name := pos[0]
	file, err := readPayments(name)
	if err != nil {
		return fail(stderr, err)
	}
	if *dryRun {
		payout.PrintPlan(stdout, filepath.Base(name), file, payout.Plan(file))
		fmt.Fprintln(stdout, "dry run: nothing was sent")
		return nil
	}
	if *source == "" {
		fmt.Fprintln(stderr, "masspay: no --source: name the funding source to pay from (its URL or id), or set MASSPAY_SOURCE")
		return exitError(exitUsage)
	}
	p, err := api.payer(stdout, stderr)
	if err != nil {
		return err
	}
	if err := checkOut(*out); err != nil {
		return fail(stderr, err)
	}
	o, err := p.Pay(ctx, file, *source)
	if err != nil {
		return fail(stderr, err)
	}
	return finish(stdout, stderr, o, *out)
}

func runResults(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	p, href, out, err := batchCommand("results", "the CSV file to write (default standard output)", args, getenv, stderr, stderr)
	if err != nil {
		return err
	}
	rs, err := p.Results(ctx, href)
	if err != nil {
		return fail(stderr, err)
	}
	if out == "" {
		return payout.WriteResults(stdout, rs)
	}
	return fail(stderr, writeResultsFile(out, rs))
}

func runRetryFailed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	p, href, out, err := batchCommand("retry-failed", "write one result row per re-sent item to this CSV file", args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	o, err := p.RetryFailed(ctx, href)
	if err != nil {
		return fail(stderr, err)
	}
	return finish(stdout, stderr, o, out)
}

// batchCommand reads the arguments of a command on one mass payment (MASS_PAYMENT_URL [--out
// FILE]) and builds its payer, reporting on progress.
func batchCommand(name, outUsage string, args []string, getenv func(string) string, progress, stderr io.Writer) (*payout.Payer, string, string, error) {
	fs := newFlagSet(name, getenv, stderr)
	api := fs.apiFlags()
	out := fs.String("out", "", outUsage)
	pos, err := fs.parseArgs(args, 1, name+" MASS_PAYMENT_URL [--out FILE.csv]")
	if err != nil {
		return nil, "", "", err
	}
	p, err := api.payer(progress, stderr)
	if err != nil {
		return nil, "", "", err
	}
	if err := checkOut(*out); err != nil {
		return nil, "", "", fail(stderr, err)
	}
	return p, pos[0], *out, nil
}

func readPayments(name string) (*payout.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return payout.Parse(filepath.Base(name), f)
}

// checkOut refuses an --out file that could not be written, before anything is sent.
func checkOut(name string) error {
	if name == "" {
		return nil
	}
	dir := filepath.Dir(name)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s: the directory %s does not exist", name, dir)
	}
	return nil
}

func writeResultsFile(name string, rs []payout.Result) error {
	if name == "" {
		return nil
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := payout.WriteResults(f, rs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// finish writes the results file and says by the exit code whether every item was paid.
func finish(stdout, stderr io.Writer, o *payout.Outcome, out string) error {
	if err := writeResultsFile(out, o.Results); err != nil {
		return fail(stderr, err)
	}
	if out != "" {
		fmt.Fprintf(stdout, "results: %s (%d rows)\n", out, len(o.Results))
	}
	if o.Failed() > 0 {
		return exitError(exitItemsFailed)
	}
	return nil
}

// fail prints err as one line (all the problems of a bad file, one per line) and returns the
// exit code that says what kind of failure it was.
func fail(stderr io.Writer, err error) error {
	if err == nil {
		return nil
	}
	var (
		problems *payout.ProblemsError
		apiErr   *client.Error
		down     *client.UnreachableError
		source   *payout.SourceError
		batch    *payout.BatchError
		notDone  *payout.NotCompleteError
		code     = exitRefused
		msg      = err.Error()
	)
	switch {
	case errors.As(err, &problems):
		for _, p := range problems.Problems {
			fmt.Fprintf(stderr, "%s: %s\n", problems.Name, p)
		}
		code = exitBadFile
	case errors.Is(err, context.Canceled):
		msg = "interrupted: the batches already sent keep processing; run the same command again to carry on (nothing is paid twice)"
		code = exitInterrupted
	case errors.As(err, &down):
		msg += " (is the server running, and is --url right?)"
		code = exitUnreachable
	case errors.As(err, &apiErr) && apiErr.Unauthorized():
		msg = fmt.Sprintf("the API refused the key and secret (%s: %s); check --key and --secret (MASSPAY_KEY, MASSPAY_SECRET)",
			apiErr.Code, strings.TrimSuffix(apiErr.Message, "."))
		code = exitAuth
	case errors.As(err, &source), errors.As(err, &batch), errors.As(err, &notDone):
	case errors.As(err, &apiErr) && apiErr.Status >= 500, errors.As(err, &apiErr) && apiErr.Code == "BadResponse":
		code = exitAPIFailed
	case errors.As(err, &apiErr):
	case errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		code = exitBadFile
	default:
		code = exitAPIFailed
	}
	fmt.Fprintln(stderr, "masspay: "+msg)
	return exitError(code)
}
