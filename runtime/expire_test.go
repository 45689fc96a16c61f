package runtime

import (
	"fmt"
	"strings"
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

// TestEmitFinalWindowsClosedPastTheirEnd: with EMIT FINAL and no grace,
// a window closes at the first record past its end, which rarely falls
// on its end exactly. Every such window is emitted once with its full
// count (the store behind EMIT FINAL keeps a window until the latest
// window start passes its start plus the retention); only the windows
// stream time has not passed stay open.
func TestEmitFinalWindowsClosedPastTheirEnd(t *testing.T) {
	k, count := keyAndCount(t)
	for _, w := range []WindowSpec{
		{Kind: Tumbling, Size: 60_000, Retention: 60_000, Final: true},
		{Kind: Hopping, Size: 60_000, Advance: 20_000, Retention: 60_000, Final: true},
		{Kind: Tumbling, Size: 60_000, Grace: 5_000, Retention: 65_000, Final: true},
	} {
		t.Run(fmt.Sprintf("%s/grace=%d", w.Kind, w.Grace), func(t *testing.T) {
			const keys, step, last = 7, 13, 10 * 60_000 // a record every 13 ms, for ten minutes
			emitted := map[string]int64{}
			agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: &w,
				Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
					id := fmt.Sprint(row[0], "@", row[2])
					if _, again := emitted[id]; again {
						t.Errorf("window %s emitted twice", id)
					}
					emitted[id] = row[1].(int64)
					return true
				}}}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			want := map[string]int64{}
			adv := w.Size
			if w.Kind == Hopping {
				adv = w.Advance
			}
			for i := 0; i*step < last; i++ {
				ts := int64(i * step)
				key := fmt.Sprintf("k%d", i%keys)
				agg.Process(tk, &Rec{Row: []any{key}, Ts: ts})
				for start := ts - ts%adv; start > ts-w.Size && start >= 0; start -= adv {
					want[fmt.Sprint(key, "@", start)]++
				}
			}
			streamTime := int64((last - 1) / step * step)
			closed := 0
			for id, n := range want {
				var key string
				var start int64
				fmt.Sscanf(strings.Replace(id, "@", " ", 1), "%s %d", &key, &start)
				if start+w.Size+w.Grace > streamTime {
					if _, ok := emitted[id]; ok {
						t.Errorf("window %s emitted before it closed", id)
					}
					continue
				}
				closed++
				if got, ok := emitted[id]; !ok || got != n {
					t.Errorf("window %s: emitted %d (%v), want its count %d", id, got, ok, n)
				}
			}
			if closed == 0 || len(emitted) != closed {
				t.Errorf("%d windows emitted, %d closed", len(emitted), closed)
			}
		})
	}
}
