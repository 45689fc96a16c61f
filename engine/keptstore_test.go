package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/state"
)

// TestKeptPullStoreReadsOnlyWhatIsNew: a table's Pebble pull store is
// kept across a restart, and the next engine reads only the records
// written since the last one stopped, updates and deletions among them,
// before it answers; a topic deleted and made again under the same name
// (here with more records than the old one had, so that the old offsets
// are all still in range) is read again from its start.
func TestKeptPullStoreReadsOnlyWhatIsNew(t *testing.T) {
	brokerDir, stateDir := t.TempDir(), t.TempDir()
	cl := startBroker(t, brokerDir)
	createTopic(t, cl, "prices", 3)
	latest := map[string]string{}
	produce := func(recs ...kafka.Record) {
		t.Helper()
		produceJSON(t, cl, "prices", recs...)
		for _, r := range recs {
			if r.Value == nil {
				delete(latest, string(r.Key))
			} else {
				latest[string(r.Key)] = string(r.Value)
			}
		}
	}
	price := func(key string, v int) kafka.Record {
		return kafka.Record{Key: []byte(key), Value: fmt.Appendf(nil, `{"P":%d}`, v)}
	}
	wantRows := func() []string {
		var rows []string
		for k, v := range latest {
			rows = append(rows, fmt.Sprintf("%s %s", k, v[len(`{"P":`):len(v)-1]))
		}
		slices.Sort(rows)
		return rows
	}
	const ddl = "CREATE SOURCE TABLE prices (k STRING PRIMARY KEY, p INT) WITH (kafka_topic='prices', key_format='KAFKA', value_format='JSON');"
	pullAll := func(e *Engine) []string {
		t.Helper()
		rows := mustPull(t, e, "SELECT k, p FROM prices;", nil).rows
		slices.Sort(rows)
		return rows
	}

	var recs []kafka.Record
	for i := range 1000 {
		recs = append(recs, price(fmt.Sprintf("k%03d", i%400), i))
	}
	produce(recs...)
	e1 := newBrokerEngineStore(t, cl, state.KindPebble, stateDir)
	mustExec(t, e1, ddl)
	if got := pullAll(e1); fmt.Sprint(got) != fmt.Sprint(wantRows()) {
		t.Fatalf("first run: %d rows, want %d", len(got), len(latest))
	}
	if n, _ := appliedRecords(e1, "PRICES"); n != 1000 {
		t.Fatalf("first run read %d records, want 1000", n)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}

	// While no engine runs: updates, new keys and deletions.
	recs = recs[:0]
	for i := range 60 {
		recs = append(recs, price(fmt.Sprintf("k%03d", 390+i), 5000+i))
	}
	recs = append(recs, kafka.Record{Key: []byte("k000")}, kafka.Record{Key: []byte("k123")})
	produce(recs...)
	e2 := newBrokerEngineStore(t, cl, state.KindPebble, stateDir)
	if got := pullAll(e2); fmt.Sprint(got) != fmt.Sprint(wantRows()) {
		t.Fatalf("after a restart: %d rows, want %d: %q", len(got), len(latest), got)
	}
	if got := mustPull(t, e2, "SELECT p FROM prices WHERE k = 'k123';", nil); len(got.rows) != 0 {
		t.Fatalf("deleted key k123: %q", got.rows)
	}
	if n, _ := appliedRecords(e2, "PRICES"); n != int64(len(recs)) {
		t.Fatalf("after a restart the store read %d records, want the %d written since", n, len(recs))
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}

	// The topic is deleted and made again, with other keys.
	if err := cl.DeleteTopic(context.Background(), "prices"); err != nil {
		t.Fatal(err)
	}
	createTopic(t, cl, "prices", 3)
	clear(latest)
	recs = recs[:0]
	for i := range 1500 {
		recs = append(recs, price(fmt.Sprintf("n%04d", i), i))
	}
	produce(recs...)
	e3 := newBrokerEngineStore(t, cl, state.KindPebble, stateDir)
	defer e3.Close()
	if got := pullAll(e3); fmt.Sprint(got) != fmt.Sprint(wantRows()) {
		t.Fatalf("over the topic made again: %d rows, want %d", len(got), len(latest))
	}
}

// pullKillEnv makes the test binary, run again by
// TestKeptPullStoreAfterAKill, the server that is killed: its value is
// the broker's address and the state directory.
const pullKillEnv = "EDDY_PULL_KILL"

