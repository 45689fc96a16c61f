package runtime

import (
	"fmt"
	"testing"
)

// BenchmarkSessionAggregate runs Nexmark q11's session COUNT per bidder
// (10 s gap) over bids shaped as the generator makes them, 10,000 per
// second of event time: three in four from the hot bidder (a new one
// every half second), the rest from the newest active people (a new
// person every 5 ms). One record in ten arrives up to 5 s late, within
// the grace period, so it lands in an older session, opens one or
// bridges two. Output caching is on, with a commit every 20,000 records.
// active is the number of people the other bids come from (Nexmark's
// 1,000, or 100,000 keys); grace is ksqlDB's default (24 hours less the
// gap: nothing expires) or 30 s (sessions expire as the stream moves).
func BenchmarkSessionAggregate(b *testing.B) {
	const gap = 10_000
	for _, tc := range []struct {
		active int64
		grace  int64
	}{
		{1_000, 24*3600*1000 - gap},
		{100_000, 30_000},
	} {
		b.Run(fmt.Sprintf("active=%d/grace=%ds", tc.active, tc.grace/1000), func(b *testing.B) {
			const perCommit = 20_000
			emitted := 0
			a := countAggregate(b, &WindowSpec{Kind: Session, Size: gap, Grace: tc.grace, Retention: gap + tc.grace}, &emitted)
			a.cache = &outputCache{}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			rec := Rec{Row: []any{""}}
			rng := uint64(1)
			next := func() uint64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
			// Bidder names, made and boxed before the clock starts: a
			// record's key is a string, as a JSON bid's bidder field is
			// read.
			const people = 1 << 18
			names := make([]any, people)
			for i := range names {
				names[i] = fmt.Sprintf("%d", 1000+i)
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			i := int64(0)
			for b.Loop() {
				newest := tc.active + i/50 // a person every 50 events
				bidder := newest/100*100 + 1
				if next()%4 == 0 {
					bidder = newest - int64(next()%uint64(tc.active))
				}
				ts := i / 10
				if next()%10 == 0 {
					ts = max(0, ts-int64(next()%5_000))
				}
				rec.Row[0], rec.Ts = names[bidder%people], ts
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
