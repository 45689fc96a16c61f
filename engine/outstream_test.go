package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// startCounting is the broker client, counting the produces a query
// starts while it still processes its batch.
type startCounting struct {
	*kafka.Client
	starts atomic.Int64
}

func (c *startCounting) StartProduce(ctx context.Context, recs []kafka.Record) func() error {
	c.starts.Add(1)
	return c.Client.StartProduce(ctx, recs)
}

// TestOutputsStreamedDuringABatchKeepOrder: a stateless query over
// 12,000 records already in two partitions (fetched in batches of
// thousands) writes its outputs while it processes each batch. Every
// record that decodes arrives exactly once, each key's records in
// their input order, with the computed column right; the records that
// do not decode go to the processing log without losing their
// neighbours.
func TestOutputsStreamedDuringABatchKeepOrder(t *testing.T) {
	cl := &startCounting{Client: startBroker(t, t.TempDir())}
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
	mustExec(t, e, `CREATE STREAM CLICKS (K STRING KEY, SEQ BIGINT) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON');
CREATE STREAM DOUBLED AS SELECT K, SEQ, SEQ * 2 AS D FROM CLICKS;`)
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
	errs := waitRecords(t, cl, e.processingLogTopic(), func(r []kafka.Record) bool { return len(r) >= bad })
	if len(errs) != bad {
		t.Fatalf("%d processing log records, want %d", len(errs), bad)
	}
}

func head(s []int) []int { return s[:min(len(s), 5)] }
