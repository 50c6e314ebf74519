package contract_test

import (
	"os"
	"strings"
	"testing"

	"masspay/contract"
)

// TestCompatibilityDoc keeps docs/compatibility.md's endpoint table complete: every operation of
// Dwolla's spec has a row.
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
	for path, item := range spec.Doc.Paths.Map() {
		for method := range item.Operations() {
			if row := "| `" + method + " " + path + "` |"; !strings.Contains(string(doc), row) {
				t.Errorf("docs/compatibility.md has no row for %s %s", method, path)
			}
		}
	}
}
