package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/runtime"
)

// startCounting is the broker client, counting the produces a query
// starts while it still processes its batch, and checking, as each
// produce of the query's outputs starts, that the query's counts
// already include them.
type startCounting struct {
	*kafka.Client
	starts atomic.Int64
	topic  string
	query  atomic.Pointer[runtime.Query]
	// produced counts the outputs handed to the client so far; checked
	// the produces seen once the query was known, behind those whose
	// outputs the query's Out count did not cover yet.
	produced, checked, behind atomic.Int64
	flushes                   atomic.Int64 // of the query's batching producer
}

func (c *startCounting) StartProduce(ctx context.Context, recs []kafka.Record) func() error {
	c.starts.Add(1)
	c.observe(recs)
	return c.Client.StartProduce(ctx, recs)
}

// OpenBatching counts and checks what the query streams through its
// batching producer as StartProduce does.
func (c *startCounting) OpenBatching(linger time.Duration) (kafka.BatchProducer, error) {
	b, err := c.Client.OpenBatching(linger)
	if err != nil {
		return nil, err
	}
	return countingBatch{BatchProducer: b, c: c}, nil
}

type countingBatch struct {
	kafka.BatchProducer
	c *startCounting
}

func (b countingBatch) Flush(ctx context.Context) error {
	b.c.flushes.Add(1)
	return b.BatchProducer.Flush(ctx)
}

func (b countingBatch) StartProduce(ctx context.Context, recs []kafka.Record) func() error {
	b.c.starts.Add(1)
	b.c.observe(recs)
	return b.BatchProducer.StartProduce(ctx, recs)
}

func (c *startCounting) ProduceParts(ctx context.Context, parts ...[]kafka.Record) error {
	for _, p := range parts {
		c.observe(p)
	}
	return c.Client.ProduceParts(ctx, parts...)
}

func (c *startCounting) observe(recs []kafka.Record) {
	n := int64(0)
	for _, r := range recs {
		if r.Topic == c.topic {
			n++
		}
	}
	total := c.produced.Add(n)
	if q := c.query.Load(); q != nil && n > 0 {
		c.checked.Add(1)
		if q.Counts().Out < total {
			c.behind.Add(1)
		}
	}
}

// TestOutputsStreamedDuringABatchKeepOrder: a stateless query over
// 12,000 records already in two partitions (fetched in batches of
// thousands) writes its outputs while it processes each batch. Every
// record that decodes arrives exactly once, each key's records in
// their input order, with the computed column right; the records that
// do not decode go to the processing log without losing their
// neighbours. The query's counts cover every output seen.
func TestOutputsStreamedDuringABatchKeepOrder(t *testing.T) {
	cl := &startCounting{Client: startBroker(t, t.TempDir()), topic: "DOUBLED"}
	createTopic(t, cl, "clicks", 2)
	const n, keys = 12_000, 40
	var recs []kafka.Record
	want := map[string][]int{}
	bad := 0
	for i := range n {
		k := fmt.Sprintf("u%d", i%keys)
		if i%1000 == 999 {
			recs = append(recs, kafka.Record{Key: []byte(k), Value: []byte(`{"SEQ": `)})
			bad++
			continue
		}
		recs = append(recs, kafka.Record{Key: []byte(k), Value: fmt.Appendf(nil, `{"SEQ": %d}`, i)})
		want[k] = append(want[k], i)
	}
	produceJSON(t, cl, "clicks", recs...)

	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM CLICKS (K STRING KEY, SEQ BIGINT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');`)
	// Produces that start before the query is known here go unchecked.
	mustExec(t, e, `CREATE STREAM DOUBLED AS SELECT K, SEQ, SEQ * 2 AS D FROM CLICKS;`)
	cl.query.Store(onlyQuery(t, e))
	out := waitRecords(t, cl, "DOUBLED", func(r []kafka.Record) bool { return len(r) >= n-bad })
	if len(out) != n-bad {
		t.Fatalf("%d outputs, want %d", len(out), n-bad)
	}
	got := map[string][]int{}
	for _, r := range out {
		v := jsonValue(t, r)
		seq, d := int(v["SEQ"].(float64)), int(v["D"].(float64))
		if d != 2*seq {
			t.Fatalf("key %s: D %d for SEQ %d", r.Key, d, seq)
		}
		got[string(r.Key)] = append(got[string(r.Key)], seq)
	}
	for k, seqs := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(seqs) {
			t.Fatalf("key %s: got %d outputs %v…, want %d %v…", k, len(got[k]), head(got[k]), len(seqs), head(seqs))
		}
	}
	if cl.starts.Load() == 0 {
		t.Fatal("no outputs were written during a batch")
	}
	// The counters are published a batch at a time, but never after the
	// outputs they count can be seen.
	if cl.checked.Load() == 0 || cl.behind.Load() > 0 {
		t.Fatalf("%d of %d produces of outputs started before the query counted them", cl.behind.Load(), cl.checked.Load())
	}
	if c := onlyQuery(t, e).Counts(); c.In != n || c.Out != int64(n-bad) || c.Errors != int64(bad) {
		t.Fatalf("counts in %d, out %d, errors %d once every output is there; want %d, %d, %d", c.In, c.Out, c.Errors, n, n-bad, bad)
	}
	errs := waitRecords(t, cl, e.processingLogTopic(), func(r []kafka.Record) bool { return len(r) >= bad })
	if len(errs) != bad {
		t.Fatalf("%d processing log records, want %d", len(errs), bad)
	}
}

