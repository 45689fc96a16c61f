package engine

import (
	"context"
	"strings"
	"testing"
)

// TestQueryMayNotReadItsOwnSink: a persistent query whose sink topic is
// one of its source topics would feed on its own output without end;
// eddy refuses it, whether the sink is the source itself, another
// source over the same topic, or the other side of a join.
func TestQueryMayNotReadItsOwnSink(t *testing.T) {
	e, _ := newMemEngine(t)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s_topic', value_format='JSON', partitions=1);")
	mustExec(t, e, "CREATE STREAM s_alias (k STRING KEY, v INT) WITH (kafka_topic='s_topic', value_format='JSON');")
	mustExec(t, e, "CREATE TABLE t (k STRING PRIMARY KEY, w INT) WITH (kafka_topic='t_topic', value_format='JSON', partitions=1);")
	refused := []string{
		"INSERT INTO s SELECT * FROM s;",
		"INSERT INTO s_alias SELECT * FROM s WHERE v > 1;",
		"INSERT INTO s SELECT s.k AS k, s.v AS v FROM s JOIN t ON s.k = t.k;",
		"CREATE STREAM loop WITH (kafka_topic='s_topic') AS SELECT * FROM s;",
		"CREATE TABLE agg WITH (kafka_topic='s_topic') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;",
	}
	for _, text := range refused {
		_, err := e.Execute(context.Background(), text, nil)
		if err == nil || !strings.Contains(err.Error(), "reads from") {
			t.Errorf("%s: %v, want a refusal", text, err)
		}
	}
	if qs := e.Metastore().Queries(); len(qs) != 0 {
		t.Errorf("refused statements left %d queries running", len(qs))
	}
	// Writing another topic stays allowed.
	mustExec(t, e, "CREATE STREAM other AS SELECT * FROM s;")
	mustExec(t, e, "INSERT INTO other SELECT * FROM s_alias;")
}
