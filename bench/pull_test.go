package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// Pull-query workload: a table of pullKeys keys built from
// EDDY_BENCH_PULL_UPDATES updates (default 10M), keyed round robin.
const (
	pullKeys           = 1_000_000
	pullDefaultUpdates = 10_000_000
	pullLookups        = 2_000
	// The topic-scan baseline reads a small table: it reads the whole
	// topic per query.
	scanKeys    = 100_000
	scanUpdates = 300_000
	scanLookups = 5
)

// topicOnly hides the cluster's end offsets, so an engine over it
// answers pull queries by reading the table's topic, as before state
// stores.
type topicOnly struct{ kafka.Cluster }

func (topicOnly) EndOffsets(context.Context, string) (map[int32]int64, error) {
	return nil, errors.New("end offsets hidden: pull queries read the topic")
}

// BenchmarkPullKeyLookup measures the latency of `SELECT * FROM t WHERE
// K = '…'` on the embedded broker: first by reading the topic (the old
// way, on a small table), then from the table's materialized store,
// memory and Pebble, on a table of 1M keys built from 10M updates (set
// EDDY_BENCH_PULL_UPDATES to change). It reports p50 and p99 over 2,000
// random keys, and how long the first query took (the store catching up
// with the topic). b.N is ignored: run it with -benchtime 1x.
func BenchmarkPullKeyLookup(b *testing.B) {
	updates := pullDefaultUpdates
	if s := os.Getenv("EDDY_BENCH_PULL_UPDATES"); s != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil || n < pullKeys {
			b.Fatalf("EDDY_BENCH_PULL_UPDATES=%q: want an integer of at least %d", s, pullKeys)
		}
		updates = n
	}
	ctx, cancel := context.WithTimeout(b.Context(), runTimeout)
	defer cancel()
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Close()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, ClientID: "bench", Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()

	b.Run("topic-scan", func(b *testing.B) {
		e := pullEngine(ctx, b, topicOnly{cl}, "scan_", "memory")
		loadPullTable(ctx, b, e, cl, "pull_small", scanKeys, scanUpdates)
		reportLatencies(b, pullLatencies(ctx, b, e, scanKeys, scanLookups))
	})
	loadOnce := func(b *testing.B, e *engine.Engine) {
		if n, _ := topicRecords(ctx, cl, "pull_big"); n == 0 {
			loadPullTable(ctx, b, e, cl, "pull_big", pullKeys, updates)
		} else {
			declarePullTable(b, e, "pull_big")
		}
	}
	for _, kind := range []string{"memory", "pebble"} {
		b.Run("store="+kind, func(b *testing.B) {
			e := pullEngine(ctx, b, cl, kind+"_", kind)
			loadOnce(b, e)
			start := time.Now()
			pullOne(ctx, b, e, "SELECT * FROM t WHERE k = 'k0000000';")
			catchUp := time.Since(start)
			b.ReportMetric(catchUp.Seconds(), "first-query-s")
			b.Logf("%s store: first query (materializes %d updates) took %v (%.0f updates/s)",
				kind, updates, catchUp.Round(time.Millisecond), float64(updates)/catchUp.Seconds())
			reportLatencies(b, pullLatencies(ctx, b, e, pullKeys, pullLookups))
		})
	}
}

func pullEngine(ctx context.Context, b *testing.B, c kafka.Cluster, sid, kind string) *engine.Engine {
	e, err := engine.New(ctx, engine.Options{Cluster: c, ServiceID: sid, StateDir: b.TempDir(),
		Config: map[string]string{engine.StateStoreProperty: kind}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// loadPullTable declares T over topic and produces updates records over
// keys keys, round robin, so each key's last value is the last update.
func loadPullTable(ctx context.Context, b *testing.B, e *engine.Engine, cl kafka.Cluster, topic string, keys, updates int) {
	exec(ctx, b, e, fmt.Sprintf("CREATE TABLE t_in (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='%s', format='JSON', partitions=4);", topic))
	declarePullTable(b, e, topic)
	start := time.Now()
	const chunk = 50_000
	recs := make([]kafka.Record, 0, chunk)
	for i := 0; i < updates; i++ {
		recs = append(recs, kafka.Record{Topic: topic, Partition: -1, Key: pullKey(i % keys),
			Value: fmt.Appendf(nil, `{"V":%d}`, i), Timestamp: 1_700_000_000_000 + int64(i)})
		if len(recs) == chunk || i == updates-1 {
			if err := cl.Produce(ctx, recs...); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	b.Logf("loaded %d updates of %d keys into %s in %v", updates, keys, topic, time.Since(start).Round(time.Millisecond))
}

func declarePullTable(b *testing.B, e *engine.Engine, topic string) {
	exec(b.Context(), b, e, fmt.Sprintf("CREATE SOURCE TABLE t (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='%s', format='JSON');", topic))
}

func pullKey(i int) []byte { return fmt.Appendf(nil, `"k%07d"`, i) }

func exec(ctx context.Context, b *testing.B, e *engine.Engine, text string) {
	if _, err := e.Execute(ctx, text, nil); err != nil {
		b.Fatalf("%s: %v", text, err)
	}
}

func topicRecords(ctx context.Context, cl *kafka.Client, topic string) (int64, error) {
	ends, err := cl.EndOffsets(ctx, topic)
	var n int64
	for _, end := range ends {
		n += end
	}
	return n, err
}

// pullOne runs a pull query and returns its rows' first columns.
func pullOne(ctx context.Context, b *testing.B, e *engine.Engine, q string) []any {
	var rows []any
	err := e.Stream(ctx, q, nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns...)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	return rows
}

// pullLatencies looks up n random keys of a table of keys keys, checks
// each answer and returns the latencies.
func pullLatencies(ctx context.Context, b *testing.B, e *engine.Engine, keys, n int) []time.Duration {
	r := rand.New(rand.NewSource(1))
	out := make([]time.Duration, 0, n)
	for range n {
		k := r.Intn(keys)
		q := fmt.Sprintf("SELECT * FROM t WHERE k = 'k%07d';", k)
		start := time.Now()
		rows := pullOne(ctx, b, e, q)
		out = append(out, time.Since(start))
		if len(rows) != 2 || rows[0] != fmt.Sprintf("k%07d", k) {
			b.Fatalf("%s: %v", q, rows)
		}
	}
	return out
}

func reportLatencies(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	pct := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.Logf("%d lookups: p50 %v, p99 %v, max %v", len(ds), pct(0.50), pct(0.99), ds[len(ds)-1])
}
