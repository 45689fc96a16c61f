package runtime

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
)

// stateTestWindows are the window kinds the state tests run: each
// deletes groups its own way (expiry, EMIT FINAL, session merges).
var stateTestWindows = []*WindowSpec{
	nil,
	{Kind: Tumbling, Size: 100, Grace: 10, Retention: 200},
	{Kind: Tumbling, Size: 100, Retention: 200, Final: true},
	{Kind: Hopping, Size: 100, Advance: 20, Retention: 300},
	{Kind: Session, Size: 50, Retention: 500},
	{Kind: Session, Size: 50, Grace: 20, Retention: 500, Final: true},
}

func windowName(w *WindowSpec) string {
	if w == nil {
		return "unwindowed"
	}
	return fmt.Sprintf("%s-final=%v", w.Kind, w.Final)
}

// stateTestRows are rows of six keys over out-of-order time, some late.
func stateTestRows(n int) []Rec {
	rng := rand.New(rand.NewPCG(3, 4))
	rows := make([]Rec, n)
	ts := int64(0)
	for i := range rows {
		ts += rng.Int64N(15)
		key := []string{"a", "b", "c", "d", "e", "f"}[rng.IntN(6)]
		rows[i] = Rec{Row: []any{key}, Ts: max(0, ts-rng.Int64N(60))}
	}
	return rows
}

// describeGroups lists an aggregate's groups in key order: key, key
// values, results, latest time and window.
func describeGroups(a *Aggregate) []string {
	var out []string
	a.groups.each(func(g *group) bool {
		var results []any
		for i, f := range a.Funcs {
			results = append(results, f.Result(a.accsOf(g)[i]))
		}
		start, end := a.windowOf(g)
		out = append(out, fmt.Sprintf("%q %v %v ts=%d [%d,%d)", g.key, a.keysOf(g), results, g.maxTs, start, end))
		return true
	})
	slices.Sort(out)
	return out
}

// The changes flushChanges writes, applied to a compacted changelog, hold
// exactly the aggregate's groups after every commit, and an aggregate
// restored from them (a restart) has identical groups and goes on to
// emit the same outputs as the one that kept running. A group whose
// change is not written (a changed group missed, a deleted or merged
// group's key not cleared, a window start not stored) fails it.
func TestFlushedChangesRebuildState(t *testing.T) {
	rows := stateTestRows(3000)
	for _, w := range stateTestWindows {
		t.Run(windowName(w), func(t *testing.T) {
			k, count := keyAndCount(t)
			newAgg := func(out *[]string) *Aggregate {
				return &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: w,
					Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
						*out = append(*out, fmt.Sprint(row, tomb))
						return true
					}}, cache: &outputCache{}}
			}
			tk := newTask(&Topology{}, nil, newTaskStats(), 0)
			var outA, outB []string
			a := newAgg(&outA)
			changelog := map[string][]byte{}
			commit := func(agg *Aggregate, log map[string][]byte) {
				agg.flushCache(tk)
				err := agg.flushChanges(func(k, v []byte) {
					if v == nil {
						delete(log, string(k))
					} else {
						log[string(k)] = bytes.Clone(v)
					}
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			const restartAt = 1500
			for i := range restartAt {
				a.Process(tk, &rows[i])
				if i%37 == 0 {
					commit(a, changelog)
					checkChangelogHoldsGroups(t, a, changelog)
				}
			}
			commit(a, changelog)
			checkChangelogHoldsGroups(t, a, changelog)

			b := newAgg(&outB)
			for k, v := range changelog {
				if err := b.restoreEntry([]byte(k), v); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := describeGroups(b), describeGroups(a); !reflect.DeepEqual(got, want) {
				t.Fatalf("restored groups differ:\n got %v\nwant %v", got, want)
			}
			outA = nil
			logB := map[string][]byte{}
			for i := restartAt; i < len(rows); i++ {
				a.Process(tk, &rows[i])
				b.Process(tk, &rows[i])
				if i%37 == 0 {
					commit(a, changelog)
					commit(b, logB)
				}
			}
			commit(a, changelog)
			commit(b, logB)
			if len(outA) < 100 {
				t.Fatalf("only %d outputs after the restart: the test exercises too little", len(outA))
			}
			if !reflect.DeepEqual(outB, outA) {
				t.Fatalf("restored aggregate's outputs differ:\n got %v\nwant %v", outB, outA)
			}
		})
	}
}

// checkChangelogHoldsGroups checks that the changelog holds every group
// of a, as encodeGroup writes it, and nothing else (but the stream time).
func checkChangelogHoldsGroups(t *testing.T, a *Aggregate, log map[string][]byte) {
	t.Helper()
	n := 0
	a.groups.each(func(g *group) bool {
		n++
		want, err := a.encodeGroup(nil, g)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := log[g.key]; !ok || !bytes.Equal(got, want) {
			t.Fatalf("group %q: changelog holds %x (%v), want %x", g.key, got, ok, want)
		}
		return true
	})
	if _, ok := log[string(streamTimeKey)]; ok {
		n++
	}
	if len(log) != n {
		var extra []string
		for k := range log {
			if k != string(streamTimeKey) && a.groups.get(k) == nil {
				extra = append(extra, k)
			}
		}
		t.Fatalf("changelog holds %d keys, want %d: extra %q", len(log), n, extra)
	}
}

// A store-backed aggregate (the pebble state store), whose groups mostly
// live in the store and are read back, emits exactly what the in-memory
// aggregate emits, through commits that evict its groups and a restart
// over the same store.
func TestStoreBackedAggregateMatchesMemory(t *testing.T) {
	rows := stateTestRows(2000)
	for _, w := range stateTestWindows {
		t.Run(windowName(w), func(t *testing.T) {
			k, count := keyAndCount(t)
			store, err := state.OpenPebble(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			var inMemory, backed []string
			newAgg := func(out *[]string) *Aggregate {
				return &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, Window: w, cacheLimit: 3,
					Next: &EmitSink{Emit: func(row []any, tomb bool) bool {
						*out = append(*out, fmt.Sprint(row, tomb))
						return true
					}}}
			}
			mem := newAgg(&inMemory)
			memTask := newTask(&Topology{}, nil, newTaskStats(), 0)
			attach := func() (*Aggregate, *Task, *taskStore) {
				agg := newAgg(&backed)
				tk, st := attachBacked(t, agg, store)
				return agg, tk, st
			}
			agg, tk, st := attach()
			offset := int64(0)
			for i := range rows {
				mem.Process(memTask, &rows[i])
				agg.Process(tk, &rows[i])
				if i%29 != 0 {
					continue
				}
				offset++
				commitLocal(t, tk, st, offset)
				if i == 1000 {
					agg, tk, st = attach() // a restart over the same store
				}
			}
			if len(inMemory) < 100 {
				t.Fatalf("only %d outputs: the test exercises too little", len(inMemory))
			}
			if !reflect.DeepEqual(backed, inMemory) {
				for i := range min(len(backed), len(inMemory)) {
					if backed[i] != inMemory[i] {
						t.Fatalf("output %d: store-backed %s, in memory %s", i, backed[i], inMemory[i])
					}
				}
				t.Fatalf("store-backed %d outputs, in memory %d", len(backed), len(inMemory))
			}
		})
	}
}
