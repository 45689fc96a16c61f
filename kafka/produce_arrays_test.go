package kafka

import (
	"fmt"
	"sync"
	"testing"
)

// TestProduceReusesArraysSafely: produces from several goroutines through
// one client, whose record arrays are reused between produces, with some
// records sharing one headers slice and others having their own, arrive
// with each record's own key, value and headers, and every record's
// partition and offset filled in.
func TestProduceReusesArraysSafely(t *testing.T) {
	_, c := startBroker(t)
	ctx := testCtx(t)
	const writers, batches, perBatch = 4, 12, 300
	if err := c.CreateTopic(ctx, TopicInfo{Name: "arrays", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				shared := []Header{{Key: "seq", Value: fmt.Appendf(nil, "%d/%d", w, b)}}
				recs := make([]Record, perBatch+b) // sizes vary, so arrays are reused shorter and longer
				for i := range recs {
					recs[i] = Record{Topic: "arrays", Partition: -1, Key: fmt.Appendf(nil, "%d/%d/%d", w, b, i), Value: fmt.Appendf(nil, "v%d", i)}
					switch i % 3 {
					case 0:
						recs[i].Headers = shared
					case 1:
						recs[i].Headers = []Header{{Key: "own", Value: fmt.Appendf(nil, "%d", i)}}
					}
				}
				if err := c.Produce(ctx, recs...); err != nil {
					errs <- err
					return
				}
				for i, r := range recs {
					if r.Partition != 0 || r.Offset < 0 {
						errs <- fmt.Errorf("record %d/%d/%d: partition %d offset %d", w, b, i, r.Partition, r.Offset)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := c.ReadAll(ctx, "arrays")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for b := range batches {
		want += writers * (perBatch + b)
	}
	if len(got) != want {
		t.Fatalf("%d records, want %d", len(got), want)
	}
	for _, r := range got {
		var w, b, i int
		if _, err := fmt.Sscanf(string(r.Key), "%d/%d/%d", &w, &b, &i); err != nil {
			t.Fatalf("key %q: %v", r.Key, err)
		}
		if string(r.Value) != fmt.Sprintf("v%d", i) {
			t.Errorf("%s: value %q", r.Key, r.Value)
		}
		var wantHeaders string
		switch i % 3 {
		case 0:
			wantHeaders = fmt.Sprintf("[{seq %d/%d}]", w, b)
		case 1:
			wantHeaders = fmt.Sprintf("[{own %d}]", i)
		default:
			wantHeaders = "[]"
		}
		var hs []string
		for _, h := range r.Headers {
			hs = append(hs, fmt.Sprintf("{%s %s}", h.Key, h.Value))
		}
		if got := fmt.Sprintf("%v", hs); got != wantHeaders {
			t.Errorf("%s: headers %s, want %s", r.Key, got, wantHeaders)
		}
	}
}

// TestLargeProduceGoesOutInChunks: a produce of more records than one
// array holds goes out through a few reused arrays, in order: every
// record lands, each with its partition and offset filled in, in the
// order given within its partition.
func TestLargeProduceGoesOutInChunks(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "big", Partitions: 3})
	n := (produceWindow+1)*produceChunk + 7 // more chunks than the window
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Topic: "big", Partition: int32(i % 3), Key: fmt.Appendf(nil, "%d", i), Value: fmt.Appendf(nil, "v%d", i)}
	}
	if err := c.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	last := map[int32]int64{0: -1, 1: -1, 2: -1}
	for i, r := range recs {
		if r.Partition != int32(i%3) || r.Offset != last[r.Partition]+1 {
			t.Fatalf("record %d: partition %d offset %d, want partition %d offset %d", i, r.Partition, r.Offset, i%3, last[int32(i%3)]+1)
		}
		last[r.Partition] = r.Offset
	}
	if held := c.arrays.block.held(); held == 0 || held > produceWindow {
		t.Errorf("%d arrays kept after the produce, want 1 to %d", held, produceWindow)
	}
	got, err := c.ReadAll(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d records read, want %d", len(got), n)
	}
	for _, r := range got {
		var i int
		if _, err := fmt.Sscanf(string(r.Key), "%d", &i); err != nil || string(r.Value) != fmt.Sprintf("v%d", i) || r.Partition != int32(i%3) || r.Offset != int64(i/3) {
			t.Fatalf("read %s=%s at %d/%d", r.Key, r.Value, r.Partition, r.Offset)
		}
	}
}

