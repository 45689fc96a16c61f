package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// These tests run the way users hit the runtime: over a real Kafka-protocol
// broker (the embedded one), with the input already in the topics when the
// query starts, several partitions, and restarts.

func startBroker(t testing.TB, dir string) *kafka.Client {
	t.Helper()
	_, cl := testenv.Kafka(t, dir)
	return cl
}

func newBrokerEngine(t *testing.T, cl kafka.Cluster) *Engine {
	return newBrokerEngineStore(t, cl, "memory", "")
}

func newBrokerEngineStore(t *testing.T, cl kafka.Cluster, kind, dir string) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Cluster: cl, StateDir: dir, Logf: t.Logf,
		Config: map[string]string{"auto.offset.reset": "earliest", StateStoreProperty: kind}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func produceJSON(t *testing.T, cl kafka.Cluster, topic string, recs ...kafka.Record) {
	t.Helper()
	for i := range recs {
		recs[i].Topic, recs[i].Partition = topic, -1
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

func createTopic(t testing.TB, cl kafka.Cluster, name string, parts int32) {
	t.Helper()
	if err := cl.CreateTopic(context.Background(), kafka.TopicInfo{Name: name, Partitions: parts, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
}

// latestCountSum adds up, over the keys of a table's records, the
// latest value of the count column col: the number of input records the
// table has counted so far.
func latestCountSum(t *testing.T, recs []kafka.Record, col string) float64 {
	t.Helper()
	var sum float64
	for _, n := range latestCounts(t, recs, col) {
		sum += n
	}
	return sum
}

// latestCounts is the number in column col of each key's latest record.
func latestCounts(t *testing.T, recs []kafka.Record, col string) map[string]float64 {
	t.Helper()
	latest := map[string]float64{}
	for _, r := range recs {
		latest[string(r.Key)] = jsonValue(t, r)[col].(float64)
	}
	return latest
}

// waitRecords polls topic until cond holds on its records or a minute
// passes (a bound on a hang, not a speed assertion).
func waitRecords(t *testing.T, cl kafka.Cluster, topic string, cond func([]kafka.Record) bool) []kafka.Record {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		recs, err := cl.ReadAll(context.Background(), topic)
		if err == nil && cond(recs) {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: condition not met; %d records, last error %v", topic, len(recs), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jsonValue(t *testing.T, r kafka.Record) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Value, &m); err != nil {
		t.Fatalf("%s@%d: %v: %q", r.Topic, r.Offset, err, r.Value)
	}
	return m
}

// TestPreloadedStreamTableJoin: the table rows and the stream records are
// all in Kafka before the join starts; half the table rows were written
// after the stream records (later timestamps). Every stream record finds
// its table row: the table side is read to its end before the stream.
func TestPreloadedStreamTableJoin(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "users", 2)
	createTopic(t, cl, "clicks", 2)
	base := time.Now().Add(-time.Hour).UnixMilli()
	var users, late []kafka.Record
	for i := range 50 {
		r := kafka.Record{Key: []byte(fmt.Sprintf("u%d", i)), Value: []byte(fmt.Sprintf(`{"NAME":"name%d"}`, i)), Timestamp: base}
		if i%2 == 0 {
			users = append(users, r)
		} else {
			r.Timestamp = base + 1_000_000
			late = append(late, r)
		}
	}
	produceJSON(t, cl, "users", users...)
	const n = 5000
	clicks := make([]kafka.Record, n)
	for i := range clicks {
		clicks[i] = kafka.Record{Key: []byte(fmt.Sprintf("u%d", i%50)), Value: []byte(fmt.Sprintf(`{"ID":%d}`, i)), Timestamp: base + int64(i)}
	}
	produceJSON(t, cl, "clicks", clicks...)
	produceJSON(t, cl, "users", late...)

	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE TABLE U (K STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
		CREATE STREAM S (K STRING KEY, ID INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
		CREATE STREAM J AS SELECT S.K, S.ID, U.NAME FROM S LEFT JOIN U ON S.K = U.K;
		CREATE STREAM JI AS SELECT S.K, S.ID, U.NAME FROM S JOIN U ON S.K = U.K;`)
	for _, topic := range []string{"J", "JI"} {
		recs := waitRecords(t, cl, topic, func(r []kafka.Record) bool { return len(r) >= n })
		seen := map[float64]bool{}
		for _, r := range recs {
			v := jsonValue(t, r)
			id := v["ID"].(float64)
			if want := fmt.Sprintf("name%d", int(id)%50); v["NAME"] != want {
				t.Fatalf("%s: click %v joined NAME %v, want %s", topic, id, v["NAME"], want)
			}
			seen[id] = true
		}
		if len(seen) != n {
			t.Fatalf("%s: %d distinct clicks joined, want %d", topic, len(seen), n)
		}
	}
}

// TestRestartRestoresStateFromChangelog: a keyed aggregate over two
// partitions is stopped and started again with more input meanwhile. The
// restarted query restores its counts from the changelog and reads only
// the new input: no input record is read twice.
func TestRestartRestoresStateFromChangelog(t *testing.T) {
	for _, kind := range []string{"memory", "pebble"} {
		t.Run(kind, func(t *testing.T) { testRestartRestores(t, kind) })
	}
}

func testRestartRestores(t *testing.T, kind string) {
	cl := startBroker(t, t.TempDir())
	stateDir := t.TempDir()
	createTopic(t, cl, "events", 2)
	produce := func(from, to int) {
		recs := make([]kafka.Record, 0, to-from)
		for i := from; i < to; i++ {
			recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%10)), Value: []byte(fmt.Sprintf(`{"V":%d}`, i)), Timestamp: int64(1_000 + i)})
		}
		produceJSON(t, cl, "events", recs...)
	}
	produce(0, 2000)
	e := newBrokerEngineStore(t, cl, kind, stateDir)
	mustExec(t, e, `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
		CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N, SUM(V) AS S FROM EV GROUP BY K;`)
	final := func(want int64) map[string]map[string]any {
		latest := map[string]map[string]any{}
		var total int64
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("COUNTS: the latest counts add up to %d (waited for %d)", total, want)
			}
		})
		waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool {
			total = 0
			clear(latest)
			for _, r := range recs {
				latest[string(r.Key)] = jsonValue(t, r)
			}
			for _, v := range latest {
				total += int64(v["N"].(float64))
			}
			return total == want
		})
		return latest
	}
	final(2000)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	produce(2000, 3000)
	e2 := newBrokerEngineStore(t, cl, kind, stateDir)
	defer e2.Close()
	latest := final(3000)
	for k, v := range latest {
		i := int(k[1] - '0')
		var wantSum float64
		for x := i; x < 3000; x += 10 {
			wantSum += float64(x)
		}
		if v["N"].(float64) != 300 || v["S"].(float64) != wantSum {
			t.Errorf("key %s: N=%v S=%v, want 300 and %v", k, v["N"], v["S"], wantSum)
		}
	}
	c := onlyQuery(t, e2).Counts()
	if got := c.In; got != 1000 {
		t.Errorf("restarted query read %d input records, want exactly the 1000 new ones", got)
	}
	switch restored := c.Restored; {
	case kind == "memory" && restored == 0:
		t.Error("restarted query restored nothing from its changelog")
	case kind == "memory":
		stats, _ := e2.sourceStats("COUNTS")
		if want := fmt.Sprintf("state-restored-records: %d", restored); !strings.Contains(stats, want) {
			t.Errorf("DESCRIBE EXTENDED statistics %q lack %q", stats, want)
		}
	case kind == "pebble" && restored != 0:
		// The local store's checkpoint is the last committed batch: the
		// changelog has nothing after it to replay.
		t.Errorf("restarted query replayed %d changelog records past its local checkpoint, want 0", restored)
	}
}

// TestRestartRestoresBeforeNewInput: a restarted keyed aggregate creates
// its tasks and restores their counts from the changelog as soon as its
// partitions are assigned, before any new input arrives, so EXPLAIN shows
// them and the first new record pays no restore.
func TestRestartRestoresBeforeNewInput(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "events", 2)
	recs := make([]kafka.Record, 0, 1000)
	for i := range 1000 {
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%10)), Value: []byte(fmt.Sprintf(`{"V":%d}`, i)), Timestamp: int64(1_000 + i)})
	}
	produceJSON(t, cl, "events", recs...)
	e := newBrokerEngineStore(t, cl, "memory", t.TempDir())
	mustExec(t, e, `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
		CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
	waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") == 1000 })
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newBrokerEngineStore(t, cl, "memory", t.TempDir())
	defer e2.Close()
	q := onlyQuery(t, e2)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		tasks, c := q.Tasks(), q.Counts()
		if len(tasks) == 2 && c.Restored > 0 {
			if c.In != 0 {
				t.Fatalf("restarted query read %d input records, want none", c.In)
			}
			if d := q.DescribeRuntime(); !strings.Contains(d, "Tasks: [0, 1]") {
				t.Fatalf("EXPLAIN's runtime part lacks both tasks:\n%s", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with no new input, the restarted query has tasks %v and restored %d changelog records; want both tasks restored", tasks, c.Restored)
		}
	}
}

func onlyQuery(t *testing.T, e *Engine) *runtime.Query {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, q := range e.queries {
		return q
	}
	t.Fatal("no query running")
	return nil
}

// TestEmitFinalOverOldTimestamps: windows close by stream time alone,
// whatever the wall clock says: records stamped in 1970 and records an
// hour old, read after the fact, all close their windows.
func TestEmitFinalOverOldTimestamps(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "old", 2)
	hourAgo := time.Now().Add(-time.Hour).UnixMilli()
	var recs []kafka.Record
	for i := range 100 {
		// The TIMESTAMP column runs ten minutes behind the record time.
		recs = append(recs, kafka.Record{Key: []byte("k"), Value: []byte(fmt.Sprintf(`{"T":%d}`, int64(i)*1000)), Timestamp: hourAgo + int64(i)*1000 + 600_000})
	}
	produceJSON(t, cl, "old", recs...)
	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM OLD (K STRING KEY, T BIGINT) WITH (KAFKA_TOPIC='old', VALUE_FORMAT='JSON', TIMESTAMP='T');
		CREATE TABLE W AS SELECT K, COUNT(*) AS N FROM OLD WINDOW TUMBLING (SIZE 3 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY K EMIT FINAL;`)
	// 100 records a second apart: windows [0,3) … [96,99) close; [99,102) stays open.
	out := waitRecords(t, cl, "W", func(r []kafka.Record) bool { return len(r) >= 33 })
	for _, r := range out {
		if n := jsonValue(t, r)["N"].(float64); n != 3 {
			t.Errorf("window at %d: N=%v, want 3", r.Timestamp, n)
		}
	}
}

// TestWindowedSinkPlacesKeysWithoutWindow: a windowed table's records go
// to the partition of their key without the window, as Kafka Streams'
// WindowedStreamPartitioner puts them, so all windows of a key share a
// partition (and a consumer sees them in order) whatever the window
// bytes hash to.
func TestWindowedSinkPlacesKeysWithoutWindow(t *testing.T) {
	const parts = 4
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "taps", parts)
	// Recent times: the broker's retention would delete records of 1970.
	base := time.Now().Add(-time.Hour).UnixMilli() / 10_000 * 10_000
	var recs []kafka.Record
	for i := range 400 {
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%20)), Value: []byte(`{"V":1}`), Timestamp: base + int64(i)*1000})
	}
	produceJSON(t, cl, "taps", recs...)
	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM TAPS (K STRING KEY, V INT) WITH (KAFKA_TOPIC='taps', VALUE_FORMAT='JSON');
		CREATE TABLE PER_10S AS SELECT K, COUNT(*) AS N FROM TAPS WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY K;`)
	out := waitRecords(t, cl, "PER_10S", func(r []kafka.Record) bool { return latestCountSum(t, r, "N") == 400 })
	windows := map[string]map[int64]bool{}
	for _, r := range out {
		base := r.Key[:len(r.Key)-8] // a KAFKA string key, then the window start
		if want := kafka.KeyPartition(base, parts); r.Partition != want {
			t.Fatalf("key %s, window at %d: partition %d, want %d (the key's without its window)", base, r.Timestamp, r.Partition, want)
		}
		if windows[string(base)] == nil {
			windows[string(base)] = map[int64]bool{}
		}
		windows[string(base)][int64(binary.BigEndian.Uint64(r.Key[len(r.Key)-8:]))] = true
	}
	// Each key's 20 taps spread over its windows: the check above held
	// for keys with several windows.
	for k, w := range windows {
		if len(w) < 2 {
			t.Errorf("key %s has %d windows, want several", k, len(w))
		}
	}
}

// TestAggregateWithoutGroupByIsGlobal: with no GROUP BY, ksqlDB folds the
// whole stream into one group, however many partitions it has.
func TestAggregateWithoutGroupByIsGlobal(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "many", 2)
	var recs []kafka.Record
	for i := range 300 {
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(`{"V":1}`), Timestamp: int64(i)})
	}
	produceJSON(t, cl, "many", recs...)
	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM MANY (K STRING KEY, V INT) WITH (KAFKA_TOPIC='many', VALUE_FORMAT='JSON');`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last string
	err := e.Stream(ctx, "SELECT COUNT(*) AS N FROM MANY EMIT CHANGES LIMIT 300;", nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			b, _ := json.Marshal(r.Row.Columns)
			last = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(last, "300") {
		t.Fatalf("last running count %s, want 300", last)
	}
}

// TestOutputCachingCollapsesUpdates: a table aggregation over 20,000
// preloaded records of 10 keys writes the latest count per key at each
// commit (cache.max.bytes.buffering, commit.interval.ms, as ksqlDB does),
// far fewer than one record per input, and the final counts are exact;
// with the cache set to 0 every update is written.
func TestOutputCachingCollapsesUpdates(t *testing.T) {
	const total, keys = 20_000, 10
	for _, c := range []struct {
		name  string
		cache string
	}{{"default", ""}, {"off", "0"}} {
		t.Run(c.name, func(t *testing.T) {
			cl := startBroker(t, t.TempDir())
			createTopic(t, cl, "events", 2)
			recs := make([]kafka.Record, 0, total)
			for i := range total {
				recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%keys)), Value: []byte(`{"V":1}`), Timestamp: int64(1_000 + i)})
			}
			produceJSON(t, cl, "events", recs...)
			cfg := map[string]string{"auto.offset.reset": "earliest"}
			if c.cache != "" {
				cfg["ksql.streams.cache.max.bytes.buffering"] = c.cache
			}
			e, err := New(context.Background(), Options{Cluster: cl, Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			mustExec(t, e, `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
				CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
			out := waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") == total })
			switch {
			case c.cache == "0" && len(out) != total:
				t.Errorf("cache off: %d output records, want one per input (%d)", len(out), total)
			case c.cache == "" && len(out) > total/10:
				t.Errorf("cache on: %d output records for %d inputs of %d keys, want the updates collapsed per commit", len(out), total, keys)
			}
			t.Logf("%d output records", len(out))
		})
	}
}

