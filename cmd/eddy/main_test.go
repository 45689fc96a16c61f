package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShellFlags(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg")
	f, err := parseShellFlags([]string{"-d", "a=1", "--define", "b=x=y", "-e", "SHOW STREAMS;", "--output", "json"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.dataDir != "/xdg/eddy" || f.historyFile != "/xdg/eddy/history" || f.kafkaListen != "127.0.0.1:9092" || f.serviceID != "default_" {
		t.Errorf("defaults: %+v", f.config)
	}
	if f.defines["a"] != "1" || f.defines["b"] != "x=y" || f.execute != "SHOW STREAMS;" {
		t.Errorf("parsed: %+v", f)
	}
	// A script may be named as the argument, as with --file.
	f, err = parseShellFlags([]string{"--server", "http://h:8088", "flows/Ratings.SQL"}, io.Discard)
	if err != nil || f.file != "flows/Ratings.SQL" || f.server != "http://h:8088" {
		t.Errorf("script argument: %+v, %v", f, err)
	}
	for _, bad := range [][]string{{"--output", "xml"}, {"--define", "novalue"}, {"--define", "topic=t"}, {"-d", "my-var=1"}, {"stray"}, {"a.sql", "b.sql"}, {"-f", "a.sql", "b.sql"}} {
		if _, err := parseShellFlags(bad, io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestScriptAgainstEmbeddedBroker is a smoke test of the wiring: flags,
// embedded broker, engine and shell, persisted across two runs.
func TestScriptAgainstEmbeddedBroker(t *testing.T) {
	dir := t.TempDir()
	runEddy := func(args ...string) (int, string, string) {
		var out, errw strings.Builder
		code := run(append([]string{"--data-dir", dir, "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}, args...), os.Stdin, &out, &errw)
		return code, out.String(), errw.String()
	}
	code, out, stderr := runEddy("-e", "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	if code != 0 || !strings.Contains(out, "Stream created") {
		t.Fatalf("create: code %d out %q stderr %q", code, out, stderr)
	}
	code, out, _ = runEddy("-e", "SHOW STREAMS")
	if code != 0 || !strings.Contains(out, " S ") {
		t.Fatalf("show after restart: code %d out %q", code, out)
	}
	code, _, stderr = runEddy("-e", "DROP STREAM nope; SHOW STREAMS;")
	if code != 1 || stderr == "" {
		t.Fatalf("failing script: code %d stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "eddy.log")); err != nil {
		t.Errorf("no log file: %v", err)
	}
}

// TestMigrationsSubcommand: `eddy migrations` reaches the migrations
// tool (new-project needs no server) and the usage names it.
func TestMigrationsSubcommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	var out, errw strings.Builder
	if code := run([]string{"migrations", "new-project", dir, "http://127.0.0.1:1"}, os.Stdin, &out, &errw); code != 0 {
		t.Fatalf("new-project: %d %s %s", code, out.String(), errw.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "ksql-migrations.properties"))
	if err != nil || !strings.HasPrefix(string(b), "ksql.server.url=http://127.0.0.1:1\n") {
		t.Errorf("config file: %q %v", b, err)
	}
	out.Reset()
	if code := run([]string{"help"}, os.Stdin, &out, &errw); code != 0 || !strings.Contains(out.String(), "eddy migrations") {
		t.Errorf("usage: %d %s", code, out.String())
	}
}
