package runtime

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

type stringColumn int

func (c stringColumn) Column(*sql.ColumnRef) (int, *types.Type, error) {
	return int(c), types.StringType, nil
}

// newFKJoin is a foreign-key join of left rows (PK, FK) with right rows
// (K, V) on FK = K.
func newFKJoin(t testing.TB, kind string) func(emit Op) ([]Op, backedOp) {
	fns := expr.NewRegistry()
	col := func(name string, i int) *expr.Compiled {
		e, err := sql.ParseExpr(name)
		if err != nil {
			t.Fatal(err)
		}
		c, err := expr.Compile(e, stringColumn(i), fns)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return func(emit Op) ([]Op, backedOp) {
		j := &JoinSpec{Kind: kind, LeftTable: true, RightTable: true, LeftWidth: 2, RightWidth: 2,
			LeftKey: col("FK", 1), RightKey: col("K", 0), KeyFill: -1, Next: emit,
			FK: &ForeignKey{LeftPK: col("PK", 0)}}
		return []Op{&JoinLeft{J: j}, &JoinRight{J: j}}, j
	}
}

// fkRecs is a random history of left rows (PK, FK) over 60 keys pointing
// at 12 right keys (a tenth with a null FK, a tenth deletions) and right
// rows (K, V) (an eighth deletions).
func fkRecs(n int) (recs []Rec, right []bool) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		var rec Rec
		isRight := rng.IntN(3) == 0
		if isRight {
			rec = Rec{Row: []any{fmt.Sprintf("k%d", rng.IntN(12)), fmt.Sprint(i)}, Ts: int64(i)}
			if rng.IntN(8) == 0 {
				rec.Row[1], rec.Tombstone = nil, true
			}
		} else {
			rec = Rec{Row: []any{fmt.Sprintf("p%d", rng.IntN(60)), fmt.Sprintf("k%d", rng.IntN(12))}, Ts: int64(i)}
			switch rng.IntN(10) {
			case 0:
				rec.Row[1] = nil
			case 1:
				rec.Row[1], rec.Tombstone = nil, true
			}
		}
		recs, right = append(recs, rec), append(right, isRight)
	}
	return recs, right
}

// A foreign-key join (LEFT and INNER) kept in a Pebble store with caches
// of 3 rows a side, its registrations in the store too, emits what it
// emits in memory, through commits that evict, restarts over the same
// store, and a restart over a store made from the join in memory's
// entries (which have no registrations: the join rebuilds them). The
// store's registrations are then exactly the join in memory's, and a
// join in memory restored from the store holds the same rows and
// registrations, and deletes the store-backed join's 'F'.
func TestStoreBackedFKJoinMatchesMemory(t *testing.T) {
	for _, kind := range []string{LeftJoin, InnerJoin} {
		t.Run(kind, func(t *testing.T) {
			r := newBackedRun(t, newFKJoin(t, kind))
			recs, isRight := fkRecs(4000)
			for i, rec := range recs {
				entry := 0
				if isRight[i] {
					entry = 1
				}
				r.process(entry, rec)
				if i%7 == 0 {
					r.commit()
					switch {
					case i == 2100:
						r.fromMemory()
					case i%700 == 0:
						r.restart()
					}
				}
			}
			r.commit()
			r.check(1500)

			mem := r.memOp.(*JoinSpec).fk
			refs := map[string]map[string]bool{}
			if err := r.store.Scan([]byte{'f'}, []byte{'f' + 1}, func(k, _ []byte) bool {
				fk, pks, err := parseFKRef(k[1:])
				if err != nil {
					t.Fatal(err)
				}
				if refs[fk] == nil {
					refs[fk] = map[string]bool{}
				}
				refs[fk][pks] = true
				return true
			}); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(refs, mem.refs) {
				t.Fatalf("the store's registrations differ from those in memory: %d right keys and %d registrations, want %d and %d",
					len(refs), countRefs(refs), len(mem.refs), countRefs(mem.refs))
			}

			restored := &JoinSpec{FK: &ForeignKey{}}
			if err := r.store.Scan(nil, nil, func(k, v []byte) bool {
				if err := restored.restoreEntry(bytes.Clone(k), bytes.Clone(v)); err != nil {
					t.Fatal(err)
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			st := restored.fkState()
			if !reflect.DeepEqual(st.left, mem.left) || !reflect.DeepEqual(st.right, mem.right) || !reflect.DeepEqual(st.refs, mem.refs) {
				t.Fatalf("restored from the store: %d left, %d right rows; in memory %d, %d", len(st.left), len(st.right), len(mem.left), len(mem.right))
			}
			var puts []string
			if err := restored.flushChanges(func(k, v []byte) { puts = append(puts, fmt.Sprintf("%q=%v", k, v)) }); err != nil {
				t.Fatal(err)
			}
			if want := []string{`"F"=[]`}; !slices.Equal(puts, want) {
				t.Fatalf("a join in memory restored from the store wrote %v, want %v", puts, want)
			}
			if len(slices.Collect(maps.Keys(mem.refs))) == 0 {
				t.Fatal("no registrations: the test exercises too little")
			}
		})
	}
}

// fromMemory restarts the store-backed copy over a new store holding the
// in-memory copy's entries (as a changelog written by a join in memory,
// or before registrations were stored, restores into an empty store).
func (r *backedRun) fromMemory() {
	store, err := state.OpenPebble(r.t.TempDir())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { store.Close() })
	if err := r.memOp.flushChanges(func(k, v []byte) {
		if err := localApply(store, k, v); err != nil {
			r.t.Fatal(err)
		}
	}); err != nil {
		r.t.Fatal(err)
	}
	if err := store.Commit(r.offset); err != nil {
		r.t.Fatal(err)
	}
	r.store = store
	r.restart()
}

func countRefs(refs map[string]map[string]bool) int {
	n := 0
	for _, m := range refs {
		n += len(m)
	}
	return n
}
