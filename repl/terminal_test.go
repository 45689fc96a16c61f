package repl

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// TestTerminalShowsControlCharacters: a value holding an escape sequence
// (any producer can write one) must not reach a terminal as one, where it
// would recolour, clear or retitle the user's screen and misalign the
// table; on a terminal the shell shows control characters as \xHH, in
// query rows and in PRINT's lines. Output to a pipe or file keeps the
// bytes as they are.
func TestTerminalShowsControlCharacters(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	eng, err := engine.New(context.Background(), engine.Options{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	const evil = "red\x1b[31mX\x1b[0m\x1b]0;title\x07\x7f\u009b\r end"
	run := func(width int, script string) string {
		var out, errw strings.Builder
		o := Options{Client: eng, Out: &out, Err: &errw, Source: "t.sql", width: func() int { return width }}
		if err := RunScript(context.Background(), o, script); err != nil {
			t.Fatalf("%v\n%s", err, errw.String())
		}
		return out.String()
	}
	run(0, "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='KAFKA', partitions=1);\n"+
		"INSERT INTO s (id, v) VALUES (1, '"+evil+"');\n")
	const script = "SELECT * FROM s;\nPRINT 's' FROM BEGINNING LIMIT 1;\n"
	screen := run(120, script)
	const shown = `red\x1B[31mX\x1B[0m\x1B]0;title\x07\x7F\x9B\x0D end`
	if strings.ContainsAny(screen, "\x1b\x07\x7f\u009b\r") {
		t.Errorf("control characters reached the terminal:\n%q", screen)
	}
	if strings.Count(screen, shown) != 2 {
		t.Errorf("want the value shown as %s in the row and in PRINT's line:\n%s", shown, screen)
	}
	lines := strings.Split(screen, "\n")
	for _, l := range lines[1:4] {
		if displayWidth(l) != displayWidth(lines[0]) {
			t.Errorf("the table's lines differ in width:\n%s", strings.Join(lines[:4], "\n"))
			break
		}
	}
	if piped := run(0, script); strings.Count(piped, evil) != 2 {
		t.Errorf("output to a pipe changed the value's bytes:\n%q", piped)
	}
}
