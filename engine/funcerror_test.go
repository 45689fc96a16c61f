package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestFunctionErrorKeepsQueryRunning: a scalar function failing on one
// record makes its column NULL and a table function failing gives that
// record no rows; each writes a processing-log entry, and the query
// stays RUNNING and processes the next record, as in ksqlDB.
func TestFunctionErrorKeepsQueryRunning(t *testing.T) {
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, d DOUBLE, p INT, arr ARRAY<INT>) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM rounded AS SELECT k, ROUND(d, p) AS r FROM s;")
	mustExec(t, e, "CREATE STREAM cubes AS SELECT k, CUBE_EXPLODE(arr) AS c FROM s;")
	long := `[` + strings.Repeat("1,", 20) + `1]` // 21 elements: too many for CUBE_EXPLODE
	var recs []kafka.Record
	for _, v := range []string{
		`{"D":2.25,"P":1,"ARR":[1]}`,
		`{"D":2.5,"P":2147483647,"ARR":` + long + `}`,
		`{"D":3.5,"P":0,"ARR":[2]}`,
	} {
		recs = append(recs, kafka.Record{Topic: "in", Partition: -1, Key: []byte("k"), Value: []byte(v)})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(values(t, cl, "ROUNDED"), " "), `k|{"R":2.3} k|{"R":null} k|{"R":4.0}`; got != want {
		t.Errorf("ROUNDED %q, want %q", got, want)
	}
	if got, want := strings.Join(values(t, cl, "CUBES"), " "), `k|{"C":[null]} k|{"C":[1]} k|{"C":[null]} k|{"C":[2]}`; got != want {
		t.Errorf("CUBES %q, want %q", got, want)
	}
	logged := strings.Join(values(t, cl, "default_ksql_processing_log"), "\n")
	for _, want := range []string{"function ROUND failed: BigInteger would overflow supported range",
		"Table function CUBE_EXPLODE threw an exception: cube_explode: too many columns (21); max is 20"} {
		if !strings.Contains(logged, want) {
			t.Errorf("processing log lacks %q:\n%s", want, logged)
		}
	}
	for _, id := range []string{"CSAS_ROUNDED_0", "CSAS_CUBES_1"} {
		if d := explainOne(t, e, "EXPLAIN "+id+";"); d.State != "RUNNING" {
			t.Errorf("%s is %s", id, d.State)
		}
	}
}
