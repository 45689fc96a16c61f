package runtime

import (
	"testing"

	"github.com/eddysql/eddy/expr"
)

// A row that falls inside its key's session allocates nothing, cached or
// not; one that extends it allocates only the session's new key (the
// group, its values and its entry in the key's list are kept), cached.
func TestSessionUpdateAllocations(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts differ under -race")
	}
	for _, tc := range []struct {
		name   string
		cache  bool
		extend bool
		want   float64
	}{
		{"inside", false, false, 0},
		{"inside-cached", true, false, 0},
		{"extending-cached", true, true, 1.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, count := keyAndCount(t)
			w := &WindowSpec{Kind: Session, Size: 1_000_000, Grace: 1_000_000, Retention: 2_000_000}
			agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: w,
				Next: &EmitSink{Emit: func([]any, bool) bool { return true }}}
			if tc.cache {
				agg.cache = &outputCache{}
			}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			rec := Rec{Row: []any{"key"}, Ts: 0}
			agg.Process(tk, &rec)
			rec.Ts = 1000
			agg.Process(tk, &rec) // the session [0,1000]
			// Extending, the cache gains two entries a row (the old
			// window's tombstone, the new one's update): its growth
			// adds a few allocations over the run.
			got := testing.AllocsPerRun(1000, func() {
				if tc.extend {
					rec.Ts++
				} else {
					rec.Ts = 500
				}
				agg.Process(tk, &rec)
			})
			if got > tc.want {
				t.Errorf("%v allocations per row, want %v", got, tc.want)
			}
		})
	}
}
