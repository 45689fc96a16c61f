package runtime

import (
	"fmt"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// keyAndCount compiles the grouping key K (column 0) and resolves COUNT,
// the parts of the keyed COUNT the operator tests run.
func keyAndCount(t testing.TB) (*expr.Compiled, *expr.Aggregate) {
	t.Helper()
	fns := expr.NewRegistry()
	ke, err := sql.ParseExpr("K")
	if err != nil {
		t.Fatal(err)
	}
	k, err := expr.Compile(ke, firstColumn{}, fns)
	if err != nil {
		t.Fatal(err)
	}
	count, err := fns.ResolveAggregate("COUNT", nil)
	if err != nil {
		t.Fatal(err)
	}
	return k, count
}

type firstColumn struct{}

func (firstColumn) Column(*sql.ColumnRef) (int, *types.Type, error) { return 0, types.StringType, nil }

// TestStoreBackedAggregateOutgrowsItsCache keeps a keyed COUNT in a Pebble
// store with a cache of 10 groups while 1,000 keys are counted three
// times: the counts stay exact though almost every group is read back from
// the store, and a second aggregate attached to the same store after a
// "restart" carries on from the stored counts.
func TestStoreBackedAggregateOutgrowsItsCache(t *testing.T) {
	k, count := keyAndCount(t)
	store, err := state.OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	counts := map[string]int64{}
	newAgg := func() (*Aggregate, *Task, *taskStore) {
		agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil}, cacheLimit: 10,
			Next: &EmitSink{Emit: func(row []any, _ bool) bool { counts[row[0].(string)] = row[1].(int64); return true }}}
		tk, st := attachBacked(t, agg, store)
		return agg, tk, st
	}
	agg, tk, st := newAgg()
	offset := int64(0)
	batch := func(from, to int) {
		for i := from; i < to; i++ {
			agg.Process(tk, &Rec{Row: []any{fmt.Sprintf("k%d", i%1000)}})
		}
		offset++
		commitLocal(t, tk, st, offset)
		if agg.groups.len() > 10 {
			t.Fatalf("%d groups cached after a batch, want at most 10", agg.groups.len())
		}
	}
	for b := 0; b < 20; b++ {
		batch(b*100, (b+1)*100)
	}
	agg, tk, st = newAgg() // a restart over the same store
	for b := 20; b < 30; b++ {
		batch(b*100, (b+1)*100)
	}
	for i := range 1000 {
		if got := counts[fmt.Sprintf("k%d", i)]; got != 3 {
			t.Fatalf("k%d counted %d, want 3", i, got)
		}
	}
}

// attachBacked attaches agg to store as its backing store, in a task of
// its own, as a query with `--state-store pebble` runs it.
func attachBacked(t *testing.T, agg *Aggregate, store state.Store) (*Task, *taskStore) {
	t.Helper()
	if err := agg.attach(store, 0); err != nil {
		t.Fatal(err)
	}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	st := &taskStore{name: "agg", op: agg, local: store, backed: true}
	tk.stores = []*taskStore{st}
	return tk, st
}

// commitLocal writes the task's changes to its backing store as a commit
// at offset does.
func commitLocal(t *testing.T, tk *Task, st *taskStore, offset int64) []change {
	t.Helper()
	changes, _, err := tk.collectChanges()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.writeLocal(changes[0], offset); err != nil {
		t.Fatal(err)
	}
	tk.trimCaches()
	return changes[0]
}
