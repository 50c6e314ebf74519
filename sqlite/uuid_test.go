package sqlite

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Exactly the canonical lowercase form packs, and it unpacks to itself; every other text stays text.
func TestPackUUID(t *testing.T) {
	for range 100 {
		for _, s := range []string{uuid.NewString(), uuid.Must(uuid.NewV7()).String()} {
			b, ok := packUUID(s)
			if !ok || len(b) != 16 || unpackUUID(b) != s {
				t.Fatalf("%s packs to %x (%v), unpacks to %s", s, b, ok, unpackUUID(b))
			}
			if u := uuid.MustParse(s); string(u[:]) != string(b) {
				t.Fatalf("%s packs to %x, want %x", s, b, u[:])
			}
		}
	}
	id := uuid.NewString()
	for _, s := range []string{"", "acc1", strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id, strings.ReplaceAll(id, "-", ""),
		id[:35] + "g", id[:8] + "x" + id[9:], id + " ", " " + id[1:], "ann@example.com"} {
		if b, ok := packUUID(s); ok {
			t.Errorf("%q packs to %x", s, b)
		}
		if v := packValue(s); v != s {
			t.Errorf("%q is stored as %v", s, v)
		}
	}
	args := []any{"acc1", 5, id, true}
	out := pack(args)
	if args[2] != id || out[0] != "acc1" || out[1] != 5 || out[3] != true || unpackUUID(out[2].([]byte)) != id {
		t.Fatalf("pack(%v) = %v", args, out)
	}
	if plain := []any{"acc1", 5}; &pack(plain)[0] != &plain[0] {
		t.Error("pack copied arguments that hold no UUID")
	}
}
