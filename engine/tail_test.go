package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
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

// TestRacingServersDoNotForkTheCatalog: two servers of one service run
// the same CREATE STREAM at the same moment, twenty times. Each time
// exactly one succeeds and the other is told the stream exists; the
// command log holds each statement once, and a server replaying it
// afterwards applies every command (none fails, as a command appended
// without seeing the other's would).
func TestRacingServersDoNotForkTheCatalog(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	ctx := context.Background()
	open := func() *Engine {
		e, err := New(ctx, Options{Cluster: cl, ServiceID: "race_", Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	a, b := open(), open()
	const rounds = 20
	for i := range rounds {
		stmt := fmt.Sprintf("CREATE STREAM R%d (ID INT KEY, V STRING) WITH (KAFKA_TOPIC='r%d', VALUE_FORMAT='JSON', PARTITIONS=1);", i, i)
		errs := make(chan error, 2)
		for _, e := range []*Engine{a, b} {
			go func() {
				_, err := e.Execute(ctx, stmt, nil)
				errs <- err
			}()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) {
			t.Fatalf("round %d: want exactly one success, got %v and %v", i, e1, e2)
		}
		if err := cmp.Or(e1, e2); !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("round %d: the loser should be told the stream exists, got %v", i, err)
		}
	}
	recs, err := cl.ReadAll(ctx, metastore.CommandTopic("race_"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range recs {
		var c metastore.Command
		if json.Unmarshal(r.Value, &c) == nil {
			seen[c.Statement]++
		}
	}
	for stmt, n := range seen {
		if n != 1 {
			t.Errorf("%d copies in the command log of %s", n, stmt)
		}
	}
	if len(seen) != rounds {
		t.Errorf("%d commands in the log, want %d", len(seen), rounds)
	}
	c := open()
	if f := c.CommandFailures(); len(f) > 0 {
		t.Errorf("replaying the log failed on %d commands: %+v", len(f), f)
	}
}
