package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScriptErrorsPointAtTheText runs a script file against the embedded
// broker with a semantic and a syntax error and --continue-on-error: each
// error names the file, line and column with the line and a caret, the
// script goes on, and it still exits non-zero with a summary.
func TestScriptErrorsPointAtTheText(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "flow.sql")
	text := "CREATE STREAM s (id INT KEY, v STRING)\n" +
		"  WITH (kafka_topic='s', value_format='JSON', partitions=1);\n" +
		"SELECT id,\n" +
		"       nosuchcol FROM s EMIT CHANGES;\n" +
		"SHOW STREAMS; CREATE STREM x;\n" +
		"SHOW TABLES;\n"
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw strings.Builder
	code := run([]string{"--data-dir", filepath.Join(dir, "data"), "--kafka-listen", "127.0.0.1:0", "--registry-listen", "",
		"--continue-on-error", "-f", script}, os.Stdin, &out, &errw)
	stderr := errw.String()
	if code != 1 {
		t.Errorf("exit code %d, want 1 after failed statements\nstderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		script + ":4:8: SELECT column 'NOSUCHCOL' cannot be resolved.\n" +
			"    4 |        nosuchcol FROM s EMIT CHANGES;\n" +
			"      |        ^\n",
		script + ":5:22: Syntax Error\n",
		"    5 | SHOW STREAMS; CREATE STREM x;\n      |                      ^\n",
		"2 of 5 statements failed:\n" +
			"  " + script + ":4:8: SELECT column 'NOSUCHCOL' cannot be resolved.\n" +
			"  " + script + ":5:22: Syntax Error\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks\n%s\ngot:\n%s", want, stderr)
		}
	}
	// The statements after the failures ran.
	if !strings.Contains(out.String(), "Table Name") {
		t.Errorf("SHOW TABLES after the errors did not run:\n%s", out.String())
	}
}
