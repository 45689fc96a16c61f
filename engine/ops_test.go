package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
)

// logLines collects an engine's server log.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) find(substrs ...string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		ok := true
		for _, s := range substrs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			return line
		}
	}
	return ""
}

// loggedEngine starts an engine over cl reading from the earliest
// offsets, whose server log the returned lines collect; it closes when
// t ends.
func loggedEngine(t *testing.T, cl kafka.Cluster) (*Engine, *logLines) {
	t.Helper()
	logs := &logLines{}
	e, err := New(context.Background(), Options{Cluster: cl, Logf: logs.logf, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, logs
}

// waitFind waits up to 30 s for a line holding every one of substrs and
// returns it; the test fails with the lines logged when none comes.
func (l *logLines) waitFind(t *testing.T, substrs ...string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if line := l.find(substrs...); line != "" {
			return line
		}
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no log line holds %q:\n%s", substrs, strings.Join(l.lines, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bigOrders is an engine over an embedded broker running BIG_ORDERS, a
// copy of ORDERS, which has written the first ten orders, and a foreign
// admin client (not eddy's) to break it with.
type bigOrders struct {
	cl      *kafka.Client
	e       *Engine
	log     logLines
	adm     *kadm.Client
	produce func(from, to int) // orders with IDs from..to-1
}

func startBigOrders(t *testing.T, config map[string]string) *bigOrders {
	t.Helper()
	b, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f := &bigOrders{}
	if f.cl, err = kafka.Dial(context.Background(), kafka.Config{Brokers: []string{b.Addr()}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.cl.Close() })
	cfg := map[string]string{"auto.offset.reset": "earliest"}
	maps.Copy(cfg, config)
	if f.e, err = New(context.Background(), Options{Cluster: f.cl, Logf: f.log.logf, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.e.Close() })
	createTopic(t, f.cl, "orders", 1)
	f.produce = func(from, to int) {
		var recs []kafka.Record
		for i := from; i < to; i++ {
			recs = append(recs, kafka.Record{Value: []byte(fmt.Sprintf(`{"ID":%d}`, i))})
		}
		produceJSON(t, f.cl, "orders", recs...)
	}
	f.produce(0, 10)
	mustExec(t, f.e, `CREATE STREAM ORDERS (ID INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
		CREATE STREAM BIG_ORDERS WITH (KAFKA_TOPIC='big_orders') AS SELECT ID FROM ORDERS;`)
	waitRecords(t, f.cl, "big_orders", func(r []kafka.Record) bool { return len(r) == 10 })
	foreign, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(foreign.Close)
	f.adm = kadm.NewClient(foreign)
	return f
}

// state is the state SHOW QUERIES gives query id, "" when it lists none.
func (f *bigOrders) state(t *testing.T, id string) string {
	t.Helper()
	for _, q := range mustExec(t, f.e, "SHOW QUERIES;")[0].(*api.QueriesList).Queries {
		if q.ID == id {
			return q.State
		}
	}
	return ""
}

// written waits until big_orders holds at least n records and returns
// the order IDs among them.
func (f *bigOrders) written(t *testing.T, n int) map[int]bool {
	t.Helper()
	recs := waitRecords(t, f.cl, "big_orders", func(r []kafka.Record) bool { return len(r) >= n })
	seen := map[int]bool{}
	for _, r := range recs {
		var v struct{ ID int }
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		seen[v.ID] = true
	}
	return seen
}

// TestSinkTopicDeletedFailsQuery: a foreign admin client deletes the sink
// topic of a running persistent query. The query's next output cannot be
// written: it stops in state ERROR, SHOW QUERIES, EXPLAIN and DESCRIBE say
// so, its error names the topic, and the server log and the processing
// log say why. The topic is not silently created again.
func TestSinkTopicDeletedFailsQuery(t *testing.T) {
	f := startBigOrders(t, map[string]string{"ksql.logging.processing.stream.auto.create": "true"})
	cl, e, log, produce := f.cl, f.e, &f.log, f.produce
	resp, err := f.adm.DeleteTopics(context.Background(), "big_orders")
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("delete big_orders: %v", err)
	}
	produce(10, 20)

	const id = "CSAS_BIG_ORDERS_0"
	var state string
	for deadline := time.Now().Add(time.Minute); ; {
		rq := mustExec(t, e, "SHOW QUERIES;")[0].(*api.QueriesList)
		for _, q := range rq.Queries {
			if q.ID == id {
				state = q.State
			}
		}
		if state == "ERROR" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query state %q a minute after its sink topic was deleted, want ERROR", state)
		}
		time.Sleep(100 * time.Millisecond)
	}
	d := explainOne(t, e, "EXPLAIN "+id+";")
	if d.State != "ERROR" || len(d.QueryErrors) != 1 || !strings.Contains(d.QueryErrors[0].ErrorMessage, "big_orders") {
		t.Errorf("EXPLAIN: state %s, errors %+v; want ERROR naming big_orders", d.State, d.QueryErrors)
	}
	src := mustExec(t, e, "DESCRIBE ORDERS EXTENDED;")[0].(*api.SourceDescriptionEntity).SourceDescription
	if len(src.ReadQueries) != 1 || src.ReadQueries[0].State != "ERROR" {
		t.Errorf("DESCRIBE ORDERS read queries %+v, want %s in ERROR", src.ReadQueries, id)
	}
	var line string
	for deadline := time.Now().Add(time.Minute); line == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		line = log.find(id, "failed", "big_orders")
	}
	if line == "" {
		t.Errorf("no server log line says %s failed on big_orders", id)
	}
	// The processing log holds the failure, in ksqlDB's shape.
	recs := waitRecords(t, cl, e.processingLogTopic(), func(r []kafka.Record) bool {
		for _, rec := range r {
			if strings.Contains(string(rec.Value), "kafkaStreamsThreadError\":{") {
				return true
			}
		}
		return false
	})
	for _, rec := range recs {
		var m struct {
			Logger  string
			Message struct {
				Type                    int
				KafkaStreamsThreadError *struct{ ErrorMessage string }
			}
		}
		if err := json.Unmarshal(rec.Value, &m); err != nil || m.Message.KafkaStreamsThreadError == nil {
			continue
		}
		if m.Logger != "processing."+id || m.Message.Type != 4 || !strings.Contains(m.Message.KafkaStreamsThreadError.ErrorMessage, "big_orders") {
			t.Errorf("processing log entry %s", rec.Value)
		}
	}
	// The failure is queryable through the processing-log stream.
	got := ""
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = e.Stream(ctx, "SELECT MESSAGE->KAFKASTREAMSTHREADERROR->ERRORMESSAGE AS M FROM KSQL_PROCESSING_LOG WHERE MESSAGE->TYPE = 4 EMIT CHANGES LIMIT 1;", map[string]string{"auto.offset.reset": "earliest"},
		func(r api.StreamedRow) error {
			if r.Row != nil {
				got = fmt.Sprint(r.Row.Columns...)
			}
			return nil
		})
	if err != nil || !strings.Contains(got, "big_orders") {
		t.Errorf("KSQL_PROCESSING_LOG: %q, %v", got, err)
	}
	// The query gave up: it did not create the topic again behind the
	// user's back.
	if _, ok, err := cl.Topic(context.Background(), "big_orders"); err != nil || ok {
		t.Errorf("big_orders exists again after the query failed (err %v)", err)
	}
}

