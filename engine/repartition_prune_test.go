package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/runtime"
)

// repartitionRows decodes an aggregation's repartition topic: each
// record's rows after the flag byte (a table change carries two).
func repartitionRows(t *testing.T, e *Engine, topic string) [][]any {
	t.Helper()
	recs, err := e.cluster.ReadAll(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for _, r := range recs {
		rest := r.Value[1:]
		for len(rest) > 0 {
			row, tail, err := runtime.DecodeRow(rest, nil)
			if err != nil {
				t.Fatalf("repartition record %q: %v", r.Value, err)
			}
			rows, rest = append(rows, row), tail
		}
	}
	return rows
}

// TestAggregateRepartitionCarriesReadColumns: a GROUP BY over a non-key
// column sends only the columns the grouping and the aggregate read
// through its repartition topic, and the results are those of the whole
// rows.
func TestAggregateRepartitionCarriesReadColumns(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, region STRING, note STRING, amount INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE c AS SELECT region, SUM(amount) AS total FROM s GROUP BY region;")
	mustExec(t, e, "INSERT INTO s (k, region, note, amount) VALUES ('a', 'eu', 'a long note nobody reads', 5);")
	mustExec(t, e, "INSERT INTO s (k, region, note, amount) VALUES ('b', 'eu', 'another', 7);")
	if got := strings.Join(values(t, cl, "C"), ","); got != `eu|{"TOTAL":5},eu|{"TOTAL":12}` {
		t.Fatalf("got %q", got)
	}
	rows := repartitionRows(t, e, "_confluent-ksql-default_query_CTAS_C_0-Aggregate-GroupBy-repartition")
	if len(rows) != 2 {
		t.Fatalf("repartition rows %v, want 2", rows)
	}
	for _, row := range rows {
		var text []string
		for _, v := range row {
			if s, ok := v.(string); ok {
				text = append(text, s)
			}
		}
		if strings.Join(text, ",") != "eu" {
			t.Fatalf("repartition row %v carries strings %q, want only the region", row, text)
		}
	}
}

// TestTableAggregateRepartitionPruned: a table aggregation keeps its
// key (its changes are tracked by it) and what it reads; a row moving
// between groups and an update within one still count right.
func TestTableAggregateRepartitionPruned(t *testing.T) {
	e, cl := newMemEngine(t)
	mustExec(t, e, "CREATE TABLE t (id STRING PRIMARY KEY, region STRING, note STRING, amount INT) WITH (kafka_topic='tin', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE c AS SELECT region, SUM(amount) AS total FROM t GROUP BY region;")
	mustExec(t, e, "INSERT INTO t (id, region, note, amount) VALUES ('a', 'eu', 'unread', 5);")
	mustExec(t, e, "INSERT INTO t (id, region, note, amount) VALUES ('a', 'eu', 'changed', 6);")
	mustExec(t, e, "INSERT INTO t (id, region, note, amount) VALUES ('a', 'us', 'moved', 2);")
	got := strings.Join(values(t, cl, "C"), ",")
	want := `eu|{"TOTAL":5},eu|{"TOTAL":6},eu|{"TOTAL":0},us|{"TOTAL":2}`
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, row := range repartitionRows(t, e, "_confluent-ksql-default_query_CTAS_C_0-Aggregate-GroupBy-repartition") {
		for _, v := range row {
			if s, ok := v.(string); ok && s != "a" && s != "eu" && s != "us" {
				t.Fatalf("repartition row %v carries the unread note %q", row, s)
			}
		}
	}
}
