package repl

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/api"
)

// twoRows streams a header and two rows, the second longer than the first.
func twoRows(long string) *testClient {
	return &testClient{
		stream: func(_ context.Context, _ string, emit func(api.StreamedRow) error) error {
			emit(api.StreamedRow{Header: &api.QueryHeader{Schema: "`ID` INTEGER, `V` STRING"}})
			emit(api.StreamedRow{Row: &api.Row{Columns: []any{1, "short"}}})
			emit(api.StreamedRow{Row: &api.Row{Columns: []any{2, long}}})
			emit(api.StreamedRow{FinalMessage: "Limit Reached"})
			return nil
		},
		execute: func(string) ([]api.Entity, error) {
			return []api.Entity{&api.StreamsList{Streams: []api.SourceInfo{{Name: "S", Topic: "s, \"quoted\"", KeyFormat: "KAFKA", ValueFormat: "JSON"}}}}, nil
		},
	}
}

// TestPipedRowsAreNotWrapped: output that is not a terminal keeps every
// row on one line, however long its values.
func TestPipedRowsAreNotWrapped(t *testing.T) {
	long := strings.Repeat("x", 300)
	out, _, err := session(t, twoRows(long), Options{}, "SELECT * FROM s EMIT CHANGES LIMIT 2;")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "|2   |"+long+"|\n") {
		t.Errorf("the long row is not on one line:\n%s", out)
	}
	// On a terminal it is wrapped to the width.
	out, _, _ = session(t, twoRows(long), Options{width: func() int { return 80 }}, "SELECT * FROM s EMIT CHANGES LIMIT 2;")
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 80 {
			t.Errorf("line of %d characters on an 80-column terminal: %q", len(l), l)
		}
	}
}

func TestCSVOutput(t *testing.T) {
	c := twoRows("a,b \"c\"")
	out, stderr, err := session(t, c, Options{Output: "csv"}, "SET 'auto.offset.reset'='earliest';\nSELECT * FROM s EMIT CHANGES LIMIT 2;\nSHOW STREAMS;\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "ID,V\n1,short\n2,\"a,b \"\"c\"\"\"\n" +
		"Stream Name,Kafka Topic,Key Format,Value Format,Windowed\nS,\"s, \"\"quoted\"\"\",KAFKA,JSON,false\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant\n%s", out, want)
	}
	if !strings.HasSuffix(stderr, "Limit Reached\n") || !strings.HasPrefix(stderr, "Successfully changed") {
		t.Errorf("the final message belongs on stderr, not in the CSV: %q", stderr)
	}
	out, _, _ = session(t, &testClient{}, Options{Interactive: true}, "output csv\n")
	if !strings.Contains(out, "Output format: CSV") {
		t.Errorf("output command: %q", out)
	}
}

// TestDescribeExtendedOldOrderHint: the old word order runs, with a hint.
func TestDescribeExtendedOldOrderHint(t *testing.T) {
	_, stderr, err := session(t, &testClient{}, Options{}, "DESCRIBE EXTENDED s;\nDESCRIBE s EXTENDED;\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(stderr, "DESCRIBE <name> EXTENDED") != 1 {
		t.Errorf("want one hint, for the old order: %q", stderr)
	}
}

// TestJSONRowsKeepDoubles: OUTPUT JSON writes a DOUBLE column's whole
// number as the server sent it and ksqlDB's CLI prints it, 2.0, not as an
// integer 2 (the HTTP client reads DOUBLE columns into float64s).
func TestJSONRowsKeepDoubles(t *testing.T) {
	c := &testClient{stream: func(_ context.Context, _ string, emit func(api.StreamedRow) error) error {
		emit(api.StreamedRow{Header: &api.QueryHeader{Schema: "`A` DOUBLE, `B` DOUBLE, `C` DOUBLE"}})
		emit(api.StreamedRow{Row: &api.Row{Columns: []any{2.0, 0.5, 1e7}}})
		return emit(api.StreamedRow{FinalMessage: "Query Completed"})
	}}
	out, _, err := session(t, c, Options{Output: "json"}, "SELECT * FROM t;")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "      2.0,\n      0.5,\n      1.0E7\n") {
		t.Errorf("out %s", out)
	}
}
