package engine

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// A table aggregation applies a source row's update as one change: while
// the row stays in its group one result is written (not one after the
// subtraction and another after the addition), the repartition topic
// carries the update as one record, and after a restart the old row is
// still known, so moving it to another group retracts it from the first.
func TestTableAggregateUpdatesAreOneChangeAcrossARestart(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e1 := engineOn(t, cl)
	mustExec(t, e1, "CREATE TABLE t (id INT PRIMARY KEY, g STRING, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);")
	mustExec(t, e1, "CREATE TABLE sums AS SELECT g, SUM(v) AS total FROM t GROUP BY g;")
	mustExec(t, e1, "INSERT INTO t (id, g, v) VALUES (1, 'a', 1);")
	mustExec(t, e1, "INSERT INTO t (id, g, v) VALUES (1, 'a', 5);")
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := engineOn(t, cl)
	defer e2.Close()
	mustExec(t, e2, "INSERT INTO t (id, g, v) VALUES (1, 'b', 5);")
	want := []string{`a|{"TOTAL":1}`, `a|{"TOTAL":5}`, `a|{"TOTAL":0}`, `b|{"TOTAL":5}`}
	if got := values(t, cl, "SUMS"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %q, want %q", got, want)
	}
	repart := "_confluent-ksql-default_query_CTAS_SUMS_0-Aggregate-GroupBy-repartition"
	if n := len(values(t, cl, repart)); n != 4 {
		t.Fatalf("repartition topic has %d records, want 4 (insert, update, retraction, addition)", n)
	}
}
