package repl

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHistoryRecallsWholeStatements drives the line editor as on a
// terminal: a statement typed over three lines, then Up and Enter, runs
// the whole statement again, and the history file holds it as one entry.
func TestHistoryRecallsWholeStatements(t *testing.T) {
	histFile := filepath.Join(t.TempDir(), "history")
	keys, typing := io.Pipe()
	c := &testClient{}
	var out, errw strings.Builder
	o := Options{Client: c, In: strings.NewReader(""), Out: &out, Err: &errw, Interactive: true, HistoryFile: histFile,
		interrupts: make(chan os.Signal), terminal: fakeTerminal(keys)}
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), o) }()
	// Keys as a terminal sends them: Enter is CR, Up is ESC [ A, Ctrl-D
	// on an empty line ends the session.
	for _, k := range []string{"SELECT *\r", "  FROM s -- the source\r", "  EMIT CHANGES;\r", "\x1b[A", "\r", "\x04"} {
		if _, err := io.WriteString(typing, k); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the session did not end; calls %q", c.sqls())
	}
	want := []string{
		"Stream SELECT *\n  FROM s -- the source\n  EMIT CHANGES;",
		"Stream SELECT * FROM s /* the source */ EMIT CHANGES;",
	}
	var got []string
	for _, call := range c.sqls() {
		if strings.HasPrefix(call, "Stream ") { // not the completer's SHOW requests
			got = append(got, call)
		}
	}
	if !equal(got, want) {
		t.Errorf("Up did not recall the whole statement:\ncalls %q\nwant  %q", got, want)
	}
	b, err := os.ReadFile(histFile)
	if err != nil {
		t.Fatal(err)
	}
	// One line for the statement (the line editor keeps a repeat once).
	if got := strings.Split(strings.TrimSpace(string(b)), "\n"); !equal(got, []string{want[1][len("Stream "):]}) {
		t.Errorf("history file:\n%s", b)
	}
}

func TestHistoryEntry(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"SELECT 'a--b',", "  x -- note */", "FROM s;"}, "SELECT 'a--b', x /* note * / */ FROM s;"},
		{[]string{"SHOW STREAMS;"}, "SHOW STREAMS;"},
		{[]string{"-- only a comment", "SHOW TABLES;"}, "/* only a comment */ SHOW TABLES;"},
	} {
		if got := historyEntry(tc.lines); got != tc.want {
			t.Errorf("historyEntry(%q) = %q, want %q", tc.lines, got, tc.want)
		}
	}
}
