package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddysql/eddy/bench"
	"github.com/eddysql/eddy/kafka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Settings both clients share; docs/performance.md lists them.
const (
	// asyncLinger is the producer linger of the async cases (kgo's
	// default is 10 ms, librdkafka's 5 ms; both get 5 ms).
	asyncLinger = 5 * time.Millisecond
	// maxBuffered caps the records a producer buffers unacknowledged.
	// It is above any run's size, so neither client blocks on it.
	maxBuffered = 1 << 20
	// batchBytes is the largest produce batch: Kafka's max.message.bytes
	// default, kgo's default and librdkafka's batch.size default.
	batchBytes = 1_000_000
	// pollBatch is the records per consumer batch and per sync produce,
	// as in eddy (kafka.DefaultMaxBatch, one Produce per fetched batch).
	pollBatch = 10_000
	// runTimeout bounds one run.
	runTimeout = 3 * time.Minute
)

// benchEnv is what every case shares: one embedded broker and the
// workload, both made once per process.
type benchEnv struct {
	broker  *kafka.Embedded
	dataDir string
	addr    string
	admCl   *kgo.Client
	adm     *kadm.Client

	n          int
	keys       [][]byte
	values     [][]byte
	valueBytes int

	codec      string // none, snappy, lz4, zstd or gzip
	kgoCodec   kgo.CompressionCodec
	inputTopic string // n records, written once, read by every consume run
}

var (
	envOnce sync.Once
	theEnv  *benchEnv
	envErr  error
	topicN  atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theEnv != nil {
		theEnv.close()
	}
	os.Exit(code)
}

func getEnv(b *testing.B) *benchEnv {
	b.Helper()
	envOnce.Do(func() { theEnv, envErr = newEnv() })
	if envErr != nil {
		b.Fatal(envErr)
	}
	return theEnv
}

func newEnv() (*benchEnv, error) {
	n, err := bench.RecordsFromEnv(bench.DefaultRecords)
	if err != nil {
		return nil, err
	}
	e := &benchEnv{n: n, codec: strings.ToLower(os.Getenv("EDDY_BENCH_COMPRESSION"))}
	switch e.codec {
	case "", "none":
		e.codec, e.kgoCodec = "none", kgo.NoCompression()
	case "snappy":
		e.kgoCodec = kgo.SnappyCompression()
	case "lz4":
		e.kgoCodec = kgo.Lz4Compression()
	case "zstd":
		e.kgoCodec = kgo.ZstdCompression()
	case "gzip":
		e.kgoCodec = kgo.GzipCompression()
	default:
		return nil, fmt.Errorf("EDDY_BENCH_COMPRESSION=%q: want none, snappy, lz4, zstd or gzip", e.codec)
	}
	e.keys = make([][]byte, n)
	e.values = make([][]byte, n)
	for i := range n {
		r := bench.MakeRow(i)
		e.keys[i] = []byte(r.Key)
		e.values[i] = r.Value()
		e.valueBytes += len(e.values[i])
	}

	// The broker persists to a data dir, as eddy's embedded broker and
	// `make bench` do.
	if e.dataDir, err = os.MkdirTemp("", "eddy-bench-clients-"); err != nil {
		return nil, err
	}
	if e.broker, err = kafka.StartEmbedded(kafka.EmbeddedConfig{DataDir: e.dataDir, Listen: "127.0.0.1:0"}); err != nil {
		e.close()
		return nil, err
	}
	e.addr = e.broker.Addr()
	if e.admCl, err = kgo.NewClient(kgo.SeedBrokers(e.addr)); err != nil {
		e.close()
		return nil, err
	}
	e.adm = kadm.NewClient(e.admCl)

	// The consume cases all read this topic, so they read the same
	// batches. kgo writes it, with the async case's settings.
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	if e.inputTopic, err = e.newTopic(ctx, "input"); err != nil {
		e.close()
		return nil, err
	}
	if err := franzProduceAsync(ctx, e, e.inputTopic, &meter{}); err != nil {
		e.close()
		return nil, fmt.Errorf("load %s: %w", e.inputTopic, err)
	}
	return e, nil
}

func (e *benchEnv) close() {
	if e.admCl != nil {
		e.admCl.Close()
	}
	if e.broker != nil {
		e.broker.Close()
	}
	if e.dataDir != "" {
		os.RemoveAll(e.dataDir)
	}
}

// newTopic creates a fresh one-partition topic (eddy's default).
func (e *benchEnv) newTopic(ctx context.Context, prefix string) (string, error) {
	name := fmt.Sprintf("%s-%d", strings.ReplaceAll(prefix, "/", "-"), topicN.Add(1))
	resp, err := e.adm.CreateTopic(ctx, 1, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return "", fmt.Errorf("create topic %s: %w", name, err)
	}
	return name, nil
}

