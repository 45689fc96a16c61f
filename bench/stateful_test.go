package bench

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// embeddedBroker starts an embedded broker for one benchmark and a client
// of it, both closed when the benchmark ends.
func embeddedBroker(ctx context.Context, b *testing.B) *kafka.Client {
	b.Helper()
	// Retention off: the input is stamped in 2023, and a benchmark
	// measures the query, not the cleaner deleting its input.
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: b.TempDir(), Listen: "127.0.0.1:0", Retention: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { emb.Close() })
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, ClientID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cl.Close() })
	return cl
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// statefulCase is one stateful query over preloaded input: the DDL run
// first, the measured statement, and how many output records mean done.
type statefulCase struct {
	name  string
	query string
	want  func(n int) int64
	eos   bool // processing.guarantee=exactly_once_v2
}

// BenchmarkStateful measures stateful queries over the embedded broker,
// input already loaded (EDDY_BENCH_RECORDS, default 200k events over 1,000
// keys, two partitions, 10 ms apart): a keyed one-minute tumbling count
// with EMIT CHANGES and with EMIT FINAL, and a stream-table join, the
// first and the last also under exactly_once_v2 (-eos; the output's end
// offsets then include a commit marker per batch, a few hundredths of a
// percent of the records). It
// reports events/s of wall time and events per CPU-second of the whole
// process (broker included, so the figure is a floor for eddy alone).
func BenchmarkStateful(b *testing.B) {
	n, err := RecordsFromEnv(DefaultRecords)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Context(), runTimeout)
	defer cancel()
	cl := embeddedBroker(ctx, b)
	const keys = 1000
	for _, t := range []string{"st_events", "st_users"} {
		if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: t, Partitions: 2, Replicas: 1}); err != nil {
			b.Fatal(err)
		}
	}
	var users []kafka.Record
	for k := range keys {
		users = append(users, kafka.Record{Topic: "st_users", Partition: -1, Key: fmt.Appendf(nil, "k%d", k), Value: fmt.Appendf(nil, `{"NAME":"user %d"}`, k)})
	}
	if err := cl.Produce(ctx, users...); err != nil {
		b.Fatal(err)
	}
	events := make([]kafka.Record, 0, 10_000)
	for i := range n {
		events = append(events, kafka.Record{Topic: "st_events", Partition: -1, Key: fmt.Appendf(nil, "k%d", i%keys),
			Value: fmt.Appendf(nil, `{"AMOUNT":%d}`, i%100), Timestamp: int64(1_700_000_000_000 + i*10)})
		if len(events) == cap(events) || i == n-1 {
			if err := cl.Produce(ctx, events...); err != nil {
				b.Fatal(err)
			}
			events = events[:0]
		}
	}
	windows := func(n int) int64 { return int64(n*10/60_000) * keys } // closed one-minute windows
	cases := []statefulCase{
		{"tumbling-count-emit-changes", `CREATE TABLE OUT AS SELECT K, COUNT(*) AS C FROM EV WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY K EMIT CHANGES;`, func(n int) int64 { return int64(n) }, false},
		{"tumbling-count-emit-final", `CREATE TABLE OUT AS SELECT K, COUNT(*) AS C FROM EV WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 1 HOUR, GRACE PERIOD 0 SECONDS) GROUP BY K EMIT FINAL;`, windows, false},
		{"stream-table-join", `CREATE STREAM OUT AS SELECT EV.K, EV.AMOUNT, U.NAME FROM EV JOIN U ON EV.K = U.K;`, func(n int) int64 { return int64(n) }, false},
	}
	for _, c := range []statefulCase{cases[0], cases[2]} {
		c.name += "-eos"
		c.eos = true
		cases = append(cases, c)
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			seq := 0
			var wall, cpu time.Duration
			for b.Loop() {
				seq++
				sid := fmt.Sprintf("st_%s_%d_", c.name, seq)
				eng, err := engine.New(ctx, engine.Options{Cluster: cl, ServiceID: sid})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := eng.Execute(ctx, `CREATE STREAM EV (K STRING KEY, AMOUNT INT) WITH (KAFKA_TOPIC='st_events', VALUE_FORMAT='JSON');
					CREATE TABLE U (K STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='st_users', VALUE_FORMAT='JSON');`, nil); err != nil {
					b.Fatal(err)
				}
				start, cpu0 := time.Now(), cpuTime()
				props := earliest()
				// Every update out, as the output counts assume (and
				// as the figures were first measured).
				props["cache.max.bytes.buffering"] = "0"
				if c.eos {
					props["processing.guarantee"] = "exactly_once_v2"
				}
				if _, err := eng.Execute(ctx, c.query, props); err != nil {
					b.Fatal(err)
				}
				if err := waitEnd(ctx, cl, "OUT", c.want(n), func() error { return errors.Join(eng.QueryErrors()...) }); err != nil {
					b.Fatal(err)
				}
				wall += time.Since(start)
				cpu += cpuTime() - cpu0
				eng.Close()
				if err := cl.DeleteTopic(ctx, "OUT"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*seq)/wall.Seconds(), "events/s")
			b.ReportMetric(float64(n*seq)/cpu.Seconds(), "events/CPU-s")
		})
	}
}