// TestDescribeExtendedCountsSourceErrors: records that do not deserialize
// are in the topic before the query starts. DESCRIBE EXTENDED counts them
// on the stream they were read from, with the time of the last one, and
// not on the query's sink; EXPLAIN counts them on the query.
func TestDescribeExtendedCountsSourceErrors(t *testing.T) {
	cl := startBroker(t, t.TempDir())
	createTopic(t, cl, "readings", 2)
	var recs []kafka.Record
	for i := range 30 {
		v := fmt.Sprintf(`{"V":%d}`, i)
		if i%6 == 5 {
			v = fmt.Sprintf(`{"V": oops %d`, i) // 5 records that are not JSON
		}
		recs = append(recs, kafka.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(v)})
	}
	produceJSON(t, cl, "readings", recs...)
	before := time.Now().UTC()
	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM READINGS (V INT) WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON');
		CREATE STREAM COPIED AS SELECT V FROM READINGS;`)
	waitRecords(t, cl, "COPIED", func(r []kafka.Record) bool { return len(r) == 25 })

	describe := func(name string) api.SourceDescription {
		return mustExec(t, e, "DESCRIBE "+name+" EXTENDED;")[0].(*api.SourceDescriptionEntity).SourceDescription
	}
	field := func(stats, name string) string {
		m := regexp.MustCompile(`(?:^|\s)` + name + `:\s*(\S+)`).FindStringSubmatch(stats)
		if m == nil {
			return ""
		}
		return m[1]
	}
	var src api.SourceDescription
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		src = describe("READINGS")
		if field(src.Statistics, "consumer-total-messages") == "30" || time.Now().After(deadline) {
			break
		}
	}
	if got := field(src.Statistics, "consumer-total-messages"); got != "30" {
		t.Errorf("READINGS statistics %q: consumer-total-messages %s, want 30", src.Statistics, got)
	}
	if got := field(src.ErrorStats, "consumer-failed-messages"); got != "5" {
		t.Errorf("READINGS error stats %q: consumer-failed-messages %s, want 5", src.ErrorStats, got)
	}
	last, err := time.Parse(time.RFC3339, field(src.ErrorStats, "last-failed"))
	if err != nil || last.Before(before.Truncate(time.Second)) || last.After(time.Now().Add(time.Second)) {
		t.Errorf("READINGS last-failed in %q: %v, %v; want a time since the query started", src.ErrorStats, last, err)
	}
	if len(src.ReadQueries) != 1 || src.ReadQueries[0].State != "RUNNING" {
		t.Errorf("READINGS read queries %+v", src.ReadQueries)
	}
	sink := describe("COPIED")
	if got := field(sink.ErrorStats, "consumer-failed-messages"); got != "0" || field(sink.ErrorStats, "last-failed") != "n/a" {
		t.Errorf("COPIED error stats %q: the source's errors counted on the sink", sink.ErrorStats)
	}
	if got := field(sink.Statistics, "total-messages"); got != "25" {
		t.Errorf("COPIED statistics %q: total-messages %s, want 25", sink.Statistics, got)
	}
	d := explainOne(t, e, "EXPLAIN CSAS_COPIED_0;")
	if !strings.HasPrefix(d.ErrorStats, "processing-errors: 5, last-failed: ") || !strings.HasPrefix(d.Statistics, "messages-in: 30, messages-out: 25") {
		t.Errorf("EXPLAIN statistics %q / %q", d.Statistics, d.ErrorStats)
	}
}

// TestQueryStatsStateSize: an aggregate's tasks report their state's size
// after a commit: entries when the state is in memory, bytes of the
// Pebble store when it is on disk (whose entry count is not at hand).
func TestQueryStatsStateSize(t *testing.T) {
	for _, kind := range []string{"memory", "pebble"} {
		t.Run(kind, func(t *testing.T) {
			cl := startBroker(t, t.TempDir())
			createTopic(t, cl, "events", 2)
			var recs []kafka.Record
			for i := range 500 {
				recs = append(recs, kafka.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"K":"k%d"}`, i%40))})
			}
			produceJSON(t, cl, "events", recs...)
			e := newBrokerEngineStore(t, cl, kind, t.TempDir())
			defer e.Close()
			mustExec(t, e, `CREATE STREAM EV (K STRING) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON');
				CREATE TABLE PER_K AS SELECT K, COUNT(*) AS N FROM EV GROUP BY K;`)
			var entries, bytes int64
			var tasks int
			for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				entries, bytes, tasks = 0, 0, 0
				for _, q := range e.QueryStats() {
					for _, ts := range q.PerTask {
						tasks++
						entries += ts.StateEntries
						bytes += ts.StateBytes
					}
				}
				if q := e.QueryStats(); len(q) == 1 && q[0].RecordsIn == 500 && tasks == 2 &&
					((kind == "memory" && entries == 40) || (kind == "pebble" && bytes > 0)) {
					break
				}
			}
			switch kind {
			case "memory":
				if entries != 40 || bytes != -2 {
					t.Errorf("memory state: %d entries (want 40, one per key) and %d bytes (want -1 per task: no local store)", entries, bytes)
				}
			case "pebble":
				if entries != -2 || bytes <= 0 {
					t.Errorf("pebble state: %d entries (want -1 per task: unknown) and %d bytes (want some)", entries, bytes)
				}
			}
		})
	}
}

