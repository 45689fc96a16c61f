package repl

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// TestSetCLIWrapAndColumnWidth runs queries on a real engine after
// `set cli COLUMN-WIDTH` and `set cli WRAP`: every column is as wide as
// set; WRAP OFF cuts a longer value so its row stays one line, WRAP ON
// (the default) wraps it on a terminal.
func TestSetCLIWrapAndColumnWidth(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.Options{Cluster: kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	setup := "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);\n" +
		"INSERT INTO s (id, v) VALUES (1, 'abcdefghij');\n" +
		"SET 'auto.offset.reset'='earliest';\n"
	query := "SELECT id, v FROM s EMIT CHANGES LIMIT 1;\n"
	run := func(width int, script string) string {
		t.Helper()
		var out, errw strings.Builder
		o := Options{Client: eng, Out: &out, Err: &errw, width: func() int { return width }}
		if err := RunScript(context.Background(), o, script); err != nil {
			t.Fatalf("%v\n%s%s", err, out.String(), errw.String())
		}
		return out.String()
	}
	if err := RunScript(context.Background(), Options{Client: eng}, setup); err != nil {
		t.Fatal(err)
	}
	set := "SET 'auto.offset.reset'='earliest';\n"

	// Piped, WRAP OFF and COLUMN-WIDTH 6: six-wide columns, the value cut.
	out := run(0, set+"set cli COLUMN-WIDTH 6\nset cli wrap off;\n"+query)
	for _, want := range []string{"COLUMN-WIDTH: 6\nWRAP: OFF\n", "+------+------+\n|ID    |V     |\n+------+------+\n|1     |abcdef|\nLimit Reached\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("piped, WRAP OFF, COLUMN-WIDTH 6: lacks %q:\n%s", want, out)
		}
	}
	// On an 80-column terminal, WRAP ON: the value goes on on a second line.
	out = run(80, set+"set cli COLUMN-WIDTH 6\n"+query)
	if want := "|1     |abcdef|\n|      |ghij  |\n"; !strings.Contains(out, want) {
		t.Errorf("terminal, WRAP ON, COLUMN-WIDTH 6: lacks %q:\n%s", want, out)
	}
	// The same with WRAP OFF: one line.
	out = run(80, set+"set cli COLUMN-WIDTH 6\nset cli WRAP OFF\n"+query)
	if !strings.Contains(out, "|1     |abcdef|\nLimit Reached") {
		t.Errorf("terminal, WRAP OFF: %s", out)
	}
	// Width 0 is the default again: the terminal shared between the columns.
	out = run(41, set+"set cli COLUMN-WIDTH 6\nset cli COLUMN-WIDTH 0\nset cli\n"+query)
	if !strings.Contains(out, "WRAP: ON\nCOLUMN-WIDTH: 0\n") || !strings.Contains(out, "|1"+strings.Repeat(" ", 18)+"|abcdefghij"+strings.Repeat(" ", 9)+"|") {
		t.Errorf("COLUMN-WIDTH 0 on a 41-column terminal:\n%s", out)
	}
	for _, bad := range []string{"set cli WRAP maybe\n", "set cli COLUMN-WIDTH -1\n", "set cli COLOR ON\n"} {
		if err := RunScript(context.Background(), Options{Client: eng}, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