func head(s []int) []int { return s[:min(len(s), 5)] }

// TestOutputsStreamedBeyondTheWindowKeepOrder: a query that fans each
// record out to three rows hands over more arrays in one batch than the
// stream keeps in flight, so it waits for the oldest as it goes; every
// row still arrives once and in order.
func TestOutputsStreamedBeyondTheWindowKeepOrder(t *testing.T) {
	cl := &startCounting{Client: startBroker(t, t.TempDir())}
	createTopic(t, cl, "orders", 1)
	const n = 9_000
	recs := make([]kafka.Record, n)
	for i := range recs {
		recs[i] = kafka.Record{Key: []byte(fmt.Sprintf("c%d", i%3)), Value: fmt.Appendf(nil, `{"SEQ": %d}`, i)}
	}
	produceJSON(t, cl, "orders", recs...)
	e := newBrokerEngine(t, cl)
	defer e.Close()
	mustExec(t, e, `CREATE STREAM ORDERS (K STRING KEY, SEQ BIGINT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');
CREATE STREAM LINES AS SELECT K, EXPLODE(ARRAY[SEQ * 3, SEQ * 3 + 1, SEQ * 3 + 2]) AS LINE FROM ORDERS;`)
	out := waitRecords(t, cl, "LINES", func(r []kafka.Record) bool { return len(r) >= 3*n })
	if len(out) != 3*n {
		t.Fatalf("%d rows, want %d", len(out), 3*n)
	}
	last := map[string]int{}
	for _, r := range out {
		line := int(jsonValue(t, r)["LINE"].(float64))
		k := string(r.Key)
		if prev, ok := last[k]; ok && line <= prev {
			t.Fatalf("key %s: line %d after %d", k, line, prev)
		}
		last[k] = line
	}
	if got := cl.starts.Load(); got <= streamWindowForTest {
		t.Fatalf("%d arrays handed over, want more than the %d kept in flight", got, streamWindowForTest)
	}
}

// streamWindowForTest is runtime's streamWindow (16 arrays in flight).
const streamWindowForTest = 16

