package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/state"
)

// These tests run joins and a table filter with ksql.state.store=pebble
// and a small cache (Options.StateCacheLimit): a table side's rows live
// in the task's local store, read on demand, so the rows a task keeps
// decoded from one commit to the next stay within its caches whatever
// the table's size (TaskSnapshot's StateHeldPeak). Between two commits
// it holds besides the rows read or changed since the last
// (StateTouchedPeak), at most what a task processes between commits.

// backedCacheLimit is the tests' cache: entries per store-backed
// operator side, per task.
const backedCacheLimit = 500

func newBackedEngine(t *testing.T, cl kafka.Cluster, dir string) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Cluster: cl, StateDir: dir, Logf: t.Logf, StateCacheLimit: backedCacheLimit,
		Config: map[string]string{"auto.offset.reset": "earliest", StateStoreProperty: state.KindPebble}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// checkHeldBound fails when a task of e's queries kept more state entries
// decoded from one commit to the next than its sides caches hold.
func checkHeldBound(t *testing.T, e *Engine, sides int) {
	t.Helper()
	bound := int64(sides * backedCacheLimit)
	for _, q := range e.QueryStats() {
		for _, ts := range q.PerTask {
			if ts.StateHeldPeak > bound {
				t.Errorf("query %s task %d kept %d state entries decoded after a commit, want at most %d (%d caches of %d)",
					q.ID, ts.Task, ts.StateHeldPeak, bound, sides, backedCacheLimit)
			}
			t.Logf("query %s task %d: at most %d state entries kept after a commit, %d held at one", q.ID, ts.Task, ts.StateHeldPeak, ts.StateTouchedPeak)
		}
	}
}

// latestRows is the latest value of each key of a table's records, nil
// for a key whose latest record is a tombstone.
func latestRows(t *testing.T, recs []kafka.Record) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range recs {
		if r.Value == nil {
			out[string(r.Key)] = nil
			continue
		}
		out[string(r.Key)] = jsonValue(t, r)
	}
	return out
}

// produceChunks produces n records made by rec, 10,000 at a time.
func produceChunks(t *testing.T, cl kafka.Cluster, topic string, from, to int, rec func(i int) kafka.Record) {
	t.Helper()
	for lo := from; lo < to; lo += 10_000 {
		recs := make([]kafka.Record, 0, 10_000)
		for i := lo; i < min(lo+10_000, to); i++ {
			recs = append(recs, rec(i))
		}
		produceJSON(t, cl, topic, recs...)
	}
}

// backedChildEnv makes the test binary, run again by
// TestStoreBackedStreamTableJoin, the server that is killed: it holds
// the broker's address and the state directory.
const backedChildEnv = "EDDY_BACKED_JOIN_CHILD"

const streamTableJoinSQL = `CREATE TABLE U (K STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
	CREATE STREAM S (K STRING KEY, ID INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
	CREATE STREAM J AS SELECT S.K, S.ID, U.NAME FROM S LEFT JOIN U ON S.K = U.K;`

