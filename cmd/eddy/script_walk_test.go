package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runScriptFile writes text to a file and runs it with eddy -f against an
// embedded broker in its own data directory, returning the exit code,
// stdout and stderr.
func runScriptFile(t *testing.T, text string, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
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
	code, out, stderr := runScriptFile(t, "DEFINE topic = 'orders';\n"+
		"CREATE STREAM s (id INT KEY,\n"+
		"  -- legacy_${old_column} STRING,\n"+
		"  v STRING /* was ${renamed} */)\n"+
		"  WITH (kafka_topic='${topic}', value_format='JSON', partitions=1);\n"+
		"INSERT INTO s (id, v) VALUES (1, '-- ${topic} /* kept */');\n"+
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
// with the file, line and column, stops there and exits 1, the
// statements before it having run.
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
	code, out, stderr := runScriptFile(t, text.String())
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
	if !strings.Contains(out, "Stream created") || strings.Count(out, "Stream created") != 1 {
		t.Errorf("want the first CREATE to have run and the one after the error not:\n%s", out)
	}
}
