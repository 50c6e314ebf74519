package contract_test

import (
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"

	"masspay/contract"
	"masspay/httpapi"
)

var param = regexp.MustCompile(`\{[^}]*\}`)

// normalize makes "GET /customers/{id}" and "GET /customers/{customerId}" the same operation.
// "GET /{$}" is the root alone.
func normalize(op string) string {
	return param.ReplaceAllString(strings.TrimSuffix(op, "{$}"), "{}")
}

// TestCompatibilityDoc keeps docs/compatibility.md's endpoint table true: every operation of
// Dwolla's spec has a row, and its "masspay" column says yes exactly when the API routes it.
func TestCompatibilityDoc(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/compatibility.md")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	routed := map[string]bool{}
	for _, p := range httpapi.New(httpapi.Config{}, nil, slog.New(slog.DiscardHandler)).Patterns() {
		routed[normalize(p)] = true
	}
	for path, item := range spec.Doc.Paths.Map() {
		for method := range item.Operations() {
			op := method + " " + path
			var row string
			for _, line := range strings.Split(string(doc), "\n") {
				if strings.HasPrefix(line, "| `"+op+"` |") {
					row = line
				}
			}
			if row == "" {
				t.Errorf("docs/compatibility.md has no row for %s", op)
				continue
			}
			cells := strings.Split(strings.Trim(row, "| "), "|")
			says := strings.TrimSpace(cells[len(cells)-1]) == "yes"
			if says != routed[normalize(op)] {
				t.Errorf("docs/compatibility.md says %s is routed: %v; the API routes it: %v", op, says, routed[normalize(op)])
			}
		}
	}
}