// TestStoreBackedStreamTableJoin: a stream joins a table of 300,000 keys
// (30,000 under the race detector), all in Kafka before the query
// starts, with its table side in Pebble and a cache of 500 rows. The
// server running it is killed (SIGKILL) midway through the stream; a
// second one takes over from its state and joins the rest; a third,
// after a clean restart, sees table updates and deletions made while
// none ran. Every stream row joins its key's row as of its time (no
// NULL for a key the table holds), and no task keeps more than its cache
// from one commit to the next: the old code kept the whole table.
func TestStoreBackedStreamTableJoin(t *testing.T) {
	if env := os.Getenv(backedChildEnv); env != "" {
		addr, dir, _ := strings.Cut(env, "|")
		cl, err := kafka.Dial(context.Background(), kafka.Config{Brokers: []string{addr}})
		if err != nil {
			t.Fatal(err)
		}
		e := newBackedEngine(t, cl, dir)
		mustExec(t, e, streamTableJoinSQL)
		time.Sleep(10 * time.Minute) // until killed
		return
	}
	keys, clicks := 300_000, 20_000
	if raceOn {
		keys, clicks = 30_000, 6_000
	}
	addr, cl := testenv.Kafka(t, t.TempDir())
	dir := t.TempDir()
	createTopic(t, cl, "users", 2)
	createTopic(t, cl, "clicks", 2)
	base := time.Now().Add(-time.Hour).UnixMilli()
	produceChunks(t, cl, "users", 0, keys, func(i int) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("u%d", i)), Value: []byte(fmt.Sprintf(`{"NAME":"n%d"}`, i)), Timestamp: base}
	})
	// Click i is on key u(keyOf(i)): spread over the table, and the
	// second half's clicks on the keys of the first half's.
	keyOf := func(i int) int { return i % clicks * 7919 % keys }
	click := func(i int) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("u%d", keyOf(i))), Value: []byte(fmt.Sprintf(`{"ID":%d}`, i)), Timestamp: base + 1000 + int64(i)}
	}
	produceChunks(t, cl, "clicks", 0, clicks/2, click)

	// joined checks J's rows of clicks [from, to) against want (the name
	// of a click's key, "" for none), once all are there.
	joined := func(from, to int, want func(k int) string) {
		t.Helper()
		var bad []string
		waitRecords(t, cl, "J", func(recs []kafka.Record) bool {
			seen := map[int]bool{}
			bad = bad[:0]
			for _, r := range recs {
				v := jsonValue(t, r)
				id := int(v["ID"].(float64))
				if id < from || id >= to {
					continue
				}
				seen[id] = true
				name, _ := v["NAME"].(string)
				if w := want(keyOf(id)); name != w && len(bad) < 10 {
					bad = append(bad, fmt.Sprintf("click %d on u%d joined %q, want %q", id, keyOf(id), name, w))
				}
			}
			return len(seen) == to-from
		})
		for _, b := range bad {
			t.Error(b)
		}
	}

	// The first server: killed once it has joined some clicks.
	child, out := startChildTest(t, "TestStoreBackedStreamTableJoin", backedChildEnv+"="+addr+"|"+dir)
	waitRecords(t, cl, "J", func(recs []kafka.Record) bool { return len(recs) >= clicks/4 })
	// More clicks while it runs, a few at a time: it is killed in the
	// middle of them.
	for lo := clicks / 2; lo < 3*clicks/4; lo += clicks / 40 {
		produceChunks(t, cl, "clicks", lo, lo+clicks/40, click)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	recs, err := cl.ReadAll(context.Background(), "J")
	if err != nil || len(recs) >= 3*clicks/4 {
		t.Fatalf("the first server joined %d clicks (%v) before it was killed: the test kills it too late\n%s", len(recs), err, out)
	}
	t.Logf("the first server joined %d clicks before it was killed", len(recs))
	produceChunks(t, cl, "clicks", 3*clicks/4, clicks, click)

	name := func(k int) string { return fmt.Sprintf("n%d", k) }
	e1 := newBackedEngine(t, cl, dir)
	joined(0, clicks, name)
	checkHeldBound(t, e1, 1)
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}

	// While no server runs: keys of clicks [0, 1000) are renamed, those
	// of [1000, 2000) deleted, and the stream goes on, on the same keys.
	changed := map[int]string{}
	var changes []kafka.Record
	for i := range 2000 {
		k := keyOf(i)
		r := kafka.Record{Key: []byte(fmt.Sprintf("u%d", k)), Timestamp: base + 1000 + int64(clicks)}
		if i < 1000 {
			changed[k] = fmt.Sprintf("r%d", k)
			r.Value = []byte(fmt.Sprintf(`{"NAME":"r%d"}`, k))
		} else {
			changed[k] = ""
		}
		changes = append(changes, r)
	}
	produceJSON(t, cl, "users", changes...)
	produceChunks(t, cl, "clicks", clicks, 2*clicks, func(i int) kafka.Record {
		r := click(i - clicks)
		r.Value, r.Timestamp = []byte(fmt.Sprintf(`{"ID":%d}`, i)), base+2000+int64(clicks+i)
		return r
	})
	e2 := newBackedEngine(t, cl, dir)
	defer e2.Close()
	joined(clicks, 2*clicks, func(k int) string {
		if n, ok := changed[k]; ok {
			return n
		}
		return name(k)
	})
	checkHeldBound(t, e2, 1)
}

