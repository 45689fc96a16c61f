package kafka

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const benchRecords = 100_000

// benchValue is a ~200-byte JSON row, varied so compression has work.
func benchValue(i int) []byte {
	return fmt.Appendf(nil,
		`{"ORDERID":%d,"ITEMID":"Item_%d","ORDERUNITS":%d.%03d,"ADDRESS":{"CITY":"City_%d","STATE":"State_%d","ZIPCODE":%d},"ORDERTIME":%d,"NOTE":"%08x","PAD":"0123456789abcdef0123456789abcdef0"}`,
		i, i%977, i%13, i%1000, i%101, i%53, 10000+i%89999, 1_700_000_000_000+int64(i), uint32(i)*2654435761)
}

// BenchmarkProduceConsume is the baseline `make bench` compares queries
// against: a plain copy of 100k ~200-byte records from one topic to
// another over the embedded broker (group consumer, one Produce per
// fetched batch, commit after each batch). records/s counts copied
// records; the source is loaded once, outside the timing, and that load's
// rate is reported as produce-records/s.
func BenchmarkProduceConsume(b *testing.B) {
	for _, parts := range []int32{1, 4} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) {
			benchCopy(b, parts)
		})
	}
}

func benchCopy(b *testing.B, parts int32) {
	_, c := startBroker(b)
	ctx := context.Background()
	if err := c.CreateTopic(ctx, TopicInfo{Name: "src", Partitions: parts}); err != nil {
		b.Fatal(err)
	}
	recs := make([]Record, benchRecords)
	var bytes int
	for i := range recs {
		recs[i] = Record{Topic: "src", Partition: -1, Key: fmt.Appendf(nil, "%d", i%5000), Value: benchValue(i)}
		bytes += len(recs[i].Value)
	}
	start := time.Now()
	if err := c.Produce(ctx, recs...); err != nil {
		b.Fatal(err)
	}
	produceRate := float64(benchRecords) / time.Since(start).Seconds()

	run := 0
	for b.Loop() {
		run++
		dst := fmt.Sprintf("dst-%d", run)
		if err := c.CreateTopic(ctx, TopicInfo{Name: dst, Partitions: parts}); err != nil {
			b.Fatal(err)
		}
		var copied atomic.Int64
		done := make(chan struct{})
		s, err := c.Subscribe(ctx, SubscribeOptions{Group: dst, Topics: []string{"src"}, Reset: Earliest},
			func(ctx context.Context, batch []Record) error {
				out := make([]Record, len(batch))
				for i, r := range batch {
					out[i] = Record{Topic: dst, Partition: -1, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}
				}
				if err := c.Produce(ctx, out...); err != nil {
					return err
				}
				if copied.Add(int64(len(batch))) == benchRecords {
					close(done)
				}
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-s.Done():
			b.Fatalf("copy stopped: %v", s.Err())
		}
		b.StopTimer()
		s.Close()
		c.DeleteTopic(ctx, dst)
		b.StartTimer()
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(produceRate, "produce-records/s")
	b.ReportMetric(float64(bytes)/benchRecords, "value-bytes")
}

// BenchmarkCleaningPass times one cleaning pass of the embedded broker
// (compaction of every compacted topic, then retention), during which
// kfake answers no client: a compacted topic of 200,000 ~200-byte
// records over 5,000 keys, as a busy table's changelog holds between
// passes. ns/op is the stall.
func BenchmarkCleaningPass(b *testing.B) {
	e, err := StartEmbedded(EmbeddedConfig{DataDir: b.TempDir(), Listen: "127.0.0.1:0", CleanInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	c := dial(b, e)
	ctx := context.Background()
	if err := c.CreateTopic(ctx, TopicInfo{Name: "changelog", Partitions: 1, Configs: map[string]string{"cleanup.policy": "compact"}}); err != nil {
		b.Fatal(err)
	}
	load := func() {
		for round := range 200 {
			recs := make([]Record, 1000)
			for i := range recs {
				n := round*1000 + i
				recs[i] = Record{Topic: "changelog", Partition: 0, Key: fmt.Appendf(nil, "%d", n%5000), Value: benchValue(n)}
			}
			if err := c.Produce(ctx, recs...); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		b.StopTimer()
		load()
		b.StartTimer()
		e.c.Compact()
	}
}

// BenchmarkCleaningBookkeeping times what eddy's cleaner does around
// kfake's work at every pass, and Close once: finding the compacted
// partitions and their sizes (compactedPartitions) and the emptied
// partitions whose end to keep (keepEmptiedEnds), over a data directory
// of 200 topics of 12 partitions, one compacted, each partition written
// once. Each lookup of a partition's state is a round trip through
// kfake's request loop, between client requests.
func BenchmarkCleaningBookkeeping(b *testing.B) {
	dir := b.TempDir()
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", CleanInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	fillManyPartitions(b, e, true)
	for b.Loop() {
		if _, err := compactedPartitions(e.c, dir); err != nil {
			b.Fatal(err)
		}
		if err := keepEmptiedEnds(e.c, dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(manyTopics*manyParts, "partitions")
}

// BenchmarkStartManyPartitions times StartEmbedded (not Close) over a
// data directory of 200 topics of 12 partitions, each written once, that
// the last run left cleanly: what a server or `eddy -e` pays at start
// for the partitions it reloads, kfake's loading and eddy's own checks.
func BenchmarkStartManyPartitions(b *testing.B) {
	dir := b.TempDir()
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", CleanInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	fillManyPartitions(b, e, false)
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	var cpu time.Duration
	for b.Loop() {
		before := processCPU(b)
		e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:0", CleanInterval: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		cpu += processCPU(b) - before
		b.StopTimer()
		if err := e.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(manyTopics*manyParts, "partitions")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/start")
}

// manyTopics topics of manyParts partitions are what fillManyPartitions
// writes.
const manyTopics, manyParts = 200, 12

// fillManyPartitions creates manyTopics topics of manyParts partitions
// on e, the first compacted when compactFirst, and writes one record to
// each partition.
func fillManyPartitions(b *testing.B, e *Embedded, compactFirst bool) {
	c := dial(b, e)
	defer c.Close()
	ctx := context.Background()
	var recs []Record
	for t := range manyTopics {
		ti := TopicInfo{Name: fmt.Sprintf("t%03d", t), Partitions: manyParts}
		if t == 0 && compactFirst {
			ti.Configs = map[string]string{"cleanup.policy": "compact"}
		}
		if err := c.CreateTopic(ctx, ti); err != nil {
			b.Fatal(err)
		}
		for p := range int32(manyParts) {
			recs = append(recs, Record{Topic: ti.Name, Partition: p, Key: []byte("k"), Value: benchValue(t)})
		}
	}
	if err := c.Produce(ctx, recs...); err != nil {
		b.Fatal(err)
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