// deleteTopic drops a produce run's topic, so that the broker's heap,
// which every later run pays for in GC work, does not grow run by run.
func (e *benchEnv) deleteTopic(ctx context.Context, topic string) error {
	resp, err := e.adm.DeleteTopic(ctx, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", topic, err)
	}
	return nil
}

// endOffset is the topic's (single partition's) end offset.
func (e *benchEnv) endOffset(ctx context.Context, topic string) (int64, error) {
	ends, err := e.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	o, ok := ends.Lookup(topic, 0)
	if !ok {
		return 0, fmt.Errorf("no end offset for %s/0", topic)
	}
	return o.Offset, o.Err
}

// meter times the measured part of a run: wall clock, and the CPU the
// whole process used meanwhile (clients and broker).
type meter struct {
	t0        time.Time
	cpu0      time.Duration
	wall, cpu time.Duration
}

func (m *meter) start() { m.t0, m.cpu0 = time.Now(), processCPU() }
func (m *meter) stop()  { m.wall, m.cpu = time.Since(m.t0), processCPU()-m.cpu0 }

// checker checks that a consumer sees the workload in order, once.
type checker struct {
	e     *benchEnv
	next  int64 // expected offset
	bytes int
}

func (c *checker) record(offset int64, key, value []byte) error {
	if offset != c.next {
		return fmt.Errorf("record at offset %d, want %d", offset, c.next)
	}
	if offset >= int64(c.e.n) || !bytes.Equal(key, c.e.keys[offset]) || len(value) != len(c.e.values[offset]) {
		return fmt.Errorf("record at offset %d differs from the workload", offset)
	}
	c.next++
	c.bytes += len(value)
	return nil
}

func (c *checker) done() bool { return c.next == int64(c.e.n) }

// A benchCase is one client in one mode. run performs one run of e.n
// records and times its measured part with m.
type benchCase struct {
	name string // mode/client
	run  func(ctx context.Context, e *benchEnv, m *meter) error
}

// produceCases and consumeCases hold the franz-go cases; the confluent
// build tag adds confluent-kafka-go's.
var (
	produceCases = []benchCase{
		{"async/franz-go", franzProduceRun(franzProduceAsync)},
		{"sync-batches/franz-go", franzProduceRun(franzProduceSync)},
	}
	consumeCases = []benchCase{
		{"poll-commit/franz-go", franzConsume},
	}
)

// BenchmarkProduce produces the workload to a fresh topic per run. The
// timing starts after the client is connected and has had one record
// acknowledged, and ends when every record is.
func BenchmarkProduce(b *testing.B) { runCases(b, produceCases) }

// BenchmarkConsume reads the shared input topic with a fresh consumer
// group per run, committing after every batch. The timing starts when the
// first record arrives (the group join is left out) and ends when the
// last batch's offsets are committed.
func BenchmarkConsume(b *testing.B) { runCases(b, consumeCases) }

// runCases runs each case as a sub-benchmark; one iteration is one run of
// e.n records. It reports ns/op per record, records/s and the process
// CPU per record, averaged over the iterations, and logs each run.
func runCases(b *testing.B, cases []benchCase) {
	e := getEnv(b)
	cases = slices.Clone(cases)
	slices.SortStableFunc(cases, func(x, y benchCase) int { return strings.Compare(x.name, y.name) })
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var wall, cpu time.Duration
			for i := 0; i < b.N; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
				var m meter
				runtime.GC() // start each run from the same heap
				err := c.run(ctx, e, &m)
				cancel()
				if err != nil {
					b.Fatalf("%s: %v", c.name, err)
				}
				wall += m.wall
				cpu += m.cpu
				b.Logf("%s: %d records in %v: %.3f µs/record, %.0f records/s, process CPU %.3f µs/record",
					c.name, e.n, m.wall.Round(time.Millisecond), perRecord(m.wall, e.n), float64(e.n)/m.wall.Seconds(), perRecord(m.cpu, e.n))
			}
			records := e.n * b.N
			b.ReportMetric(float64(wall.Nanoseconds())/float64(records), "ns/op")
			b.ReportMetric(float64(records)/wall.Seconds(), "records/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(records), "cpu-ns/record")
		})
	}
}

func perRecord(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(n) / 1e3 }

// ---- franz-go ----

// franzProduceRun wraps a franz-go produce mode into a case: a fresh
// topic, the run, and a check of the topic's end offset.
func franzProduceRun(produce func(context.Context, *benchEnv, string, *meter) error) func(context.Context, *benchEnv, *meter) error {
	return func(ctx context.Context, e *benchEnv, m *meter) error {
		topic, err := e.newTopic(ctx, "franz")
		if err != nil {
			return err
		}
		if err := produce(ctx, e, topic, m); err != nil {
			return err
		}
		if err := checkProduced(ctx, e, topic, e.n+1); err != nil { // and the warm-up record
			return err
		}
		return e.deleteTopic(ctx, topic)
	}
}

