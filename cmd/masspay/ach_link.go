package main

import (
	"fmt"
	"path/filepath"
	"time"

	"masspay/achlink"
	"masspay/app"
	"masspay/nacha"
)

// achLinkFlags say how files travel to and from the bank (docs/ach.md).
type achLinkFlags struct {
	inbound, sftp, key, knownHosts, sftpInbound *string
	poll, timeout                               *time.Duration
}

func (f *flagSet) achLinkFlags() achLinkFlags {
	return achLinkFlags{
		inbound:     f.String("ach-inbound", "", "local folder polled for the bank's return and NOC files (default inbound beside --ach-dir)"),
		sftp:        f.String("ach-sftp", "", "upload each file to the bank: sftp://USER@HOST:PORT/PATH"),
		key:         f.String("ach-sftp-key", "", "private key file masspay logs in to the SFTP server with"),
		knownHosts:  f.String("ach-sftp-known-hosts", "", "OpenSSH known_hosts file with the SFTP server's host key (always verified)"),
		sftpInbound: f.String("ach-sftp-inbound", "", "folder on the SFTP server polled for return and NOC files"),
		poll:        f.Duration("ach-poll", app.DefaultACHPoll, "how often files are uploaded and the inbound folder is polled"),
		timeout:     f.Duration("ach-sftp-timeout", achlink.DefaultTimeout, "the longest one SFTP session (connect and transfers) may take"),
	}
}

// config completes the ACH settings with the inbound folder and returns the link's settings; the
// error is one line naming the flag and what it expects.
func (f achLinkFlags) config(cfg *nacha.Config) (app.ACHLinkConfig, error) {
	out := app.ACHLinkConfig{Poll: *f.poll}
	if *f.poll <= 0 {
		return out, fmt.Errorf("--ach-poll %s: want a positive duration (e.g. 30s)", *f.poll)
	}
	if *f.inbound != "" {
		if abs, err := filepath.Abs(*f.inbound); err == nil {
			cfg.Inbound = abs
		}
	}
	if *f.sftp == "" {
		if *f.key != "" || *f.knownHosts != "" || *f.sftpInbound != "" {
			return out, fmt.Errorf("--ach-sftp: want sftp://USER@HOST:PORT/PATH with --ach-sftp-key, --ach-sftp-known-hosts and --ach-sftp-inbound")
		}
		return out, nil
	}
	s, err := achlink.ParseSFTPURL(*f.sftp)
	if err != nil {
		return out, fmt.Errorf("--ach-sftp %q: %v", *f.sftp, err)
	}
	if *f.timeout <= 0 {
		return out, fmt.Errorf("--ach-sftp-timeout %s: want a positive duration (e.g. 1m)", *f.timeout)
	}
	s.KeyFile, s.KnownHosts, s.Inbound, s.Timeout = *f.key, *f.knownHosts, *f.sftpInbound, *f.timeout
	if err := s.Check(); err != nil {
		return out, err
	}
	out.SFTP = &s
	return out, nil
}
