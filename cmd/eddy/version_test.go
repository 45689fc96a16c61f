package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "e23080742880aaaaaaaa"}, {Key: "vcs.modified", Value: "true"}}}
	got := readBuildInfo(bi, true, "", "").String()
	if got != "v1.2.3 (commit e23080742880, modified, go1.26.8)" {
		t.Errorf("from build info: %q", got)
	}
	// The Makefile's stamp wins over what the toolchain recorded.
	got = readBuildInfo(bi, true, "v0.0.0-20261202123954-e23080742880", "0123456789abcdef").String()
	if got != "v0.0.0-20261202123954-e23080742880 (commit 0123456789ab, go1.26.8)" {
		t.Errorf("stamped: %q", got)
	}
	// -buildvcs=false and no stamp: say so rather than "dev".
	got = readBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "", "").String()
	if !strings.HasPrefix(got, "(devel) (commit unknown") {
		t.Errorf("no VCS info: %q", got)
	}
	if got := readBuildInfo(nil, false, "", "").Version; got != "(devel)" {
		t.Errorf("no build info: %q", got)
	}
}

// TestMakeBuildStampsVersion builds eddy the way the Makefile does and
// checks that `eddy version` names the commit checked out.
func TestMakeBuildStampsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "eddy")
	cmd := exec.Command("make", "-s", "-C", "../..", "build", "BIN="+bin)
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(head))[:12]
	if !strings.Contains(string(out), "(commit "+want) || strings.Contains(string(out), "(devel)") {
		t.Errorf("eddy version = %q, want the module version and commit %s", out, want)
	}
}
