package runtime

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/eddysql/eddy/expr"
)

// The output cache emits, at each commit, exactly the last row each
// group emitted uncached since the previous commit, in the order the
// groups were first updated; and the rows it hands on stay as they were
// after later commits (they are built when the cache drains, each its
// own). Session windows merge and re-key groups, hopping windows update
// several groups per row: both change groups the cache already points to.
func TestCachedOutputIsLastUncachedOutput(t *testing.T) {
	for _, w := range []WindowSpec{
		{Kind: Session, Size: 50, Retention: 500},
		{Kind: Session, Size: 50, Grace: 30, Retention: 500},
		// A retention shorter than gap plus grace: a re-keyed session's
		// tombstone is filed under its old key (see oldKeysNeverReturn).
		{Kind: Session, Size: 50, Grace: 30, Retention: 60},
		{Kind: Hopping, Size: 100, Advance: 20, Retention: 500},
		{Kind: Tumbling, Size: 100, Grace: 10, Retention: 200},
	} {
		t.Run(fmt.Sprintf("%s-%d-%d", w.Kind, w.Size, w.Grace), func(t *testing.T) {
			k, count := keyAndCount(t)
			var uncached []string
			var cachedRows [][]any
			var cachedTombs []bool
			plain := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: &w,
				Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
					uncached = append(uncached, formatWindowRow(row, tomb))
					return true
				}}}
			cached := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: &w,
				Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
					cachedRows, cachedTombs = append(cachedRows, row), append(cachedTombs, tomb)
					return true
				}}, cache: &outputCache{}}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			rng := rand.New(rand.NewPCG(1, 2))
			var want []string
			commit := func() {
				want = append(want, lastPerGroup(uncached)...)
				uncached = nil
				cached.flushCache(tk)
			}
			ts := int64(0)
			for i := range 3000 {
				ts += rng.Int64N(20)
				key := []string{"a", "b", "c", "d"}[rng.IntN(4)]
				recTs := max(0, ts-rng.Int64N(60)) // out of order, some late
				plain.Process(tk, &Rec{Row: []any{key}, Ts: recTs})
				cached.Process(tk, &Rec{Row: []any{key}, Ts: recTs})
				if i%37 == 0 {
					commit()
				}
			}
			commit()
			var got []string
			for i, row := range cachedRows {
				got = append(got, formatWindowRow(row, cachedTombs[i]))
			}
			if len(want) < 100 {
				t.Fatalf("only %d outputs: the test exercises too little", len(want))
			}
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("output %d of %d/%d: cached %q, uncached last %q", i, len(got), len(want), got[i], want[i])
					}
				}
				t.Fatalf("cached %d outputs, uncached last per group %d", len(got), len(want))
			}
		})
	}
}

// An idle task lets go of its aggregates' drained output-cache arrays,
// which keep the size of the largest interval's burst otherwise, and the
// cache works as before once records come again.
func TestIdleTaskReleasesCacheArrays(t *testing.T) {
	k, count := keyAndCount(t)
	outputs := 0
	a := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil},
		Next: &EmitSink{Emit: func([]any, bool) bool { outputs++; return true }}, cache: &outputCache{}}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	tk.inst.cached = []*Aggregate{a}
	burst := func(keys int) {
		for i := range keys {
			a.Process(tk, &Rec{Row: []any{fmt.Sprint("k", i)}})
		}
		tk.flushCaches()
	}
	burst(5000)
	if cap(a.cache.entries) < 5000 {
		t.Fatalf("the drained cache keeps %d entries' room: nothing to release", cap(a.cache.entries))
	}
	tk.releaseIdle()
	if a.cache.entries != nil {
		t.Fatalf("an idle task keeps a cache array of %d entries", cap(a.cache.entries))
	}
	outputs = 0
	burst(10)
	if outputs != 10 {
		t.Fatalf("%d outputs after the release, want 10", outputs)
	}
}

func formatWindowRow(row []any, tomb bool) string {
	v := any(nil)
	if !tomb {
		v = row[1]
	}
	return fmt.Sprintf("%v[%v,%v]=%v", row[0], row[2], row[3], v)
}

// lastPerGroup keeps each group's last output, in the order of the
// groups' first outputs.
func lastPerGroup(outs []string) []string {
	pos := map[string]int{}
	var res []string
	for _, o := range outs {
		g := o[:strings.IndexByte(o, ']')+1]
		if i, ok := pos[g]; ok {
			res[i] = o
			continue
		}
		pos[g] = len(res)
		res = append(res, o)
	}
	return res
}

// Updating a group that exists, cached or not, windowed or not, allocates
// nothing: no key string, no key or argument slices, no output row.
func TestAggregateUpdateAllocatesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		window *WindowSpec
		cache  bool
	}{
		{"unwindowed", nil, false},
		{"unwindowed-cached", nil, true},
		{"tumbling-cached", &WindowSpec{Kind: Tumbling, Size: 1000, Retention: 1000}, true},
		{"hopping-cached", &WindowSpec{Kind: Hopping, Size: 1000, Advance: 200, Retention: 1000}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, count := keyAndCount(t)
			agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: tc.window,
				Next: &EmitSink{Emit: func([]any, bool) bool { return true }}}
			if tc.cache {
				agg.cache = &outputCache{}
			}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			rec := Rec{Row: []any{"key"}, Ts: 500}
			agg.Process(tk, &rec) // makes the groups
			if n := testing.AllocsPerRun(100, func() { agg.Process(tk, &rec) }); n != 0 {
				t.Errorf("%v allocations per update of an existing group, want 0", n)
			}
		})
	}
}

// A commit of a cached hopping aggregate whose groups exist allocates one
// row per output and nothing else: the window bounds in the rows are boxed
// once per window, the changed groups are found without a set of keys, and
// the cache's entries and the changelog's buffers are reused.
func TestCommitAllocatesOnlyOutputRows(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	k, count := keyAndCount(t)
	outputs := 0
	agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil},
		Window: &WindowSpec{Kind: Hopping, Size: 100_000, Advance: 20_000, Retention: 100_000},
		Next:   &EmitSink{Emit: func([]any, bool) bool { outputs++; return true }}, cache: &outputCache{}}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	recs := []Rec{{Row: []any{"a"}, Ts: 500_000}, {Row: []any{"b"}, Ts: 500_000}, {Row: []any{"c"}, Ts: 500_000}}
	commit := func() {
		for i := range recs {
			agg.Process(tk, &recs[i])
		}
		agg.flushCache(tk)
		if err := agg.flushChanges(func(k, v []byte) {}); err != nil {
			t.Fatal(err)
		}
	}
	commit() // makes the groups
	outputs = 0
	allocs := testing.AllocsPerRun(20, commit)
	perCommit := outputs / 21 // AllocsPerRun runs once more to warm up
	if perCommit != 15 {
		t.Fatalf("%d outputs per commit, want 15 (3 keys, 5 windows each)", perCommit)
	}
	if allocs > float64(perCommit) {
		t.Errorf("%v allocations per commit of %d output rows, want at most one per row", allocs, perCommit)
	}
}
