package runtime

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/eddysql/eddy/expr"
)

// countAggregate is a keyed COUNT(*) over column 0, optionally windowed,
// whose outputs are counted.
func countAggregate(b *testing.B, w *WindowSpec, emitted *int) *Aggregate {
	b.Helper()
	k, count := keyAndCount(b)
	return &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: w,
		Next: &EmitSink{Emit: func([]any, bool) bool { *emitted++; return true }}}
}

// BenchmarkEmitFinalKeys runs a tumbling COUNT with EMIT FINAL over 10k,
// 100k and 1M keys, each key once per window for ten windows: the cost
// per record must stay flat as keys grow (windows close by a time index,
// not by a scan of every open window).
func BenchmarkEmitFinalKeys(b *testing.B) {
	for _, keys := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			names := make([]string, keys)
			for i := range names {
				names[i] = fmt.Sprintf("key%07d", i)
			}
			const windows = 10
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				emitted := 0
				agg := countAggregate(b, &WindowSpec{Kind: Tumbling, Size: 1000, Retention: 1000, Final: true}, &emitted)
				tk := newTask(&Topology{}, nil, newTaskStats(), 0)
				rec := Rec{Row: []any{""}}
				for w := range windows {
					for i, name := range names {
						rec.Row[0], rec.Ts = name, int64(w)*1000+int64(i%1000)
						agg.Process(tk, &rec)
						if i%10_000 == 0 {
							clear(agg.dirty) // as a commit does
						}
					}
				}
				if want := keys * (windows - 1); emitted != want {
					b.Fatalf("%d windows emitted, want %d", emitted, want)
				}
			}
			// CPU time, not wall time: the figure holds on a busy machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*keys*windows), "cpu-ns/record")
		})
	}
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCountHeapPerKey measures the heap a keyed COUNT holds per key
// with 1M keys in memory (EDDY_BENCH_KEYS changes the count).
func BenchmarkCountHeapPerKey(b *testing.B) {
	keys := 1_000_000
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprintf("key%07d", i)
	}
	for range b.N {
		emitted := 0
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		agg := countAggregate(b, nil, &emitted)
		tk := newTask(&Topology{}, nil, newTaskStats(), 0)
		rec := Rec{Row: []any{""}}
		for _, name := range names {
			rec.Row[0] = name
			agg.Process(tk, &rec)
		}
		if err := agg.flushChanges(func(k, v []byte) {}); err != nil { // a commit
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if agg.groups.len() != keys {
			b.Fatalf("%d groups, want %d", agg.groups.len(), keys)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(keys), "heap-bytes/key")
		runtime.KeepAlive(agg)
		runtime.KeepAlive(names)
	}
}
