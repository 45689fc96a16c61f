package bench

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// pollInterval is how often a run lists the output topic's end offsets:
// small against a run of seconds, and one cheap request each.
const pollInterval = 5 * time.Millisecond

// runTimeout bounds one whole pipeline benchmark.
const runTimeout = 15 * time.Minute

// earliest returns the session properties that start a query at the
// beginning of its input.
func earliest() map[string]string { return map[string]string{"auto.offset.reset": "earliest"} }

// BenchmarkCopyVsQuery is the headline `make bench` figure. For each input
// partition count it starts the embedded broker, loads N ≈200-byte JSON
// records (EDDY_BENCH_RECORDS, default 200k), then measures on that broker
// a plain consume→produce copy of the input and the persistent query
//
//	SELECT K, ID, UCASE(NAME) AS NAME, AMOUNT * 2 AS AMOUNT2 FROM SRC
//	WHERE ACTIVE AND AMOUNT > 10
//
// Both are timed from the call that starts them (Subscribe; CREATE STREAM
// … AS SELECT) until the output topic's end offset reaches the expected
// count; records/s counts input records. Outputs are verified afterwards.
func BenchmarkCopyVsQuery(b *testing.B) {
	n, err := RecordsFromEnv(DefaultRecords)
	if err != nil {
		b.Fatal(err)
	}
	for _, parts := range []int32{1, 4} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) {
			benchPipeline(b, n, parts)
		})
	}
}

// rate accumulates the runs of one sub-benchmark.
type rate struct {
	records int
	elapsed time.Duration // start to the last output record
	execute time.Duration // start to the return of the starting call
	startup time.Duration // start to the first output record
	runs    int
	seq     int // names the next run's topics, unique across b.Run calls
}

func (r *rate) add(records int, start, started time.Time, p Progress) {
	r.records += records
	r.elapsed += p.Done.Sub(start)
	r.execute += started.Sub(start)
	r.startup += p.First.Sub(start)
	r.runs++
}

// avg returns the mean of a total over the runs, rounded for display.
func (r *rate) avg(total time.Duration) time.Duration {
	return (total / time.Duration(r.runs)).Round(time.Millisecond)
}

func (r *rate) perSec() float64 { return float64(r.records) / r.elapsed.Seconds() }

func (r *rate) report(b *testing.B) {
	b.ReportMetric(r.perSec(), "records/s")
	b.ReportMetric(float64(r.startup.Milliseconds())/float64(r.runs), "startup-ms")
}

func benchPipeline(b *testing.B, n int, parts int32) {
	ctx, cancel := context.WithTimeout(b.Context(), runTimeout)
	defer cancel()
	// Retention off: the input is stamped in 2023, and a benchmark
	// measures the query, not the cleaner deleting its input.
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: b.TempDir(), Listen: "127.0.0.1:0", Retention: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Close()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}, ClientID: "bench", Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	offs, err := DialOffsets(emb.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer offs.Close()

	const in = "bench_in"
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: in, Partitions: parts, Replicas: 1}); err != nil {
		b.Fatal(err)
	}
	w := Generate(in, n)
	loadRate, err := Load(ctx, cl, w)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d records (%.0f value bytes avg, %d pass the filter) into %s (%d partitions) at %.0f records/s",
		n, float64(w.ValueBytes)/float64(n), w.Pass, in, parts, loadRate)

	var copyRate, queryRate rate
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			runCopy(ctx, b, cl, offs, w, parts, &copyRate)
		}
		copyRate.report(b)
	})
	b.Run("query", func(b *testing.B) {
		for b.Loop() {
			runQuery(ctx, b, cl, offs, w, parts, &queryRate)
		}
		queryRate.report(b)
		if copyRate.runs > 0 {
			b.ReportMetric(queryRate.perSec()/copyRate.perSec(), "x-copy")
		}
	})
	if copyRate.runs == 0 || queryRate.runs == 0 {
		return // filtered by -bench, or failed
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\n%d records, %d partition(s), same embedded broker\n", n, parts)
	fmt.Fprintf(&t, "  %-6s %12s %9s %13s %9s\n", "", "records/s", "execute", "first output", "wall")
	for _, r := range []struct {
		name string
		r    *rate
	}{{"copy", &copyRate}, {"query", &queryRate}} {
		fmt.Fprintf(&t, "  %-6s %12.0f %9v %13v %9v\n", r.name, r.r.perSec(),
			r.r.avg(r.r.execute), r.r.avg(r.r.startup), r.r.avg(r.r.elapsed))
	}
	fmt.Fprintf(&t, "  query/copy = %.2f", queryRate.perSec()/copyRate.perSec())
	b.Log(t.String())
}