// TestOutputsOfALongBatchShareRecordBatches: a stateless query over
// 40,000 records already in one partition writes its outputs through a
// producer whose records linger (ksql.streams.producer.linger.ms) until
// the end of each fetched batch flushes them, so the output topic holds
// a record batch (one per produce request) per fetched batch, each of
// thousands of outputs. Outputs produced 1,024 at a time with no linger
// went out nearly a request each: every request costs both sides a
// write and a read, and the embedded broker a segment write and an
// index entry.
func TestOutputsOfALongBatchShareRecordBatches(t *testing.T) {
	addr, kc := testenv.Kafka(t, t.TempDir())
	cl := &startCounting{Client: kc, topic: "DOUBLED"}
	createTopic(t, cl, "clicks", 1)
	const n = 40_000
	recs := make([]kafka.Record, n)
	for i := range recs {
		recs[i] = kafka.Record{Key: []byte(fmt.Sprintf("u%d", i%100)), Value: fmt.Appendf(nil, `{"SEQ": %d}`, i)}
	}
	produceJSON(t, cl, "clicks", recs...)
	// A linger far longer than the test: outputs go when a batch ends.
	e, err := New(context.Background(), Options{Cluster: cl, Logf: t.Logf, Config: map[string]string{
		"auto.offset.reset": "earliest", "ksql.streams.producer.linger.ms": "600000"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mustExec(t, e, `CREATE STREAM CLICKS (K STRING KEY, SEQ BIGINT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
CREATE STREAM DOUBLED WITH (PARTITIONS=1) AS SELECT K, SEQ * 2 AS D FROM CLICKS;`)
	waitRecords(t, cl, "DOUBLED", func(r []kafka.Record) bool { return len(r) >= n })
	batches, records := recordBatches(t, addr, "DOUBLED")
	if records != n {
		t.Fatalf("%d records in the output's batches, want %d", records, n)
	}
	flushes := cl.flushes.Load()
	t.Logf("%d outputs in %d record batches, %d flushes", records, batches, flushes)
	// 40,000 outputs of about 40 bytes fill no 1 MB batch: a batch per
	// flush at most.
	if flushes == 0 || int64(batches) > flushes {
		t.Fatalf("%d outputs went out in %d record batches over %d flushes, want a batch per flush at most", records, batches, flushes)
	}
	if batches > n/outChunkForTest/2 {
		t.Fatalf("%d outputs went out in %d record batches, want far fewer than one per %d", records, batches, outChunkForTest)
	}
}

// outChunkForTest is runtime's outChunk (outputs handed over 1,024 at a
// time).
const outChunkForTest = 1024

// recordBatches reads partition 0 of topic with raw fetch requests and
// counts its record batches and the records in them.
func recordBatches(t *testing.T, addr, topic string) (batches, records int) {
	t.Helper()
	// Fetch v12 at most: later versions name topics by id.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.MaxVersions(kversion.V3_0_0()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for offset := int64(0); ; {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MaxBytes = 100, 64<<20
		ft := kmsg.NewFetchRequestTopic()
		ft.Topic = topic
		fp := kmsg.NewFetchRequestTopicPartition()
		fp.FetchOffset, fp.PartitionMaxBytes = offset, 64<<20
		ft.Partitions = append(ft.Partitions, fp)
		req.Topics = append(req.Topics, ft)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		p := resp.Topics[0].Partitions[0]
		if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
			t.Fatal(err)
		}
		raw := p.RecordBatches
		if len(raw) == 0 {
			return batches, records
		}
		for len(raw) >= 12 {
			var b kmsg.RecordBatch
			length := int(binary.BigEndian.Uint32(raw[8:12]))
			if len(raw) < 12+length {
				break // a partial batch at the end of the response
			}
			if err := b.ReadFrom(raw[:12+length]); err != nil {
				t.Fatal(err)
			}
			batches++
			records += int(b.NumRecords)
			offset = b.FirstOffset + int64(b.LastOffsetDelta) + 1
			raw = raw[12+length:]
		}
	}
}

// TestQueryLingerSettings: a query's producer linger.ms is read bare,
// ksql.streams. or ksql.streams.producer. prefixed (which wins, as in
// Kafka Streams), is Kafka Streams' 100 ms unless set, and a value that
// is no count of milliseconds is an error naming the setting.
func TestQueryLingerSettings(t *testing.T) {
	for _, c := range []struct {
		cfg  planner.Config
		want time.Duration
		err  bool
	}{
		{cfg: planner.Config{}, want: 100 * time.Millisecond},
		{cfg: planner.Config{"linger.ms": "5"}, want: 5 * time.Millisecond},
		{cfg: planner.Config{"ksql.streams.linger.ms": "0"}, want: 0},
		{cfg: planner.Config{"linger.ms": "5", "ksql.streams.producer.linger.ms": "20"}, want: 20 * time.Millisecond},
		{cfg: planner.Config{"ksql.streams.producer.linger.ms": "soon"}, err: true},
		{cfg: planner.Config{"linger.ms": "-1"}, err: true},
	} {
		got, err := lingerMillis(c.cfg)
		if c.err {
			if err == nil || !strings.Contains(err.Error(), "linger.ms") {
				t.Errorf("%v: error %v, want one naming linger.ms", c.cfg, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %v, %v; want %v", c.cfg, got, err, c.want)
		}
	}
}
