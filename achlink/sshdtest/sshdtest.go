// Package sshdtest runs a real OpenSSH server (Debian's openssh-server) for tests: on 127.0.0.1
// at a free port, with a throwaway host key and user key and its own sshd_config in a temporary
// folder, serving SFTP through internal-sftp. Where sshd cannot start, tests skip with a notice,
// except under CI=true, where they fail.
package sshdtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Server is one sshd. Stop and Start take it down and up again on the same port and keys.
type Server struct {
	t          testing.TB
	Addr       string // 127.0.0.1:PORT
	User       string
	KeyFile    string // the user's private key
	KnownHosts string // a known_hosts file with the server's host key
	dir        string
	config     string
	cmd        *exec.Cmd
	logs       *bytes.Buffer
	exited     chan struct{} // nil while stopped
}

// unavailable skips the test, or fails it under CI=true.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("sshd: %s (CI=true requires it: install openssh-server)", msg)
	}
	t.Skipf("NOTICE: skipping, sshd cannot run here: %s (install openssh-server)", msg)
}

// Start runs an sshd for the test; it is stopped at the test's end.
func Start(t testing.TB) *Server {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/sshd"); err2 != nil {
			unavailable(t, "no sshd binary")
		}
		sshd = "/usr/sbin/sshd"
	}
	u, err := user.Current()
	if err != nil {
		unavailable(t, "current user: %v", err)
	}
	dir, err := os.MkdirTemp("", "sshdtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{t: t, User: u.Username, dir: dir, KeyFile: filepath.Join(dir, "user_key"),
		KnownHosts: filepath.Join(dir, "known_hosts"), config: filepath.Join(dir, "sshd_config")}
	hostPub := WriteKey(t, filepath.Join(dir, "host_key"))
	userPub := WriteKey(t, s.KeyFile)
	must(t, os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(userPub), 0o600))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	l.Close()
	port := s.Addr[strings.LastIndex(s.Addr, ":")+1:]
	must(t, os.WriteFile(s.KnownHosts, []byte(knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, hostPub)+"\n"), 0o600))
	cfg := strings.Join([]string{
		"Port " + port,
		"ListenAddress 127.0.0.1",
		"HostKey " + filepath.Join(dir, "host_key"),
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"StrictModes no",
		"UsePAM no",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PubkeyAuthentication yes",
		"PermitRootLogin prohibit-password",
		"AllowUsers " + u.Username,
		"Subsystem sftp internal-sftp",
		"LogLevel ERROR",
	}, "\n") + "\n"
	must(t, os.WriteFile(s.config, []byte(cfg), 0o600))
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755) // Debian's privilege separation folder
	}
	if err := s.start(sshd); err != nil {
		unavailable(t, "%v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start(sshd string) error {
	s.logs = new(bytes.Buffer)
	s.cmd = exec.Command(sshd, "-D", "-e", "-f", s.config)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return fmt.Errorf("sshd exited: %s", strings.TrimSpace(s.logs.String()))
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			c.Close()
			s.exited = exited
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	<-exited
	return fmt.Errorf("sshd did not listen on %s in 10s: %s", s.Addr, strings.TrimSpace(s.logs.String()))
}

// Stop takes the server down (existing sessions end too).
func (s *Server) Stop() {
	if s.exited == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.exited = nil
}

// Restart brings a stopped server up again on the same port and keys.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(s.cmd.Args[0]); err != nil {
		s.t.Fatalf("sshd restart: %v", err)
	}
}

// URL is the sftp:// URL of an absolute folder on the server.
func (s *Server) URL(folder string) string { return "sftp://" + s.User + "@" + s.Addr + "/" + folder }

// WriteKey writes a new ed25519 private key to path (OpenSSH format) and returns its public key.
func WriteKey(t testing.TB, path string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