// runCopy copies the input to a fresh topic once and checks the copy.
//
// Neither run deletes its output topic: after a DeleteTopic the shared
// producer stalls about 250 ms on the first record to every new topic (it
// keeps asking for the deleted topic's metadata), which would land on the
// next run's clock.
func runCopy(ctx context.Context, b *testing.B, cl *kafka.Client, offs *Offsets, w Workload, parts int32, acc *rate) {
	b.StopTimer()
	acc.seq++
	i := acc.seq
	in := w.Records[0].Topic
	dst := fmt.Sprintf("bench_copy_%d", i)
	if err := cl.CreateTopic(ctx, kafka.TopicInfo{Name: dst, Partitions: parts, Replicas: 1}); err != nil {
		b.Fatal(err)
	}
	stopProfile, err := StartProfile(fmt.Sprintf("copy-p%d-%d", parts, i))
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	sub, copied, err := StartCopy(ctx, cl, dst, in, dst)
	if err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	p, err := offs.Wait(ctx, dst, int64(len(w.Records)), pollInterval, SubAlive(sub))
	b.StopTimer()
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if cerr := sub.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close copy: %w", cerr)
	}
	if err != nil {
		b.Fatal(err)
	}
	acc.add(len(w.Records), start, started, p)
	if got := copied.Load(); got != int64(len(w.Records)) {
		b.Fatalf("copy handler saw %d records, want %d", got, len(w.Records))
	}
	out, err := cl.ReadAll(ctx, dst)
	if err != nil {
		b.Fatal(err)
	}
	if err := CheckCopy(w.Records, out); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
}

