package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGroupTableMatchesMap drives the table and a Go map with the same
// random puts and deletes, over few enough keys that probe runs collide,
// wrap around the end of the slots and shift back on delete, and through
// growing and shrinking; every key's presence must agree after each step.
func TestGroupTableMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tab := newGroupTable()
	want := map[string]*group{}
	const keys = 5000
	for step := range 200_000 {
		k := fmt.Sprintf("S4:k%d;", rng.IntN(keys))
		// Mostly puts first, then mostly deletes, so the table grows
		// and then shrinks.
		putBias := 70
		if step > 100_000 {
			putBias = 20
		}
		if rng.IntN(100) < putBias {
			g := &group{key: k}
			tab.put(g)
			want[k] = g
		} else {
			tab.del(k)
			delete(want, k)
		}
		if step%997 == 0 || step > 199_000 {
			if tab.len() != len(want) {
				t.Fatalf("step %d: %d groups, want %d", step, tab.len(), len(want))
			}
			for i := range keys {
				k := fmt.Sprintf("S4:k%d;", i)
				if got := tab.get(k); got != want[k] {
					t.Fatalf("step %d: get(%s) = %v, want %v", step, k, got, want[k])
				}
			}
		}
	}
	seen := 0
	tab.each(func(g *group) bool {
		if want[g.key] != g {
			t.Fatalf("each visited %s, not in the map", g.key)
		}
		seen++
		return true
	})
	if seen != len(want) {
		t.Fatalf("each visited %d groups, want %d", seen, len(want))
	}
}

// TestWindowBounds: a time window's group keeps its start and derives
// its end from the size; a session's end is read back from its key,
// whatever its key values hold (separators inside a string key, negative
// bounds, no key at all).
func TestWindowBounds(t *testing.T) {
	for _, w := range []*WindowSpec{{Kind: Tumbling, Size: 10}, {Kind: Session, Size: 10}} {
		a := &Aggregate{Window: w}
		for _, tc := range []struct {
			keys       []any
			start, end int64
		}{
			{[]any{"a;b/c"}, 100, 110},
			{[]any{int64(-5), "x/"}, -20, -10},
			{nil, 1<<40 - 10, 1 << 40},
		} {
			if w.Kind == Session {
				tc.end += 7 // a session's end is not start plus the gap
			}
			g := a.newGroup(string(a.appendGroupKey(tc.keys, tc.start, tc.end)), tc.keys, tc.start)
			if s, e := a.windowOf(g); s != tc.start || e != tc.end {
				t.Errorf("%s keys %v: window [%d,%d), want [%d,%d)", w.Kind, tc.keys, s, e, tc.start, tc.end)
			}
		}
	}
}
