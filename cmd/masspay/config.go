package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"masspay/app"
	"masspay/httpapi"
	"masspay/nacha"
)

// flagSet is a flag.FlagSet whose defaults can come from MASSPAY_* environment variables. Every
// flag checks its value when it is set, from the environment or the command line alike, and a
// bad one is refused in one line that names the flag and the format it wants.
type flagSet struct {
	*flag.FlagSet
	getenv func(string) string
	stderr io.Writer
	bad    error // the first value a flag refused, worded for the user
	// usageLine and usageMore, when set, replace "NAME [flags]" and follow the flags in -h.
	usageLine, usageMore string
}

func newFlagSet(name string, getenv func(string) string, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package prints the whole usage after any error; parse prints one line instead.
	fs.SetOutput(io.Discard)
	return &flagSet{FlagSet: fs, getenv: getenv, stderr: stderr}
}

func envName(flagName string) string {
	return "MASSPAY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// value is a flag of type T: parse turns the text into T or fails, and want says what it accepts
// ("a duration such as 30s"), for the error.
type value[T any] struct {
	fs     *flagSet
	name   string
	p      *T
	text   string
	def    string // the default, as text
	parse  func(string) (T, error)
	want   string
	isBool bool
}

func (v *value[T]) String() string {
	if v == nil {
		return ""
	}
	return v.text
}

func (v *value[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		msg := fmt.Sprintf("want %s", v.want)
		if detail := err.Error(); detail != "" && detail != "invalid" {
			msg += " (" + detail + ")"
		}
		err = errors.New(msg)
		if v.fs.bad == nil {
			v.fs.bad = fmt.Errorf("--%s %q: %s", v.name, s, msg)
		}
		return err
	}
	*v.p, v.text = x, s
	return nil
}

func (v *value[T]) IsBoolFlag() bool { return v.isBool }

// describe says what the flag takes and its default, for -h.
func (v *value[T]) describe() (want, def string) { return v.want, v.def }

// define adds a flag of type T with default def (shown as defText).
func define[T any](f *flagSet, name string, def T, defText, usage, want string, parse func(string) (T, error)) *T {
	p := new(T)
	*p = def
	f.Var(&value[T]{fs: f, name: name, p: p, text: defText, def: defText, parse: parse, want: want}, name, usage)
	return p
}

var errInvalid = errors.New("invalid")

// String adds a flag that takes any text.
func (f *flagSet) String(name, def, usage string) *string {
	return define(f, name, def, def, usage, "text", func(s string) (string, error) { return s, nil })
}

// Checked adds a text flag whose value check accepts; want describes what it accepts.
func (f *flagSet) Checked(name, def, want, usage string, check func(string) error) *string {
	return define(f, name, def, def, usage, want, func(s string) (string, error) { return s, check(s) })
}

// Choice adds a text flag that takes one of choices.
func (f *flagSet) Choice(name, def, usage string, choices ...string) *string {
	want := strings.Join(choices, " or ")
	return f.Checked(name, def, want, usage, func(s string) error {
		for _, c := range choices {
			if s == c {
				return nil
			}
		}
		return errInvalid
	})
}

// Int adds a flag that takes a whole number of at least least.
func (f *flagSet) Int(name string, def, least int, usage string) *int {
	want := fmt.Sprintf("a whole number of at least %d", least)
	return define(f, name, def, strconv.Itoa(def), usage, want, func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < least {
			return 0, errInvalid
		}
		return n, nil
	})
}

// Bool adds a flag that is off unless given (--json, or --json=true).
func (f *flagSet) Bool(name string, usage string) *bool {
	p := new(bool)
	v := &value[bool]{fs: f, name: name, p: p, parse: strconv.ParseBool, want: "true or false", isBool: true}
	f.Var(v, name, usage)
	return p
}

// Duration adds a flag that takes a positive duration.
func (f *flagSet) Duration(name string, def time.Duration, usage string) *time.Duration {
	return define(f, name, def, def.String(), usage, "a positive duration such as 30s", func(s string) (time.Duration, error) {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return 0, errInvalid
		}
		return d, nil
	})
}

// Addr adds a listen address flag (host:port; port 0 picks a free one). allowOff lets "off" and
// "" turn the listener off.
func (f *flagSet) Addr(name, def, usage string, allowOff bool) *string {
	want := "an address such as 127.0.0.1:8080"
	if allowOff {
		want += `, or "off"`
	}
	return f.Checked(name, def, want, usage, func(s string) error {
		if allowOff && (s == "" || s == "off") {
			return nil
		}
		_, port, err := net.SplitHostPort(s)
		if err != nil {
			return errInvalid
		}
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			return errInvalid
		}
		return nil
	})
}

// applyEnv sets every flag that has a MASSPAY_* variable from it, through the flag's own parser,
// so a bad value in the environment is refused exactly as the same value on the command line.
func (f *flagSet) applyEnv() error {
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		if v := f.getenv(envName(fl.Name)); v != "" && err == nil {
			if serr := fl.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s %q (--%s): %v", envName(fl.Name), v, fl.Name, serr)
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
		data: f.Checked("data", "./masspay-data", "a directory", "data directory of the embedded SQLite store",
			func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errInvalid
				}
				return nil
			}),
		database: f.Checked("database", "", "a postgres:// or postgresql:// URL; a SQLite store is --data DIR",
			"PostgreSQL URL, postgres://... or postgresql://... (default: SQLite in --data)", postgresURL),
	}
}

// postgresURL accepts "" (none) and PostgreSQL URLs.
func postgresURL(s string) error {
	if s != "" && !app.IsPostgres(s) {
		return errInvalid
	}
	return nil
}

