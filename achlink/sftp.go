package achlink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SFTPConfig is how masspay reaches the bank's SFTP server.
type SFTPConfig struct {
	User, Addr string // host:port
	Outbound   string // folder the cutoff files are uploaded to
	Inbound    string // folder polled for return and NOC files ("" : none)
	KeyFile    string // the private key masspay authenticates with
	KnownHosts string // OpenSSH known_hosts file pinning the server's host key
	// Timeout bounds one session (connect, then every transfer of the poll): a dead or stalled
	// server fails the poll instead of holding it.
	Timeout time.Duration
}

// DefaultTimeout bounds one SFTP session.
const DefaultTimeout = time.Minute

// ParseSFTPURL reads sftp://USER@HOST:PORT/PATH (port 22 when left out; PATH is the outbound
// folder, relative to the login folder unless it starts with //).
func ParseSFTPURL(s string) (SFTPConfig, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "sftp" || u.User == nil || u.User.Username() == "" || u.Hostname() == "" {
		return SFTPConfig{}, fmt.Errorf("want sftp://USER@HOST:PORT/PATH")
	}
	if _, set := u.User.Password(); set {
		return SFTPConfig{}, fmt.Errorf("want no password in the URL: masspay authenticates with --ach-sftp-key")
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return SFTPConfig{}, fmt.Errorf("port %q: want 1 to 65535", port)
	}
	dir := u.Path
	if len(dir) > 0 {
		dir = dir[1:] // "/PATH" is PATH under the login folder; "//PATH" is /PATH
	}
	if dir == "" {
		dir = "."
	}
	return SFTPConfig{User: u.User.Username(), Addr: net.JoinHostPort(u.Hostname(), port), Outbound: dir, Timeout: DefaultTimeout}, nil
}

// Check reads the key and the known hosts, so that a bad file stops serve at start.
func (c SFTPConfig) Check() error {
	_, err := c.clientConfig()
	return err
}

func (c SFTPConfig) clientConfig() (*ssh.ClientConfig, error) {
	if c.KeyFile == "" {
		return nil, fmt.Errorf("--ach-sftp-key: want the private key file masspay logs in with")
	}
	if c.KnownHosts == "" {
		return nil, fmt.Errorf("--ach-sftp-known-hosts: want an OpenSSH known_hosts file with the server's host key (host keys are always verified)")
	}
	pem, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("--ach-sftp-key %s: %v", c.KeyFile, errors.Unwrap(err))
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return nil, fmt.Errorf("--ach-sftp-key %s: want an unencrypted OpenSSH or PEM private key (%v)", c.KeyFile, err)
	}
	hostKey, err := knownhosts.New(c.KnownHosts)
	if err != nil {
		return nil, fmt.Errorf("--ach-sftp-known-hosts %s: want an OpenSSH known_hosts file (%v)", c.KnownHosts, err)
	}
	return &ssh.ClientConfig{User: c.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKey,
		Timeout: c.timeout()}, nil
}

func (c SFTPConfig) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// SFTP is one session with the bank's server. Every call fails once the session's timeout has
// passed or its context is done.
type SFTP struct {
	cfg    SFTPConfig
	conn   net.Conn
	ssh    *ssh.Client
	client *sftp.Client
	stop   func() bool
}

// DialSFTP opens a session: TCP, SSH with the pinned host key and the key, then SFTP.
func DialSFTP(ctx context.Context, cfg SFTPConfig) (*SFTP, error) {
	cc, err := cfg.clientConfig()
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: cfg.timeout()}
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("sftp %s: %w", cfg.Addr, err)
	}
	conn.SetDeadline(time.Now().Add(cfg.timeout()))
	s := &SFTP{cfg: cfg, conn: conn, stop: context.AfterFunc(ctx, func() { conn.Close() })}
	c, chans, reqs, err := ssh.NewClientConn(conn, cfg.Addr, cc)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sftp %s: %w", cfg.Addr, err)
	}
	s.ssh = ssh.NewClient(c, chans, reqs)
	if s.client, err = sftp.NewClient(s.ssh); err != nil {
		s.Close()
		return nil, fmt.Errorf("sftp %s: %w", cfg.Addr, err)
	}
	return s, nil
}

func (s *SFTP) Close() error {
	s.stop()
	if s.client != nil {
		s.client.Close()
	}
	if s.ssh != nil {
		s.ssh.Close()
	}
	return s.conn.Close()
}

// Put uploads a file to the outbound folder: to a temporary name (.NAME.tmp, the same for every
// try of the file), then renamed, so that the bank never picks up half a file. A file already
// there with the same bytes (uploaded before a crash) is left as it is; one with other bytes is
// never overwritten.
func (s *SFTP) Put(name string, content []byte) error {
	final := path.Join(s.cfg.Outbound, name)
	if have, err := s.read(final); err == nil {
		if bytes.Equal(have, content) {
			return nil
		}
		return fmt.Errorf("sftp %s: %s exists with other content; refusing to overwrite it", s.cfg.Addr, final)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sftp %s: %w", s.cfg.Addr, err)
	}
	tmp := path.Join(s.cfg.Outbound, "."+name+".tmp")
	f, err := s.client.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("sftp %s: %s: %w", s.cfg.Addr, tmp, err)
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return fmt.Errorf("sftp %s: %s: %w", s.cfg.Addr, tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sftp %s: %s: %w", s.cfg.Addr, tmp, err)
	}
	if err := s.client.Rename(tmp, final); err != nil {
		return fmt.Errorf("sftp %s: rename to %s: %w", s.cfg.Addr, final, err)
	}
	return nil
}

func (s *SFTP) read(p string) ([]byte, error) {
	f, err := s.client.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func (s *SFTP) List() ([]string, error) {
	es, err := s.client.ReadDir(s.cfg.Inbound)
	if err != nil {
		return nil, fmt.Errorf("sftp %s: %s: %w", s.cfg.Addr, s.cfg.Inbound, err)
	}
	var out []string
	for _, e := range es {
		if waiting(e.Name(), e.Mode().IsRegular()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *SFTP) Get(name string) ([]byte, error) {
	b, err := s.read(path.Join(s.cfg.Inbound, name))
	if err != nil {
		return nil, fmt.Errorf("sftp %s: %s: %w", s.cfg.Addr, name, err)
	}
	return b, nil
}

func (s *SFTP) Archive(name string) error {
	dir := path.Join(s.cfg.Inbound, ArchiveFolder)
	if err := s.client.MkdirAll(dir); err != nil {
		return fmt.Errorf("sftp %s: %s: %w", s.cfg.Addr, dir, err)
	}
	src, dst := path.Join(s.cfg.Inbound, name), path.Join(dir, name)
	b, err := s.read(src)
	if err != nil {
		return fmt.Errorf("sftp %s: %s: %w", s.cfg.Addr, src, err)
	}
	if have, err := s.read(dst); err == nil {
		if bytes.Equal(have, b) {
			return s.client.Remove(src)
		}
		dst = path.Join(dir, archiveName(name, b))
	}
	if err := s.client.Rename(src, dst); err != nil {
		return fmt.Errorf("sftp %s: archive %s: %w", s.cfg.Addr, name, err)
	}
	return nil
}
