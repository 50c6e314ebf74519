// Package nacha turns masspay's bank transfers into NACHA files with moov-io/ach, on the Federal
// Reserve's calendar: the originator's settings, cutoff windows, effective dates, trace numbers,
// File ID Modifiers and file names. It does no I/O beyond building and reading bytes; the service
// decides what is due and records what was sent.
package nacha

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moov-io/ach"
)

// Config is what an originator configures (see docs/ach.md). Zero fields take the defaults of
// WithDefaults.
type Config struct {
	// ODFI is the originating bank's 9-digit routing number.
	ODFI string `json:"odfi"`
	// Destination and DestinationName are the file's immediate destination (default the ODFI).
	Destination     string `json:"destination"`
	DestinationName string `json:"destinationName"`
	// CompanyName (16 characters) and CompanyID (10) identify the originator in every batch.
	CompanyName string `json:"companyName"`
	CompanyID   string `json:"companyId"`
	// EntryDescription is the company entry description, shown on the receiver's statement.
	EntryDescription string `json:"entryDescription"`
	// Windows are the cutoff times of day, in Timezone, ascending ("10:30", "14:45"; seconds
	// may be given, "10:30:30").
	Windows []string `json:"windows"`
	// Timezone is the IANA zone of the windows and of banking dates.
	Timezone string `json:"timezone"`
	// ReturnDays is how many banking days after settlement a transfer waits for a return before
	// it is processed.
	ReturnDays int `json:"returnDays"`
	// Dir is where files are written (the outbound folder).
	Dir string `json:"dir"`
	// Inbound is the folder polled for the bank's return and NOC files (default: "inbound"
	// beside Dir).
	Inbound string `json:"inbound,omitempty"`
}

// Defaults of the settings that have one.
const (
	DefaultEntryDescription = "PAYOUT"
	DefaultWindows          = "10:30,14:45,16:45"
	DefaultTimezone         = "America/New_York"
	DefaultReturnDays       = 2
	// SameDayLimit is the largest entry Same Day ACH carries: 1,000,000.00 USD.
	SameDayLimit = 1_000_000_00
	// lastSameDay is FedACH's last same-day submission deadline, Eastern time: a window after it
	// makes next-day entries only.
	lastSameDay = (16*60 + 45) * 60
)

// WithDefaults fills the settings that have defaults.
func (c Config) WithDefaults() Config {
	c.Destination = cmp.Or(c.Destination, c.ODFI)
	c.DestinationName = cmp.Or(c.DestinationName, "ODFI")
	c.EntryDescription = cmp.Or(c.EntryDescription, DefaultEntryDescription)
	c.Timezone = cmp.Or(c.Timezone, DefaultTimezone)
	if len(c.Windows) == 0 {
		c.Windows = strings.Split(DefaultWindows, ",")
	}
	if c.ReturnDays == 0 {
		c.ReturnDays = DefaultReturnDays
	}
	if c.Inbound == "" && c.Dir != "" {
		c.Inbound = filepath.Join(filepath.Dir(c.Dir), "inbound")
	}
	return c
}

// SettingError is a bad setting: which one, and what it expects.
type SettingError struct {
	Setting string // the Config field's JSON name
	Value   string
	Want    string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s %q: want %s", e.Setting, e.Value, e.Want)
}

// Validate checks every setting; the error is a *SettingError for the first bad one.
func (c Config) Validate() error {
	bad := func(setting, value, want string) error { return &SettingError{setting, value, want} }
	if !routing(c.ODFI) {
		return bad("odfi", c.ODFI, "the ODFI's 9-digit routing number with a valid check digit")
	}
	if !routing(c.Destination) {
		return bad("destination", c.Destination, "a 9-digit routing number with a valid check digit")
	}
	if !ascii(c.DestinationName, 23) {
		return bad("destinationName", c.DestinationName, "at most 23 ASCII characters")
	}
	if c.CompanyName == "" || !ascii(c.CompanyName, 16) {
		return bad("companyName", c.CompanyName, "1 to 16 ASCII characters")
	}
	if len(c.CompanyID) != 10 || !ascii(c.CompanyID, 10) || c.CompanyID == strings.Repeat(" ", 10) {
		return bad("companyId", c.CompanyID, "exactly 10 characters (e.g. 1 and the 9-digit EIN)")
	}
	if c.EntryDescription == "" || !ascii(c.EntryDescription, 10) {
		return bad("entryDescription", c.EntryDescription, "1 to 10 ASCII characters")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return bad("timezone", c.Timezone, "an IANA time zone such as America/New_York")
	}
	if _, err := parseWindows(c.Windows); err != nil {
		return bad("windows", strings.Join(c.Windows, ","), "ascending cutoff times of day as HH:MM (or HH:MM:SS), comma-separated (e.g. "+DefaultWindows+")")
	}
	if c.ReturnDays < 1 || c.ReturnDays > 60 {
		return bad("returnDays", strconv.Itoa(c.ReturnDays), "a number of banking days from 1 to 60")
	}
	if c.Dir == "" {
		return bad("dir", c.Dir, "a directory for the files")
	}
	return nil
}

// routing reports whether s is a 9-digit routing number whose check digit is right.
func routing(s string) bool {
	return len(s) == 9 && strings.Trim(s, "0123456789") == "" && ach.CheckRoutingNumber(s) == nil
}

func ascii(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for _, r := range s {
		if r < ' ' || r > '~' {
			return false
		}
	}
	return true
}

// parseWindows reads "HH:MM" (or "HH:MM:SS") times of day, strictly ascending, as seconds after
// midnight.
func parseWindows(ws []string) ([]int, error) {
	if len(ws) == 0 {
		return nil, fmt.Errorf("no windows")
	}
	out := make([]int, len(ws))
	for i, w := range ws {
		w = strings.TrimSpace(w)
		layout := "15:04"
		if len(w) == 8 {
			layout = "15:04:05"
		}
		t, err := time.Parse(layout, w)
		if err != nil || len(w) != len(layout) {
			return nil, fmt.Errorf("window %q is not HH:MM", w)
		}
		out[i] = t.Hour()*3600 + t.Minute()*60 + t.Second()
		if i > 0 && out[i] <= out[i-1] {
			return nil, fmt.Errorf("windows must ascend")
		}
	}
	return out, nil
}

// Encode is the settings as the store keeps them (JSON).
func (c Config) Encode() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// Decode reads settings that Encode wrote.
func Decode(s string) (Config, error) {
	var c Config
	err := json.Unmarshal([]byte(s), &c)
	return c, err
}
