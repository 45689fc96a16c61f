package engine

import (
	"context"
	"testing"
)

// TestSinkTopicCleanupPolicy: the topic a CREATE … AS SELECT creates gets
// ksqlDB's cleanup policy: delete for a stream, compact for a table, and
// compact,delete for a table whose query has a WINDOW clause, with the
// window's RETENTION as its retention.ms when one is given (ksqlDB's
// TopicCreateInjector). A windowed table's topic was compact alone, so
// every window ever written stayed on a real Kafka cluster.
func TestSinkTopicCleanupPolicy(t *testing.T) {
	cl := embeddedCluster(t)
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', format='JSON', partitions=2);")
	mustExec(t, e, "CREATE STREAM cs AS SELECT * FROM s;")
	mustExec(t, e, "CREATE TABLE plain AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;")
	mustExec(t, e, "CREATE TABLE tumb AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k;")
	mustExec(t, e, "CREATE TABLE kept AS SELECT k, COUNT(*) AS n FROM s WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 30 SECONDS, RETENTION 2 HOURS, GRACE PERIOD 0 SECONDS) GROUP BY k EMIT FINAL;")
	mustExec(t, e, "CREATE TABLE sess AS SELECT k, COUNT(*) AS n FROM s WINDOW SESSION (30 SECONDS, RETENTION 1 HOUR, GRACE PERIOD 10 SECONDS) GROUP BY k;")
	for _, c := range []struct{ topic, policy, retention string }{
		{"CS", "delete", ""},
		{"PLAIN", "compact", "-1"}, // the embedded broker keeps a compacted topic whole
		{"TUMB", "compact,delete", ""},
		{"KEPT", "compact,delete", "7200000"},
		{"SESS", "compact,delete", "3600000"},
	} {
		info, ok, err := cl.Topic(context.Background(), c.topic)
		if err != nil || !ok {
			t.Fatalf("topic %s: %v %v", c.topic, ok, err)
		}
		if got := info.Configs["cleanup.policy"]; got != c.policy {
			t.Errorf("%s: cleanup.policy %q, want %q", c.topic, got, c.policy)
		}
		if got := info.Configs["retention.ms"]; got != c.retention {
			t.Errorf("%s: retention.ms %q, want %q", c.topic, got, c.retention)
		}
	}
}