// parse applies the environment, then args (flags win), rejecting stray positional arguments.
// Every refusal is one line on stderr and exit status 2; -h prints the flags.
func (f *flagSet) parse(args []string) error {
	if err := f.applyEnv(); err != nil {
		fmt.Fprintln(f.stderr, err)
		return exitError(2)
	}
	if err := f.parseFlags(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.stderr, "unexpected argument %q (masspay %s -h lists the flags)\n", f.Arg(0), f.Name())
		return exitError(2)
	}
	return nil
}

// parseFlags parses args up to the first positional argument: -h prints the flags (exit
// status 0), a refused flag is one line (exit status 2).
func (f *flagSet) parseFlags(args []string) error {
	f.bad = nil
	err := f.Parse(args)
	if err == nil {
		return nil
	}
	if err == flag.ErrHelp {
		f.usage()
		return exitError(0)
	}
	if f.bad != nil {
		err = f.bad
	} else if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		err = fmt.Errorf("unknown flag --%s", name)
	}
	fmt.Fprintf(f.stderr, "%v (masspay %s -h lists the flags)\n", err, f.Name())
	return exitError(2)
}

// fail refuses the command line in one line, as parse does.
func (f *flagSet) fail(format string, args ...any) error {
	fmt.Fprintf(f.stderr, format+"\n", args...)
	return exitError(2)
}

// usage prints the command line (usageLine, default "NAME [flags]"), the flags and usageMore.
func (f *flagSet) usage() {
	line := f.usageLine
	if line == "" {
		line = f.Name() + " [flags]"
	}
	fmt.Fprintf(f.stderr, "usage: masspay %s\n\nflags:\n", line)
	f.VisitAll(func(fl *flag.Flag) {
		what := ""
		if d, ok := fl.Value.(interface{ describe() (string, string) }); ok {
			want, def := d.describe()
			what = want
			if def != "" {
				what += "; default " + def
			}
		}
		fmt.Fprintf(f.stderr, "  --%s (%s; %s)\n      %s\n", fl.Name, what, envName(fl.Name), fl.Usage)
	})
	fmt.Fprint(f.stderr, f.usageMore)
}

// achFlags are the originator's settings of --clearing ach (docs/ach.md).
type achFlags struct {
	dir, odfi, destination, destinationName, companyName, companyID, description, windows, timezone *string
	returnDays                                                                                      *int
}

func (f *flagSet) achFlags() achFlags {
	return achFlags{
		dir:             f.String("ach-dir", "", "outbound folder the NACHA files are written to (default <data>/ach/outbound)"),
		odfi:            f.String("ach-odfi", "", "the ODFI's (your bank's) 9-digit routing number"),
		destination:     f.String("ach-destination", "", "the files' immediate destination routing number (default the ODFI)"),
		destinationName: f.String("ach-destination-name", "", "the immediate destination's name (default ODFI)"),
		companyName:     f.String("ach-company-name", "", "the originator's name in every batch (16 characters)"),
		companyID:       f.String("ach-company-id", "", "the originator's company identification (10 characters)"),
		description:     f.String("ach-entry-description", nacha.DefaultEntryDescription, "company entry description on the receiver's statement (10 characters)"),
		windows:         f.String("ach-windows", nacha.DefaultWindows, "cutoff times of day in --ach-timezone, comma-separated"),
		timezone:        f.String("ach-timezone", nacha.DefaultTimezone, "time zone of the windows and banking dates"),
		returnDays: define(f, "ach-return-days", nacha.DefaultReturnDays, strconv.Itoa(nacha.DefaultReturnDays),
			"banking days after settlement a transfer waits for a return before it is processed",
			"a number of banking days from 1 to 60", func(s string) (int, error) {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 || n > 60 {
					return 0, errInvalid
				}
				return n, nil
			}),
	}
}

// achSettingFlags maps nacha's setting names to the flags that set them.
var achSettingFlags = map[string]string{"odfi": "--ach-odfi", "destination": "--ach-destination",
	"destinationName": "--ach-destination-name", "companyName": "--ach-company-name", "companyId": "--ach-company-id",
	"entryDescription": "--ach-entry-description", "windows": "--ach-windows", "timezone": "--ach-timezone",
	"returnDays": "--ach-return-days", "dir": "--ach-dir"}

// config returns the validated settings; the error is one line naming the flag and what it expects.
func (f achFlags) config(dataDir string) (*nacha.Config, error) {
	dir := *f.dir
	if dir == "" {
		dir = filepath.Join(dataDir, "ach", "outbound")
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
// receivers may be loopback or private addresses (nil when not given: the clearing decides).
type securityFlags struct {
	maxConns     *int
	maxAccepts   *int
	allowPrivate **bool
}

func (f *flagSet) securityFlags() securityFlags {
	allow := new(*bool)
	f.Var(&value[*bool]{fs: f, name: "webhook-allow-private", p: allow, want: "true or false", isBool: true,
		parse: func(s string) (*bool, error) { b, err := strconv.ParseBool(s); return &b, err }},
		"webhook-allow-private", "let webhook receivers be loopback or private addresses (default true under sandbox clearing, false under --clearing ach)")
	return securityFlags{
		maxConns: f.Int("max-conns", app.DefaultMaxConns, 1, "connections held open at most; idle ones make room for new ones"),
		maxAccepts: f.Int("max-accepts", httpapi.DefaultAccepts, 1,
			"mass payments read and accepted at once; more wait their turn before their bodies are read (memory: docs/storage.md)"),
		allowPrivate: allow,
	}
}