// waitLatest waits until the latest rows of a table's topic are want
// (nil: a tombstone or no record), reporting a few differences if they
// never are.
func waitLatest(t *testing.T, cl kafka.Cluster, topic string, want func(k string) map[string]any, keys []string) {
	t.Helper()
	var diff []string
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s: %q", topic, diff)
		}
	})
	waitRecords(t, cl, topic, func(recs []kafka.Record) bool {
		got := latestRows(t, recs)
		diff = diff[:0]
		for _, k := range keys {
			w, g := want(k), got[k]
			if fmt.Sprint(w) != fmt.Sprint(g) && len(diff) < 10 {
				diff = append(diff, fmt.Sprintf("%s: %v, want %v", k, g, w))
			}
		}
		return len(diff) == 0
	})
}

// TestStoreBackedTableTableJoin: an inner join of two tables of 60,000
// keys (6,000 under the race detector) with both sides in Pebble and
// caches of 500 rows; after a restart, updates of one side, deletions of
// the other and new rows join against the stored rows. No task keeps
// more than its caches between commits (the old code kept both tables).
func TestStoreBackedTableTableJoin(t *testing.T) {
	keys := 60_000
	if raceOn {
		keys = 6_000
	}
	cl := startBroker(t, t.TempDir())
	dir := t.TempDir()
	createTopic(t, cl, "lt", 2)
	createTopic(t, cl, "rt", 2)
	// L has every key, A = i; R has the even keys, B = 2i.
	produceChunks(t, cl, "lt", 0, keys, func(i int) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf(`{"A":%d}`, i)), Timestamp: 1000}
	})
	produceChunks(t, cl, "rt", 0, keys/2, func(i int) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("k%d", 2*i)), Value: []byte(fmt.Sprintf(`{"B":%d}`, 4*i)), Timestamp: 1000}
	})
	e := newBackedEngine(t, cl, dir)
	mustExec(t, e, `CREATE TABLE L (K STRING PRIMARY KEY, A INT) WITH (KAFKA_TOPIC='lt', VALUE_FORMAT='JSON');
		CREATE TABLE R (K STRING PRIMARY KEY, B INT) WITH (KAFKA_TOPIC='rt', VALUE_FORMAT='JSON');
		CREATE TABLE J AS SELECT L.K, L.A, R.B FROM L JOIN R ON L.K = R.K;`)
	all := make([]string, keys)
	for i := range all {
		all[i] = fmt.Sprintf("k%d", i)
	}
	num := func(k string) int { n, _ := strconv.Atoi(k[1:]); return n }
	row := func(a, b int) map[string]any { return map[string]any{"A": float64(a), "B": float64(b)} }
	waitLatest(t, cl, "J", func(k string) map[string]any {
		if i := num(k); i%2 == 0 {
			return row(i, 2*i)
		}
		return nil
	}, all)
	checkHeldBound(t, e, 2)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// While the server is down: L's keys below 1000 get A = -i, R's even
	// keys in [1000, 2000) are deleted and its odd keys in [2000, 3000)
	// added.
	var lt, rt []kafka.Record
	for i := range 1000 {
		lt = append(lt, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf(`{"A":%d}`, -i)), Timestamp: 2000})
		if i%2 == 0 {
			rt = append(rt, kafka.Record{Key: []byte(fmt.Sprintf("k%d", 1000+i)), Timestamp: 2000})
		} else {
			rt = append(rt, kafka.Record{Key: []byte(fmt.Sprintf("k%d", 2000+i)), Value: []byte(fmt.Sprintf(`{"B":%d}`, 7)), Timestamp: 2000})
		}
	}
	produceJSON(t, cl, "lt", lt...)
	produceJSON(t, cl, "rt", rt...)
	e2 := newBackedEngine(t, cl, dir)
	defer e2.Close()
	waitLatest(t, cl, "J", func(k string) map[string]any {
		switch i := num(k); {
		case i < 1000 && i%2 == 0:
			return row(-i, 2*i)
		case i >= 1000 && i < 2000 && i%2 == 0:
			return nil // deleted on the right
		case i >= 2000 && i < 3000 && i%2 == 1:
			return row(i, 7)
		case i%2 == 0:
			return row(i, 2*i)
		}
		return nil
	}, all)
	checkHeldBound(t, e2, 2)
}

