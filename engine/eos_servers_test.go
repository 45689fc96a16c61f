package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestExactlyOnceServersOnOneAddress: two servers of one service, both
// started with the same --listen address (two machines with the default
// flags, or two containers listening on 0.0.0.0:8088), share an
// exactly-once count over a topic that already holds records and keeps
// growing. Each server's transactions must stay its own: neither fences
// the other's producer, both queries stay RUNNING throughout, and every
// record is counted once.
func TestExactlyOnceServersOnOneAddress(t *testing.T) {
	const keys, first, second = 20, 4_000, 4_000
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "events", 4)
	produceJSON(t, cl, "events", countedEvents(keys, 0, first)...)
	cfg := map[string]string{"auto.offset.reset": "earliest", "processing.guarantee": "exactly_once_v2",
		"ksql.streams.cache.max.bytes.buffering": "0"}
	var logs [2]logLines
	var engines [2]*Engine
	for i := range engines {
		e, err := New(context.Background(), Options{Cluster: cl, ServiceID: "pair_", Config: cfg,
			WorkerID: "0.0.0.0:8088", InstanceID: fmt.Sprintf("instance-%d", i), Logf: logs[i].logf})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		engines[i] = e
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i := range logs {
				t.Logf("server %d's log:\n%s", i, strings.Join(logs[i].lines, "\n"))
			}
		}
	})
	mustExec(t, engines[0], `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
		CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
	// The second server runs the query once it has read the command.
	for deadline := time.Now().Add(30 * time.Second); len(engines[1].QueryStats()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second server never started the query")
		}
	}
	produceJSON(t, cl, "events", countedEvents(keys, first, second)...)
	waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") >= first+second })
	// Let a duplicate still on its way show up.
	time.Sleep(time.Second)
	out, err := cl.ReadAll(context.Background(), "COUNTS")
	if err != nil {
		t.Fatal(err)
	}
	if sum := latestCountSum(t, out, "N"); sum != first+second {
		t.Errorf("the counts add up to %v, want %d", sum, first+second)
	}
	for i, e := range engines {
		for _, st := range e.QueryStats() {
			if st.State != "RUNNING" {
				t.Errorf("server %d: query %s is %s: %s", i, st.ID, st.State, st.Error)
			}
		}
		for _, word := range []string{"fenced", "FENCED", "failed"} {
			if line := logs[i].find(word); line != "" {
				t.Errorf("server %d's query was disturbed: %s", i, line)
			}
		}
	}
}
