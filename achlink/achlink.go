// Package achlink moves NACHA files between masspay and the bank (docs/ach.md): over SFTP, with
// key authentication and pinned host keys, or through local folders that a team's own transfer
// tool serves. It knows files and folders only; the service decides what to send and records
// what was sent and received.
package achlink

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ArchiveFolder is where an imported inbound file is moved, under the inbound folder.
const ArchiveFolder = "archive"

// Inbox is a folder the bank leaves return and notification-of-change files in.
type Inbox interface {
	// List names the files waiting, in name order (hidden and temporary files left out).
	List() ([]string, error)
	Get(name string) ([]byte, error)
	// Archive moves an imported file to the archive folder. A file already archived under the
	// same name with the same bytes is removed; one with other bytes is kept under a name with
	// its SHA-256 prefix.
	Archive(name string) error
	Close() error
}

// waiting reports whether a folder entry is a file waiting to be imported.
func waiting(name string, regular bool) bool {
	return regular && !strings.HasPrefix(name, ".")
}

// archiveName is the name of an archived file whose name is taken by other bytes.
func archiveName(name string, content []byte) string {
	sum := sha256.Sum256(content)
	return fmt.Sprintf("%s.%x", name, sum[:6])
}

// Dir is a local inbox folder.
type Dir string

func (d Dir) List() ([]string, error) {
	es, err := os.ReadDir(string(d))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range es {
		if waiting(e.Name(), e.Type().IsRegular()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func (d Dir) Get(name string) ([]byte, error) { return os.ReadFile(filepath.Join(string(d), name)) }

func (d Dir) Archive(name string) error {
	src := filepath.Join(string(d), name)
	dir := filepath.Join(string(d), ArchiveFolder)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, name)
	if have, err := os.ReadFile(dst); err == nil {
		if string(have) == string(b) {
			return os.Remove(src)
		}
		dst = filepath.Join(dir, archiveName(name, b))
	}
	return os.Rename(src, dst)
}

func (d Dir) Close() error { return nil }
