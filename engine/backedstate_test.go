package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/state"
)

// These tests run joins and a table filter with ksql.state.store=pebble
// and a small cache (Options.StateCacheLimit): a table side's rows live
// in the task's local store, read on demand, so the rows a task holds
// decoded stay bounded whatever the table's size (TaskSnapshot's
// StateHeldPeak, the most held at any commit, before the caches are
// trimmed). A commit follows every fetched batch (at most
// kafka.DefaultMaxBatch records), whose rows are held until it.

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

// checkHeldBound fails when a task of e's queries held more decoded state
// entries at a commit than sides caches and one batch's rows.
func checkHeldBound(t *testing.T, e *Engine, sides int) {
	t.Helper()
	bound := int64(sides*backedCacheLimit + kafka.DefaultMaxBatch)
	for _, q := range e.QueryStats() {
		for _, ts := range q.PerTask {
			if ts.StateHeldPeak > bound {
				t.Errorf("query %s task %d held %d state entries decoded at a commit, want at most %d (%d caches of %d and a batch)",
					q.ID, ts.Task, ts.StateHeldPeak, bound, sides, backedCacheLimit)
			}
			t.Logf("query %s task %d: at most %d state entries held at a commit", q.ID, ts.Task, ts.StateHeldPeak)
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
// NULL for a key the table holds), and no task ever holds more than its
// cache and a batch of rows: the old code held the whole table.
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
	child := exec.Command(os.Args[0], "-test.run", "^TestStoreBackedStreamTableJoin$", "-test.v")
	child.Env = append(os.Environ(), backedChildEnv+"="+addr+"|"+dir)
	out := &strings.Builder{}
	child.Stdout, child.Stderr = out, out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
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
