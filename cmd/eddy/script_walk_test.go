package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runScriptFile writes text to flow.sql in a new directory and runs it
// with eddy -f against an embedded broker with its data there, returning
// the exit code, stdout and stderr.
func runScriptFile(t *testing.T, text string, args ...string) (int, string, string) {
	t.Helper()
	return runScriptIn(t, t.TempDir(), text, args...)
}

// runScriptIn is runScriptFile in dir, whose data directory a later call
// finds as the earlier one left it.
func runScriptIn(t *testing.T, dir, text string, args ...string) (int, string, string) {
	t.Helper()
	script := filepath.Join(dir, "flow.sql")
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw strings.Builder
	argv := append([]string{"--data-dir", filepath.Join(dir, "data"), "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}, args...)
	code := run(append(argv, "-f", script), os.Stdin, &out, &errw)
	return code, out.String(), errw.String()
}

// TestScriptVariablesInCommentsAreNotReferences: a line commented out in
// the middle of a statement may name a variable that is no longer
// defined; as in ksqlDB, comments are not searched for variables, so the
// script runs.
func TestScriptVariablesInCommentsAreNotReferences(t *testing.T) {
	code, out, stderr := runScriptFile(t, "DEFINE topic_name = 'orders';\n"+
		"CREATE STREAM s (id INT KEY,\n"+
		"  -- legacy_${old_column} STRING,\n"+
		"  v STRING /* was ${renamed} */)\n"+
		"  WITH (kafka_topic='${topic_name}', value_format='JSON', partitions=1);\n"+
		"INSERT INTO s (id, v) VALUES (1, '-- ${topic_name} /* kept */');\n"+
		"SELECT * FROM s;\n")
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s", code, stderr)
	}
	if !strings.Contains(out, "|1   |-- orders /* kept */|") {
		t.Errorf("the row is not there, or the literal lost its text:\n%s", out)
	}
}

// TestScriptSyntaxErrorSaysWhatWasExpected: a misspelt keyword after a
// statement that could end there (WHER read as an alias) is, in ksqlDB's
// words, a bare "Syntax Error"; the shell adds what the parser expected,
// with the file, line and column, and exits 1.
func TestScriptSyntaxErrorSaysWhatWasExpected(t *testing.T) {
	var text strings.Builder
	text.WriteString("CREATE STREAM s (id INT KEY, v STRING)\n  WITH (kafka_topic='s', value_format='JSON', partitions=1);\n")
	for i := 3; i < 37; i++ {
		text.WriteString("-- filler\n")
	}
	text.WriteString("SELECT * FROM s WHER id = 1;\n")
	for i := 38; i < 60; i++ {
		text.WriteString("-- filler\n")
	}
	text.WriteString("CREATE STREAM after_error (id INT KEY) WITH (kafka_topic='a', value_format='JSON', partitions=1);\n")
	code, _, stderr := runScriptFile(t, text.String())
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	want := ":37:22: Syntax Error\n" +
		"Expecting {'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'WINDOW', 'WHERE', 'GROUP', 'PARTITION', 'HAVING', 'EMIT', 'LIMIT', ';'}\n" +
		"   37 | SELECT * FROM s WHER id = 1;\n" +
		"      |                      ^\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks\n%s\ngot:\n%s", want, stderr)
	}
}

// TestScriptWithSyntaxErrorRunsNothing: as ksqlDB's shell parses a whole
// file (or -e, or RUN SCRIPT's file) before it runs any of it, a syntax
// error late in a script stops it before its first statement has
// created anything, so that a CI job does not leave half a pipeline.
// Variables are followed as the script defines them; with
// --continue-on-error every statement that parses still runs.
func TestScriptWithSyntaxErrorRunsNothing(t *testing.T) {
	dir := t.TempDir()
	script := "DEFINE fmt = 'JSON';\n" +
		"CREATE STREAM s (id INT KEY, v STRING)\n" +
		"  WITH (kafka_topic='s', value_format='${fmt}', partitions=1);\n" +
		"CREATE STREAM t WITH (kafka_topic='t', value_format='${fmt}') AS SELECT * FROM s;\n" +
		"DEFINE src = 's';\n" +
		"SELECT * FROM ${src} WHERE id = = 1;\n" +
		"CREATE STREAM u (id INT KEY) WITH (kafka_topic='u', value_format='JSON', partitions=1);\n"
	code, out, stderr := runScriptIn(t, dir, script)
	if code != 1 || !strings.Contains(stderr, "flow.sql:6:33: Syntax Error\n") {
		t.Errorf("exit code %d, want 1, with the error at 6:33 (of the line as typed):\n%s", code, stderr)
	}
	if out != "" {
		t.Errorf("statements ran before the syntax error was found:\n%s", out)
	}
	sub := filepath.Join(dir, "sub.sql")
	if err := os.WriteFile(sub, []byte("CREATE STREAM s2 (id INT KEY) WITH (kafka_topic='s2', value_format='JSON', partitions=1);\nSHOW STREAMS extra;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runScriptIn(t, dir, "RUN SCRIPT '"+sub+"';\nSHOW STREAMS;\n")
	if code != 1 || !strings.Contains(stderr, "sub.sql:2:14: Syntax Error") || strings.Contains(out, "Stream created") {
		t.Errorf("RUN SCRIPT of a file with a syntax error: exit code %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	code, out, stderr = runScriptIn(t, dir, "SHOW STREAMS;\n")
	if code != 0 || strings.Contains(out, " S ") || strings.Contains(out, " S2 ") || strings.Contains(out, " T ") {
		t.Errorf("the catalog after the failed scripts: exit code %d\n%s%s", code, out, stderr)
	}
	// A variable a nested script defines is known only when it has run:
	// the statement using it is checked when it runs.
	if err := os.WriteFile(sub, []byte("DEFINE later = 'S';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runScriptIn(t, dir, "RUN SCRIPT '"+sub+"';\nCREATE STREAM ${later} (id INT KEY) WITH (kafka_topic='s', value_format='JSON', partitions=1);\n")
	if code != 0 || !strings.Contains(out, "Stream created") {
		t.Errorf("a variable from RUN SCRIPT: exit code %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runScriptFile(t, script, "--continue-on-error")
	if code != 1 || strings.Count(out, "Stream created") != 2 || !strings.Contains(out, "Created query") {
		t.Errorf("--continue-on-error: exit code %d\n%s%s", code, out, stderr)
	}
}

// TestScriptInUTF16SaysSo: a script an editor saved as UTF-16 (Windows'
// "Unicode") is refused with that said, rather than as a token
// recognition error at an unprintable character; so is RUN SCRIPT of one.
func TestScriptInUTF16SaysSo(t *testing.T) {
	utf16 := func(s string) string {
		b := []byte{0xff, 0xfe}
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return string(b)
	}
	dir := t.TempDir()
	code, _, stderr := runScriptIn(t, dir, utf16("SHOW STREAMS;\n"))
	if code != 1 || !strings.Contains(stderr, "flow.sql: the script is UTF-16 text") {
		t.Errorf("exit code %d, stderr:\n%s", code, stderr)
	}
	sub := filepath.Join(dir, "sub.sql")
	if err := os.WriteFile(sub, []byte(utf16("SHOW STREAMS;\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runScriptIn(t, dir, "RUN SCRIPT '"+sub+"';\n")
	if code != 1 || !strings.Contains(stderr, "sub.sql: the script is UTF-16 text") {
		t.Errorf("RUN SCRIPT: exit code %d, stderr:\n%s", code, stderr)
	}
}
