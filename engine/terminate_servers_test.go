package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestTerminateLetsTheOtherServersStopFirst: two servers of one service
// share a GROUP BY (a repartition topic and a changelog) while records
// keep arriving, and one of them runs TERMINATE. The other server stops
// its part when it reads the command, and is at once free for the next
// statement. Before, the terminating server deleted the query's internal
// topics as soon as its own part had stopped, while the other server was
// still writing to them: that server's producer retried the vanished
// topics for about 20 s (UNKNOWN_TOPIC_OR_PARTITION) before its query
// failed, and its statements waited behind it all that time.
func TestTerminateLetsTheOtherServersStopFirst(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	sc := startSharedCount(t, cl, "terminate_")
	defer sc.stop()
	srv, a, b, id := sc.srv, sc.a, sc.b, sharedCountID

	start := time.Now()
	mustExec(t, a, "TERMINATE "+id+";")
	waitFor(t, "the other server to stop the query", 60*time.Second, func() bool { return queryStates(t, b)[id] == "" })
	mustExec(t, b, "CREATE STREAM after (id INT) WITH (kafka_topic='after', value_format='JSON', partitions=1);")
	took := time.Since(start)
	if line := srv.logs[1].find(id, "failed"); line != "" {
		t.Errorf("the other server's query failed as it stopped: %s", line)
	}
	if line := srv.logs[1].find(id, "final commit"); line != "" {
		t.Errorf("the other server could not commit its last outputs: %s", line)
	}
	if took > 8*time.Second {
		t.Errorf("the other server took %v to stop the query and run the next statement", took)
	}
	t.Logf("TERMINATE to the other server's next statement: %v", took)
	if offs, err := cl.GroupOffsets(context.Background(), a.appID(id), "events"); err != nil || len(offs) > 0 {
		t.Errorf("the query's group is still there with offsets %v (%v)", offs, err)
	}
}

// sharedCountID is the query startSharedCount runs.
const sharedCountID = "CTAS_COUNTS_0"

// sharedCount is two servers of one service (a and b) sharing a GROUP BY
// count, sharedCountID, over 'events' (4 partitions) while records keep
// arriving, 200 every 10 ms.
type sharedCount struct {
	srv      *testServers
	a, b     *Engine
	produced atomic.Int64 // records written so far
	stop     func()       // ends the records and waits for their writer
}

// startSharedCount starts a sharedCount and returns once both servers run
// a task of the count and b has counted records.
func startSharedCount(t *testing.T, cl *kafka.Client, sid string) *sharedCount {
	createTopic(t, cl, "events", 4)
	srv := newTestServers(t, cl, sid, map[string]string{"auto.offset.reset": "earliest"}, 2)
	srv.start(0)
	srv.start(1)
	sc := &sharedCount{srv: srv, a: srv.engines[0], b: srv.engines[1]}
	mustExec(t, sc.a, "CREATE STREAM ev (k STRING KEY, v INT) WITH (kafka_topic='events', value_format='JSON');")
	mustExec(t, sc.a, "CREATE TABLE counts AS SELECT v, COUNT(*) AS n FROM ev GROUP BY v;")
	running := func(e *Engine) bool {
		for _, st := range e.QueryStats() {
			if st.ID == sharedCountID && st.State == "RUNNING" && len(st.PerTask) > 0 {
				return true
			}
		}
		return false
	}
	waitFor(t, "both servers to run a task of the query", 30*time.Second, func() bool { return running(sc.a) && running(sc.b) })

	// Records keep coming, so the other server is writing to the
	// repartition topic and the changelog when a command reaches it.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i += 200 {
			recs := make([]kafka.Record, 0, 200)
			for j := i; j < i+200; j++ {
				recs = append(recs, kafka.Record{Topic: "events", Partition: -1,
					Key: []byte(fmt.Sprintf("k%d", j%1000)), Value: []byte(fmt.Sprintf(`{"V":%d}`, j%50))})
			}
			if err := cl.Produce(ctx, recs...); err != nil {
				if ctx.Err() == nil {
					t.Errorf("produce: %v", err)
				}
				return
			}
			sc.produced.Store(int64(i + 200))
			time.Sleep(10 * time.Millisecond)
		}
	}()
	sc.stop = func() { cancel(); wg.Wait() }
	waitFor(t, "the other server to count", 30*time.Second, func() bool {
		for _, st := range sc.b.QueryStats() {
			if st.ID == sharedCountID {
				for _, ts := range st.PerTask {
					if ts.In > 0 {
						return true
					}
				}
			}
		}
		return false
	})
	return sc
}

