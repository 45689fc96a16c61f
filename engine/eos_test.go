package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/eddysql/eddy/kafka"
)

// TestExactlyOnceWritesTransactions runs a keyed count under
// processing.guarantee=exactly_once_v2 over records already in the topic,
// stops the engine halfway through more input and starts a new one: the
// committed output holds exactly one update per input record (no batch
// written twice across the restart), and the output topic carries
// transaction markers.
func TestExactlyOnceWritesTransactions(t *testing.T) {
	const total, keys = 20_000, 10
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "events", 2)
	produceJSON(t, cl, "events", countedEvents(keys, 0, total/2)...)
	start := eosEngines(t, cl)
	e := start()
	mustExec(t, e, `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
		CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
	waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool { return len(recs) >= total/4 })
	e.Close()
	produceJSON(t, cl, "events", countedEvents(keys, total/2, total/2)...)
	e = start()
	defer e.Close()
	out := waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") == total })
	if len(out) != total {
		t.Errorf("%d committed output records, want exactly one per input (%d)", len(out), total)
	}
	seen := map[string]float64{}
	for _, r := range out {
		n := jsonValue(t, r)["N"].(float64)
		if n != seen[string(r.Key)]+1 {
			t.Fatalf("key %s: count %v after %v: an update repeated or missing", r.Key, n, seen[string(r.Key)])
		}
		seen[string(r.Key)] = n
	}
	ends, err := cl.EndOffsets(context.Background(), "COUNTS")
	if err != nil {
		t.Fatal(err)
	}
	var end int64
	for _, o := range ends {
		end += o
	}
	if end <= int64(len(out)) {
		t.Errorf("COUNTS ends at %d offsets for %d records: no transaction markers", end, len(out))
	}
}

// TestExactlyOnceQueryRestartsAfterAbort: the broker refuses one
// transactional offset commit of an exactly-once query (as after a
// fencing rebalance). The transaction aborts, the query starts again
// from its last commit by itself, and the committed output still holds
// exactly one update per input record.
func TestExactlyOnceQueryRestartsAfterAbort(t *testing.T) {
	const total, keys = 5_000, 10
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{b.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	createTopic(t, cl, "events", 2)
	var logs logLines
	e, err := New(ctx, Options{Cluster: cl, WorkerID: "worker-a", Logf: logs.logf,
		Config: map[string]string{"auto.offset.reset": "earliest", "processing.guarantee": "exactly_once_v2",
			"ksql.streams.cache.max.bytes.buffering": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	remove := b.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.TxnOffsetCommit}, Err: kerr.IllegalGeneration, Count: 1})
	defer remove()
	mustExec(t, e, `CREATE STREAM EV (K STRING KEY, V INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
		CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
	recs := make([]kafka.Record, 0, total)
	for i := range total {
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%keys)), Value: []byte(`{"V":1}`), Timestamp: int64(1_000 + i)})
	}
	produceJSON(t, cl, "events", recs...)
	out := waitRecords(t, cl, "COUNTS", func(recs []kafka.Record) bool { return latestCountSum(t, recs, "N") == total })
	if logs.find("starting it again from its last commit") == "" {
		t.Fatalf("the refused commit did not restart the query; log:\n%s", strings.Join(logs.lines, "\n"))
	}
	if logs.find("commit offsets in transaction: events/", "ILLEGAL_GENERATION") == "" {
		t.Errorf("the log does not name the refused partitions; log:\n%s", strings.Join(logs.lines, "\n"))
	}
	if len(out) != total {
		t.Errorf("%d committed output records, want exactly one per input (%d)", len(out), total)
	}
	for _, st := range e.QueryStats() {
		if st.State != "RUNNING" {
			t.Errorf("query %s is %s after its restart: %s", st.ID, st.State, st.Error)
		}
	}
}

// TestTransactionalInputIsConsumedToItsEnd: a query reading a topic
// written in transactions (by another exactly-once query or a
// transactional producer) commits past the commit markers, so its lag
// reaches zero instead of staying one per partition.
func TestTransactionalInputIsConsumedToItsEnd(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	transactionalInputConsumedToEnd(t, cl, func() *Engine { return newBrokerEngine(t, cl) })
}

