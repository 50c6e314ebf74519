package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"masspay"
	"masspay/app"
)

func runVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", getenv, stderr)
	store := fs.storeFlags()
	if err := fs.parse(args); err != nil {
		return err
	}
	if *store.database == "" {
		// Opening would make an empty store in a mistyped directory and call it sound.
		if info, err := os.Stat(*store.data); err != nil || !info.IsDir() {
			return fs.fail("--data %s: %s", *store.data, missing(err))
		}
	}
	st, err := app.OpenStoreReadOnly(ctx, *store.data, *store.database)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := app.Ready(ctx, st); err != nil {
		return fmt.Errorf("cannot verify this store: %w (masspay serve upgrades a store that is behind)", err)
	}
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

// missing says why a data directory cannot be used.
func missing(err error) string {
	switch {
	case err == nil:
		return "not a directory"
	case errors.Is(err, fs.ErrNotExist):
		return "no such directory (want the data directory of a masspay store)"
	}
	return err.Error()
}