// waitEnd polls the end offsets of topic until they sum to want.
func waitEnd(ctx context.Context, cl kafka.Cluster, topic string, want int64, alive func() error) error {
	for {
		ends, err := cl.EndOffsets(ctx, topic)
		var sum int64
		for _, e := range ends {
			sum += e
		}
		if err == nil && sum >= want {
			return nil
		}
		if err := alive(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %d of %d records: %w", topic, sum, want, ctx.Err())
		}
		time.Sleep(pollInterval)
	}
}

// BenchmarkRestartToFirstOutput builds a keyed COUNT over many keys
// (EDDY_BENCH_KEYS, default 200k; the figure is 1M), stops the
// engine, and measures from a new engine's start to the first output of a
// record produced after the restart: the time to restore the state, from
// the changelog alone (memory) or from a local Pebble store plus the
// changelog tail (pebble).
func BenchmarkRestartToFirstOutput(b *testing.B) {
	keys, err := intFromEnv("EDDY_BENCH_KEYS", 200_000)
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"memory", "pebble"} {
		b.Run(kind, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(b.Context(), runTimeout)
			defer cancel()
			cl := embeddedBroker(ctx, b)
			if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: "rs_in", Partitions: 2, Replicas: 1}); err != nil {
				b.Fatal(err)
			}
			recs := make([]kafka.Record, 0, 10_000)
			for i := range keys {
				recs = append(recs, kafka.Record{Topic: "rs_in", Partition: -1, Key: fmt.Appendf(nil, "key-%08d", i), Value: []byte(`{"V":1}`), Timestamp: int64(i)})
				if len(recs) == cap(recs) || i == keys-1 {
					if err := cl.Produce(ctx, recs...); err != nil {
						b.Fatal(err)
					}
					recs = recs[:0]
				}
			}
			stateDir := b.TempDir()
			open := func() *engine.Engine {
				eng, err := engine.New(ctx, engine.Options{Cluster: cl, ServiceID: "rs_", StateDir: stateDir,
					Config: map[string]string{engine.StateStoreProperty: kind}})
				if err != nil {
					b.Fatal(err)
				}
				return eng
			}
			eng := open()
			if _, err := eng.Execute(ctx, `CREATE STREAM IN_S (K STRING KEY, V INT) WITH (KAFKA_TOPIC='rs_in', VALUE_FORMAT='JSON');
				CREATE TABLE COUNTS AS SELECT K, COUNT(*) AS N FROM IN_S GROUP BY K;`, earliest()); err != nil {
				b.Fatal(err)
			}
			if err := waitEnd(ctx, cl, "COUNTS", int64(keys), func() error { return errors.Join(eng.QueryErrors()...) }); err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			runs := 0
			for b.Loop() {
				eng.Close()
				before, err := cl.EndOffsets(ctx, "COUNTS")
				if err != nil {
					b.Fatal(err)
				}
				var had int64
				for _, e := range before {
					had += e
				}
				if err := cl.Produce(ctx, kafka.Record{Topic: "rs_in", Partition: -1, Key: []byte("key-00000001"), Value: []byte(`{"V":1}`), Timestamp: int64(keys)}); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				eng = open()
				if err := waitEnd(ctx, cl, "COUNTS", had+1, func() error { return errors.Join(eng.QueryErrors()...) }); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				runs++
			}
			eng.Close()
			b.ReportMetric(float64(total.Milliseconds())/float64(runs), "restart-to-output-ms")
			b.ReportMetric(float64(keys), "keys")
		})
	}
}
