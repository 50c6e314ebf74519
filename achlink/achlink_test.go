package achlink_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"masspay/achlink"
	"masspay/achlink/sshdtest"
)

func dial(t *testing.T, cfg achlink.SFTPConfig) *achlink.SFTP {
	t.Helper()
	s, err := achlink.DialSFTP(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, _ := os.ReadDir(dir)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// Uploads go through a temporary name and a rename, once: the same bytes again are a no-op,
// other bytes under the name are refused. The inbox lists, reads and archives files.
func TestSFTPRealServer(t *testing.T) {
	srv := sshdtest.Start(t)
	root := t.TempDir()
	out, in := filepath.Join(root, "outbound"), filepath.Join(root, "inbound")
	os.MkdirAll(out, 0o755)
	os.MkdirAll(in, 0o755)
	cfg, err := achlink.ParseSFTPURL(srv.URL(out))
	if err != nil {
		t.Fatal(err)
	}
	cfg.KeyFile, cfg.KnownHosts, cfg.Inbound, cfg.Timeout = srv.KeyFile, srv.KnownHosts, in, 10*time.Second
	s := dial(t, cfg)
	if err := s.Put("a.ach", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put("a.ach", []byte("one")); err != nil {
		t.Fatalf("the same upload again: %v", err)
	}
	if err := s.Put("a.ach", []byte("two")); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("other bytes under the name: %v", err)
	}
	if got := listDir(t, out); !slices.Equal(got, []string{"a.ach"}) {
		t.Fatalf("outbound holds %v", got)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "a.ach")); string(b) != "one" {
		t.Fatalf("uploaded %q", b)
	}

	os.WriteFile(filepath.Join(in, "r1.ach"), []byte("r1"), 0o644)
	os.WriteFile(filepath.Join(in, ".partial"), []byte("x"), 0o644)
	names, err := s.List()
	if err != nil || !slices.Equal(names, []string{"r1.ach"}) {
		t.Fatalf("list %v, %v", names, err)
	}
	if b, err := s.Get("r1.ach"); err != nil || string(b) != "r1" {
		t.Fatalf("get %q, %v", b, err)
	}
	if err := s.Archive("r1.ach"); err != nil {
		t.Fatal(err)
	}
	// The same name again with other bytes is archived beside it, not over it.
	os.WriteFile(filepath.Join(in, "r1.ach"), []byte("r1 again"), 0o644)
	if err := s.Archive("r1.ach"); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, filepath.Join(in, "archive")); len(got) != 2 || got[0] != "r1.ach" {
		t.Fatalf("archive holds %v", got)
	}
	if names, _ := s.List(); len(names) != 0 {
		t.Fatalf("inbox after archiving: %v", names)
	}

	// A host key other than the pinned one is refused.
	other := sshdtest.Start(t)
	bad := cfg
	bad.Addr = other.Addr
	if _, err := achlink.DialSFTP(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "knownhosts") {
		t.Fatalf("unknown host key: %v", err)
	}
}

// A server that accepts and never answers fails the session at its timeout.
func TestSFTPSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	dir := t.TempDir()
	srvKey := filepath.Join(dir, "k")
	// Any key will do: the handshake never gets that far.
	sshdtest.WriteKey(t, srvKey)
	os.WriteFile(filepath.Join(dir, "known_hosts"), nil, 0o600)
	cfg, _ := achlink.ParseSFTPURL("sftp://u@" + l.Addr().String() + "/out")
	cfg.KeyFile, cfg.KnownHosts, cfg.Timeout = srvKey, filepath.Join(dir, "known_hosts"), 300*time.Millisecond
	if _, err := achlink.DialSFTP(context.Background(), cfg); err == nil {
		t.Fatal("a silent server gave a session")
	}
}

func TestLocalInbox(t *testing.T) {
	d := achlink.Dir(filepath.Join(t.TempDir(), "inbound"))
	if names, err := d.List(); err != nil || len(names) != 0 {
		t.Fatalf("missing folder: %v, %v", names, err)
	}
	os.MkdirAll(string(d), 0o755)
	os.WriteFile(filepath.Join(string(d), "b.ach"), []byte("b"), 0o644)
	os.WriteFile(filepath.Join(string(d), ".tmp"), []byte("x"), 0o644)
	if names, _ := d.List(); !slices.Equal(names, []string{"b.ach"}) {
		t.Fatalf("list %v", names)
	}
	if err := d.Archive("b.ach"); err != nil {
		t.Fatal(err)
	}
	if names, _ := d.List(); len(names) != 0 {
		t.Fatalf("after archive %v", names)
	}
	if got := listDir(t, filepath.Join(string(d), "archive")); !slices.Equal(got, []string{"b.ach"}) {
		t.Fatalf("archive %v", got)
	}
}

func TestParseSFTPURL(t *testing.T) {
	c, err := achlink.ParseSFTPURL("sftp://bank@sftp.example.com//srv/out")
	if err != nil || c.User != "bank" || c.Addr != "sftp.example.com:22" || c.Outbound != "/srv/out" {
		t.Fatalf("%+v, %v", c, err)
	}
	c, err = achlink.ParseSFTPURL("sftp://bank@h:2222/out")
	if err != nil || c.Addr != "h:2222" || c.Outbound != "out" {
		t.Fatalf("%+v, %v", c, err)
	}
	for _, bad := range []string{"http://u@h/x", "sftp://h/x", "sftp://u:pw@h/x", "sftp://u@h:99999/x"} {
		if _, err := achlink.ParseSFTPURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
