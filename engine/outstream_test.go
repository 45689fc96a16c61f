package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/eddysql/eddy/kafka"
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
}

func (c *startCounting) StartProduce(ctx context.Context, recs []kafka.Record) func() error {
	c.starts.Add(1)
	c.observe(recs)
	return c.Client.StartProduce(ctx, recs)
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
