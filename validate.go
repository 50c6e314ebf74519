package masspay

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// ValidCorrelationID reports whether s is a correlationId Dwolla accepts: 1 to 255 characters of
// [A-Za-z0-9._-]. Customers, mass payments and items share the rule.
func ValidCorrelationID(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidPersonName reports whether s is a first or last name Dwolla accepts: 1 to 50 characters,
// none of them <>="`!?%~${}\ (Dwolla rejects those to keep names out of markup and templates).
func ValidPersonName(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= 50 && strings.TrimSpace(s) != "" && !strings.ContainsAny(s, "<>=\"`!?%~${}\\")
}

// ValidEmail reports whether s is a plain email address (local@domain, with a dot in the domain,
// no display name).
func ValidEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(strings.Trim(domain, "."), ".")
}

// ValidRoutingNumber reports whether s is an ABA routing number: 9 digits, a Federal Reserve
// prefix (01-12, or 21-32 for thrifts) and a valid checksum (weights 3, 7, 1). Dwolla's sandbox
// number 222222226 passes.
func ValidRoutingNumber(s string) bool {
	if len(s) != 9 || !isDigits(s) {
		return false
	}
	p := int(s[0]-'0')*10 + int(s[1]-'0')
	if !(p >= 1 && p <= 12 || p >= 21 && p <= 32) {
		return false
	}
	weights := [3]int{3, 7, 1}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(s[i]-'0') * weights[i%3]
	}
	return sum%10 == 0
}

// ValidAccountNumber reports whether s is a bank account number: 4 to 17 digits.
func ValidAccountNumber(s string) bool { return len(s) >= 4 && len(s) <= 17 && isDigits(s) }

// ValidPostalCode reports whether s is a US ZIP code: 5 digits, or 9 as 12345-6789 or 123456789.
func ValidPostalCode(s string) bool {
	switch len(s) {
	case 5, 9:
		return isDigits(s)
	case 10:
		return s[5] == '-' && isDigits(s[:5]) && isDigits(s[6:])
	}
	return false
}

// usStates are the two-letter codes of US states, DC and the territories Dwolla accepts.
var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
		MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI`) {
		m[s] = true
	}
	return m
}()

// ValidState reports whether s is a two-letter US state code, in either case.
func ValidState(s string) bool { return usStates[strings.ToUpper(s)] }

// stripDashes removes the dashes people write in SSNs and EINs (123-45-6789, 12-3456789).
func stripDashes(s string) string { return strings.ReplaceAll(s, "-", "") }

// ValidSSN reports whether s is the last four digits of an SSN or a full nine-digit SSN
// (dashes allowed). A full SSN must not have an all-zero group, as issued numbers never do.
func ValidSSN(s string) bool {
	d := stripDashes(s)
	if len(d) == 4 {
		return isDigits(d) && s == d
	}
	if len(d) != 9 || !isDigits(d) || (s != d && (len(s) != 11 || s[3] != '-' || s[6] != '-')) {
		return false
	}
	return d[:3] != "000" && d[:3] != "666" && d[0] != '9' && d[3:5] != "00" && d[5:] != "0000"
}

// ValidEIN reports whether s is a nine-digit employer identification number (12-3456789 or
// 123456789).
func ValidEIN(s string) bool {
	d := stripDashes(s)
	return len(d) == 9 && isDigits(d) && (s == d || len(s) == 10 && s[2] == '-')
}

// ValidDate reports whether s is a YYYY-MM-DD calendar date from 1900 on (earlier years are
// typos in a date of birth).
func ValidDate(s string) bool {
	d, err := time.Parse(time.DateOnly, s)
	return err == nil && d.Year() >= 1900
}

// Adult reports whether someone born on dob (YYYY-MM-DD) is at least 18 years old on now.
func Adult(dob string, now time.Time) bool {
	d, err := time.Parse(time.DateOnly, dob)
	if err != nil {
		return false
	}
	y, m, day := now.UTC().Date()
	return !d.After(time.Date(y-18, m, day, 0, 0, 0, 0, time.UTC))
}