// TestFailedQueryRetries: a persistent query whose sink topic a foreign
// admin deleted fails, and keeps failing while the topic is missing; once
// the topic is made again, the query's next retry (ksqlDB's
// ksql.query.retry.backoff, short here) runs it again from its last
// commit: the records it could not write come out, then the new ones, and
// EXPLAIN still lists the errors it recovered from.
func TestFailedQueryRetries(t *testing.T) {
	f := startBigOrders(t, map[string]string{RetryBackoffInitialProperty: "200", RetryBackoffMaxProperty: "1000"})
	e, log, produce, adm := f.e, &f.log, f.produce, f.adm
	if resp, err := adm.DeleteTopics(context.Background(), "big_orders"); err != nil || resp.Error() != nil {
		t.Fatalf("delete big_orders: %v %v", err, resp.Error())
	}
	produce(10, 20)

	const id = "CSAS_BIG_ORDERS_0"
	state := func() string { return f.state(t, id) }
	// Two failures at least: the first, and a retry that found the topic
	// still missing.
	for deadline := time.Now().Add(time.Minute); len(e.failures.of(id)) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("query state %s, %d failures recorded a minute after its sink topic was deleted; want 2 or more", state(), len(e.failures.of(id)))
		}
	}
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, "big_orders"); err != nil {
		t.Fatalf("create big_orders: %v", err)
	}
	produce(20, 30)
	seen := f.written(t, 20)
	for i := 10; i < 30; i++ {
		if !seen[i] {
			t.Errorf("order %d never written after the topic came back", i)
		}
	}
	if s := state(); s != "RUNNING" {
		t.Errorf("state %s after the retry wrote its outputs, want RUNNING", s)
	}
	d := explainOne(t, e, "EXPLAIN "+id+";")
	if len(d.QueryErrors) < 2 || !strings.Contains(d.QueryErrors[0].ErrorMessage, "big_orders") {
		t.Errorf("EXPLAIN errors %+v, want the failures it recovered from, naming big_orders", d.QueryErrors)
	}
	if log.find(id, "started again") == "" {
		t.Error("no server log line says the query started again")
	}
}