// TestRepartitionTopicsArePurged: a GROUP BY on a value column goes
// through a repartition topic; once the query has committed, the records
// it read there are deleted (as Kafka Streams purges repartition topics),
// so the topic holds only what is not yet processed, and the counts are
// exact.
func TestRepartitionTopicsArePurged(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "orders", 2)
	const total = 5000
	recs := make([]kafka.Record, 0, total)
	for i := range total {
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"CITY":"c%d"}`, i%7)), Timestamp: int64(1_000 + i)})
	}
	produceJSON(t, cl, "orders", recs...)
	e, err := New(context.Background(), Options{Cluster: cl, Config: map[string]string{
		"auto.offset.reset": "earliest", "repartition.purge.interval.ms": "100"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mustExec(t, e, `CREATE STREAM ORDERS (ID STRING KEY, CITY STRING) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
		CREATE TABLE BY_CITY AS SELECT CITY, COUNT(*) AS N FROM ORDERS GROUP BY CITY;`)
	waitRecords(t, cl, "BY_CITY", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") == total })
	var repartition string
	topics, err := cl.Topics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range topics {
		if strings.HasSuffix(ti.Name, "-repartition") {
			repartition = ti.Name
		}
	}
	if repartition == "" {
		t.Fatalf("no repartition topic among %v", topics)
	}
	// Another batch makes the query commit (and purge) again.
	produceJSON(t, cl, "orders", kafka.Record{Key: []byte("x"), Value: []byte(`{"CITY":"c0"}`), Timestamp: 1_000 + total})
	deadline := time.Now().Add(time.Minute)
	for {
		left, err := cl.ReadAll(context.Background(), repartition)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) < total/10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still holds %d of the %d records the query has processed", repartition, len(left), total+1)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRepartitionedQueryAfterBrokerRestart: a GROUP BY through a
// repartition topic that the query has read and purged to its end keeps
// counting after the embedded broker and the engine restart. The purged
// partition came back at offset 0, so the records repartitioned next got
// offsets the restored query had already read, and it dropped them.
func TestRepartitionedQueryAfterBrokerRestart(t *testing.T) {
	dir, stateDir := t.TempDir(), t.TempDir()
	start := func() (*kafka.Embedded, *kafka.Client, *Engine) {
		b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		cl, err := kafka.Dial(context.Background(), kafka.Config{Brokers: []string{b.Addr()}})
		if err != nil {
			t.Fatal(err)
		}
		e, err := New(context.Background(), Options{Cluster: cl, StateDir: stateDir, Logf: t.Logf, Config: map[string]string{
			"auto.offset.reset": "earliest", "repartition.purge.interval.ms": "100"}})
		if err != nil {
			t.Fatal(err)
		}
		return b, cl, e
	}
	orders := func(from, n int) []kafka.Record {
		recs := make([]kafka.Record, 0, n)
		for i := from; i < from+n; i++ {
			recs = append(recs, kafka.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"CITY":"c%d"}`, i%7)), Timestamp: time.Now().UnixMilli()})
		}
		return recs
	}
	counted := func(cl kafka.Cluster, want int) {
		t.Helper()
		waitRecords(t, cl, "BY_CITY", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") == float64(want) })
	}
	b1, cl1, e1 := start()
	createTopic(t, cl1, "orders", 2)
	produceJSON(t, cl1, "orders", orders(0, 1000)...)
	mustExec(t, e1, `CREATE STREAM ORDERS (ID STRING KEY, CITY STRING) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
		CREATE TABLE BY_CITY AS SELECT CITY, COUNT(*) AS N FROM ORDERS GROUP BY CITY;`)
	counted(cl1, 1000)
	// Let the query commit and purge what it read, then stop everything.
	produceJSON(t, cl1, "orders", orders(1000, 10)...)
	counted(cl1, 1010)
	time.Sleep(500 * time.Millisecond)
	produceJSON(t, cl1, "orders", orders(1010, 10)...)
	counted(cl1, 1020)
	time.Sleep(500 * time.Millisecond)
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	cl1.Close()
	b1.Close()

	b2, cl2, e2 := start()
	defer b2.Close()
	defer cl2.Close()
	defer e2.Close()
	produceJSON(t, cl2, "orders", orders(1020, 500)...)
	counted(cl2, 1520)
}

