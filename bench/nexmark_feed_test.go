package bench

import (
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// nexmarkFeedEvents is how many Nexmark events BenchmarkNexmarkPerRecord
// generates; its bids (about 92%) are what one op feeds.
const nexmarkFeedEvents = 100_000

// BenchmarkNexmarkPerRecord measures the engine's own per-bid cost of the
// stateless Nexmark queries with no broker: a FeedCluster hands the bids
// to the running query's handler in fetch-sized batches and counts what
// it produces. The broker run (BenchmarkNexmark) adds the consume and
// produce costs the copy also pays; this isolates what eddy adds, with
// steadier figures on a shared machine; cpu-ns/record, the process's
// CPU time per bid, is the steadiest. The first, untimed pass's output
// goes through the query's check.
func BenchmarkNexmarkPerRecord(b *testing.B) {
	d, err := GenerateNexmark(nexmarkFeedEvents)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range NexmarkQueries {
		if !nexmarkStateless(q.Name) {
			continue
		}
		b.Run(q.Name, func(b *testing.B) {
			feedPerRecord(b, d, q.SQL, func(out []kafka.Record) error { return q.Check(d, out) })
		})
	}
}

// feedPerRecord runs statement (a stateless query over BID writing to
// 'OUT') on a FeedCluster and reports its cost per bid. The first,
// untimed pass's output goes through check.
func feedPerRecord(b *testing.B, d *NexmarkData, statement string, check func([]kafka.Record) error) {
	bids := d.Records[NexmarkBidTopic]
	fc, eng := startFeedQuery(b, statement, len(bids))
	feed := func() {
		for i := 0; i < len(bids); i += feedBatch {
			if err := fc.Feed(bids[i:min(i+feedBatch, len(bids))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	feed()
	perPass, kept := fc.Produced()
	if err := check(kept); err != nil {
		b.Fatalf("output: %v", err)
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		feed()
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	goruntime.ReadMemStats(&after)
	if errs := eng.QueryErrors(); len(errs) > 0 {
		b.Fatal(errs)
	}
	records := float64(b.N) * float64(len(bids))
	per := float64(b.Elapsed().Nanoseconds()) / records
	b.ReportMetric(per, "ns/record")
	b.ReportMetric(1e9/per, "records/s")
	// CPU time of the whole process (collector included) moves
	// less than wall time when other jobs share the machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/records, "cpu-ns/record")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/records, "allocs/record")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/records, "B/record")
	if n, _ := fc.Produced(); n != (b.N+1)*perPass {
		b.Fatalf("%d output records, want %d", n, (b.N+1)*perPass)
	}
}

// startFeedQuery starts an engine on a FeedCluster keeping up to keep
// outputs, declares the Nexmark sources and runs statement (a query over
// BID writing to 'OUT') from the earliest offsets. Both close when tb
// ends.
func startFeedQuery(tb testing.TB, statement string, keep int) (*FeedCluster, *engine.Engine) {
	tb.Helper()
	ctx := tb.Context()
	fc := NewFeedCluster(NexmarkBidTopic, "out", keep)
	tb.Cleanup(func() { fc.Close() })
	for _, t := range []string{NexmarkPersonTopic, NexmarkAuctionTopic, NexmarkBidTopic} {
		if err := fc.CreateTopic(ctx, kafka.TopicInfo{Name: t, Partitions: 1, Replicas: 1}); err != nil {
			tb.Fatal(err)
		}
	}
	eng, err := engine.New(ctx, engine.Options{Cluster: fc, ServiceID: "nxfeed_"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { eng.Close() })
	if _, err := eng.Execute(ctx, NexmarkDDL, nil); err != nil {
		tb.Fatal(err)
	}
	if _, err := eng.Execute(ctx, strings.Replace(statement, "'OUT'", "'out'", 1), earliest()); err != nil {
		tb.Fatal(err)
	}
	return fc, eng
}

// nexmarkStateless reports whether query name keeps no state, so that
// feeding it the same bids again gives the same output again.
func nexmarkStateless(name string) bool {
	switch name {
	case "q0", "q1", "q2", "q14", "q22":
		return true
	}
	return false
}

// TestFeedClusterKeepsOutputs: the records FeedCluster keeps hold the
// bytes they were produced with after more batches went through the
// query, which writes its next outputs over the blocks of those already
// produced (a cluster that keeps records must copy them). Every stateless
// query runs, so that each kind of value a task boxes into its recycled
// blocks (decoded text and numbers, DECIMAL products, function results)
// is written over while its first outputs are checked.
func TestFeedClusterKeepsOutputs(t *testing.T) {
	d, err := GenerateNexmark(20_000)
	if err != nil {
		t.Fatal(err)
	}
	bids := d.Records[NexmarkBidTopic]
	for _, q := range NexmarkQueries {
		if !nexmarkStateless(q.Name) {
			continue
		}
		t.Run(q.Name, func(t *testing.T) {
			fc, _ := startFeedQuery(t, q.SQL, len(bids))
			feed := func(recs []kafka.Record) {
				for i := 0; i < len(recs); i += feedBatch {
					if err := fc.Feed(recs[i:min(i+feedBatch, len(recs))]); err != nil {
						t.Fatal(err)
					}
				}
			}
			feed(bids)
			first, _ := fc.Produced()
			feed(bids[1:]) // other outputs at the places of the first pass's
			n, kept := fc.Produced()
			if first == 0 || n <= first {
				t.Fatalf("%d output records after the first pass, %d after the second", first, n)
			}
			if err := q.Check(d, kept[:first]); err != nil {
				t.Errorf("kept outputs of the first pass: %v", err)
			}
		})
	}
}
