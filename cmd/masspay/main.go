// Command masspay runs the masspay server and its tools.
//
//	masspay serve        run the API, the engine and the webhook worker
//	masspay apps create  create an account with a sandbox bank, a balance and API credentials
//	masspay verify       check a store's invariants
//	masspay ach cutoff   close the current ACH window now; masspay ach ls lists the files
//	masspay pay          pay a CSV file through the API (also results, retry-failed)
//	masspay bench        measure the engine and the store
//	masspay version      print the version and VCS revision
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "masspay:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a status and no further message (the command printed its own).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `usage: masspay <command> [flags]

commands:
  serve         run the API server (embedded SQLite by default)
  apps create   create an account, sandbox bank, balance and API key/secret
  verify        check a store's invariants; exit 1 when one fails
  ach cutoff    close the current ACH window now and print the NACHA file's path (--clearing ach)
  ach ls        list the NACHA files written
  bench         measure accepting and processing mass payments, and the store's raw insert rate
  pay           pay a CSV file through the API as mass payments of up to 5,000 items
  results       export one row per item of a mass payment as CSV
  retry-failed  re-send the failed items of a complete mass payment, once
  version       print the module version and the VCS revision of this build

Run "masspay <command> -h" for the flags. Every flag can also be set as MASSPAY_<FLAG>
(upper case, dashes as underscores), e.g. MASSPAY_ADDR, MASSPAY_DATABASE.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "apps":
		if len(args) < 2 || args[1] != "create" {
			fmt.Fprint(stderr, "usage: masspay apps create [flags]\n")
			return exitError(2)
		}
		return runAppsCreate(ctx, args[2:], getenv, stdout, stderr)
	case "verify":
		return runVerify(ctx, args[1:], getenv, stdout, stderr)
	case "ach":
		return runACH(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], getenv, stdout, stderr)
	// Payouts from a spreadsheet, through the API (pay.go).
	case "pay":
		return runPay(ctx, args[1:], getenv, stdout, stderr)
	case "results":
		return runResults(ctx, args[1:], getenv, stdout, stderr)
	case "retry-failed":
		return runRetryFailed(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version":
		return runVersion(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "masspay: unknown command %q (masspay help lists the commands)\n", args[0])
	return exitError(2)
}
