package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// runVersion prints the module version and the VCS revision the binary was built from, as the
// Go toolchain recorded them.
func runVersion(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", getenv, stderr)
	if err := fs.parse(args); err != nil {
		return err
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(info))
	return nil
}

// versionLine describes a build: "masspay v1.2.0 (go1.26.8, revision 0123abc..., committed
// 2026-11-21T01:46:02Z)". A build from a git worktree, or with -buildvcs=false, has no revision.
func versionLine(info *debug.BuildInfo) string {
	if info == nil {
		return "masspay (no build information)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	line := fmt.Sprintf("masspay %s (%s", info.Main.Version, info.GoVersion)
	if rev := settings["vcs.revision"]; rev != "" {
		line += ", revision " + rev
		if settings["vcs.modified"] == "true" {
			line += " with uncommitted changes"
		}
		if t := settings["vcs.time"]; t != "" {
			line += ", committed " + t
		}
	} else {
		line += ", no VCS revision recorded"
	}
	return line + ")"
}