func checkProduced(ctx context.Context, e *benchEnv, topic string, want int) error {
	end, err := e.endOffset(ctx, topic)
	if err != nil {
		return err
	}
	if end != int64(want) {
		return fmt.Errorf("%s ends at offset %d, want %d", topic, end, want)
	}
	return nil
}

// franzProducer is a kgo producer with eddy's defaults (idempotent,
// acks=all, 1 MB batches) and the given linger.
func franzProducer(ctx context.Context, e *benchEnv, topic string, linger time.Duration, warmUp bool) (*kgo.Client, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(e.addr),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(linger),
		kgo.MaxBufferedRecords(maxBuffered),
		kgo.ProducerBatchMaxBytes(batchBytes),
		kgo.ProducerBatchCompression(e.kgoCodec),
	)
	if err != nil {
		return nil, err
	}
	if warmUp {
		// Connect, fetch the topic's metadata and the producer id
		// outside the timing.
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("warm-up")}).FirstErr(); err != nil {
			cl.Close()
			return nil, fmt.Errorf("warm-up produce to %s: %w", topic, err)
		}
	}
	return cl, nil
}

// franzProduceAsync produces every record with Produce and a promise,
// then Flush. It also loads the consume input (no warm-up record then).
func franzProduceAsync(ctx context.Context, e *benchEnv, topic string, m *meter) error {
	warmUp := topic != e.inputTopic
	cl, err := franzProducer(ctx, e, topic, asyncLinger, warmUp)
	if err != nil {
		return err
	}
	defer cl.Close()
	var (
		acked    atomic.Int64
		firstErr atomic.Pointer[error]
	)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			firstErr.CompareAndSwap(nil, &err)
		}
		acked.Add(1)
	}
	m.start()
	for i := range e.n {
		cl.Produce(ctx, &kgo.Record{Key: e.keys[i], Value: e.values[i]}, promise)
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	m.stop()
	if p := firstErr.Load(); p != nil {
		return *p
	}
	if got := acked.Load(); got != int64(e.n) {
		return fmt.Errorf("%d of %d records acknowledged", got, e.n)
	}
	return nil
}

// franzProduceSync produces batches of pollBatch records with
// ProduceSync and no linger, as eddy's kafka.Client.Produce does for each
// batch a query emits.
func franzProduceSync(ctx context.Context, e *benchEnv, topic string, m *meter) error {
	cl, err := franzProducer(ctx, e, topic, 0, true)
	if err != nil {
		return err
	}
	defer cl.Close()
	m.start()
	for i := 0; i < e.n; i += pollBatch {
		recs := make([]*kgo.Record, 0, pollBatch)
		for j := i; j < min(i+pollBatch, e.n); j++ {
			recs = append(recs, &kgo.Record{Key: e.keys[j], Value: e.values[j]})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return err
		}
	}
	m.stop()
	return nil
}

// franzConsume is eddy's at-least-once loop (kafka/consumer.go): a
// group member with auto-commit off and rebalances blocked while a batch
// is in hand, PollRecords up to pollBatch, a synchronous commit of the
// batch's next offset.
func franzConsume(ctx context.Context, e *benchEnv, m *meter) error {
	topic := e.inputTopic
	group := fmt.Sprintf("franz-%d", topicN.Add(1))
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(e.addr),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	chk := checker{e: e}
	started := false
	for !chk.done() {
		fs := cl.PollRecords(ctx, pollBatch)
		if !started && fs.NumRecords() > 0 {
			m.start()
			started = true
		}
		if err := fetchErr(fs); err != nil {
			return err
		}
		var last *kgo.Record
		var cerr error
		fs.EachRecord(func(r *kgo.Record) {
			if cerr == nil {
				cerr = chk.record(r.Offset, r.Key, r.Value)
			}
			last = r
		})
		if cerr != nil {
			return cerr
		}
		if last != nil {
			if err := franzCommit(ctx, cl, last); err != nil {
				return err
			}
		}
		cl.AllowRebalance()
	}
	m.stop()
	if chk.bytes != e.valueBytes {
		return fmt.Errorf("consumed %d value bytes, want %d", chk.bytes, e.valueBytes)
	}
	return nil
}

func fetchErr(fs kgo.Fetches) error {
	var errs []error
	for _, fe := range fs.Errors() {
		errs = append(errs, fmt.Errorf("fetch %s/%d: %w", fe.Topic, fe.Partition, fe.Err))
	}
	return errors.Join(errs...)
}

func franzCommit(ctx context.Context, cl *kgo.Client, last *kgo.Record) error {
	offsets := map[string]map[int32]kgo.EpochOffset{
		last.Topic: {last.Partition: {Epoch: last.LeaderEpoch, Offset: last.Offset + 1}},
	}
	var cerr error
	cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					cerr = fmt.Errorf("commit %s/%d: %w", t.Topic, p.Partition, err)
				}
			}
		}
	})
	return cerr
}
