package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// TestRebalanceKeepsTasksThatStay: two servers count a preloaded topic
// by key (state in memory), a third joins, then leaves. The servers that
// stay keep the tasks they had, with their state: a join restores only
// on the newcomer, what it takes; a leave restores on the survivors only
// the tasks they gain. The counts stay exact throughout. (Under eager
// range assignment every server restored every task at each rebalance.)
// Exactly-once too: its transactions commit the tasks' state and offsets
// together.
func TestRebalanceKeepsTasksThatStay(t *testing.T) {
	for _, guarantee := range []string{"at_least_once", "exactly_once_v2"} {
		t.Run(guarantee, func(t *testing.T) { rebalanceKeepsTasks(t, guarantee) })
	}
}

func rebalanceKeepsTasks(t *testing.T, guarantee string) {
	const keys, parts = 3_000, 6
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "events", parts)
	total := 30_000
	produceJSON(t, cl, "events", countedEvents(keys, 0, total)...)
	cfg := map[string]string{"auto.offset.reset": "earliest", "processing.guarantee": guarantee}
	srv := newTestServers(t, cl, "sticky_", cfg, 3)
	engines, start := srv.engines, srv.start
	// perTask lists, per running server, a figure of each of its tasks,
	// and under task -1 the server's figure for the query (when all is
	// set).
	perTask := func(of func(runtime.TaskSnapshot) int64, all func(QueryStat) int64) map[int]map[int32]int64 {
		out := map[int]map[int32]int64{}
		for i, e := range engines {
			if e == nil {
				continue
			}
			out[i] = map[int32]int64{}
			for _, st := range e.QueryStats() {
				for _, ts := range st.PerTask {
					out[i][ts.Task] = of(ts)
				}
				if all != nil {
					out[i][-1] = all(st)
				}
			}
		}
		return out
	}
	// tasks lists each task's restored records, and under task -1 what
	// the server restored in all (closed tasks too); processed the input
	// records each task processed.
	tasks := func() map[int]map[int32]int64 {
		return perTask(func(ts runtime.TaskSnapshot) int64 { return ts.Restored }, func(st QueryStat) int64 { return st.RestoredRecords })
	}
	processed := func() map[int]map[int32]int64 {
		return perTask(func(ts runtime.TaskSnapshot) int64 { return ts.In }, nil)
	}
	// settle waits until the running servers share every task evenly,
	// then writes more events and waits until they are counted and every
	// task processed some of them, so that every task has restored (a
	// task processes nothing before), and returns the tasks.
	settle := func(more int) map[int]map[int32]int64 {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			cur := tasks()
			owned := map[int32]int{}
			even := true
			for _, ts := range cur {
				for p := range ts {
					if p >= 0 {
						owned[p]++
					}
				}
				if len(ts) != parts/len(cur)+1 {
					even = false
				}
			}
			if even && len(owned) == parts {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("tasks never shared evenly: %v", cur)
			}
			time.Sleep(50 * time.Millisecond)
		}
		was := processed()
		produceJSON(t, cl, "events", countedEvents(keys, total, more)...)
		total += more
		for {
			cur, now := tasks(), processed()
			done := true
			for i, ts := range now {
				for p, in := range ts {
					if in <= was[i][p] {
						done = false
					}
				}
			}
			if done {
				recs, err := cl.ReadAll(context.Background(), "COUNTS")
				if err == nil && latestCountSum(t, recs, "N") == float64(total) {
					return cur
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("never settled at %d counted: tasks %v, processed %v then %v", total, cur, was, now)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// kept checks that a server restored, between before and after,
	// only the tasks it gained (their counts), and returns how much.
	kept := func(before, after map[int]map[int32]int64, server int, when string) (gained int64) {
		t.Helper()
		for p, r := range after[server] {
			if _, had := before[server][p]; !had && p >= 0 {
				gained += r
			}
		}
		if all := after[server][-1] - before[server][-1]; all != gained {
			t.Errorf("%s: server %d restored %d changelog records, %d of them for tasks it had before the rebalance (tasks %v, then %v)",
				when, server, all, all-gained, before[server], after[server])
		}
		return gained
	}

	start(0)
	mustExec(t, engines[0], `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
		CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
	start(1)
	two := settle(6_000)
	t.Logf("two servers: tasks %v", two)

	start(2)
	three := settle(6_000)
	t.Logf("a third joins: tasks %v", three)
	for _, s := range []int{0, 1} {
		if g := kept(two, three, s, "join"); g != 0 {
			t.Errorf("join: server %d restored %d records of tasks it gained; it should only give tasks up", s, g)
		}
	}
	if three[2][-1] == 0 {
		t.Errorf("join: the newcomer restored nothing for its tasks %v", three[2])
	}
	t.Logf("join: restored changelog records: servers 0 and 1 %d and %d, server 2 (new) %d for its tasks",
		three[0][-1]-two[0][-1], three[1][-1]-two[1][-1], three[2][-1])

	before := settle(6_000)
	if err := engines[2].Close(); err != nil {
		t.Fatal(err)
	}
	engines[2] = nil
	after := settle(6_000)
	t.Logf("the third leaves: tasks %v", after)
	for _, s := range []int{0, 1} {
		g := kept(before, after, s, "leave")
		t.Logf("leave: server %d restored %d changelog records (%d in all), for the %d task(s) it gained", s, g, after[s][-1]-before[s][-1], len(after[s])-len(before[s]))
	}
	settle(6_000)

	// Exact: every key counted total/keys times, once each.
	recs, err := cl.ReadAll(context.Background(), "COUNTS")
	if err != nil {
		t.Fatal(err)
	}
	latest := latestCounts(t, recs, "N")
	if len(latest) != keys {
		t.Fatalf("%d keys counted, want %d", len(latest), keys)
	}
	for _, k := range slices.Sorted(maps.Keys(latest)) {
		if latest[k] != float64(total/keys) {
			t.Fatalf("key %s counted %v times, want %d", k, latest[k], total/keys)
		}
	}
	for i, e := range engines {
		if e == nil {
			continue
		}
		for _, st := range e.QueryStats() {
			if st.State != "RUNNING" {
				t.Errorf("server %d: query %s is %s: %s", i, st.ID, st.State, st.Error)
			}
		}
	}
}

// TestPartitionBackAfterAnotherServerRestores: a partition goes from
// server A to server B, which processes records of it, and back to A
// when B leaves. A must not go on from the state it had (B changed it):
// it restores the task from the changelog, and the counts stay exact.
func TestPartitionBackAfterAnotherServerRestores(t *testing.T) {
	const keys, parts = 200, 2
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "events", parts)
	total := 4_000
	produceJSON(t, cl, "events", countedEvents(keys, 0, total)...)
	cfg := map[string]string{"auto.offset.reset": "earliest"}
	srv := newTestServers(t, cl, "aba_", cfg, 2)
	logs, engines, start := srv.logs, srv.engines, srv.start
	taskList := func(e *Engine) []int32 {
		var out []int32
		for _, st := range e.QueryStats() {
			for _, ts := range st.PerTask {
				out = append(out, ts.Task)
			}
		}
		slices.Sort(out)
		return out
	}
	counted := func(want int) {
		t.Helper()
		waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") >= float64(want) })
	}
	waitTasks := func(e *Engine, n int) []int32 {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			if ts := taskList(e); len(ts) == n {
				return ts
			}
			if time.Now().After(deadline) {
				t.Fatalf("never %d tasks: %v", n, taskList(e))
			}
		}
	}
	start(0)
	mustExec(t, engines[0], `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
		CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
	waitTasks(engines[0], 2)
	counted(total)
	start(1)
	moved := waitTasks(engines[1], 1)[0]
	waitTasks(engines[0], 1)
	// B processes records of the partition it took.
	produceJSON(t, cl, "events", countedEvents(keys, total, 2_000)...)
	total += 2_000
	counted(total)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var in int64
		for _, st := range engines[1].QueryStats() {
			in = st.RecordsIn
		}
		if in > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server B processed nothing")
		}
	}
	if err := engines[1].Close(); err != nil {
		t.Fatal(err)
	}
	engines[1] = nil
	waitTasks(engines[0], 2)
	produceJSON(t, cl, "events", countedEvents(keys, total, 2_000)...)
	total += 2_000
	counted(total)
	if line := logs[0].find(fmt.Sprintf("task %d restored", moved)); line == "" {
		t.Errorf("server A took task %d back without restoring it", moved)
	}
	if line := logs[0].find(fmt.Sprintf("task %d kept its state", moved)); line != "" {
		t.Errorf("server A kept stale state: %s", line)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate on its way shows up
	recs, err := cl.ReadAll(context.Background(), "COUNTS")
	if err != nil {
		t.Fatal(err)
	}
	latest := latestCounts(t, recs, "N")
	for k, n := range latest {
		if n != float64(total/keys) {
			t.Fatalf("key %s counted %v times, want %d", k, n, total/keys)
		}
	}
	if len(latest) != keys {
		t.Fatalf("%d keys, want %d", len(latest), keys)
	}
}

// testServers are the engines of one service on one cluster, started by
// start(i) with instance id instance-i, closed when the test ends, their
// logs shown when it fails.
type testServers struct {
	t       *testing.T
	cl      *kafka.Client
	sid     string
	cfg     map[string]string
	logs    []logLines
	engines []*Engine
}

func newTestServers(t *testing.T, cl *kafka.Client, sid string, cfg map[string]string, n int) *testServers {
	s := &testServers{t: t, cl: cl, sid: sid, cfg: cfg, logs: make([]logLines, n), engines: make([]*Engine, n)}
	t.Cleanup(func() {
		for _, e := range s.engines {
			if e != nil {
				e.Close()
			}
		}
		if t.Failed() {
			for i := range s.logs {
				t.Logf("server %d's log:\n%s", i, strings.Join(s.logs[i].lines, "\n"))
			}
		}
	})
	return s
}

func (s *testServers) start(i int) {
	e, err := New(context.Background(), Options{Cluster: s.cl, ServiceID: s.sid, Config: s.cfg,
		InstanceID: fmt.Sprintf("instance-%d", i), Logf: s.logs[i].logf})
	if err != nil {
		s.t.Fatal(err)
	}
	s.engines[i] = e
}
