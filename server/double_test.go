package server

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestDoublesAsKsqlDBWritesThem: DOUBLE values keep Java's
// Double.toString form in every row format, so an integral 11.0 is not
// written as the integer 11.
func TestDoublesAsKsqlDBWritesThem(t *testing.T) {
	ts := startMem(t, nil)
	ts.ksql(t, "CREATE STREAM d (k DOUBLE KEY, v DOUBLE, a ARRAY<DOUBLE>, m MAP<STRING, DOUBLE>, s STRUCT<x DOUBLE>) WITH (kafka_topic='d', value_format='JSON', partitions=1);")
	ts.ksql(t, "INSERT INTO d (k, v, a, m, s) VALUES (11.0, 12345678.0, ARRAY[1.0, 2.5], MAP('x' := 3.0), STRUCT(x := 0.0));")
	const push = "SELECT * FROM d EMIT CHANGES LIMIT 1;"
	expectPushRow(t, ts, push, `[11.0,1.2345678E7,[1.0,2.5],{"x":3.0},{"X":0.0}]`)
}

// expectPushRow runs push (a push query with LIMIT 1) through /query and
// through /query-stream, delimited and JSON, and expects want, the row's
// columns as JSON text, in each body.
func expectPushRow(t *testing.T, ts *testServer, push, want string) {
	t.Helper()
	_, _, body := ts.do(t, ts.http, "POST", "/query", "", queryBody(push))
	if !strings.Contains(body, `{"row":{"columns":`+want+`}}`) {
		t.Errorf("/query: %s", body)
	}
	_, _, body = ts.do(t, ts.http, "POST", "/query-stream", "", streamBody(push))
	if !strings.Contains(body, "\n"+want+"\n") {
		t.Errorf("/query-stream delimited: %s", body)
	}
	_, _, body = ts.do(t, ts.http, "POST", "/query-stream", "application/json", streamBody(push))
	if !strings.Contains(body, ","+want+"]") {
		t.Errorf("/query-stream JSON: %s", body)
	}
}

func TestWireDouble(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{11, "11.0"}, {-0.5, "-0.5"}, {1e21, "1.0E21"}, {0.0001, "1.0E-4"},
		{math.NaN(), `"NaN"`}, {math.Inf(1), `"Infinity"`}, {math.Inf(-1), `"-Infinity"`},
	} {
		b, err := json.Marshal(wireValue(c.in))
		if err != nil || string(b) != c.want {
			t.Errorf("%v: got %s, %v; want %s", c.in, b, err, c.want)
		}
	}
	if got := wireColumns(nil); got != nil {
		t.Errorf("nil columns became %v", got)
	}
	b, _ := json.Marshal(wireColumns([]any{int64(1), "s", nil, []any{2.0}, map[string]any{"k": 3.5}}))
	if string(b) != `[1,"s",null,[2.0],{"k":3.5}]` {
		t.Errorf("mixed row: %s", b)
	}
}
