package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// topicOnly hides a cluster's end offsets, so an engine over it answers
// pull queries by reading the topic: the reference the stores must match.
type topicOnly struct{ kafka.Cluster }

func (topicOnly) EndOffsets(context.Context, string) (map[int32]int64, error) {
	return nil, errors.New("end offsets hidden: pull queries read the topic")
}

// TestPullFromStoreMatchesTopicScan: a table's pull queries give the same
// rows in the same order from its materialized store (lookups and scans)
// as from reading its topic, over random updates and deletes in four
// partitions, keys written in a non-canonical JSON spelling included.
func TestPullFromStoreMatchesTopicScan(t *testing.T) {
	for _, kind := range []string{"memory", "pebble"} {
		t.Run(kind, func(t *testing.T) {
			cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 4})
			e := newEngineOn(t, cl, map[string]string{StateStoreProperty: kind})
			mustExec(t, e, "CREATE TABLE t_in (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='kv', format='JSON', partitions=4);")
			mustExec(t, e, "CREATE SOURCE TABLE t (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='kv', format='JSON');")
			mustExec(t, e, "CREATE TABLE ti_in (id BIGINT PRIMARY KEY, v INT) WITH (kafka_topic='iv', key_format='KAFKA', value_format='JSON', partitions=4);")
			mustExec(t, e, "CREATE SOURCE TABLE ti (id BIGINT PRIMARY KEY, v INT) WITH (kafka_topic='iv', key_format='KAFKA', value_format='JSON');")
			ref := newEngineOn(t, topicOnly{cl}, nil)

			queries := []string{
				"SELECT * FROM t;",
				"SELECT * FROM t WHERE k = 'a';",
				"SELECT * FROM t WHERE 'b' = k;",
				"SELECT * FROM t WHERE k IN ('a', 'c', 'zz', 'c');",
				"SELECT * FROM t WHERE k = 'a' OR k = 'd' AND v > 50;",
				"SELECT * FROM t WHERE k = 'a' AND k = 'b';",
				"SELECT k, v * 2 AS v2 FROM t WHERE k = 'e' OR v < 10;",
				"SELECT * FROM t WHERE k > 'c' LIMIT 3;",
				"SELECT * FROM t LIMIT 2;",
				"SELECT * FROM ti WHERE id = 3;",
				"SELECT * FROM ti WHERE id IN (-1, 5, 9, 12345678901);",
				"SELECT * FROM ti;",
			}
			r := rand.New(rand.NewSource(1))
			for round := 0; round < 5; round++ {
				var recs []kafka.Record
				for i := 0; i < 200; i++ {
					k := string(rune('a' + r.Intn(8)))
					key := `"` + k + `"`
					if r.Intn(5) == 0 {
						key = ` "` + k + `"` // decodes to the same K
					}
					var val []byte
					if r.Intn(6) != 0 {
						val = []byte(fmt.Sprintf(`{"V": %d}`, r.Intn(100)))
					}
					recs = append(recs, kafka.Record{Topic: "kv", Partition: -1, Key: []byte(key), Value: val, Timestamp: int64(i)})
					id := int64(r.Intn(12)) - 1
					recs = append(recs, kafka.Record{Topic: "iv", Partition: -1, Key: bigintKey(id), Value: val, Timestamp: int64(i)})
				}
				if err := cl.Produce(context.Background(), recs...); err != nil {
					t.Fatal(err)
				}
				for _, q := range queries {
					got, want := mustPull(t, e, q, nil), mustPull(t, ref, q, nil)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("round %d: %s\nstore: %v\ntopic: %v", round, q, got, want)
					}
				}
			}
		})
	}
}

// collectRecords gathers what read feeds.
func collectRecords(read func(feed func([]kafka.Record) bool) error) ([]kafka.Record, error) {
	var out []kafka.Record
	err := read(func(recs []kafka.Record) bool {
		out = append(out, recs...)
		return true
	})
	return out, err
}

