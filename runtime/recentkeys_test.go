package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/expr"
)

// TestHoppingCountsWithRecentKeys: a hopping COUNT over more keys than
// recentKeys has slots (slots taken over and back), with runs of one key
// and interleaved keys, out-of-order times, late records and expiring
// windows, ends with every window's count equal to the records that
// fall in it, counted here by brute force.
func TestHoppingCountsWithRecentKeys(t *testing.T) {
	const size, advance, grace = 100, 20, 30
	k, count := keyAndCount(t)
	last := map[string]int64{} // "key [start,end)" -> latest count emitted
	agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil},
		Window: &WindowSpec{Kind: Hopping, Size: size, Advance: advance, Grace: grace, Retention: size + grace},
		Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
			if !tomb {
				last[fmt.Sprintf("%v [%v,%v)", row[0], row[2], row[3])] = row[1].(int64)
			}
			return true
		}}}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	rng := rand.New(rand.NewPCG(5, 6))
	want := map[string]int64{}
	streamTime := int64(-1 << 62)
	ts := int64(0)
	for i := 0; i < 20_000; i++ {
		ts += rng.Int64N(3)
		key := fmt.Sprintf("k%d", rng.IntN(300))
		if rng.IntN(2) == 0 {
			key = "hot" // a run-heavy key, as a hot auction's bids
		}
		at := max(0, ts-rng.Int64N(60)) // some late beyond the grace
		agg.Process(tk, &Rec{Row: []any{key}, Ts: at})
		streamTime = max(streamTime, at)
		for start := at - at%advance; start > at-size && start >= 0; start -= advance {
			if start+size+grace > streamTime { // open: the record counts
				want[fmt.Sprintf("%s [%d,%d)", key, start, start+size)]++
			}
		}
	}
	if len(want) < 1000 {
		t.Fatalf("only %d windows: the test exercises too little", len(want))
	}
	for w, n := range want {
		if last[w] != n {
			t.Fatalf("window %s: last count %d, want %d", w, last[w], n)
		}
	}
	if len(last) != len(want) {
		t.Fatalf("%d windows emitted, want %d", len(last), len(want))
	}
}
