package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
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

// TestRepartitionTopicsIgnoreRetention: a query's repartition topics are
// created with retention.ms=-1, as Kafka Streams creates them: the query
// deletes what it has read (repartition.purge.interval.ms), and retention
// by record timestamp would otherwise delete rows of old events (a replay
// of last month's) before the query read them back.
func TestRepartitionTopicsIgnoreRetention(t *testing.T) {
	cl := embeddedCluster(t)
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, u STRING, v INT) WITH (kafka_topic='s', format='JSON', partitions=2);")
	mustExec(t, e, "CREATE TABLE by_user AS SELECT u, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY u;")
	topics, err := cl.Topics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, info := range topics {
		if !strings.HasSuffix(info.Name, "-repartition") {
			continue
		}
		found++
		if got := info.Configs["cleanup.policy"]; got != "delete" {
			t.Errorf("%s: cleanup.policy %q, want delete", info.Name, got)
		}
		if got := info.Configs["retention.ms"]; got != "-1" {
			t.Errorf("%s: retention.ms %q, want -1", info.Name, got)
		}
	}
	if found != 1 {
		t.Fatalf("%d repartition topics, want 1", found)
	}
}

// TestExpiringChangelogsKeepTombstonesBriefly: the changelogs of windowed
// stores, where every expired window leaves a tombstone, keep tombstones
// for expiringTombstoneRetention instead of Kafka's day: a soak piled up
// 24,600 a minute and the embedded broker's compaction stalled every
// client for minutes. A changelog that existed before (made with the
// default) gets the setting when its query starts; other changelogs keep
// the default.
func TestExpiringChangelogsKeepTombstonesBriefly(t *testing.T) {
	ctx := context.Background()
	cl := embeddedCluster(t)
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', format='JSON', partitions=2);")
	mustExec(t, e, "CREATE STREAM s2 (k STRING KEY, w INT) WITH (kafka_topic='s2', format='JSON', partitions=2);")
	// A changelog made by an earlier eddy, with the default.
	old := "_confluent-ksql-default_query_CTAS_TUMB_2-Aggregate-Aggregate-Materialize-changelog"
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: old, Partitions: 2, Replicas: 1, Configs: map[string]string{"cleanup.policy": "compact"}}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE TABLE plain AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;")
	mustExec(t, e, "CREATE STREAM j AS SELECT s.k, v, w FROM s JOIN s2 WITHIN 1 MINUTE ON s.k = s2.k;")
	mustExec(t, e, "CREATE TABLE tumb AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k;")
	topics, err := cl.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	sawOld := false
	for _, info := range topics {
		if !strings.HasSuffix(info.Name, "-changelog") {
			continue
		}
		kind := "plain"
		switch {
		case strings.Contains(info.Name, "CTAS_TUMB_"):
			kind = "tumb"
		case strings.Contains(info.Name, "CSAS_J_"):
			kind = "join"
		}
		sawOld = sawOld || info.Name == old
		if info.Configs["delete.retention.ms"] == expiringTombstoneRetention {
			got[kind]++
		} else if kind != "plain" {
			t.Errorf("%s: delete.retention.ms %q, want %s", info.Name, info.Configs["delete.retention.ms"], expiringTombstoneRetention)
		}
	}
	if !sawOld {
		t.Fatalf("the windowed query did not use the changelog %s made before it", old)
	}
	if got["plain"] != 0 || got["tumb"] == 0 || got["join"] == 0 {
		t.Errorf("changelogs with the short tombstone retention, by query: %v; want the windowed aggregate's and the join's only", got)
	}
}
