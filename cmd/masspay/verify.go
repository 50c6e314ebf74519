package main

import (
	"context"
	"fmt"
	"io"

	"masspay"
	"masspay/app"
)

func runVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", getenv, stderr)
	store := fs.storeFlags()
	if err := fs.parse(args); err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, *store.data, *store.database)
	if err != nil {
		return err
	}
	defer st.Close()
	var violations []string
	if err := st.Read(ctx, func(q masspay.Q) (err error) { violations, err = q.Violations(ctx); return err }); err != nil {
		return err
	}
	dir, err := achDirViolations(ctx, st)
	if err != nil {
		return err
	}
	violations = append(violations, dir...)
	if len(violations) == 0 {
		fmt.Fprintln(stdout, "verify: ok, every invariant holds")
		return nil
	}
	fmt.Fprintf(stdout, "verify: %d invariant violation(s):\n", len(violations))
	for _, v := range violations {
		fmt.Fprintln(stdout, "  -", v)
	}
	return exitError(1)
}
