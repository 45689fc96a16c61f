package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/kafka"
)

// TestKill9MidStreamLosesNothing runs a windowed aggregate, a
// stream-table join and a count behind a repartition in an `eddy server`
// over a Kafka broker while 100,000 records arrive, kills the server with
// SIGKILL at five random points and restarts it each time. At the end
// every per-window COUNT and SUM equals what the input gives, every
// bucket count behind the repartition is exact, and every click came out
// joined to its user (whose row was in the table, earlier in event time,
// before the clicks began).
func TestKill9MidStreamLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	r := runKilled(t, map[string]string{"auto.offset.reset": "earliest"})
	cl, ctx, total := r.cl, context.Background(), r.total
	wantCount, wantSum, began, logs := r.wantCount, r.wantSum, r.began, r.logs
	// Wait until the latest row of every window is the expected one.
	deadline := time.Now().Add(3 * time.Minute)
	var mismatch string
	for {
		recs, err := cl.ReadAll(ctx, "PER_MINUTE")
		if err != nil {
			t.Fatal(err)
		}
		latest := map[crashWindow][2]int64{}
		for _, r := range recs {
			if len(r.Key) < 8 {
				t.Fatalf("windowed key too short: %x", r.Key)
			}
			w := crashWindow{string(r.Key[:len(r.Key)-8]), int64(binary.BigEndian.Uint64(r.Key[len(r.Key)-8:]))}
			var v struct{ C, S int64 }
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatal(err)
			}
			latest[w] = [2]int64{v.C, v.S}
		}
		mismatch = ""
		for w, c := range wantCount {
			if got := latest[w]; got != [2]int64{c, wantSum[w]} {
				mismatch = fmt.Sprintf("window %s@%d: COUNT, SUM = %v, want %d, %d (%d windows out of %d)", w.user, w.start, got, c, wantSum[w], len(latest), len(wantCount))
				break
			}
		}
		if mismatch == "" {
			break
		}
		if time.Now().After(deadline) {
			r.diagnose(t)
			t.Fatal(mismatch)
		}
		time.Sleep(500 * time.Millisecond)
	}

	t.Logf("windows exact after %s", time.Since(began).Round(time.Millisecond))
	// BY_BUCKET reads its clicks through a repartition topic, which a
	// killed server's replay writes to again: each of the ten counts
	// must still come out exact (total/10), no click counted twice.
	deadline = time.Now().Add(time.Minute)
	for {
		recs, err := cl.ReadAll(ctx, "BY_BUCKET")
		if err != nil {
			t.Fatal(err)
		}
		latest := map[int32]int64{}
		for _, r := range recs {
			var v struct{ C int64 }
			if len(r.Key) != 4 || json.Unmarshal(r.Value, &v) != nil {
				t.Fatalf("BY_BUCKET record %x %s", r.Key, r.Value)
			}
			latest[int32(binary.BigEndian.Uint32(r.Key))] = v.C
		}
		mismatch = ""
		for b := range int32(10) {
			if latest[b] != int64(total/10) {
				mismatch = fmt.Sprintf("BY_BUCKET counts %v, want %d each", latest, total/10)
			}
		}
		if mismatch == "" {
			break
		}
		if time.Now().After(deadline) {
			r.diagnose(t)
			t.Fatal(mismatch)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "restored") {
		t.Error("no restarted task restored state from a changelog: the kills did not exercise restores")
	}
	// Every click joined, none with a NULL name.
	seen := make([]bool, total)
	deadline = time.Now().Add(time.Minute)
	for {
		recs, err := cl.ReadAll(ctx, "ENRICHED")
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		for _, r := range recs {
			var v struct {
				N    int
				NAME *string
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatal(err)
			}
			if v.NAME == nil || !strings.HasPrefix(*v.NAME, "name") {
				t.Fatalf("click %d joined without its user: %s", v.N, r.Value)
			}
			seen[v.N] = true
		}
		for _, s := range seen {
			if !s {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d clicks never came out of the join", missing, total)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestKill9ExactlyOnce runs the same kills under
// processing.guarantee=exactly_once_v2 with output caching off, so every
// input record gives exactly one output record of each query: the
// committed outputs (read read_committed) must then equal, record for
// record and in order per key, those of an uninterrupted run, which the
// test computes from the input: no duplicate from a replayed batch, no
// gap.
func TestKill9ExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	r := runKilled(t, map[string]string{"auto.offset.reset": "earliest",
		"processing.guarantee": "exactly_once_v2", "cache.max.bytes.buffering": "0"})
	ctx := context.Background()
	// A windowed key is the user and the window start: each window's
	// updates are in order in its partition.
	type agg struct{ c, s int64 }
	wantAgg, wantJoin := map[crashWindow][]agg{}, map[string][]int{}
	running := map[crashWindow][2]int64{}
	for j := range r.total {
		u, ts := fmt.Sprintf("u%d", j%r.users), r.base+int64(j)*20
		w := crashWindow{u, ts - ts%60_000}
		c := running[w]
		c[0]++
		c[1] += int64(j)
		running[w] = c
		wantAgg[w] = append(wantAgg[w], agg{c[0], c[1]})
		wantJoin[u] = append(wantJoin[u], j)
	}
	records := func(topic string) []kafka.Record {
		recs, err := r.cl.ReadAll(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	deadline := time.Now().Add(3 * time.Minute)
	for len(records("PER_MINUTE")) < r.total || len(records("ENRICHED")) < r.total {
		if time.Now().After(deadline) {
			r.diagnose(t)
			t.Errorf("outputs incomplete: %d aggregate rows, %d joined rows of %d", len(records("PER_MINUTE")), len(records("ENRICHED")), r.total)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Let a duplicate that is still on its way show up.
	time.Sleep(2 * time.Second)

	gotAgg := map[crashWindow][]agg{}
	aggRecs := records("PER_MINUTE")
	for _, rec := range aggRecs {
		w := crashWindow{string(rec.Key[:len(rec.Key)-8]), int64(binary.BigEndian.Uint64(rec.Key[len(rec.Key)-8:]))}
		var v struct{ C, S int64 }
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatal(err)
		}
		gotAgg[w] = append(gotAgg[w], agg{v.C, v.S})
	}
	gotJoin := map[string][]int{}
	joinRecs := records("ENRICHED")
	for _, rec := range joinRecs {
		var v struct {
			N    int
			NAME *string
		}
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatal(err)
		}
		if v.NAME == nil {
			t.Fatalf("click %d joined without its user: %s", v.N, rec.Value)
		}
		gotJoin[string(rec.Key)] = append(gotJoin[string(rec.Key)], v.N)
	}
	// A few differences tell the story; hundreds hide the diagnosis.
	var aggDiffs, joinDiffs []string
	for w, want := range wantAgg {
		if !slices.Equal(gotAgg[w], want) {
			aggDiffs = append(aggDiffs, fmt.Sprintf("PER_MINUTE for %s@%d: %d rows, want %d; first difference %s", w.user, w.start, len(gotAgg[w]), len(want), firstDiff(gotAgg[w], want)))
		}
	}
	for u := range wantJoin {
		if !slices.Equal(gotJoin[u], wantJoin[u]) {
			joinDiffs = append(joinDiffs, fmt.Sprintf("ENRICHED for %s: %d rows, want %d; first difference %s", u, len(gotJoin[u]), len(wantJoin[u]), firstDiff(gotJoin[u], wantJoin[u])))
		}
	}
	for _, d := range [][]string{aggDiffs, joinDiffs} {
		slices.Sort(d)
		for i, line := range d {
			if i == 5 {
				t.Errorf("... and %d more", len(d)-5)
				break
			}
			t.Error(line)
		}
	}
	// The outputs were written in transactions: their commit markers
	// take offsets beside the records.
	ends, err := r.cl.EndOffsets(ctx, "ENRICHED")
	if err != nil {
		t.Fatal(err)
	}
	var end int64
	for _, e := range ends {
		end += e
	}
	if end <= int64(len(joinRecs)) {
		t.Errorf("ENRICHED ends at %d offsets for %d records: no transaction markers, so not written transactionally", end, len(joinRecs))
	}
	if !strings.Contains(r.logs.String(), "restored") {
		t.Error("no restarted task restored state from a changelog: the kills did not exercise restores")
	}
}

// diagnose logs what the server says of its queries and the lines of
// its logs that are not routine, so that a run that did not converge
// shows why before the differences it found.
func (r *killedRun) diagnose(t *testing.T) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"ksql": "SHOW QUERIES;"})
	resp, err := http.Post("http://"+r.listen+"/ksql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Logf("SHOW QUERIES: %v", err)
	} else {
		var out []struct {
			Queries []struct {
				ID          string
				State       string
				StatusCount map[string]int
				QueryString string
			}
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		for _, o := range out {
			for _, q := range o.Queries {
				t.Logf("query %s: %s %v", q.ID, q.State, q.StatusCount)
			}
		}
	}
	// Where each topic ends for read_committed readers (the last stable
	// offset) and for everyone: a gap is a transaction still open.
	ctx := context.Background()
	topics, err := r.cl.Topics(ctx)
	if err != nil {
		t.Logf("topics: %v", err)
	}
	for _, topic := range topics {
		hw, err1 := r.cl.EndOffsets(ctx, topic.Name)
		lso, err2 := r.cl.StableEndOffsets(ctx, topic.Name)
		t.Logf("topic %s: ends %v, stable ends %v %v", topic.Name, hw, lso, cmpErrs(err1, err2))
	}
	// Each query's consumer group: its state, members and what it
	// committed of the clicks.
	kc, err := kgo.NewClient(kgo.SeedBrokers(r.broker))
	if err == nil {
		defer kc.Close()
		adm := kadm.NewClient(kc)
		groups, err := adm.DescribeGroups(ctx)
		if err != nil {
			t.Logf("groups: %v", err)
		}
		for _, g := range groups.Sorted() {
			var members []string
			for _, m := range g.Members {
				a, _ := m.Assigned.AsConsumer()
				var parts []string
				if a != nil {
					for _, tp := range a.Topics {
						parts = append(parts, fmt.Sprintf("%s%v", tp.Topic, tp.Partitions))
					}
				}
				members = append(members, fmt.Sprintf("%s(%s)", m.ClientHost, strings.Join(parts, " ")))
			}
			committed, _ := r.cl.GroupOffsets(ctx, g.Group, "clicks")
			t.Logf("group %s: %s, members %v, committed clicks %v", g.Group, g.State, members, committed)
		}
	}
	var notable []string
	for _, line := range strings.Split(r.logs.String(), "\n") {
		if line == "" || strings.Contains(line, "restored") || strings.Contains(line, "garbage collector") ||
			strings.Contains(line, "listening on") || strings.Contains(line, "server running") {
			continue
		}
		notable = append(notable, line)
	}
	t.Logf("server log, routine lines left out:\n%s", tail(strings.Join(notable, "\n"), 6000))
}

func cmpErrs(errs ...error) string {
	for _, err := range errs {
		if err != nil {
			return err.Error()
		}
	}
	return ""
}

// firstDiff describes where got first differs from want.
func firstDiff[T comparable](got, want []T) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d: %v, want %v", i, got[i], want[i])
		}
	}
	if len(got) > len(want) {
		return fmt.Sprintf("at %d: extra %v", len(want), got[len(want)])
	}
	if len(got) < len(want) {
		return fmt.Sprintf("at %d: missing %v", len(got), want[len(got)])
	}
	return "none"
}

