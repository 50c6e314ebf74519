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

func (f *flagSet) String(name, def, usage string) *string {
	return f.FlagSet.String(name, def, usage+" ("+envName(name)+")")
}

func (f *flagSet) Int(name string, def int, usage string) *int {
	return f.FlagSet.Int(name, def, usage+" ("+envName(name)+")")
}

func (f *flagSet) Bool(name string, usage string) *bool {
	return f.FlagSet.Bool(name, false, usage+" ("+envName(name)+")")
}

func (f *flagSet) Duration(name string, def time.Duration, usage string) *time.Duration {
	return f.FlagSet.Duration(name, def, usage+" ("+envName(name)+")")
}

// applyEnv sets every flag that has a MASSPAY_* variable from it, through the flag's own parser,
// so a bad value in the environment is refused exactly as the same value on the command line.
func (f *flagSet) applyEnv() error {
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		if v := f.getenv(envName(fl.Name)); v != "" && err == nil {
			if serr := fl.Value.Set(v); serr != nil {
				err = fmt.Errorf("invalid value %q for %s: %v", v, envName(fl.Name), serr)
			}
		}
	})
	return err
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

// parse applies the environment, then args (flags win), rejecting stray positional arguments.
func (f *flagSet) parse(args []string) error {
	if err := f.applyEnv(); err != nil {
		fmt.Fprintln(f.Output(), err)
		return exitError(2)
	}
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