// TestPreloadedRepartitionedStreamTableJoin: as above, but the stream
// joins on a value column, so its records reach the join through a
// repartition topic written while the query runs. The table side must
// still be read to its end before the first repartitioned record joins.
func TestPreloadedRepartitionedStreamTableJoin(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "users", 2)
	createTopic(t, cl, "clicks", 2)
	base := time.Now().Add(-time.Hour).UnixMilli()
	const users = 400
	var rows []kafka.Record
	for i := range users {
		rows = append(rows, kafka.Record{Key: []byte(fmt.Sprintf("u%d", i)), Value: []byte(fmt.Sprintf(`{"NAME":"name%d"}`, i)), Timestamp: base + int64(i)})
	}
	produceJSON(t, cl, "users", rows...)
	const n = 3000
	clicks := make([]kafka.Record, n)
	for i := range clicks {
		// Clicks are stamped before the users they name were written:
		// only the bootstrap, not timestamp order, makes them join.
		clicks[i] = kafka.Record{Key: []byte(fmt.Sprintf("c%d", i)), Value: []byte(fmt.Sprintf(`{"ID":%d,"USERID":"u%d"}`, i, i%users)), Timestamp: base - 1000 + int64(i%1000)}
	}
	produceJSON(t, cl, "clicks", clicks...)

	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE TABLE U (K STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
		CREATE STREAM S (CID STRING KEY, ID INT, USERID STRING) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
		CREATE STREAM JI AS SELECT S.USERID, S.ID, U.NAME FROM S JOIN U ON S.USERID = U.K;`)
	recs := waitRecords(t, cl, "JI", func(r []kafka.Record) bool { return len(r) >= n })
	seen := map[float64]bool{}
	for _, r := range recs {
		v := jsonValue(t, r)
		id := v["ID"].(float64)
		if want := fmt.Sprintf("name%d", int(id)%users); v["NAME"] != want {
			t.Fatalf("click %v joined NAME %v, want %s", id, v["NAME"], want)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct clicks joined, want %d", len(seen), n)
	}
}

// ridesUnderLatest starts an engine over the embedded broker at the
// default auto.offset.reset (latest), with a one-partition stream RIDES
// that already holds the record keyed 'before'.
func ridesUnderLatest(t *testing.T) (*kafka.Client, *Engine) {
	t.Helper()
	cl := startBroker(t, t.TempDir())
	e, err := New(context.Background(), Options{Cluster: cl, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	mustExec(t, e, `CREATE STREAM RIDES (K STRING KEY, V INT) WITH (KAFKA_TOPIC='rides', VALUE_FORMAT='JSON', PARTITIONS=1);
		INSERT INTO RIDES (K, V) VALUES ('before', 1);`)
	return cl, e
}

// TestQueryUnderLatestReadsWritesMadeRightAfterCreate: with
// auto.offset.reset at its default (latest), a persistent query skips
// what its input held before CREATE and reads every record written after
// CREATE returned, even before its consumer group's first join is done.
func TestQueryUnderLatestReadsWritesMadeRightAfterCreate(t *testing.T) {
	cl, e := ridesUnderLatest(t)
	mustExec(t, e, `CREATE STREAM FAST AS SELECT K, V * 10 AS V10 FROM RIDES;`)
	mustExec(t, e, `INSERT INTO RIDES (K, V) VALUES ('a', 2); INSERT INTO RIDES (K, V) VALUES ('b', 3);`)
	// One partition: a record read from before CREATE would come first.
	out := waitRecords(t, cl, "FAST", func(recs []kafka.Record) bool { return len(recs) >= 2 })
	var keys []string
	for _, r := range out {
		keys = append(keys, string(r.Key))
	}
	if strings.Join(keys, ",") != "a,b" {
		t.Fatalf("output keys %v, want a,b (the writes after CREATE, nothing before)", keys)
	}
}

// TestPushQueryReadsWritesMadeOnItsHeader: a push query under latest
// answers its header only once it is subscribed, so a record a client
// writes as soon as it has the header is among its rows.
func TestPushQueryReadsWritesMadeOnItsHeader(t *testing.T) {
	cl, e := ridesUnderLatest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rows []string
	err := e.Stream(ctx, "SELECT K, V FROM RIDES EMIT CHANGES LIMIT 1;", nil, func(r api.StreamedRow) error {
		switch {
		case r.Header != nil:
			produceJSON(t, cl, "rides", kafka.Record{Key: []byte("onheader"), Value: []byte(`{"V":2}`)})
		case r.Row != nil:
			rows = append(rows, strings.TrimSpace(fmt.Sprintln(r.Row.Columns...)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows, "|") != "onheader 2" {
		t.Fatalf("rows %q, want the record written on the header", rows)
	}
}

// TestJoinSaysWhenATopicIsNotMurmur2Partitioned: a table topic written
// with another partitioner than Kafka's Java client's (as librdkafka's
// default does) leaves a stream-table join missing rows; the server log
// names the topic, a key and both partitions. A correctly partitioned
// join gets no such line.
func TestJoinSaysWhenATopicIsNotMurmur2Partitioned(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	const parts = 3
	for _, name := range []string{"people_crc", "people_ok", "orders_a", "orders_b"} {
		createTopic(t, cl, name, parts)
	}
	var people, misplaced []kafka.Record
	var orders []kafka.Record
	for i := range 30 {
		key := []byte(fmt.Sprintf("p%d", i))
		value := []byte(fmt.Sprintf(`{"NAME":"name-%d"}`, i))
		people = append(people, kafka.Record{Topic: "people_ok", Partition: -1, Key: key, Value: value})
		misplaced = append(misplaced, kafka.Record{Topic: "people_crc", Partition: (kafka.KeyPartition(key, parts) + 1) % parts, Key: key, Value: value})
		orders = append(orders, kafka.Record{Partition: -1, Key: key, Value: []byte(`{"AMT":1}`)})
	}
	if err := cl.Produce(context.Background(), append(people, misplaced...)...); err != nil {
		t.Fatal(err)
	}
	produceJSON(t, cl, "orders_a", orders...)
	produceJSON(t, cl, "orders_b", orders...)
	e, logs := loggedEngine(t, cl)
	mustExec(t, e, `CREATE TABLE PCRC (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='people_crc', VALUE_FORMAT='JSON');
		CREATE TABLE POK (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='people_ok', VALUE_FORMAT='JSON');
		CREATE STREAM OA (ID STRING KEY, AMT INT) WITH (KAFKA_TOPIC='orders_a', VALUE_FORMAT='JSON');
		CREATE STREAM OB (ID STRING KEY, AMT INT) WITH (KAFKA_TOPIC='orders_b', VALUE_FORMAT='JSON');
		CREATE STREAM JOK AS SELECT OB.ID, OB.AMT, POK.NAME FROM OB JOIN POK ON OB.ID = POK.ID;
		CREATE STREAM JCRC AS SELECT OA.ID, OA.AMT, PCRC.NAME FROM OA JOIN PCRC ON OA.ID = PCRC.ID;`)
	waitRecords(t, cl, "JOK", func(recs []kafka.Record) bool { return len(recs) == 30 })
	line := logs.waitFind(t, "people_crc", "murmur2")
	t.Log(line)
	if !strings.Contains(line, "JCRC") || !strings.Contains(line, "partitioner=murmur2_random") {
		t.Errorf("log line does not name the query and the fix: %s", line)
	}
	// Go services write with Sarama or kafka-go more often than with
	// librdkafka; the line names their settings too.
	for _, fix := range []string{"sarama.NewMurmur2Partitioner", "&kafka.Murmur2Balancer{}"} {
		if !strings.Contains(line, fix) {
			t.Errorf("log line does not name %s: %s", fix, line)
		}
	}
	for _, topic := range []string{"people_ok", "orders_a", "orders_b"} {
		if l := logs.find(topic, "murmur2"); l != "" {
			t.Errorf("%s is partitioned by murmur2, yet: %s", topic, l)
		}
	}
	// EXPLAIN (the shell's, the console's) lists it with the query's
	// errors, where a user who never reads the server log looks.
	for name, want := range map[string]bool{"JCRC": true, "JOK": false} {
		id := e.Metastore().Source(name).CreatedBy
		d := explainOne(t, e, "EXPLAIN "+id+";")
		found := false
		for _, qe := range d.QueryErrors {
			found = found || (qe.Type == "USER" && strings.Contains(qe.ErrorMessage, "people_crc") && strings.Contains(qe.ErrorMessage, "murmur2"))
		}
		if found != want {
			t.Errorf("EXPLAIN %s: the partitioning warning listed %v, want %v (errors %+v)", id, found, want, d.QueryErrors)
		}
	}
}

// TestAggregationSaysWhenATopicIsNotMurmur2Partitioned: GROUP BY the
// source's key does not repartition, so a topic whose producer spread
// keys over partitions (kafka-go's round-robin default, as a walk found:
// COUNT 10 where 30 were written) is aggregated per partition; the
// server log says so for that topic, and not for one that holds each key
// in one partition, murmur2's or another.
func TestAggregationSaysWhenATopicIsNotMurmur2Partitioned(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	const parts = 3
	for _, name := range []string{"clicks_rr", "clicks_ok", "clicks_fnv"} {
		createTopic(t, cl, name, parts)
	}
	var recs []kafka.Record
	for i := range 30 {
		key := []byte(fmt.Sprintf("u%d", i%10))
		recs = append(recs,
			kafka.Record{Topic: "clicks_ok", Partition: -1, Key: key, Value: []byte(`{"N":1}`)},
			kafka.Record{Topic: "clicks_rr", Partition: int32(i % parts), Key: key, Value: []byte(`{"N":1}`)}, // round-robin
			kafka.Record{Topic: "clicks_fnv", Partition: (kafka.KeyPartition(key, parts) + 1) % parts, Key: key, Value: []byte(`{"N":1}`)})
	}
	if err := cl.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	e, logs := loggedEngine(t, cl)
	mustExec(t, e, `CREATE STREAM CRR (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks_rr', VALUE_FORMAT='JSON');
		CREATE STREAM COK (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks_ok', VALUE_FORMAT='JSON');
		CREATE STREAM CFNV (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks_fnv', VALUE_FORMAT='JSON');
		CREATE TABLE NOK AS SELECT ID, COUNT(*) AS C FROM COK GROUP BY ID;
		CREATE TABLE NFNV AS SELECT ID, COUNT(*) AS C FROM CFNV GROUP BY ID;
		CREATE TABLE NRR AS SELECT ID, COUNT(*) AS C FROM CRR GROUP BY ID;`)
	waitRecords(t, cl, "NOK", func(recs []kafka.Record) bool { return len(recs) >= 10 })
	waitRecords(t, cl, "NFNV", func(recs []kafka.Record) bool { return len(recs) >= 10 })
	line := logs.waitFind(t, "clicks_rr", "murmur2")
	t.Log(line)
	if !strings.Contains(line, "NRR") || !strings.Contains(line, "aggregation groups by the topic's key") || !strings.Contains(line, "&kafka.Murmur2Balancer{}") {
		t.Errorf("log line does not name the query, the effect and the fix: %s", line)
	}
	// Each key in one partition is all an aggregation needs, whichever
	// partition: a topic written with another key hash is not warned of.
	for _, topic := range []string{"clicks_ok", "clicks_fnv"} {
		if l := logs.find(topic, "murmur2"); l != "" {
			t.Errorf("%s holds each key in one partition, yet: %s", topic, l)
		}
	}
}

// TestStatefulQueryAfterInputTopicRecreated: the input topic of a
// stateful query is deleted and made again while eddy is stopped. The
// new topic's offsets start again at 0, below what the restored state
// has read; its records are new and must count, not be dropped as
// records the state already holds, directly (BY_CUSTOMER) or through a
// repartition topic whose rows name their input offsets (BY_BUCKET).
func TestStatefulQueryAfterInputTopicRecreated(t *testing.T) {
	dir, stateDir := t.TempDir(), t.TempDir()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := func() (*kafka.Client, *Engine) {
		cl, err := kafka.Dial(context.Background(), kafka.Config{Brokers: []string{b.Addr()}})
		if err != nil {
			t.Fatal(err)
		}
		e, err := New(context.Background(), Options{Cluster: cl, StateDir: stateDir, Logf: t.Logf, Config: map[string]string{"auto.offset.reset": "earliest"}})
		if err != nil {
			t.Fatal(err)
		}
		return cl, e
	}
	orders := func(from, n int) []kafka.Record {
		recs := make([]kafka.Record, 0, n)
		for i := from; i < from+n; i++ {
			recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("c%d", i%5)), Value: []byte(fmt.Sprintf(`{"AMOUNT":%d}`, i)), Timestamp: time.Now().UnixMilli()})
		}
		return recs
	}
	counted := func(cl kafka.Cluster, want int) {
		t.Helper()
		for _, table := range []string{"BY_CUSTOMER", "BY_BUCKET"} {
			waitRecords(t, cl, table, func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") == float64(want) })
		}
	}
	cl1, e1 := start()
	createTopic(t, cl1, "orders", 1)
	produceJSON(t, cl1, "orders", orders(0, 100)...)
	mustExec(t, e1, `CREATE STREAM ORDERS (CUSTOMER STRING KEY, AMOUNT INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
		CREATE TABLE BY_CUSTOMER AS SELECT CUSTOMER, COUNT(*) AS N FROM ORDERS GROUP BY CUSTOMER;
		CREATE TABLE BY_BUCKET AS SELECT AMOUNT % 3 AS B, COUNT(*) AS N FROM ORDERS GROUP BY AMOUNT % 3;`)
	counted(cl1, 100)
	time.Sleep(500 * time.Millisecond) // let the query commit what it counted
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cl1.DeleteTopic(context.Background(), "orders"); err != nil {
		t.Fatal(err)
	}
	createTopic(t, cl1, "orders", 1)
	produceJSON(t, cl1, "orders", orders(100, 40)...)
	cl1.Close()

	cl2, e2 := start()
	defer cl2.Close()
	defer e2.Close()
	counted(cl2, 140)
}

// TestInsertRowtimeZeroIsKept: INSERT VALUES with ROWTIME 0 writes a
// record stamped 0, on the embedded broker (whose client stamps a record
// without a timestamp with the current time) as in memory; a negative
// ROWTIME is refused, as Kafka's producer refuses it.
func TestInsertRowtimeZeroIsKept(t *testing.T) {
	for name, cl := range map[string]kafka.Cluster{"broker": startBroker(t, ""), "memory": kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})} {
		t.Run(name, func(t *testing.T) {
			e := newBrokerEngine(t, cl)
			t.Cleanup(func() { e.Close() })
			mustExec(t, e, `CREATE STREAM s (v INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);
				INSERT INTO s (ROWTIME, v) VALUES (0, 1);
				INSERT INTO s (ROWTIME, v) VALUES (1, 2);
				INSERT INTO s (v) VALUES (3);`)
			_, err := e.Execute(context.Background(), "INSERT INTO s (ROWTIME, v) VALUES (-5, 4);", nil)
			if err == nil || !strings.Contains(err.Error(), "ROWTIME must not be negative: -5") {
				t.Errorf("ROWTIME -5: %v", err)
			}
			recs, err := cl.ReadAll(context.Background(), "s")
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 3 || recs[0].Timestamp != 0 || recs[1].Timestamp != 1 || recs[2].Timestamp < time.Now().Add(-time.Hour).UnixMilli() {
				var got []int64
				for _, r := range recs {
					got = append(got, r.Timestamp)
				}
				t.Errorf("timestamps %v, want 0, 1 and now", got)
			}
		})
	}
}

// TestPushQueryCachesWhenAsked: with cache.max.bytes.buffering set, as
// ksqlDB's tutorials set it, a push query's aggregation over preloaded
// records sends each key's latest count once; without it every update.
func TestPushQueryCachesWhenAsked(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	e := newBrokerEngine(t, cl)
	t.Cleanup(func() { e.Close() })
	createTopic(t, cl, "titles", 1)
	var recs []kafka.Record
	for _, title := range []string{"A", "A", "A", "B", "A"} {
		recs = append(recs, kafka.Record{Value: []byte(`{"TITLE":"` + title + `"}`)})
	}
	produceJSON(t, cl, "titles", recs...)
	if _, err := e.Execute(context.Background(), "CREATE STREAM titles (title VARCHAR) WITH (kafka_topic='titles', value_format='JSON');", nil); err != nil {
		t.Fatal(err)
	}
	rows := func(props map[string]string, want int) []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var got []string
		err := e.Stream(ctx, fmt.Sprintf("SELECT title, COUNT(*) AS n FROM titles GROUP BY title EMIT CHANGES LIMIT %d;", want), props, func(r api.StreamedRow) error {
			if r.Row != nil {
				got = append(got, fmt.Sprint(r.Row.Columns))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := rows(nil, 5); fmt.Sprint(got) != "[[A 1] [A 2] [A 3] [B 1] [A 4]]" {
		t.Errorf("uncached: %v", got)
	}
	got := rows(map[string]string{"ksql.streams.cache.max.bytes.buffering": "10000000", "commit.interval.ms": "200"}, 2)
	if len(got) != 2 || !strings.Contains(fmt.Sprint(got), "[A 4]") || !strings.Contains(fmt.Sprint(got), "[B 1]") {
		t.Errorf("cached: %v, want [A 4] and [B 1] once each", got)
	}
}

// TestEmitFinalChangelogWaitsForTheCommit: an EMIT FINAL aggregation
// writes its open windows to the changelog once per commit interval,
// not once per batch: over ten keys it wrote more changelog records than
// it read input records.
func TestEmitFinalChangelogWaitsForTheCommit(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	e := newBrokerEngine(t, cl)
	t.Cleanup(func() { e.Close() })
	createTopic(t, cl, "ev", 1)
	ctx := context.Background()
	if _, err := e.Execute(ctx, `CREATE STREAM ev (k VARCHAR KEY, v INT) WITH (kafka_topic='ev', value_format='JSON');
		CREATE TABLE per_hour AS SELECT k, COUNT(*) AS n FROM ev WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY k EMIT FINAL;`, nil); err != nil {
		t.Fatal(err)
	}
	// 200 small produces while the query runs: as many batches.
	const produces = 200
	for i := range produces {
		produceJSON(t, cl, "ev", kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%10)), Value: []byte(`{"V":1}`), Timestamp: 1_700_000_000_000 + int64(i)})
		time.Sleep(2 * time.Millisecond)
	}
	// Wait until the query has read every input record.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var read int64
		for _, q := range e.QueryStats() {
			read += q.RecordsIn
		}
		if read >= produces {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the query read %d of %d records", read, produces)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var changelog string
	names, err := cl.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n.Name, "-changelog") {
			changelog = n.Name
		}
	}
	recs, err := cl.ReadAll(ctx, changelog)
	if err != nil {
		t.Fatalf("changelog %q: %v", changelog, err)
	}
	if len(recs) > produces/4 {
		t.Errorf("%d changelog records for %d input records over 10 keys, want a few per commit interval", len(recs), produces)
	}
}