// TestFailedQueryRetryReadsWhatItNeverCommitted: a query under
// auto.offset.reset=latest (the default) fails on the first records it
// reads (its sink topic was deleted), before it has committed anything.
// Its retries start where it started, at the end offsets listed when it
// was created, so once the sink is back the records it could not write
// come out. Found in a docs walk: each retry listed the end offsets of
// its own start, so the query came back RUNNING with those records
// skipped for good.
func TestFailedQueryRetryReadsWhatItNeverCommitted(t *testing.T) {
	b, cl := embeddedBroker(t)
	var log logLines
	e, err := New(context.Background(), Options{Cluster: cl, Logf: log.logf, Config: map[string]string{
		RetryBackoffInitialProperty: "200", RetryBackoffMaxProperty: "1000"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	createTopic(t, cl, "orders", 1)
	mustExec(t, e, `CREATE STREAM ORDERS (ID INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
		CREATE STREAM BIG_ORDERS WITH (KAFKA_TOPIC='big_orders') AS SELECT ID FROM ORDERS;`)
	foreign, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(foreign.Close)
	adm := kadm.NewClient(foreign)
	if resp, err := adm.DeleteTopics(context.Background(), "big_orders"); err != nil || resp.Error() != nil {
		t.Fatalf("delete big_orders: %v %v", err, resp.Error())
	}
	produce := func(from, to int) {
		var recs []kafka.Record
		for i := from; i < to; i++ {
			recs = append(recs, kafka.Record{Value: []byte(fmt.Sprintf(`{"ID":%d}`, i))})
		}
		produceJSON(t, cl, "orders", recs...)
	}
	produce(0, 10)
	const id = "CSAS_BIG_ORDERS_0"
	// The first failure, and a retry started while the topic is missing.
	for deadline := time.Now().Add(time.Minute); len(e.failures.of(id)) < 1 || log.find(id, "started again") == ""; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d failures recorded, and no retry, a minute after the sink topic was deleted", len(e.failures.of(id)))
		}
	}
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, "big_orders"); err != nil {
		t.Fatalf("create big_orders: %v", err)
	}
	produce(10, 20)
	recs := waitRecords(t, cl, "big_orders", func(r []kafka.Record) bool { return len(r) >= 10 })
	// Records 10-19 arrive in any case; 0-9 only if the retry read from
	// where the query started. Wait for the last one, then check.
	seen := map[int]bool{}
	for {
		for _, r := range recs {
			var v struct{ ID int }
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatal(err)
			}
			seen[v.ID] = true
		}
		if seen[19] {
			break
		}
		recs = waitRecords(t, cl, "big_orders", func(r []kafka.Record) bool { return len(r) > len(recs) })
	}
	for i := 0; i < 20; i++ {
		if !seen[i] {
			t.Errorf("order %d never written: the retry skipped records its failed run had not committed", i)
		}
	}
}
