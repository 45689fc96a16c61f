package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRedirectedScriptIsParsedFirst: `eddy < flow.sql` has the whole
// script at hand, so it runs as `eddy -f flow.sql` does: a syntax error
// on its last line stops it before the first statement has created
// anything, named as <stdin> with line and column.
func TestRedirectedScriptIsParsedFirst(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "flow.sql")
	text := "-- a comment\n/* and a block\n   comment */\nCREATE STREAM s (id INT KEY, v STRING)\n" +
		"  WITH (kafka_topic='s', value_format='JSON', partitions=1);\n" +
		"INSERT INTO s (id, v) VALUES (1, 'a;b');\nSELECT * FROM s WHER id = 1;\n"
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(script)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out, errw strings.Builder
	code := run([]string{"--data-dir", filepath.Join(dir, "data"), "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}, in, &out, &errw)
	if code != 1 || !strings.Contains(errw.String(), "<stdin>:7:22: Syntax Error") || out.String() != "" {
		t.Errorf("eddy < flow.sql: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errw.String())
	}
}

// TestPipedUTF16SaysSo: a UTF-16 script piped in is refused with that
// said, as -f refuses one (TestScriptInUTF16SaysSo), not as a token
// recognition error.
func TestPipedUTF16SaysSo(t *testing.T) {
	b := []byte{0xff, 0xfe}
	for _, r := range "SHOW STREAMS;\n" {
		b = append(b, byte(r), 0)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() { w.Write(b); w.Close() }()
	var out, errw strings.Builder
	dir := t.TempDir()
	code := run([]string{"--data-dir", filepath.Join(dir, "data"), "--kafka-listen", "127.0.0.1:0", "--registry-listen", ""}, r, &out, &errw)
	if code != 1 || !strings.Contains(errw.String(), "<stdin>: the script is UTF-16 text") {
		t.Errorf("exit %d, stderr:\n%s", code, errw.String())
	}
}
