package masspay

import (
	"strings"
	"unicode/utf8"
)

// ValidText reports whether s can be text of masspay at all: valid UTF-8 without NUL. Every
// string a client sends (JSON values and member names, path segments, query parameters, the
// headers masspay reads, form fields) passes through it before anything else looks at it:
// PostgreSQL refuses such bytes in text columns, and no id, name or key can contain them.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
