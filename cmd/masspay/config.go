package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// flagSet is a flag.FlagSet whose defaults can come from MASSPAY_* environment variables.
type flagSet struct {
	*flag.FlagSet
	getenv func(string) string
}

func newFlagSet(name string, getenv func(string) string, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flagSet{FlagSet: fs, getenv: getenv}
}

func envName(flagName string) string {
	return "MASSPAY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flagSet) env(name, def string) string {
	if v := f.getenv(envName(name)); v != "" {
		return v
	}
	return def
}

func (f *flagSet) String(name, def, usage string) *string {
	return f.FlagSet.String(name, f.env(name, def), usage+" ("+envName(name)+")")
}

func (f *flagSet) Int(name string, def int, usage string) *int {
	d := def
	if v := f.getenv(envName(name)); v != "" {
		fmt.Sscan(v, &d)
	}
	return f.FlagSet.Int(name, d, usage+" ("+envName(name)+")")
}

func (f *flagSet) Bool(name string, usage string) *bool {
	v := f.env(name, "false")
	return f.FlagSet.Bool(name, v == "1" || strings.EqualFold(v, "true"), usage+" ("+envName(name)+")")
}

func (f *flagSet) Duration(name string, def time.Duration, usage string) *time.Duration {
	d := def
	if v := f.getenv(envName(name)); v != "" {
		if p, err := time.ParseDuration(v); err == nil {
			d = p
		}
	}
	return f.FlagSet.Duration(name, d, usage+" ("+envName(name)+")")
}

// storeFlags are the flags that name a store: --data for SQLite, --database for PostgreSQL.
type storeFlags struct {
	data     *string
	database *string
}

func (f *flagSet) storeFlags() storeFlags {
	return storeFlags{
		data:     f.String("data", "./masspay-data", "data directory of the embedded SQLite store"),
		database: f.String("database", "", "database URL; postgres://... selects PostgreSQL"),
	}
}

// parse parses args, rejecting stray positional arguments.
func (f *flagSet) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitError(0)
		}
		return exitError(2)
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.Output(), "unexpected argument %q\n", f.Arg(0))
		return exitError(2)
	}
	return nil
}
