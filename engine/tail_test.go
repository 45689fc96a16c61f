package engine

import (
	"context"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
)

// TestServersTailTheCommandLog: two engines of one service id on one
// broker. A stream created on one appears on the other within seconds,
// without a restart; a DROP on the second reaches the first; a record a
// foreign client wrote into the command topic is skipped by both and by
// a third engine starting afterwards.
func TestServersTailTheCommandLog(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	ctx := context.Background()
	open := func() *Engine {
		e, err := New(ctx, Options{Cluster: cl, ServiceID: "tail_", Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	a, b := open(), open()
	waitCatalog := func(e *Engine, name string, want bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for (e.Metastore().Source(name) != nil) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s present=%v never reached the other server", name, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	mustExec(t, a, "CREATE STREAM S1 (ID INT KEY, V STRING) WITH (KAFKA_TOPIC='s1', VALUE_FORMAT='JSON', PARTITIONS=1);")
	waitCatalog(b, "S1", true)
	// Garbage in the command topic, then a DROP from the other side.
	if err := cl.Produce(ctx, kafka.Record{Topic: metastore.CommandTopic("tail_"), Partition: 0, Value: []byte("not a command")}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, b, "DROP STREAM S1;")
	waitCatalog(a, "S1", false)
	// Each validates against the other's latest: S2 from a, then a
	// statement on b that needs it.
	mustExec(t, a, "CREATE STREAM S2 (ID INT KEY, V STRING) WITH (KAFKA_TOPIC='s2', VALUE_FORMAT='JSON', PARTITIONS=1);")
	mustExec(t, b, "CREATE STREAM S2_UPPER AS SELECT ID, UCASE(V) AS V FROM S2;")
	waitCatalog(a, "S2_UPPER", true)
	c := open()
	for _, name := range []string{"S2", "S2_UPPER"} {
		if c.Metastore().Source(name) == nil {
			t.Errorf("a server started later lacks %s", name)
		}
	}
	if c.Metastore().Source("S1") != nil {
		t.Error("a server started later has the dropped S1")
	}
	if a.CommandSequence() != c.CommandSequence() {
		t.Errorf("command sequences differ: %d and %d", a.CommandSequence(), c.CommandSequence())
	}
}
