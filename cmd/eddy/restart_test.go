package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestKill9KeepsCatalogAndRecords kills a running eddy with SIGKILL in the
// middle of a push query and checks that a restarted eddy still has the
// stream, the persistent query and every record: the query resumes from
// its committed offsets and processes what was written after the crash.
func TestKill9KeepsCatalogAndRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := buildEddy(t)
	dir := t.TempDir()
	listen := freeAddr(t)
	eddy := func(args ...string) *exec.Cmd {
		return exec.Command(bin, append([]string{"--data-dir", dir, "--kafka-listen", listen, "--registry-listen", ""}, args...)...)
	}

	// First life: create, insert, wait until the query has processed the
	// records, then block in an endless push query and get killed.
	script := strings.Join([]string{
		"SET 'auto.offset.reset'='earliest';",
		"CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=2);",
		"CREATE STREAM doubled AS SELECT id, v + v AS vv FROM s;",
		"INSERT INTO s (id, v) VALUES (1, 'a');",
		"INSERT INTO s (id, v) VALUES (2, 'b');",
		"SELECT id, vv FROM doubled EMIT CHANGES LIMIT 2;",
		"SELECT * FROM s EMIT CHANGES;",
	}, "\n")
	first := eddy("-e", script)
	stdout, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(60*time.Second, func() { first.Process.Kill() })
	for lines.Scan() && !strings.Contains(lines.Text(), "Limit Reached") {
	}
	deadline.Stop()
	// Give the endless query a moment to start, then crash.
	time.Sleep(300 * time.Millisecond)
	if err := first.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	// Second life: the catalog is back, and a record written now flows
	// through the restarted persistent query.
	out, err := eddy("-e", strings.Join([]string{
		"SET 'auto.offset.reset'='earliest';",
		"SHOW QUERIES;",
		"INSERT INTO s (id, v) VALUES (3, 'c');",
		"SELECT id, vv FROM doubled EMIT CHANGES LIMIT 3;",
	}, "\n")).CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "CSAS_DOUBLED_0") {
		t.Errorf("persistent query not restored:\n%s", text)
	}
	for _, want := range []string{"aa", "bb", "cc"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr())
}