// TestExactlyOnceTransactionalInputIsConsumedToItsEnd: the same under
// exactly_once_v2, whose offsets commit in the query's transactions, as
// the offset after the last record processed: a partition ending in a
// commit marker kept a lag of one forever (an exactly-once table counting
// an exactly-once stream showed lag 1 per partition after catching up),
// where Kafka Streams commits the consumer's position, past the marker
// (KAFKA-6607).
func TestExactlyOnceTransactionalInputIsConsumedToItsEnd(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	transactionalInputConsumedToEnd(t, cl, eosEngines(t, cl))
}

// transactionalInputConsumedToEnd writes three transactions to a topic
// before the engine start makes starts, two more while its query runs,
// and waits for the query's lag to reach zero on both partitions.
func transactionalInputConsumedToEnd(t *testing.T, cl *kafka.Client, start func() *Engine) {
	ctx := context.Background()
	createTopic(t, cl, "txin", 2)
	writeRound := func(round int) {
		err := cl.WriteExclusive(ctx, "foreign-producer", func(context.Context) ([]kafka.Record, error) {
			var recs []kafka.Record
			for i := range 10 {
				recs = append(recs, kafka.Record{Topic: "txin", Partition: int32(i % 2), Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf(`{"V":%d}`, round)), Timestamp: int64(1_000 + 10*round + i)})
			}
			return recs, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for round := range 3 {
		writeRound(round)
	}
	e := start()
	defer e.Close()
	defer func() {
		if !t.Failed() {
			return
		}
		// What the input held and where the query stood, to tell a
		// record never fetched from one never written out.
		in, err := cl.ReadAll(ctx, "txin")
		perPart := map[int32]int{}
		for _, r := range in {
			perPart[r.Partition]++
		}
		ends, _ := cl.EndOffsets(ctx, "txin")
		lags, _ := e.QueryLags(ctx)
		t.Logf("txin: %v records per partition (read error %v), end offsets %v; lags %+v; stats %+v", perPart, err, ends, lags, e.QueryStats())
	}()
	mustExec(t, e, `CREATE STREAM TXIN (K STRING KEY, V INT) WITH (KAFKA_TOPIC='txin', VALUE_FORMAT='JSON');
		CREATE STREAM TXOUT AS SELECT K, V FROM TXIN;`)
	waitRecords(t, cl, "TXOUT", func(recs []kafka.Record) bool { return len(recs) == 30 })
	for round := 3; round < 5; round++ {
		writeRound(round)
	}
	waitRecords(t, cl, "TXOUT", func(recs []kafka.Record) bool { return len(recs) == 50 })
	deadline := time.Now().Add(30 * time.Second)
	for {
		lags, err := e.QueryLags(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		n := 0
		for _, ls := range lags {
			for _, l := range ls {
				total += l.Lag
				n++
			}
		}
		if n == 2 && total == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lag stays at %d over %d partitions: the commit markers were never consumed (%+v)", total, n, lags)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPullOnTransactionalTopicReadsTheStore: a table whose topic a
// transactional producer writes ends every partition in a commit marker
// that is never delivered. Pull queries still read the materialized
// store (they see every committed write, and never give up waiting to
// scan the topic instead).
func TestPullOnTransactionalTopicReadsTheStore(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	ctx := context.Background()
	createTopic(t, cl, "txtable", 2)
	write := func(round int) {
		t.Helper()
		err := cl.WriteExclusive(ctx, "foreign-producer", func(context.Context) ([]kafka.Record, error) {
			var recs []kafka.Record
			for i := range 6 {
				recs = append(recs, kafka.Record{Topic: "txtable", Partition: -1, Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf(`{"V":%d}`, round*10+i))})
			}
			return recs, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	write(1)
	e, logs := loggedEngine(t, cl)
	mustExec(t, e, "CREATE SOURCE TABLE TX (K STRING PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='txtable', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');")
	for round := 1; round <= 3; round++ {
		if round > 1 {
			write(round)
		}
		got := mustPull(t, e, "SELECT V FROM TX WHERE K = 'k3';", nil)
		if want := fmt.Sprintf("[%d]", round*10+3); fmt.Sprint(got.rows) != want {
			t.Fatalf("round %d: %q, want %s", round, got.rows, want)
		}
		if got := mustPull(t, e, "SELECT * FROM TX;", nil); len(got.rows) != 6 {
			t.Fatalf("round %d: scan returned %d rows, want 6", round, len(got.rows))
		}
	}
	if l := logs.find("reads the topic"); l != "" {
		t.Errorf("a pull query fell back to scanning the topic: %s", l)
	}
}

// TestExactlyOnceRestartKeepsStreamOffsets: a stream-table join under
// exactly-once writes its table side's changelog only when a user
// changes, so the offsets that changelog's last marker holds for the
// click stream lag far behind what the group committed since. After a
// restart, a change to the table side alone is committed in a
// transaction; the clicks' committed offset must not go back to the
// marker's, or a later restart joins every click since then again.
func TestExactlyOnceRestartKeepsStreamOffsets(t *testing.T) {
	const users, clicks = 5, 200
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "users", 1)
	createTopic(t, cl, "clicks", 1)
	user := func(i int, name string) kafka.Record {
		return kafka.Record{Key: []byte(fmt.Sprintf("u%d", i)), Value: []byte(fmt.Sprintf(`{"NAME":%q}`, name)), Timestamp: 1_000}
	}
	for i := range users {
		produceJSON(t, cl, "users", user(i, fmt.Sprintf("user %d", i)))
	}
	start := eosEngines(t, cl)
	e := start()
	mustExec(t, e, `CREATE TABLE USERS (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');
		CREATE STREAM CLICKS (ID STRING KEY, N INT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
		CREATE STREAM ENRICHED AS SELECT C.ID, C.N, U.NAME FROM CLICKS C JOIN USERS U ON C.ID = U.ID;`)
	group := onlyQuery(t, e).Topology.Group
	// The clicks come once the users are in the join's state, so that
	// they find them.
	waitGroupOffset(t, cl, group, "users", users)
	var recs []kafka.Record
	for i := range clicks {
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("u%d", i%users)), Value: []byte(fmt.Sprintf(`{"N":%d}`, i)), Timestamp: int64(2_000 + i)})
	}
	// A user changes after the first ten clicks: the changelog's last
	// marker holds clicks offset 10.
	produceJSON(t, cl, "clicks", recs[:10]...)
	waitGroupOffset(t, cl, group, "clicks", 10)
	produceJSON(t, cl, "users", user(1, "changed"))
	waitGroupOffset(t, cl, group, "users", users+1)
	produceJSON(t, cl, "clicks", recs[10:]...)
	waitRecords(t, cl, "ENRICHED", func(recs []kafka.Record) bool { return len(recs) >= clicks })
	waitGroupOffset(t, cl, group, "clicks", clicks)
	e.Close()

	e = start()
	produceJSON(t, cl, "users", user(0, "renamed"))
	waitGroupOffset(t, cl, group, "users", users+2)
	offs, err := cl.GroupOffsets(context.Background(), group, "clicks")
	if err != nil {
		t.Fatal(err)
	}
	if offs[0] != clicks {
		t.Errorf("after a table-side change alone, the group's committed clicks offset is %d, want %d", offs[0], clicks)
	}
	e.Close()
	e = start()
	defer e.Close()
	produceJSON(t, cl, "clicks", kafka.Record{Key: []byte("u1"), Value: []byte(fmt.Sprintf(`{"N":%d}`, clicks)), Timestamp: 3_000})
	out := waitRecords(t, cl, "ENRICHED", func(recs []kafka.Record) bool { return len(recs) > clicks })
	// Let a replay still on its way show up.
	time.Sleep(time.Second)
	if out, _ = cl.ReadAll(context.Background(), "ENRICHED"); len(out) != clicks+1 {
		t.Errorf("ENRICHED holds %d rows after two restarts, want %d (one per click)", len(out), clicks+1)
	}
}

// waitGroupOffset waits until a group has committed at least want on
// partition 0 of topic.
func waitGroupOffset(t *testing.T, cl kafka.Cluster, group, topic string, want int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// The group exists once the query's consumer first joins it.
		offs, err := cl.GroupOffsets(context.Background(), group, topic)
		if err == nil && offs[0] >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s committed %d on %s (%v), want %d", group, offs[0], topic, err, want)
		}
	}
}

// eosEngines returns a function starting an exactly-once engine (no
// output caching) on cl as the same worker each time; the engines' log
// is shown if the test fails.
func eosEngines(t *testing.T, cl kafka.Cluster) func() *Engine {
	cfg := map[string]string{"auto.offset.reset": "earliest", "processing.guarantee": "exactly_once_v2",
		"ksql.streams.cache.max.bytes.buffering": "0"}
	var logs logLines
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("engine log:\n%s", strings.Join(logs.lines, "\n"))
		}
	})
	return func() *Engine {
		e, err := New(context.Background(), Options{Cluster: cl, Config: cfg, WorkerID: "worker-a", Logf: logs.logf})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

// countedEvents are records from..from+n-1 of the exactly-once tests'
// input: keys k0…k(keys-1) in turn, each value {"V":1}, the i-th at
// time 1,000+i ms.
func countedEvents(keys, from, n int) []kafka.Record {
	recs := make([]kafka.Record, 0, n)
	for i := from; i < from+n; i++ {
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprintf("k%d", i%keys)), Value: []byte(`{"V":1}`), Timestamp: int64(1_000 + i)})
	}
	return recs
}

