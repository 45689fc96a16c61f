package runtime

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
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
							agg.forgetChanges() // as a commit does
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

// BenchmarkNexmarkAggregate runs the windowed aggregates of Nexmark's
// q5, q7, q11/q12 and q17's shape over bids as the broker benchmark
// generates them (10,000 per second of event time, half on the hottest
// of 100 auctions), with output caching on and a commit (the cache
// drained, the changelog entries encoded) every 20,000 records: the
// aggregate's own cost per record, without decoding or a broker.
func BenchmarkNexmarkAggregate(b *testing.B) {
	fns := expr.NewRegistry()
	col := func(i int) *expr.Compiled {
		e, err := sql.ParseExpr("K")
		if err != nil {
			b.Fatal(err)
		}
		c, err := expr.Compile(e, nthColumn(i), fns)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	agg := func(name string, args ...expr.AggArg) *expr.Aggregate {
		f, err := fns.ResolveAggregate(name, args)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	bigint := expr.AggArg{Type: types.BigintType}
	for _, tc := range []struct {
		name   string
		window *WindowSpec
		funcs  []*expr.Aggregate
		args   [][]*expr.Compiled
	}{
		{"tumbling-count", &WindowSpec{Kind: Tumbling, Size: 10_000, Retention: 10_000}, []*expr.Aggregate{agg("COUNT")}, [][]*expr.Compiled{nil}},
		{"hopping-count", &WindowSpec{Kind: Hopping, Size: 10_000, Advance: 2_000, Retention: 10_000}, []*expr.Aggregate{agg("COUNT")}, [][]*expr.Compiled{nil}},
		{"tumbling-max", &WindowSpec{Kind: Tumbling, Size: 10_000, Retention: 10_000}, []*expr.Aggregate{agg("MAX", bigint)}, [][]*expr.Compiled{{col(1)}}},
		{"tumbling-5-funcs", &WindowSpec{Kind: Tumbling, Size: 86_400_000, Retention: 86_400_000},
			[]*expr.Aggregate{agg("COUNT"), agg("MIN", bigint), agg("MAX", bigint), agg("SUM", bigint), agg("AVG", bigint)},
			[][]*expr.Compiled{nil, {col(1)}, {col(1)}, {col(1)}, {col(1)}}},
		{"session-count", &WindowSpec{Kind: Session, Size: 10_000, Retention: 10_000}, []*expr.Aggregate{agg("COUNT")}, [][]*expr.Compiled{nil}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const perCommit = 20_000
			emitted := 0
			a := &Aggregate{Keys: []*expr.Compiled{col(0)}, Funcs: tc.funcs, Args: tc.args, Window: tc.window,
				Next: &EmitSink{Emit: func([]any, bool) bool { emitted++; return true }}, cache: &outputCache{}}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			rec := Rec{Row: []any{int64(0), int64(0)}}
			rng := uint64(1)
			next := func() uint64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
			b.ReportAllocs()
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				key := int64(1000 + i/200) // the newest auction is hot
				if next()%2 == 0 {
					key -= int64(next() % 100)
				}
				rec.Row[0], rec.Row[1], rec.Ts = key, int64(next()%1_000_000), int64(i)/10
				a.Process(tk, &rec)
				if i++; i%perCommit == 0 {
					a.flushCache(tk)
					if err := a.flushChanges(func(k, v []byte) {}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/record")
			if emitted == 0 && b.N > perCommit {
				b.Fatal("nothing emitted")
			}
		})
	}
}

// nthColumn resolves every column reference to column i, a BIGINT.
type nthColumn int

func (n nthColumn) Column(*sql.ColumnRef) (int, *types.Type, error) {
	return int(n), types.BigintType, nil
}