// crashWindow is a user's one-minute window.
type crashWindow struct {
	user  string
	start int64
}

// killedRun is what runKilled produced: the input's expected windows.
type killedRun struct {
	cl                 *kafka.Client
	total, users       int
	base               int64
	wantCount, wantSum map[crashWindow]int64
	began              time.Time
	logs               *lockedBuffer
	listen             string // the server's REST address
	broker             string // the broker's address
}

// runKilled starts a broker and an `eddy server`, creates a USERS table,
// a CLICKS stream, the windowed aggregate PER_MINUTE and the join
// ENRICHED with the given properties, then produces 100,000 clicks by 20
// users, 20 ms apart in event time, killing the server with SIGKILL at
// five random points and restarting it.
func runKilled(t *testing.T, props map[string]string) *killedRun {
	t.Helper()
	bin := buildEddy(t)
	// The records are stamped in 2023: keep them past retention.
	broker, cl := brokerWithTopics(t, kafka.EmbeddedConfig{Retention: -1}, "users", "clicks")
	ctx := context.Background()
	const users, total, batch = 20, 100_000, 500
	base := int64(1_700_000_000_000)
	var urecs []kafka.Record
	for u := range users {
		urecs = append(urecs, kafka.Record{Topic: "users", Partition: -1, Key: []byte(fmt.Sprintf("u%d", u)),
			Value: []byte(fmt.Sprintf(`{"NAME":"name%d"}`, u)), Timestamp: base - 1})
	}
	if err := cl.Produce(ctx, urecs...); err != nil {
		t.Fatal(err)
	}

	dataDir, listen := t.TempDir(), freeAddr(t)
	var server *exec.Cmd
	logs := &lockedBuffer{} // every life's server log, shown when the test fails
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server logs:\n%s", tail(logs.String(), 8000))
		}
	})
	start := func() {
		server = exec.Command(bin, "server", "--bootstrap-servers", broker.Addr(), "--listen", listen,
			"--data-dir", dataDir, "--service-id", "crash_")
		fmt.Fprintf(logs, "--- start at %s\n", time.Now().Format(time.RFC3339Nano))
		server.Stdout, server.Stderr = logs, logs
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		waitHTTP(t, listen) // a failure shows the logs (Cleanup above)
	}
	kill := func() {
		server.Process.Signal(os.Kill)
		server.Wait()
	}
	start()
	t.Cleanup(kill)
	stmts := `CREATE TABLE USERS (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
		CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
		CREATE TABLE PER_MINUTE AS SELECT ID, COUNT(*) AS C, SUM(N) AS S FROM CLICKS
		  WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID;
		CREATE STREAM ENRICHED AS SELECT C.ID, C.N, U.NAME FROM CLICKS C LEFT JOIN USERS U ON C.ID = U.ID;
		CREATE TABLE BY_BUCKET AS SELECT N % 10 AS B, COUNT(*) AS C FROM CLICKS GROUP BY N % 10;`
	body, _ := json.Marshal(map[string]any{"ksql": stmts, "streamsProperties": props})
	resp, err := http.Post("http://"+listen+"/ksql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("statements: HTTP %d", resp.StatusCode)
	}

	// The input: click i by user i%20, N = i, 20 ms apart in event time
	// (2,000 s: about 34 one-minute windows per user).
	r := &killedRun{cl: cl, total: total, users: users, base: base, logs: logs, listen: listen, broker: broker.Addr(),
		wantCount: map[crashWindow]int64{}, wantSum: map[crashWindow]int64{}, began: time.Now()}
	// Five kills at random points of the input, each after the running
	// server has written some of its output, so every life makes progress
	// and the next one restores state the previous one built.
	kills := map[int]bool{}
	for len(kills) < 5 {
		kills[(1+rand.IntN(total/batch-2))*batch] = true
	}
	enriched := func() int64 {
		ends, err := cl.EndOffsets(ctx, "ENRICHED")
		if err != nil {
			return 0
		}
		var n int64
		for _, e := range ends {
			n += e
		}
		return n
	}
	kc, err := kgo.NewClient(kgo.SeedBrokers(broker.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	adm := kadm.NewClient(kc)
	lifeStart := int64(-1) // joined rows when the current server started
	for i := 0; i < total; i += batch {
		if kills[i] {
			// Kill only a server that has joined every query's group
			// and made progress itself: the kills test what a restart
			// restores, not rebalance timing. (A member killed while it
			// waited in a rebalance is removed by the embedded broker's
			// reaper, TestDeadJoinerLeavesItsGroup, only a session and
			// a settling period later.)
			deadline := time.Now().Add(2 * time.Minute)
			for n := enriched(); n < int64(i)/2 || n <= lifeStart; n = enriched() {
				if time.Now().After(deadline) {
					t.Fatalf("the server made no progress: %d joined rows of %d produced", enriched(), i)
				}
				time.Sleep(50 * time.Millisecond)
			}
			waitGroupsSettled(t, adm, 3, deadline)
			kill()
			start()
			lifeStart = enriched()
		}
		recs := make([]kafka.Record, 0, batch)
		for j := i; j < i+batch; j++ {
			u, ts := fmt.Sprintf("u%d", j%users), base+int64(j)*20
			recs = append(recs, kafka.Record{Topic: "clicks", Partition: -1, Key: []byte(u),
				Value: []byte(fmt.Sprintf(`{"N":%d}`, j)), Timestamp: ts})
			w := crashWindow{u, ts - ts%60_000}
			r.wantCount[w]++
			r.wantSum[w] += int64(j)
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("input produced, with %d kills, after %s", len(kills), time.Since(r.began).Round(time.Millisecond))
	return r
}

// waitGroupsSettled waits until n query groups are stable with one
// member each, which holds every partition of the group's topics.
func waitGroupsSettled(t *testing.T, adm *kadm.Client, n int, deadline time.Time) {
	t.Helper()
	var state string
	for {
		groups, err := adm.DescribeGroups(context.Background())
		settled := 0
		state = fmt.Sprint(err)
		if err == nil {
			state = ""
			for _, g := range groups.Sorted() {
				if !strings.Contains(g.Group, "query_") {
					continue
				}
				state += fmt.Sprintf(" %s: %s, %d members;", g.Group, g.State, len(g.Members))
				if g.State == "Stable" && len(g.Members) == 1 {
					settled++
				}
			}
		}
		if settled >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("query groups not settled:%s", state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// buildEddy builds the eddy binary into a temporary directory of the
// test, for tests that run it as a user would (kill -9 included).
func buildEddy(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "eddy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// lockedBuffer collects a child process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// brokerWithTopics starts an embedded broker of the test's own (cfg with
// a fresh data directory and a free port) and a client of it, and creates
// topics of two partitions each.
func brokerWithTopics(t *testing.T, cfg kafka.EmbeddedConfig, topics ...string) (*kafka.Embedded, *kafka.Client) {
	t.Helper()
	cfg.DataDir, cfg.Listen = t.TempDir(), "127.0.0.1:0"
	broker, err := kafka.StartEmbedded(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { broker.Close() })
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{broker.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	for _, topic := range topics {
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: 2, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
	}
	return broker, cl
}
