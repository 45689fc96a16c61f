package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
)

// queryStates maps each persistent query's id to its SHOW QUERIES state.
func queryStates(t *testing.T, e *Engine) map[string]string {
	t.Helper()
	ql, ok := mustExec(t, e, "SHOW QUERIES;")[0].(*api.QueriesList)
	if !ok {
		t.Fatal("SHOW QUERIES returned no query list")
	}
	out := map[string]string{}
	for _, q := range ql.Queries {
		out[q.ID] = q.State
	}
	return out
}

// TestPauseResumeSurvivesRestart: PAUSE stops a persistent query reading
// (what is written meanwhile waits in its topic), a restarted server
// keeps it paused, and RESUME reads on from where it stopped, each
// record once. The in-memory cluster delivers synchronously, so "nothing
// was read" is exact here.
func TestPauseResumeSurvivesRestart(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e1 := engineOn(t, cl)
	mustExec(t, e1, "CREATE STREAM s (id INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);")
	mustExec(t, e1, "CREATE STREAM out AS SELECT id FROM s;")
	mustExec(t, e1, "CREATE STREAM other AS SELECT id * 10 AS id FROM s;")
	mustExec(t, e1, "INSERT INTO s (id) VALUES (1);")

	ents := mustExec(t, e1, "PAUSE csas_out_0;")
	if cs, ok := ents[0].(*api.CurrentStatus); !ok || cs.CommandStatus.Message != "Query paused." || cs.CommandID != "pause/CSAS_OUT_0/execute" {
		t.Fatalf("PAUSE returned %#v", ents[0])
	}
	if st := queryStates(t, e1); st["CSAS_OUT_0"] != "PAUSED" || st["CSAS_OTHER_1"] != "RUNNING" {
		t.Fatalf("states after PAUSE: %v", st)
	}
	mustExec(t, e1, "INSERT INTO s (id) VALUES (2);")
	if got := values(t, cl, "OUT"); strings.Join(got, ",") != `|{"ID":1}` {
		t.Fatalf("a paused query wrote %q", got)
	}
	if got := values(t, cl, "OTHER"); len(got) != 2 {
		t.Fatalf("the query left running wrote %q", got)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := engineOn(t, cl)
	defer e2.Close()
	if st := queryStates(t, e2); st["CSAS_OUT_0"] != "PAUSED" || st["CSAS_OTHER_1"] != "RUNNING" {
		t.Fatalf("states after a restart: %v", st)
	}
	mustExec(t, e2, "INSERT INTO s (id) VALUES (3);")
	if got := values(t, cl, "OUT"); len(got) != 1 {
		t.Fatalf("a paused query wrote %q after a restart", got)
	}
	ents = mustExec(t, e2, "RESUME ALL;")
	if cs, ok := ents[0].(*api.CurrentStatus); !ok || cs.CommandStatus.Message != "Query resumed." || cs.CommandID != "resume/ALL/execute" {
		t.Fatalf("RESUME returned %#v", ents[0])
	}
	if got := values(t, cl, "OUT"); strings.Join(got, ",") != `|{"ID":1},|{"ID":2},|{"ID":3}` {
		t.Fatalf("after RESUME the query wrote %q", got)
	}
	if st := queryStates(t, e2); st["CSAS_OUT_0"] != "RUNNING" {
		t.Fatalf("state after RESUME: %v", st)
	}
}

// TestPauseErrors: an unknown id is refused as ksqlDB refuses it, and a
// push query's id says what PAUSE applies to.
func TestPauseErrors(t *testing.T) {
	e, _ := newMemEngine(t)
	expectExecErrors(t, e, map[string]string{
		"PAUSE csas_nope_9;":      "Unknown queryId: CSAS_NOPE_9",
		"RESUME csas_nope_9;":     "Unknown queryId: CSAS_NOPE_9",
		"PAUSE transient_x_1234;": "Cannot pause TRANSIENT_X_1234: PAUSE and RESUME apply to persistent queries; end a push query by closing it.",
	})
}

// TestPauseOnBroker: two servers of one service share a query on the
// embedded broker. PAUSE on one pauses it on both (through the command
// log): it keeps its group and partitions but fetches nothing, so
// records written meanwhile wait, and RESUME on the other server reads
// each of them once.
func TestPauseOnBroker(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	cfg := map[string]string{"auto.offset.reset": "earliest"}
	var servers [2]*Engine
	for i := range servers {
		e, err := New(context.Background(), Options{Cluster: cl, ServiceID: "paused_", Config: cfg,
			WorkerID: fmt.Sprintf("127.0.0.1:%d", 8088+i), StateDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		servers[i] = e
	}
	mustExec(t, servers[0], "CREATE STREAM s (id INT) WITH (kafka_topic='in', value_format='JSON', partitions=4);")
	mustExec(t, servers[0], "CREATE STREAM w (id INT) WITH (kafka_topic='win', value_format='JSON', partitions=1);")
	mustExec(t, servers[0], "CREATE STREAM out AS SELECT id FROM s;")
	mustExec(t, servers[0], "CREATE STREAM wout AS SELECT id FROM w;")
	state := func(e *Engine, id string) string {
		for _, st := range e.QueryStats() {
			if st.ID == id {
				return st.State
			}
		}
		return ""
	}
	waitFor(t, "the second server to run the query", 30*time.Second, func() bool { return state(servers[1], "CSAS_OUT_0") == "RUNNING" })
	count := func(topic string) int { return len(values(t, cl, topic)) }
	insert := func(from, to int) {
		for i := from; i < to; i++ {
			mustExec(t, servers[i%2], fmt.Sprintf("INSERT INTO s (id) VALUES (%d);", i))
		}
	}
	insert(0, 20)
	waitFor(t, "the first twenty rows", 30*time.Second, func() bool { return count("OUT") == 20 })

	mustExec(t, servers[0], "PAUSE CSAS_OUT_0;")
	waitFor(t, "the second server to pause", 30*time.Second, func() bool { return state(servers[1], "CSAS_OUT_0") == "PAUSED" })
	if st := queryStates(t, servers[1]); st["CSAS_OUT_0"] != "PAUSED" || st["CSAS_WOUT_1"] != "RUNNING" {
		t.Fatalf("states: %v", st)
	}
	insert(20, 40)
	// A witness: another query reads a record written after them; once
	// it has, a running query would have read the twenty as well.
	mustExec(t, servers[1], "INSERT INTO w (id) VALUES (1);")
	waitFor(t, "the witness query", 30*time.Second, func() bool { return count("WOUT") == 1 })
	time.Sleep(time.Second) // one more fetch round for a query that was not paused
	if n := count("OUT"); n != 20 {
		t.Fatalf("a paused query wrote %d rows, want 20", n)
	}

	mustExec(t, servers[1], "RESUME CSAS_OUT_0;")
	waitFor(t, "the rows written while paused", 30*time.Second, func() bool { return count("OUT") >= 40 })
	seen := map[string]int{}
	for _, v := range values(t, cl, "OUT") {
		seen[v]++
	}
	if len(seen) != 40 {
		t.Fatalf("%d distinct rows after RESUME, want 40: %v", len(seen), seen)
	}
	for v, n := range seen {
		if n != 1 {
			t.Errorf("row %s written %d times", v, n)
		}
	}
	// A paused query waits in no fetch that would hold TERMINATE up.
	mustExec(t, servers[0], "PAUSE ALL;")
	mustExec(t, servers[0], "TERMINATE CSAS_OUT_0;")
	if st := queryStates(t, servers[0]); st["CSAS_OUT_0"] != "" || st["CSAS_WOUT_1"] != "PAUSED" {
		t.Fatalf("states after PAUSE ALL and TERMINATE: %v", st)
	}
}
