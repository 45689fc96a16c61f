package main

import (
	"encoding/json"
	"fmt"
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

// endShell closes a piped shell's input and waits for its exit code.
func endShell(t *testing.T, sh *pipedShell) int {
	t.Helper()
	sh.feed.Close()
	select {
	case code := <-sh.done:
		return code
	case <-time.After(60 * time.Second):
		t.Fatal("the shell did not end with its input")
		return -1
	}
}

// TestServerCommandSwitches: `server` shows the server the shell talks
// to and `server URL` moves the session to another one, whose streams it
// then sees; an address without http:// and one that does not answer
// leave it where it was.
func TestServerCommandSwitches(t *testing.T) {
	_, url1 := startServingShell(t, false)
	_, url2 := startServingShell(t, false)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for url, name := range map[string]string{url1: "ON_FIRST", url2: "ON_SECOND"} {
		if code, out, errw := runShellArgs(url, "-e", "CREATE STREAM "+name+" (id INT KEY) WITH (kafka_topic='"+name+"', value_format='JSON', partitions=1);"); code != 0 {
			t.Fatalf("create %s: %d %q %q", name, code, out, errw)
		}
	}

	sh := startPipedShell(t, []string{url1, "--continue-on-error"})
	io.WriteString(sh.feed, "server\nSHOW STREAMS;\nserver "+url2+"\nSHOW STREAMS;\nserver\n")
	io.WriteString(sh.feed, "server 127.0.0.1:1\nserver http://127.0.0.1:1\nSHOW STREAMS;\n")
	endShell(t, sh)
	out, errw := sh.stdout.String(), sh.stderr.String()

	parts := strings.SplitN(out, "Server now: "+url2, 2)
	if len(parts) != 2 {
		t.Fatalf("no switch to %s:\n%s\n%s", url2, out, errw)
	}
	before, after := parts[0], parts[1]
	if !strings.Contains(before, "Server: "+url1) || !strings.Contains(before, "ON_FIRST") || strings.Contains(before, "ON_SECOND") {
		t.Errorf("before the switch:\n%s", before)
	}
	if !strings.Contains(after, "Server: "+url2) || !strings.Contains(after, "ON_SECOND") || strings.Contains(after, "ON_FIRST") {
		t.Errorf("after the switch:\n%s", after)
	}
	// The two failed switches left it on the second server: the last
	// SHOW STREAMS lists ON_SECOND again.
	if strings.Count(after, "\n ON_SECOND ") != 2 {
		t.Errorf("after the failed switches, not on the second server:\n%s", after)
	}
	if !strings.Contains(errw, "must start with http:// or https://") || !strings.Contains(errw, "127.0.0.1:1") {
		t.Errorf("failed switches: %q", errw)
	}
}

// TestQueryRowLimitAndTimeout: --query-row-limit stops a SELECT after so
// many rows (a push query that would run on, and a pull query of a
// stream with more rows), --query-timeout stops one that would run on, and the script
// goes on to its next statement.
func TestQueryRowLimitAndTimeout(t *testing.T) {
	dir := t.TempDir()
	base := []string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}
	setup := []string{"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);"}
	for i := 1; i <= 5; i++ {
		setup = append(setup, fmt.Sprintf("INSERT INTO s (id, v) VALUES (%d, 'v%d');", i, i))
	}
	if code, out, errw := runShellArgs(append(base, "-e", strings.Join(setup, "\n"))...); code != 0 {
		t.Fatalf("setup: %d %q %q", code, out, errw)
	}
	// runs the shell with args, failing (not hanging) if it does not end.
	limited := func(args ...string) string {
		t.Helper()
		sh := startPipedShell(t, append(base, args...))
		if code := endShell(t, sh); code != 0 {
			t.Fatalf("%q: exit %d\n%s\n%s", args, code, sh.stdout.String(), sh.stderr.String())
		}
		return sh.stdout.String()
	}
	rows := func(out string) int { return strings.Count(out, "\n|") - 1 } // less the header line

	out := limited("--query-row-limit", "2", "-e", "SET 'auto.offset.reset'='earliest'; SELECT * FROM s EMIT CHANGES; SHOW STREAMS;")
	if rows(out) != 2 || !strings.Contains(out, "Query terminated after 2 rows (--query-row-limit)") || !strings.Contains(out, "Stream Name") {
		t.Errorf("push query with --query-row-limit 2:\n%s", out)
	}
	out = limited("--query-row-limit", "1", "-e", "SET 'auto.offset.reset'='earliest'; SELECT * FROM s EMIT CHANGES;")
	if rows(out) != 1 || !strings.Contains(out, "Query terminated after 1 row (--query-row-limit)") {
		t.Errorf("push query with --query-row-limit 1:\n%s", out)
	}
	out = limited("--query-row-limit", "3", "-e", "SELECT * FROM s;")
	if rows(out) != 3 || !strings.Contains(out, "--query-row-limit") {
		t.Errorf("pull query of 5 rows with --query-row-limit 3:\n%s", out)
	}
	out = limited("--query-row-limit", "10", "-e", "SELECT * FROM s;")
	if rows(out) != 5 || strings.Contains(out, "--query-row-limit") {
		t.Errorf("pull query of 5 rows with --query-row-limit 10:\n%s", out)
	}
	out = limited("--query-timeout", "300", "-e", "SET 'auto.offset.reset'='earliest'; SELECT * FROM s EMIT CHANGES; SHOW STREAMS;")
	if rows(out) != 5 || !strings.Contains(out, "Query terminated after 300 ms (--query-timeout)") || !strings.Contains(out, "Stream Name") {
		t.Errorf("push query with --query-timeout 300:\n%s", out)
	}
}
