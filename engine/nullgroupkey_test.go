package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestNullGroupKeyIsLogged: a row whose GROUP BY column is NULL is left
// out of the table with a processing-log entry, as ksqlDB's
// GroupByParamsFactory logs it, both where the grouping repartitions and
// where it groups by the key; it was dropped without a word.
func TestNullGroupKeyIsLogged(t *testing.T) {
	cl := groupingTables(t)
	ctx := context.Background()
	if err := cl.Produce(ctx,
		kafka.Record{Topic: "in", Partition: -1, Key: []byte("a"), Value: []byte(`{"G":"x","V":1}`)},
		kafka.Record{Topic: "in", Partition: -1, Key: []byte("b"), Value: []byte(`{"V":2}`)},
		kafka.Record{Topic: "in", Partition: -1, Value: []byte(`{"G":"y","V":3}`)},
	); err != nil {
		t.Fatal(err)
	}
	logged := values(t, cl, "default_ksql_processing_log")
	var nulls []string
	for _, l := range logged {
		if strings.Contains(l, "Group-by column with index 0 resolved to null. The source row will be excluded from the table.") {
			nulls = append(nulls, l)
		}
	}
	// BY_G: the record without G; BY_K: the record without a key.
	if len(nulls) != 2 || !strings.Contains(strings.Join(nulls, "\n"), "CTAS_BY_G") || !strings.Contains(strings.Join(nulls, "\n"), "CTAS_BY_K") {
		t.Errorf("processing log: %q", logged)
	}
	if got := values(t, cl, "BY_G"); strings.Join(got, ",") != `x|{"N":1},y|{"N":1}` {
		t.Errorf("BY_G: %q", got)
	}
	if got := values(t, cl, "BY_K"); strings.Join(got, ",") != `a|{"N":1},b|{"N":1}` {
		t.Errorf("BY_K: %q", got)
	}
}

// TestStreamTombstoneIsNoNullGroupKey: a stream record with a null value
// (a producer's tombstone, or empty Avro bytes) is skipped by a GROUP BY
// as ksqlDB skips null values before grouping, without the "resolved to
// null" entry: that entry is for a row whose grouping column is NULL,
// and a tombstone has no row. Where the grouping repartitions it was
// logged as one.
func TestStreamTombstoneIsNoNullGroupKey(t *testing.T) {
	cl := groupingTables(t)
	ctx := context.Background()
	if err := cl.Produce(ctx,
		kafka.Record{Topic: "in", Partition: -1, Key: []byte("a"), Value: []byte(`{"G":"x","V":1}`)},
		kafka.Record{Topic: "in", Partition: -1, Key: []byte("b")},
		kafka.Record{Topic: "in", Partition: -1, Key: []byte("c"), Value: []byte(`null`)},
		kafka.Record{Topic: "in", Partition: -1, Key: []byte("a"), Value: []byte(`{"G":"x","V":2}`)},
	); err != nil {
		t.Fatal(err)
	}
	if got := values(t, cl, "BY_G"); strings.Join(got, ",") != `x|{"N":1},x|{"N":2}` {
		t.Errorf("BY_G: %q", got)
	}
	if got := values(t, cl, "BY_K"); strings.Join(got, ",") != `a|{"N":1},a|{"N":2}` {
		t.Errorf("BY_K: %q", got)
	}
	for _, l := range values(t, cl, "default_ksql_processing_log") {
		if strings.Contains(l, "resolved to null") {
			t.Errorf("processing log: %s", l)
		}
	}
}

// groupingTables starts an engine logging to its processing log with a
// stream s over topic 'in' and two tables over it: BY_G, grouped by a
// value column (a repartition), and BY_K, grouped by the key.
func groupingTables(t *testing.T) *kafka.MemCluster {
	t.Helper()
	cl, e := loggingEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, g STRING, v INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE by_g AS SELECT g, COUNT(*) AS n FROM s GROUP BY g;")
	mustExec(t, e, "CREATE TABLE by_k AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;")
	return cl
}