// runQuery runs the persistent query once in a fresh engine (its own
// service id, so its own command log and consumer group) and checks its
// output.
func runQuery(ctx context.Context, b *testing.B, cl *kafka.Client, offs *Offsets, w Workload, parts int32, acc *rate) {
	b.StopTimer()
	acc.seq++
	i := acc.seq
	sid := fmt.Sprintf("bench_p%d_%d_", parts, i)
	eng, err := engine.New(ctx, engine.Options{Cluster: cl, ServiceID: sid, Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Execute(ctx, SourceDDL(w.Records[0].Topic), nil); err != nil {
		b.Fatal(err)
	}
	out := sid + "out"
	stopProfile, err := StartProfile(fmt.Sprintf("query-p%d-%d", parts, i))
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	if _, err := eng.Execute(ctx, QuerySQL(out, true), earliest()); err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	p, err := offs.Wait(ctx, out, int64(w.Pass), pollInterval, func() error { return errors.Join(eng.QueryErrors()...) })
	b.StopTimer()
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if err != nil {
		b.Fatal(err)
	}
	acc.add(len(w.Records), start, started, p)
	if err := eng.Close(); err != nil {
		b.Fatal(err)
	}
	recs, err := cl.ReadAll(ctx, out)
	if err != nil {
		b.Fatal(err)
	}
	if err := CheckQueryOutput(recs, w.Pass, 1); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
}

// feedRecords is what one op of BenchmarkEnginePerRecord pushes through,
// so that `-benchtime 1x` still measures many records; feedBatch is the
// size of one handler call, about what one fetch of a 1 MiB partition
// holds.
const (
	feedRecords = 100_000
	feedBatch   = 5_000
)

// BenchmarkEnginePerRecord isolates the engine's per-record cost from any
// cluster: a FeedCluster hands the workload to the running query's
// handler in fetch-sized batches and only counts what it produces. query
// is the measured query (a third of the rows pass); project-all drops
// the WHERE, so every row is decoded, projected, encoded and produced.
// One op is feedRecords records; ns/record is the figure to read.
func BenchmarkEnginePerRecord(b *testing.B) {
	w := Generate("in", feedRecords)
	for _, c := range []struct {
		name   string
		filter bool
		want   int
	}{{"query", true, w.Pass}, {"project-all", false, feedRecords}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			fc := NewFeedCluster("in", "out", c.want)
			defer fc.Close()
			if err := fc.CreateTopic(ctx, kafka.TopicInfo{Name: "in", Partitions: 1, Replicas: 1}); err != nil {
				b.Fatal(err)
			}
			stop, err := startQuery(ctx, fc, "in", "out", c.filter)
			if err != nil {
				b.Fatal(err)
			}
			feed := func() {
				for i := 0; i < len(w.Records); i += feedBatch {
					if err := fc.Feed(w.Records[i:min(i+feedBatch, len(w.Records))]); err != nil {
						b.Fatal(err)
					}
				}
			}
			// One untimed pass warms caches and grows the heap, so that
			// `-benchtime 1x` measures steady state.
			feed()
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				feed()
			}
			b.StopTimer()
			goruntime.ReadMemStats(&after)
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			records := float64(b.N) * feedRecords
			per := float64(b.Elapsed().Nanoseconds()) / records
			b.ReportMetric(per, "ns/record")
			b.ReportMetric(1e9/per, "records/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/records, "allocs/record")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/records, "B/record")
			n, kept := fc.Produced()
			if n != (b.N+1)*c.want {
				b.Fatalf("%d output records, want %d", n, (b.N+1)*c.want)
			}
			if c.filter {
				if err := CheckQueryOutput(kept, c.want, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// startQuery runs the measured query (or, without filter, its projection
// alone) from topic in to topic out in a new engine on c.
func startQuery(ctx context.Context, c kafka.Cluster, in, out string, filter bool) (func() error, error) {
	eng, err := engine.New(ctx, engine.Options{Cluster: c, ServiceID: "bench_"})
	if err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	for _, s := range []string{SourceDDL(in), QuerySQL(out, filter)} {
		if _, err := eng.Execute(ctx, s, earliest()); err != nil {
			return nil, errors.Join(fmt.Errorf("execute %q: %w", s, err), eng.Close())
		}
	}
	return func() error {
		if errs := eng.QueryErrors(); len(errs) > 0 {
			return errors.Join(append(errs, eng.Close())...)
		}
		return eng.Close()
	}, nil
}

// TestWorkload keeps the generated rows at their advertised shape.
func TestWorkload(t *testing.T) {
	w := Generate("t", 6000) // three cycles of AMOUNT
	avg := w.ValueBytes / len(w.Records)
	if avg < 170 || avg > 230 {
		t.Errorf("average value is %d bytes, want about 200", avg)
	}
	if frac := float64(w.Pass) / 6000; frac < 0.3 || frac > 0.37 {
		t.Errorf("filter passes %.2f of the rows, want about a third", frac)
	}
}

// TestQueryOutputCheck runs the benchmark's query over the in-memory
// cluster on a few thousand rows and checks that the verifier accepts its
// output and rejects a corrupted record, so a benchmark failure means the
// engine, not the checker.
func TestQueryOutputCheck(t *testing.T) {
	ctx := t.Context()
	mc := kafka.NewMemCluster(kafka.MemOptions{})
	defer mc.Close()
	if err := mc.CreateTopic(ctx, kafka.TopicInfo{Name: "in", Partitions: 1, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	stop, err := startQuery(ctx, mc, "in", "out", true)
	if err != nil {
		t.Fatal(err)
	}
	w := Generate("in", 3000)
	if _, err := Load(ctx, mc, w); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	out, err := mc.ReadAll(ctx, "out")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckQueryOutput(out, w.Pass, 1); err != nil {
		t.Fatal(err)
	}
	bad := append([]kafka.Record(nil), out...)
	bad[7].Value = []byte(strings.Replace(string(bad[7].Value), `"NAME":"CUSTOMER`, `"NAME":"customer`, 1))
	if string(bad[7].Value) == string(out[7].Value) {
		t.Fatalf("output value %s has no upper-case NAME to corrupt", out[7].Value)
	}
	if err := CheckQueryOutput(bad, w.Pass, 1); err == nil {
		t.Errorf("checker accepted a lower-case NAME: %s", bad[7].Value)
	}
}
