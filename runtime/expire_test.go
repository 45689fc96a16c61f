package runtime

import (
	"fmt"
	"testing"

	"github.com/eddysql/eddy/expr"
)

// TestEmitChangesWindowsExpire: a tumbling COUNT with EMIT CHANGES over
// 100 keys and 10,000 one-second windows keeps only the windows within
// retention of stream time, and every update it emits is still exact, so
// windowed state no longer grows with the history of the stream. Session
// windows expire the same way.
func TestEmitChangesWindowsExpire(t *testing.T) {
	k, count := keyAndCount(t)
	for _, w := range []WindowSpec{
		{Kind: Tumbling, Size: 1000, Grace: 0, Retention: 5000},
		{Kind: Session, Size: 500, Grace: 0, Retention: 5000},
	} {
		t.Run(w.Kind, func(t *testing.T) {
			const keys, windows = 50, 400
			counts := map[string]int64{}
			agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: &w,
				Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
					if !tomb {
						counts[fmt.Sprint(row[0], "@", row[2])] = row[1].(int64)
					}
					return true
				}}}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			most := 0
			for win := range windows {
				for key := range keys {
					// Three records per key and window, a second apart per window.
					for i := range 3 {
						agg.Process(tk, &Rec{Row: []any{fmt.Sprintf("k%d", key)}, Ts: int64(win)*1000 + int64(i)*10})
					}
				}
				most = max(most, agg.groups.len())
			}
			if limit := keys * 7; most > limit {
				t.Errorf("%d windows held at once, want at most %d (retention 5 s of 1 s windows)", most, limit)
			}
			if len(counts) != keys*windows {
				t.Fatalf("%d windows emitted, want %d", len(counts), keys*windows)
			}
			for w, n := range counts {
				if n != 3 {
					t.Fatalf("window %s counted %d, want 3", w, n)
				}
			}
		})
	}
}
