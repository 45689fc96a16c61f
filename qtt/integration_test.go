package qtt

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestProjectFilterCorpus runs project-filter.json through Main on the
// production engine: the run must finish and end with the summary line.
func TestProjectFilterCorpus(t *testing.T) {
	requireCorpus(t)
	if testing.Short() {
		t.Skip("short mode")
	}
	var out, errOut bytes.Buffer
	start := time.Now()
	code := Main([]string{"--timeout", "20s", filepath.Join(corpusDir, "project-filter.json")}, &out, &errOut)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^\d+ passed, \d+ failed, \d+ skipped$`).MatchString(last) {
		t.Fatalf("no summary line; output:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	if code != 0 && code != 1 {
		t.Errorf("exit code %d", code)
	}
	t.Logf("project-filter.json: %s in %s (exit %d)", last, time.Since(start).Round(time.Millisecond), code)
}
