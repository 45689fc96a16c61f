package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServingShell runs a shell on its own engine (its REST API on a
// free port; with --auth-file for ann:s3cret when auth) and returns it
// with its REST address. The shell ends when the test does.
func startServingShell(t *testing.T, auth bool, extra ...string) (*pipedShell, string) {
	t.Helper()
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}
	if auth {
		args = append(args, "--auth-file", writeAuthFile(t, dir, 0o600))
	}
	sh := startPipedShell(t, append(args, extra...))
	awaitPublishedREST(t, dir, &sh.stderr)
	var info instanceInfo
	b, err := os.ReadFile(filepath.Join(dir, instanceFile))
	if err != nil || json.Unmarshal(b, &info) != nil {
		t.Fatalf("instance file: %v %q", err, b)
	}
	t.Cleanup(func() {
		sh.feed.Close()
		select {
		case <-sh.done:
		case <-time.After(60 * time.Second):
			t.Errorf("the serving shell did not end with its input")
		}
	})
	return sh, info.REST
}

// runShellArgs runs the shell with args to its end.
func runShellArgs(args ...string) (int, string, string) {
	var out, errw strings.Builder
	code := run(args, os.Stdin, &out, &errw)
	return code, out.String(), errw.String()
}

// TestServerURLArgumentAndShortCredentials: as with ksqlDB's CLI, the
// server is the argument, flags may follow it, and -u/-p are --user and
// --password.
func TestServerURLArgumentAndShortCredentials(t *testing.T) {
	_, url := startServingShell(t, true)
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("EDDY_PASSWORD", "")

	code, out, errw := runShellArgs(url, "-u", "ann", "-p", "s3cret", "-e",
		"CREATE STREAM by_url (id INT KEY, v STRING) WITH (kafka_topic='by_url', value_format='JSON', partitions=1); SHOW STREAMS;")
	if code != 0 || !strings.Contains(out, "Stream created") || !strings.Contains(out, "BY_URL") {
		t.Fatalf("eddy URL -u -p -e: code %d out %q err %q", code, out, errw)
	}
	// The flags before the argument, the long forms: the same server.
	code, out, errw = runShellArgs("--user", "ann", "--password", "s3cret", url, "--execute", "SHOW STREAMS;")
	if code != 0 || !strings.Contains(out, "BY_URL") {
		t.Fatalf("eddy --user --password URL: code %d out %q err %q", code, out, errw)
	}
	// -p is the password sent: a wrong one is refused.
	code, _, errw = runShellArgs(url, "-u", "ann", "-p", "wrong", "-e", "SHOW STREAMS;")
	if code == 0 || !strings.Contains(errw, "ann") {
		t.Errorf("a wrong -p: code %d err %q", code, errw)
	}
	// Two servers are one too many.
	if _, err := parseShellFlags([]string{url, "-e", "SHOW STREAMS;", "http://other:8088"}, io.Discard); err == nil {
		t.Errorf("two server arguments accepted")
	}
}
