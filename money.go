package masspay

import (
	"errors"
	"strconv"
	"strings"
)

// Currency is the only currency masspay moves.
const Currency = "USD"

// MaxCents bounds any single amount (one trillion dollars): far above every limit and far from
// int64 overflow when 5,000 of them are summed.
const MaxCents int64 = 100_000_000_000_000

// ErrAmountFormat is returned by ParseAmount for anything that is not a plain positive decimal
// with at most two fraction digits.
var ErrAmountFormat = errors.New("amount must be a positive decimal with at most 2 decimal places")

// ParseAmount parses a decimal string such as "12.5" or "0.01" into cents. It accepts only
// digits with an optional '.' and one or two fraction digits: no sign, exponent or spaces,
// and never goes through a float.
func ParseAmount(s string) (int64, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 15 || (hasDot && (len(frac) == 0 || len(frac) > 2)) {
		return 0, ErrAmountFormat
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, ErrAmountFormat
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrAmountFormat
	}
	var c int64
	if len(frac) > 0 {
		c, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			c *= 10
		}
	}
	cents := w*100 + c
	if cents > MaxCents {
		return 0, ErrAmountFormat
	}
	return cents, nil
}

// FormatAmount renders cents as Dwolla's decimal string: "1.00", "1234.56", "-0.05".
func FormatAmount(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	s := strconv.FormatInt(cents/100, 10) + "." + string(rune('0'+cents%100/10)) + string(rune('0'+cents%10))
	if neg {
		return "-" + s
	}
	return s
}

// AmountText is an amount as a client wrote it (a JSON string, or a JSON number's literal
// text), not yet parsed: ParseAmount judges it.
type AmountText string
