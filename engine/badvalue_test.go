package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestInvalidJSONValueIsNotNull: a JSON value that starts with a NUL
// byte (or any bytes that are not JSON) is a deserialization error, logged
// and skipped: a stream does not emit a null value for it and a table
// does not delete the row. Only an empty value is a tombstone.
func TestInvalidJSONValueIsNotNull(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v BIGINT) WITH (kafka_topic='s_in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE t (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='t_in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM s_out AS SELECT * FROM s;")
	mustExec(t, e, "CREATE TABLE t_out AS SELECT * FROM t;")
	ctx := context.Background()
	bad := [][]byte{[]byte("\x00{\"V\":2}"), {0}, []byte("\x00null"), []byte("nul"), {0xff, 0xfe}}
	for _, topic := range []string{"s_in", "t_in"} {
		recs := []kafka.Record{{Topic: topic, Partition: -1, Key: []byte("a"), Value: []byte(`{"V":1}`)}}
		for _, b := range bad {
			recs = append(recs, kafka.Record{Topic: topic, Partition: -1, Key: []byte("a"), Value: b})
		}
		recs = append(recs, kafka.Record{Topic: topic, Partition: -1, Key: []byte("b"), Value: []byte(`{"V":3}`)})
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	want := `a|{"V":1} b|{"V":3}`
	if got := strings.Join(values(t, cl, "S_OUT"), " "); got != want {
		t.Errorf("stream output %q, want %q (no null values for the bad records)", got, want)
	}
	if got := strings.Join(values(t, cl, "T_OUT"), " "); got != want {
		t.Errorf("table output %q, want %q (no deletes for the bad records)", got, want)
	}
	logged := values(t, cl, "default_ksql_processing_log")
	if len(logged) != 2*len(bad) {
		t.Errorf("%d processing log records, want %d: %q", len(logged), 2*len(bad), logged)
	}
}