// TestExactlyOnceCommitsAFanOutInParts: a join of 500 preloaded records
// with 500 others of the same key makes 250,000 outputs from one fetched
// batch. Under exactly-once nothing is streamed out before the commit,
// so the query commits whenever a task holds 100,000 outputs (the
// runtime's txnOutputs) instead of holding all of them for one
// transaction (9 million outputs held 5 GB): every transaction in the
// output is at most that plus one record's fan-out, and the output is
// still exactly every pair once.
func TestExactlyOnceCommitsAFanOutInParts(t *testing.T) {
	const n, most = 500, 100_000 + 500
	cl := startBroker(t, t.TempDir())
	for _, side := range []string{"l", "r"} {
		createTopic(t, cl, side, 1)
		recs := make([]kafka.Record, n)
		for i := range recs {
			recs[i] = kafka.Record{Key: []byte("k"), Value: []byte(fmt.Sprintf(`{"V":%d}`, i)), Timestamp: int64(1_000 + i)}
		}
		produceJSON(t, cl, side, recs...)
	}
	e := eosEngines(t, cl)()
	defer e.Close()
	mustExec(t, e, `CREATE STREAM L (K STRING KEY, V INT) WITH (KAFKA_TOPIC='l', VALUE_FORMAT='JSON');
		CREATE STREAM R (K STRING KEY, V INT) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON');
		CREATE STREAM J AS SELECT L.K, L.V AS LV, R.V AS RV FROM L JOIN R WITHIN 1 HOUR ON L.K = R.K;`)
	out := waitRecords(t, cl, "J", func(recs []kafka.Record) bool { return len(recs) >= n*n })
	pairs := map[[2]float64]bool{}
	for _, r := range out {
		v := jsonValue(t, r)
		pairs[[2]float64{v["LV"].(float64), v["RV"].(float64)}] = true
	}
	if len(out) != n*n || len(pairs) != n*n {
		t.Errorf("%d committed outputs holding %d distinct pairs, want each of the %d pairs once", len(out), len(pairs), n*n)
	}
	// A transaction's marker takes an offset: committed records come in
	// runs of consecutive offsets, one run per transaction.
	run, largest, runs := 0, 0, 0
	for i, r := range out {
		if i == 0 || r.Offset != out[i-1].Offset+1 {
			run = 0
			runs++
		}
		run++
		largest = max(largest, run)
	}
	if largest > most {
		t.Errorf("a transaction of %d outputs (in %d transactions), want at most %d", largest, runs, most)
	}
}