// TestStoppedQueryGroupIsDeleted: the consumer group of a query stopped
// for good (TERMINATE, or DROP of the table it writes) goes with its
// internal topics, as ksqlDB's query cleanup deletes it; CREATE OR
// REPLACE, which runs the new version on the old one's offsets, keeps
// it. Before, every terminated or dropped query left its group on the
// broker, Empty, with its committed offsets of the source topic.
func TestStoppedQueryGroupIsDeleted(t *testing.T) {
	cl, _, e := startCounts(t, "groupgone_")
	mustExec(t, e, "CREATE STREAM copy AS SELECT * FROM ev;")
	produceJSON(t, cl, "events", kafka.Record{Key: []byte("a"), Value: []byte(`{"V":1}`)},
		kafka.Record{Key: []byte("b"), Value: []byte(`{"V":2}`)})
	committed := func(id string) int {
		offs, err := cl.GroupOffsets(context.Background(), e.appID(id), "events")
		if err != nil {
			t.Fatal(err)
		}
		return len(offs)
	}
	const counts, cp = "CTAS_COUNTS_0", "CSAS_COPY_1"
	waitFor(t, "both queries to commit", 30*time.Second, func() bool { return committed(counts) > 0 && committed(cp) > 0 })

	mustExec(t, e, "CREATE OR REPLACE STREAM copy AS SELECT * FROM ev;")
	if committed(cp) == 0 {
		t.Errorf("CREATE OR REPLACE deleted the group of %s", cp)
	}
	mustExec(t, e, "TERMINATE "+counts+";")
	if n := committed(counts); n != 0 {
		t.Errorf("the group of terminated %s still has the offsets of %d partitions", counts, n)
	}
	mustExec(t, e, "DROP STREAM copy;")
	if n := committed(cp); n != 0 {
		t.Errorf("the group of %s, whose sink was dropped, still has the offsets of %d partitions", cp, n)
	}
}

// TestTerminateWaitHoldsNoOtherStatement: while a TERMINATE waits for
// the query's group to empty (a member another server left behind, here
// a consumer that stays), the engine runs other statements. Before, the
// wait ran holding the engine's lock: for up to 5 s after a peer's kill
// -9, SHOW QUERIES, CREATE and every other statement waited behind it.
// The TERMINATE itself still returns only after the wait.
func TestTerminateWaitHoldsNoOtherStatement(t *testing.T) {
	cl, srv, e := startCounts(t, "terminatewait_")
	const id = "CTAS_COUNTS_0"
	group := e.appID(id)
	members := func() int {
		m, err := cl.GroupMembers(context.Background(), group)
		if err != nil {
			t.Fatal(err)
		}
		return len(m[group])
	}
	waitFor(t, "the query to join its group", 30*time.Second, func() bool { return members() == 1 })
	stays, err := cl.Subscribe(context.Background(), kafka.SubscribeOptions{Group: group, Topics: []string{"events"}},
		func(context.Context, []kafka.Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer stays.Close()
	waitFor(t, "the other member to join", 30*time.Second, func() bool { return members() == 2 })

	terminated := make(chan error, 1)
	go func() {
		_, err := e.Execute(context.Background(), "TERMINATE "+id+";", nil)
		terminated <- err
	}()
	waitFor(t, "the query to stop", 30*time.Second, func() bool { return queryStates(t, e)[id] == "" })
	mustExec(t, e, "CREATE STREAM after (id INT) WITH (kafka_topic='after', value_format='JSON', partitions=1);")
	select {
	case err = <-terminated:
		t.Errorf("the next statements ran only after TERMINATE's wait for the group had ended")
	default:
		err = <-terminated
	}
	if err != nil {
		t.Fatalf("TERMINATE: %v", err)
	}
	if line := srv.logs[0].find(group, "deleting its query's internal topics anyway"); line == "" {
		t.Errorf("TERMINATE did not wait for the member left in the group")
	}
}

// startCounts starts one server of service sid on an embedded broker with
// the stream EV over 'events' (2 partitions) and the query CTAS_COUNTS_0,
// a GROUP BY count over it.
func startCounts(t *testing.T, sid string) (*kafka.Client, *testServers, *Engine) {
	t.Helper()
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "events", 2)
	srv := newTestServers(t, cl, sid, map[string]string{"auto.offset.reset": "earliest"}, 1)
	srv.start(0)
	e := srv.engines[0]
	mustExec(t, e, "CREATE STREAM ev (k STRING KEY, v INT) WITH (kafka_topic='events', value_format='JSON');")
	mustExec(t, e, "CREATE TABLE counts AS SELECT v, COUNT(*) AS n FROM ev GROUP BY v;")
	return cl, srv, e
}
