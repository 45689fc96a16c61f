package kafka

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"testing"
)

// heapGoal is the heap size at which the runtime starts its next
// collection.
func heapGoal() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestEmbeddedLoadLeavesNoGCDebt: a start that replays segments (here
// after a crash) reads them whole, and the next collection's goal must
// follow what the broker keeps, not the data the load's last collection
// saw live. Without a collection after the load, the goal stayed GOGC
// percent past that data: after a kill -9 over a 1.1 GB partition, with
// eddy's GOGC=400, a server's heap grew to 5 GB of garbage while a sink
// caught up (live heap 13 MB).
func TestEmbeddedLoadLeavesNoGCDebt(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MB")
	}
	const size = 64 << 20
	dir := t.TempDir()
	e1, c1, ctx := startEmbeddedWithTopic(t, dir, TopicInfo{Name: "t", Partitions: 1, Configs: map[string]string{"retention.ms": "-1"}})
	value := bytes.Repeat([]byte("v"), 64<<10)
	recs := make([]Record, size/len(value))
	for i := range recs {
		recs[i] = Record{Topic: "t", Partition: 0, Value: value}
	}
	if err := c1.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	crashed := crashImage(t, dir)
	c1.Close()
	e1.Close()
	recs, value = nil, nil
	runtime.GC()

	e2, c2 := startEmbeddedAt(t, crashed)
	defer e2.Close()
	defer c2.Close()
	goal := heapGoal()
	t.Logf("next collection at a heap of %d MB", goal>>20)
	if goal > size/2 {
		t.Fatalf("after loading %d MB of segments the next collection waits for a heap of %d MB", size>>20, goal>>20)
	}
	n, err := c2.ReadAll(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != size/(64<<10) {
		t.Fatalf("read %d records after the restart, want %d", len(n), size/(64<<10))
	}
}