// TestProducePartsInOrder: the records of several slices, one longer
// than a chunk and one empty, are written in order as one produce, each
// slice's records getting their partition and offset, whether the
// cluster takes the parts as they are (a Client) or as one slice (a
// MemCluster).
func TestProducePartsInOrder(t *testing.T) {
	_, client := startBroker(t)
	for name, c := range map[string]Cluster{"client": client, "memory": NewMemCluster(MemOptions{})} {
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			if err := c.CreateTopic(ctx, TopicInfo{Name: "parts", Partitions: 1}); err != nil {
				t.Fatal(err)
			}
			sizes := []int{3, 0, produceChunk + 5, 1}
			var parts [][]Record
			i := 0
			for _, n := range sizes {
				part := make([]Record, n)
				for j := range part {
					part[j] = Record{Topic: "parts", Partition: -1, Key: fmt.Appendf(nil, "%d", i), Value: fmt.Appendf(nil, "v%d", i)}
					i++
				}
				parts = append(parts, part)
			}
			if err := ProduceParts(ctx, c, parts...); err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			for _, part := range parts {
				for _, r := range part {
					if r.Partition != 0 || r.Offset != want {
						t.Fatalf("record %s: partition %d offset %d, want 0 and %d", r.Key, r.Partition, r.Offset, want)
					}
					want++
				}
			}
			got, err := c.ReadAll(ctx, "parts")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != i {
				t.Fatalf("%d records read, want %d", len(got), i)
			}
			for k, r := range got {
				if string(r.Key) != fmt.Sprint(k) || string(r.Value) != fmt.Sprintf("v%d", k) {
					t.Fatalf("record %d read as %s=%s", k, r.Key, r.Value)
				}
			}
		})
	}
}

// TestStartProduceKeepsOrder: produces started one after another and
// waited on later, then a plain Produce, land in the order they were
// started, within each partition, with every record's partition and
// offset filled in once its wait returns; a chunk larger than
// produceChunk is split and still in order.
func TestStartProduceKeepsOrder(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "started", Partitions: 3})
	sizes := []int{700, produceChunk + 300, 5}
	var waits []func() error
	var started [][]Record
	seq := 0
	for _, n := range sizes {
		recs := make([]Record, n)
		for i := range recs {
			recs[i] = Record{Topic: "started", Partition: -1, Key: fmt.Appendf(nil, "k%d", seq%7), Value: fmt.Appendf(nil, "%d", seq)}
			seq++
		}
		started = append(started, recs)
		waits = append(waits, c.StartProduce(ctx, recs))
	}
	last := []Record{{Topic: "started", Partition: -1, Key: []byte("k0"), Value: fmt.Appendf(nil, "%d", seq)}}
	seq++
	if err := c.Produce(ctx, last...); err != nil {
		t.Fatal(err)
	}
	for i, wait := range waits {
		if err := wait(); err != nil {
			t.Fatal(err)
		}
		for j, r := range started[i] {
			if r.Partition < 0 || r.Offset < 0 {
				t.Fatalf("produce %d record %d: partition %d offset %d after its wait", i, j, r.Partition, r.Offset)
			}
		}
	}
	got, err := c.ReadAll(ctx, "started")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != seq {
		t.Fatalf("read %d records, want %d", len(got), seq)
	}
	lastSeq := map[string]int{}
	for _, r := range got {
		var n int
		if _, err := fmt.Sscanf(string(r.Value), "%d", &n); err != nil {
			t.Fatal(err)
		}
		if prev, ok := lastSeq[string(r.Key)]; ok && n <= prev {
			t.Fatalf("key %s: %d after %d", r.Key, n, prev)
		}
		lastSeq[string(r.Key)] = n
	}
}