func bigintKey(v int64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

// TestPullLookupsOnWindowedTables: key lookups on windowed tables — a
// windowed aggregate (state partitioned by the unwindowed key) and a
// windowed source table — return exactly the rows a scan filtered by the
// same WHERE clause returns.
func TestPullLookupsOnWindowedTables(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 3})
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', format='JSON', partitions=3);")
	mustExec(t, e, "CREATE TABLE agg AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;")
	mustExec(t, e, "CREATE SOURCE TABLE wsrc (k STRING PRIMARY KEY, n BIGINT, total INT) WITH (kafka_topic='AGG', format='JSON', window_type='TUMBLING', window_size='10 SECONDS');")
	var recs []kafka.Record
	for i := 0; i < 300; i++ {
		k := []string{"a", "ab", "b", "abc"}[i%4]
		recs = append(recs, kafka.Record{Topic: "s", Partition: -1, Key: []byte(`"` + k + `"`), Value: []byte(fmt.Sprintf(`{"V": %d}`, i)), Timestamp: int64(i) * 997})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"AGG", "WSRC"} {
		// The store's scan is the topic scan, record for record.
		src := e.ms.Source(table)
		fromTopic, err := collectRecords(func(feed func([]kafka.Record) bool) error { return e.scanTable(context.Background(), src, feed) })
		if err != nil {
			t.Fatal(err)
		}
		fromStore, err := collectRecords(func(feed func([]kafka.Record) bool) error { return e.pullTable(context.Background(), src, nil, feed) })
		if err != nil {
			t.Fatal(err)
		}
		if len(fromStore) < 30 || fmt.Sprint(fromStore) != fmt.Sprint(fromTopic) {
			t.Fatalf("%s: store scan differs from the topic scan:\n%v\n%v", table, fromStore, fromTopic)
		}
		for _, where := range []string{
			"k = 'a'",
			"k IN ('ab', 'b')",
			"k = 'a' AND WINDOWSTART >= 100000",
			"k = 'abc' AND WINDOWSTART < 50000 AND WINDOWEND > 20000",
		} {
			lookup := mustPull(t, e, "SELECT * FROM "+table+" WHERE "+where+";", nil)
			scan := mustPull(t, e, "SELECT * FROM "+table+" WHERE ("+where+") OR (n < 0 AND n > 0);", nil)
			if len(lookup.rows) == 0 || fmt.Sprint(lookup.rows) != fmt.Sprint(scan.rows) {
				t.Fatalf("%s WHERE %s:\nlookup %q\nscan   %q", table, where, lookup.rows, scan.rows)
			}
		}
	}
}

// TestPullReadsItsOwnWrites: over the embedded broker, a pull query sees
// every write acknowledged before it started.
func TestPullReadsItsOwnWrites(t *testing.T) {
	cl := embeddedCluster(t)
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE TABLE t_in (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='rw', format='JSON', partitions=2);")
	mustExec(t, e, "CREATE SOURCE TABLE t (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='rw', format='JSON');")
	for i := 0; i < 20; i++ {
		mustExec(t, e, fmt.Sprintf("INSERT INTO t_in (k, v) VALUES ('k%d', %d);", i%3, i))
		got := mustPull(t, e, fmt.Sprintf("SELECT v FROM t WHERE k = 'k%d';", i%3), nil)
		if fmt.Sprint(got.rows) != fmt.Sprintf("[%d]", i) {
			t.Fatalf("after writing %d: %q", i, got.rows)
		}
	}
	if got := mustPull(t, e, "SELECT * FROM t;", nil); len(got.rows) != 3 {
		t.Fatalf("scan: %q", got.rows)
	}
}