// TestStoreBackedTableFilter: a filter of a table of 60,000 keys (6,000
// under the race detector) keeps which keys passed in Pebble, with a
// cache of 500; after a restart, a key that passed and now fails, or is
// deleted, is deleted downstream, which it can only be if the filter
// reads from its store that the key passed. No task keeps more than its
// cache between commits (the old code kept every key that passed).
func TestStoreBackedTableFilter(t *testing.T) {
	keys := 60_000
	if raceOn {
		keys = 6_000
	}
	cl := startBroker(t, t.TempDir())
	dir := t.TempDir()
	createTopic(t, cl, "tt", 2)
	produceChunks(t, cl, "tt", 0, keys, func(i int) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf(`{"V":%d}`, i)), Timestamp: 1000}
	})
	e := newBackedEngine(t, cl, dir)
	mustExec(t, e, `CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='tt', VALUE_FORMAT='JSON');
		CREATE TABLE F AS SELECT K, V FROM T WHERE V % 2 = 0;`)
	all := make([]string, keys)
	for i := range all {
		all[i] = fmt.Sprintf("k%d", i)
	}
	num := func(k string) int { n, _ := strconv.Atoi(k[1:]); return n }
	v := func(n int) map[string]any { return map[string]any{"V": float64(n)} }
	waitLatest(t, cl, "F", func(k string) map[string]any {
		if i := num(k); i%2 == 0 {
			return v(i)
		}
		return nil
	}, all)
	checkHeldBound(t, e, 1)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	// Keys below 1000 get V = i+1 (the even ones leave F, the odd ones
	// enter it); keys in [1000, 2000) are deleted.
	var recs []kafka.Record
	for i := range 2000 {
		r := kafka.Record{Key: []byte(fmt.Sprintf("k%d", i)), Timestamp: 2000}
		if i < 1000 {
			r.Value = []byte(fmt.Sprintf(`{"V":%d}`, i+1))
		}
		recs = append(recs, r)
	}
	produceJSON(t, cl, "tt", recs...)
	e2 := newBackedEngine(t, cl, dir)
	defer e2.Close()
	waitLatest(t, cl, "F", func(k string) map[string]any {
		switch i := num(k); {
		case i < 1000 && i%2 == 1:
			return v(i + 1)
		case i < 2000:
			return nil
		case i%2 == 0:
			return v(i)
		}
		return nil
	}, all)
	// The even keys below 2000 that passed were deleted downstream, by
	// a tombstone each.
	tombs := 0
	for _, r := range recs0(t, cl, "F") {
		if r.Value == nil {
			tombs++
		}
	}
	if tombs != 1000 {
		t.Errorf("F has %d tombstones, want 1000 (the even keys below 2000)", tombs)
	}
	checkHeldBound(t, e2, 1)
}

func recs0(t *testing.T, cl kafka.Cluster, topic string) []kafka.Record {
	t.Helper()
	recs, err := cl.ReadAll(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// startChildTest runs test of this test binary as a child process (a
// server a test can kill with SIGKILL), with env added to its
// environment; out collects what it prints.
func startChildTest(t *testing.T, test, env string) (child *exec.Cmd, out *strings.Builder) {
	t.Helper()
	child = exec.Command(os.Args[0], "-test.run", "^"+test+"$", "-test.v")
	child.Env = append(os.Environ(), env)
	out = &strings.Builder{}
	child.Stdout, child.Stderr = out, out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	return child, out
}
