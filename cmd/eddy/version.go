package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Set at link time by `make build` (-ldflags "-X main.buildVersion=…
// -X main.buildCommit=…"), because the Go toolchain records VCS details
// only in some builds: not with -buildvcs=false, and not in a git worktree.
var buildVersion, buildCommit string

// buildInfo is what eddy knows about the binary it runs as.
type buildInfo struct {
	Version   string // module version, "(devel)" when unknown
	Commit    string // VCS revision, "" when unknown
	Modified  bool   // built from a working tree with uncommitted changes
	GoVersion string
}

// readBuildInfo prefers the values stamped by the Makefile and falls back
// to what the toolchain recorded.
func readBuildInfo(bi *debug.BuildInfo, ok bool, stampedVersion, stampedCommit string) buildInfo {
	info := buildInfo{Version: "(devel)"}
	if ok {
		info.GoVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if stampedVersion != "" {
		info.Version = stampedVersion
		info.Modified = strings.HasSuffix(stampedVersion, "+dirty")
	}
	if stampedCommit != "" {
		info.Commit = stampedCommit
	}
	return info
}

// String is the one line `eddy version` prints.
func (b buildInfo) String() string {
	commit := "unknown (built without VCS information; use make build)"
	if b.Commit != "" {
		commit = b.Commit
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if b.Modified {
			commit += ", modified"
		}
	}
	s := fmt.Sprintf("%s (commit %s", b.Version, commit)
	if b.GoVersion != "" {
		s += ", " + b.GoVersion
	}
	return s + ")"
}

func currentBuild() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	return readBuildInfo(bi, ok, buildVersion, buildCommit)
}

// version is the short version for banners and logs.
func version() string { return currentBuild().Version }