// TestPullReadsThroughOutputCaching: a pull query of an aggregation that
// caches its outputs (here for a commit interval of ten minutes) sees
// the updates the aggregation has made, as ksqlDB's pull queries read
// through the caches; it saw only what the last commit had written.
func TestPullReadsThroughOutputCaching(t *testing.T) {
	cl := embeddedCluster(t)
	e := newEngineOn(t, cl, map[string]string{"auto.offset.reset": "earliest", "ksql.streams.commit.interval.ms": "600000"})
	mustExec(t, e, "CREATE STREAM clicks (k STRING KEY, u STRING) WITH (kafka_topic='clicks', format='JSON', partitions=2);")
	mustExec(t, e, "CREATE TABLE per_user AS SELECT u, COUNT(*) AS n FROM clicks GROUP BY u;")
	for want := 1; want <= 3; want++ {
		mustExec(t, e, fmt.Sprintf("INSERT INTO clicks (k, u) VALUES ('c%d', 'ann');", want))
		// The query takes the click in on its own time: poll (a bound on
		// a hang), well within the commit interval.
		deadline := time.Now().Add(time.Minute)
		for {
			got := mustPull(t, e, "SELECT n FROM per_user WHERE u = 'ann';", nil)
			if fmt.Sprint(got.rows) == fmt.Sprintf("[%d]", want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %d clicks the pull query reads %q", want, got.rows)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestDropStopsTheMaterializer: DROP forgets a table's store and removes
// its kept Pebble directory, so a table of the same name over another
// topic reads that topic; Close leaves the kept store of the table there
// is for the next run, and nothing else.
func TestDropStopsTheMaterializer(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	dir := t.TempDir()
	e, err := New(context.Background(), Options{Cluster: cl, StateDir: dir, Config: map[string]string{StateStoreProperty: "pebble"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for i, topic := range []string{"one", "two"} {
		mustExec(t, e, fmt.Sprintf("CREATE TABLE in%d (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='%s', format='JSON', partitions=1);", i, topic))
		mustExec(t, e, fmt.Sprintf("INSERT INTO in%d (k, v) VALUES ('x', %d);", i, i+1))
		mustExec(t, e, fmt.Sprintf("CREATE SOURCE TABLE t (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='%s', format='JSON');", topic))
		if got := mustPull(t, e, "SELECT v FROM t WHERE k = 'x';", nil); fmt.Sprint(got.rows) != fmt.Sprintf("[%d]", i+1) {
			t.Fatalf("table over %s: %q", topic, got.rows)
		}
		kept := filepath.Join(dir, "pull", keptDirs, "*", "T-*")
		if ents, _ := filepath.Glob(kept); len(ents) != 1 {
			t.Fatalf("%d store directories, want 1", len(ents))
		}
		mustExec(t, e, "DROP TABLE t;")
		if ents, _ := filepath.Glob(kept); len(ents) != 0 {
			t.Fatalf("%d store directories after DROP, want 0", len(ents))
		}
	}
	mustExec(t, e, "CREATE SOURCE TABLE t (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='two', format='JSON');")
	mustPull(t, e, "SELECT * FROM t;", nil)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "pull"))
	kept, _ := filepath.Glob(filepath.Join(dir, "pull", keptDirs, "*", "T-*"))
	if len(ents) != 1 || len(kept) != 1 {
		t.Fatalf("%d directories and %d kept stores left after Close, want 1 and 1", len(ents), len(kept))
	}
}

func TestUnknownStateStoreKindIsAClearError(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e := newEngineOn(t, cl, map[string]string{StateStoreProperty: "rocksdb"})
	riders(t, e)
	_, err := runPull(t, e, "SELECT * FROM t;", nil)
	if err == nil || !strings.Contains(err.Error(), "rocksdb") || !strings.Contains(err.Error(), StateStoreProperty) {
		t.Fatalf("err = %v", err)
	}
}

// embeddedCluster is a client of an embedded broker of the test's own.
func embeddedCluster(t *testing.T) kafka.Cluster {
	t.Helper()
	_, cl := embeddedBroker(t)
	return cl
}

// embeddedBroker starts an embedded broker over a temporary data
// directory and a client of it, both closed when t ends; the broker's
// address serves tests that also write with a foreign client.
func embeddedBroker(t *testing.T) (*kafka.Embedded, *kafka.Client) {
	t.Helper()
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return emb, cl
}

func newEngineOn(t testing.TB, cl kafka.Cluster, cfg map[string]string) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Cluster: cl, Config: cfg, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestPullLeavesOutWindowsPastRetention: a pull query on a windowed
// table leaves out the windows its query's RETENTION no longer keeps, by
// the stream time of the partition whose task writes them (it returned
// every window ever written).
func TestPullLeavesOutWindowsPastRetention(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 2})
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', format='JSON', partitions=2);")
	mustExec(t, e, "CREATE TABLE rt AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 5 MINUTES, GRACE PERIOD 0 SECONDS) GROUP BY k;")
	// Two keys whose windows live in different partitions.
	var keys []string
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		if len(keys) == 0 || kafka.KeyPartition([]byte(`"`+k+`"`), 2) != kafka.KeyPartition([]byte(`"`+keys[0]+`"`), 2) {
			keys = append(keys, k)
		}
		if len(keys) == 2 {
			break
		}
	}
	minutes := map[string]int{keys[0]: 30, keys[1]: 11} // one record a minute
	for m := range 30 {
		for _, k := range keys {
			if m < minutes[k] {
				mustExec(t, e, fmt.Sprintf("INSERT INTO s (ROWTIME, k, v) VALUES (%d, '%s', 1);", m*60_000, k))
			}
		}
	}
	want := func(k string) (rows []string) {
		for m := minutes[k] - 5; m < minutes[k]; m++ {
			rows = append(rows, fmt.Sprintf("%s %d %d 1", k, m*60_000, (m+1)*60_000))
		}
		return rows
	}
	for _, k := range keys {
		got := mustPull(t, e, "SELECT * FROM rt WHERE k = '"+k+"';", nil)
		if fmt.Sprint(got.rows) != fmt.Sprint(want(k)) {
			t.Errorf("lookup %s: %q, want %q", k, got.rows, want(k))
		}
	}
	src := e.ms.Source("RT")
	fromStore, err := collectRecords(func(feed func([]kafka.Record) bool) error { return e.pullTable(context.Background(), src, nil, feed) })
	if err != nil {
		t.Fatal(err)
	}
	fromTopic, err := collectRecords(func(feed func([]kafka.Record) bool) error { return e.scanTable(context.Background(), src, feed) })
	if err != nil {
		t.Fatal(err)
	}
	if len(fromStore) != 10 || fmt.Sprint(fromStore) != fmt.Sprint(fromTopic) {
		t.Errorf("scan: %d windows from the store, %d from the topic, want 10 both", len(fromStore), len(fromTopic))
	}
	// The windows past it have left the store too: it does not grow with
	// the topic's history.
	ts := e.mats.byName["RT"]
	stored := 0
	if err := ts.store.Scan(nil, []byte{0xff}, func(k, _ []byte) bool {
		stored++
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if stored != 2*10 { // each window's record and its time entry
		t.Errorf("%d entries in the store, want 20", stored)
	}
}

// TestPullStoresOfAKilledServerAreRemoved: a second engine on the same
// state directory, which cannot take the running one's kept store of a
// table, makes one for its run only; the stores of that kind a killed
// server left behind (an engine's directory whose owner lock nobody
// holds, or a store of the layout before, straight under pull) are
// removed when the next engine first makes one; those of an engine
// still running on the same directory are not.
func TestPullStoresOfAKilledServerAreRemoved(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	dir := t.TempDir()
	pebble := map[string]string{StateStoreProperty: "pebble"}
	open := func() *Engine {
		e, err := New(context.Background(), Options{Cluster: cl, StateDir: dir, Config: pebble})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	live := open()
	riders(t, live)
	mustPull(t, live, "SELECT * FROM t;", nil)
	for _, d := range []string{"pull/T-123", "pull/engine-gone/T-456"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d, "000001.sst"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "pull/engine-gone", ownerFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	next := open()
	if got := mustPull(t, next, "SELECT * FROM t WHERE id = 'about';", nil); len(got.rows) != 1 {
		t.Fatalf("rows %q", got.rows)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "pull", keptDirs, "*", "T-*"))
	stores, _ := filepath.Glob(filepath.Join(dir, "pull", "engine-*", "T-*"))
	left, _ := filepath.Glob(filepath.Join(dir, "pull", "T-*"))
	if len(kept) != 1 || len(stores) != 1 || len(left) != 0 {
		t.Fatalf("kept %q, for a run %q, left %q; want the live engine's kept store, the next's of its run and none of the layout before", kept, stores, left)
	}
	if got := mustPull(t, live, "SELECT * FROM t WHERE id = 'about';", nil); len(got.rows) != 1 {
		t.Fatalf("rows %q", got.rows)
	}
}

// TestPullKeepsAClosedWindowUntilTheStoreMovesOn: Kafka Streams' window
// store keeps its own stream time, the latest window start put into it,
// and hides the windows starting before that less the retention; a pull
// query over a tumbling table (10 s, grace 5 s: retention 15 s) so still
// shows the window [0, 10 s) closed by a record at 16 s (store time 10 s),
// until a record of the window at 20 s moves the store on. Counted from
// the record times, the window vanished the moment it closed: found by a
// user walk polling the last closed window of a windowed table.
func TestPullKeepsAClosedWindowUntilTheStoreMovesOn(t *testing.T) {
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	e := newEngineOn(t, cl, nil)
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', format='JSON', partitions=1);")
	mustExec(t, e, "CREATE TABLE tw AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 5 SECONDS) GROUP BY k;")
	mustExec(t, e, "CREATE TABLE twf AS SELECT k, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 5 SECONDS) GROUP BY k EMIT FINAL;")
	mustExec(t, e, "INSERT INTO s (ROWTIME, k, v) VALUES (1000, 'a', 1);")
	mustExec(t, e, "INSERT INTO s (ROWTIME, k, v) VALUES (16000, 'b', 1);")
	want := "[a 0 10000 1]"
	if got := mustPull(t, e, "SELECT * FROM tw WHERE k = 'a';", nil); fmt.Sprint(got.rows) != want {
		t.Errorf("lookup after the window closed: %q, want %s", got.rows, want)
	}
	src := e.ms.Source("TW")
	fromTopic, err := collectRecords(func(feed func([]kafka.Record) bool) error { return e.scanTable(context.Background(), src, feed) })
	if err != nil {
		t.Fatal(err)
	}
	if len(fromTopic) != 2 {
		t.Errorf("scan of the topic after the window closed: %d windows, want 2", len(fromTopic))
	}
	mustExec(t, e, "INSERT INTO s (ROWTIME, k, v) VALUES (20000, 'b', 1);")
	if got := mustPull(t, e, "SELECT * FROM tw WHERE k = 'a';", nil); len(got.rows) != 0 {
		t.Errorf("lookup once the store moved on: %q, want none", got.rows)
	}
	// An EMIT FINAL table's topic holds only the closed windows, not the
	// open one whose start is its store's time (20 s once a record at 26 s
	// closes [10 s, 20 s)): its windows are judged by the record time, so
	// [0, 10 s) is gone as in ksqlDB's store, where their starts would
	// keep it.
	mustExec(t, e, "INSERT INTO s (ROWTIME, k, v) VALUES (26000, 'c', 1);")
	if got := mustPull(t, e, "SELECT * FROM twf;", nil); fmt.Sprint(got.rows) != "[b 10000 20000 1]" {
		t.Errorf("EMIT FINAL table: %q, want [b 10000 20000 1]", got.rows)
	}
}
