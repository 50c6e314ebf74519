package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"masspay/app"
	"masspay/nacha"
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

// achFlags are the originator's settings of --clearing ach (docs/ach.md).
type achFlags struct {
	dir, odfi, destination, destinationName, companyName, companyID, description, windows, timezone *string
	returnDays                                                                                      *int
}

func (f *flagSet) achFlags() achFlags {
	return achFlags{
		dir:             f.String("ach-dir", "", "directory the NACHA files are written to (default <data>/ach)"),
		odfi:            f.String("ach-odfi", "", "the ODFI's (your bank's) 9-digit routing number"),
		destination:     f.String("ach-destination", "", "the files' immediate destination routing number (default the ODFI)"),
		destinationName: f.String("ach-destination-name", "", "the immediate destination's name (default ODFI)"),
		companyName:     f.String("ach-company-name", "", "the originator's name in every batch (16 characters)"),
		companyID:       f.String("ach-company-id", "", "the originator's company identification (10 characters)"),
		description:     f.String("ach-entry-description", nacha.DefaultEntryDescription, "company entry description on the receiver's statement (10 characters)"),
		windows:         f.String("ach-windows", nacha.DefaultWindows, "cutoff times of day in --ach-timezone, comma-separated"),
		timezone:        f.String("ach-timezone", nacha.DefaultTimezone, "time zone of the windows and banking dates"),
		returnDays:      f.Int("ach-return-days", nacha.DefaultReturnDays, "banking days after settlement a transfer waits for a return before it is processed"),
	}
}

// achSettingFlags maps nacha's setting names to the flags that set them.
var achSettingFlags = map[string]string{"odfi": "--ach-odfi", "destination": "--ach-destination",
	"destinationName": "--ach-destination-name", "companyName": "--ach-company-name", "companyId": "--ach-company-id",
	"entryDescription": "--ach-entry-description", "windows": "--ach-windows", "timezone": "--ach-timezone",
	"returnDays": "--ach-return-days", "dir": "--ach-dir"}

// config returns the validated settings; the error is one line naming the flag and what it expects.
func (f achFlags) config(dataDir string) (*nacha.Config, error) {
	if *f.returnDays < 1 || *f.returnDays > 60 {
		return nil, fmt.Errorf("--ach-return-days %d: want a number of banking days from 1 to 60", *f.returnDays)
	}
	dir := *f.dir
	if dir == "" {
		dir = filepath.Join(dataDir, "ach")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	var windows []string
	for _, w := range strings.Split(*f.windows, ",") {
		windows = append(windows, strings.TrimSpace(w))
	}
	cfg := nacha.Config{ODFI: strings.TrimSpace(*f.odfi), Destination: strings.TrimSpace(*f.destination),
		DestinationName: *f.destinationName, CompanyName: *f.companyName, CompanyID: *f.companyID,
		EntryDescription: *f.description, Windows: windows, Timezone: *f.timezone, ReturnDays: *f.returnDays, Dir: dir}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		var se *nacha.SettingError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s %q: want %s", achSettingFlags[se.Setting], se.Value, se.Want)
		}
		return nil, err
	}
	return &cfg, nil
}

// securityFlags are the limits of docs/security.md: connections held open, and whether webhook
// receivers may be loopback or private addresses.
type securityFlags struct {
	maxConns     *int
	allowPrivate *optionalBool
}

func (f *flagSet) securityFlags() securityFlags {
	s := securityFlags{allowPrivate: new(optionalBool)}
	s.maxConns = f.Int("max-conns", app.DefaultMaxConns, "connections held open at most; idle ones make room for new ones")
	f.Var(s.allowPrivate, "webhook-allow-private", "let webhook receivers be loopback or private addresses (default true under sandbox clearing, false under --clearing ach) ("+envName("webhook-allow-private")+")")
	return s
}

// check returns the settings' error, one line naming the flag.
func (s securityFlags) check() error {
	if *s.maxConns < 1 {
		return fmt.Errorf("--max-conns %d: want a number of connections, 1 or more", *s.maxConns)
	}
	return nil
}

// optionalBool is a boolean flag that remembers whether it was set.
type optionalBool struct{ value *bool }

func (b *optionalBool) String() string {
	if b == nil || b.value == nil {
		return ""
	}
	return strconv.FormatBool(*b.value)
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	b.value = &v
	return nil
}

func (b *optionalBool) IsBoolFlag() bool { return true }
