package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
)

// TestUnreadColumnStillChecked: a query that reads some of a stream's
// columns still rejects a record whose unread column has a bad value, as
// ksqlDB deserializes whole records: the record goes to the processing
// log and is skipped, the others come out, exactly as for a query
// reading every column. The source's TIMESTAMP column, read by no clause,
// still times the output.
func TestUnreadColumnStillChecked(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id BIGINT, url STRING, extra BIGINT, tags ARRAY<INT>, ts BIGINT) "+
		"WITH (kafka_topic='s_in', value_format='JSON', timestamp='ts', partitions=1);")
	mustExec(t, e, "CREATE STREAM some AS SELECT k, id FROM s WHERE id > 0;")
	mustExec(t, e, "CREATE TABLE counts AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;")
	mustExec(t, e, "CREATE STREAM every AS SELECT * FROM s;")
	recs := []kafka.Record{
		{Key: []byte("a"), Value: []byte(`{"ID":1,"URL":"u","EXTRA":5,"TAGS":[1],"TS":1000}`)},
		{Key: []byte("b"), Value: []byte(`{"ID":2,"URL":"u","EXTRA":"abc","TS":1000}`)},
		{Key: []byte("c"), Value: []byte(`{"ID":3,"URL":"a\qb","TS":1000}`)},
		{Key: []byte("d"), Value: []byte(`{"ID":4,"TAGS":[1,"x"],"TS":1000}`)},
		{Key: []byte("e"), Value: []byte(`{"ID":5,"URL":{"x":[1, 2]},"EXTRA":"7","TS":2000}`)},
	}
	for i := range recs {
		recs[i].Topic, recs[i].Partition = "s_in", -1
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(values(t, cl, "SOME"), " "), `a|{"ID":1} e|{"ID":5}`; got != want {
		t.Errorf("SOME: %q, want %q", got, want)
	}
	if got, want := strings.Join(values(t, cl, "COUNTS"), " "), `a|{"N":1} e|{"N":1}`; got != want {
		t.Errorf("COUNTS: %q, want %q", got, want)
	}
	want := `a|{"ID":1,"URL":"u","EXTRA":5,"TAGS":[1],"TS":1000} e|{"ID":5,"URL":"{\"x\":[1,2]}","EXTRA":7,"TAGS":null,"TS":2000}`
	if got := strings.Join(values(t, cl, "EVERY"), " "); got != want {
		t.Errorf("EVERY: %q, want %q", got, want)
	}
	checkSkippedAlike(t, e, cl, 3, []string{"field `EXTRA`", "bad escape", "field `TAGS`: element 2"})
}

// checkSkippedAlike checks what a query skipping bad records shares with
// one reading every column: SOME's two outputs carry TS's times; each of
// the three queries logged the same n deserialization errors as EVERY,
// among them wants; and a push query's first two rows are the good
// records.
func checkSkippedAlike(t *testing.T, e *Engine, cl kafka.Cluster, n int, wants []string) {
	t.Helper()
	out, err := cl.ReadAll(context.Background(), "SOME")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Timestamp != 1000 || out[1].Timestamp != 2000 {
		t.Errorf("SOME timestamps: %+v, want 1000 and 2000 from TS", out)
	}
	byQuery := loggedErrors(t, cl)
	every := strings.Join(byQuery["EVERY"], "\n")
	for _, want := range wants {
		if !strings.Contains(every, want) {
			t.Errorf("EVERY's errors %q lack %q", every, want)
		}
	}
	if len(byQuery) != 3 || len(byQuery["EVERY"]) != n {
		t.Errorf("logged errors by query: %q, want %d for each of three", byQuery, n)
	}
	for q, msgs := range byQuery {
		if got := strings.Join(msgs, "\n"); got != every {
			t.Errorf("%s logged %q, EVERY %q", q, got, every)
		}
	}

	// A push query skips them too: its first two rows are the good records.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var rows []string
	err = e.Stream(ctx, "SELECT id FROM s EMIT CHANGES LIMIT 2;", map[string]string{"auto.offset.reset": "earliest"}, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, fmt.Sprint(r.Row.Columns))
		}
		return nil
	})
	if err != nil || strings.Join(rows, " ") != "[1] [5]" {
		t.Errorf("push query rows %q (%v), want [1] [5]", rows, err)
	}
}