// TestKeptPullStoreAfterAKill: a server keeping a table's Pebble pull
// store up to date while records arrive dies without closing it (as
// under kill -9). The next server on its state directory goes on from
// the offsets the store kept, not from the topic's start, and answers
// with every key's latest value.
func TestKeptPullStoreAfterAKill(t *testing.T) {
	if v := os.Getenv(pullKillEnv); v != "" {
		addr, dir, _ := strings.Cut(v, "|")
		killedPullServer(addr, dir)
		return
	}
	addr, cl := testenv.Kafka(t, t.TempDir())
	stateDir := t.TempDir()
	createTopic(t, cl, "prices", 3)
	var recs []kafka.Record
	for i := range 20_000 {
		recs = append(recs, kafka.Record{Key: fmt.Appendf(nil, "k%05d", i%5000), Value: fmt.Appendf(nil, `{"P":%d}`, i)})
	}
	produceJSON(t, cl, "prices", recs...)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKeptPullStoreAfterAKill$")
	cmd.Env = append(os.Environ(), pullKillEnv+"="+addr+"|"+stateDir)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("the killed server exited %d (%v), want 3:\n%s", code, err, out)
	}

	all, err := cl.ReadAll(context.Background(), "prices")
	if err != nil {
		t.Fatal(err)
	}
	latest := map[string]string{}
	for _, r := range all {
		latest[string(r.Key)] = string(r.Value)
	}
	e := newBrokerEngineStore(t, cl, state.KindPebble, stateDir)
	defer e.Close()
	rows := mustPull(t, e, "SELECT k, p FROM prices;", nil).rows
	if len(rows) != len(latest) {
		t.Fatalf("%d rows, want %d", len(rows), len(latest))
	}
	for _, row := range rows {
		k, p, _ := strings.Cut(row, " ")
		if want := fmt.Sprintf(`{"P":%s}`, p); latest[k] != want {
			t.Fatalf("key %s: %s, want %s", k, want, latest[k])
		}
	}
	if applied, _ := appliedRecords(e, "PRICES"); applied >= int64(len(all)) {
		t.Fatalf("the next server read %d records of %d: it did not go on from the kept store", applied, len(all))
	}
}

// killedPullServer declares the table, has its store read the topic,
// then writes and reads 5 × 1,000 more records, and exits without
// closing anything.
func killedPullServer(addr, dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{addr}})
	if err != nil {
		fail(err)
	}
	e, err := New(ctx, Options{Cluster: cl, StateDir: dir, Config: map[string]string{StateStoreProperty: state.KindPebble}})
	if err != nil {
		fail(err)
	}
	pull := func() {
		err := e.Stream(ctx, "SELECT * FROM prices WHERE k = 'k00001';", nil, func(api.StreamedRow) error { return nil })
		if err != nil {
			fail(err)
		}
	}
	if _, err := e.Execute(ctx, "CREATE SOURCE TABLE prices (k STRING PRIMARY KEY, p INT) WITH (kafka_topic='prices', key_format='KAFKA', value_format='JSON');", nil); err != nil {
		fail(err)
	}
	pull()
	for round := range 5 {
		var recs []kafka.Record
		for i := range 1000 {
			recs = append(recs, kafka.Record{Topic: "prices", Partition: -1, Key: fmt.Appendf(nil, "k%05d", (round*1000+i*7)%6000), Value: fmt.Appendf(nil, `{"P":%d}`, 100_000+round*1000+i)})
		}
		if err := cl.Produce(ctx, recs...); err != nil {
			fail(err)
		}
		pull()
	}
	os.Exit(3) // nothing closed, as under kill -9
}

// TestPullStoresWarmAtStart: a server starting where it had a table's
// pull store has the store read the table before any pull query asks: a
// kept Pebble store only what was written while it was down, a memory
// store the whole topic again.
func TestPullStoresWarmAtStart(t *testing.T) {
	for kind, want := range map[string]int64{state.KindPebble: 50, state.KindMemory: 1050} {
		t.Run(kind, func(t *testing.T) {
			cl := startBroker(t, t.TempDir())
			stateDir := t.TempDir()
			createTopic(t, cl, "prices", 2)
			price := func(from, to int) (recs []kafka.Record) {
				for i := from; i < to; i++ {
					recs = append(recs, kafka.Record{Key: fmt.Appendf(nil, "k%03d", i%300), Value: fmt.Appendf(nil, `{"P":%d}`, i)})
				}
				return recs
			}
			produceJSON(t, cl, "prices", price(0, 1000)...)
			e1 := newBrokerEngineStore(t, cl, kind, stateDir)
			mustExec(t, e1, "CREATE SOURCE TABLE prices (k STRING PRIMARY KEY, p INT) WITH (kafka_topic='prices', key_format='KAFKA', value_format='JSON');")
			mustPull(t, e1, "SELECT * FROM prices WHERE k = 'k001';", nil)
			if err := e1.Close(); err != nil {
				t.Fatal(err)
			}
			produceJSON(t, cl, "prices", price(1000, 1050)...)
			e2 := newBrokerEngineStore(t, cl, kind, stateDir)
			defer e2.Close()
			deadline := time.Now().Add(time.Minute) // a bound on a hang
			for {
				applied, started := appliedRecords(e2, "PRICES")
				if applied == want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no pull query asked: the store read %d records (started %v), want %d", applied, started, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// appliedRecords is how many records the pull store of table has read
// since e started it; started is false when e runs none.
func appliedRecords(e *Engine, table string) (applied int64, started bool) {
	e.mats.mu.Lock()
	ts := e.mats.byName[table]
	e.mats.mu.Unlock()
	if ts == nil {
		return 0, false
	}
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return ts.applied, true
}
