package runtime

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types"
)

// backedRun drives one stateful operator's two copies over the same
// records: one with its state in memory, one attached to a Pebble store
// with a cache of 3 entries, committed every 7 records and restarted
// over the same store now and then. Both must emit the same rows.
type backedRun struct {
	t      *testing.T
	store  state.Store
	newOp  func(emit Op) (proc []Op, op backedOp)
	mem    []Op
	memOp  backedOp
	memTk  *Task
	backed []Op
	op     backedOp
	tk     *Task
	st     *taskStore
	got    [2][]string
	offset int64
	most   int64
	// log is every committed change, as the changelog holds them.
	log []change
}

func newBackedRun(t *testing.T, newOp func(emit Op) ([]Op, backedOp)) *backedRun {
	store, err := state.OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := &backedRun{t: t, store: store, newOp: newOp, memTk: newTask(&Topology{}, nil, newTaskStats(), 0)}
	r.mem, r.memOp = newOp(r.sink(0))
	r.restart()
	return r
}

func (r *backedRun) sink(i int) Op {
	return &EmitSink{Emit: func(row []any, tomb bool) bool {
		r.got[i] = append(r.got[i], fmt.Sprint(row, tomb))
		return true
	}}
}

// restart attaches a new copy to the store, as a restarted task does.
func (r *backedRun) restart() {
	r.backed, r.op = r.newOp(r.sink(1))
	if err := r.op.attach(r.store, 3); err != nil {
		r.t.Fatal(err)
	}
	r.tk = newTask(&Topology{}, nil, newTaskStats(), 0)
	r.st = &taskStore{name: "s", op: r.op, local: r.store, backed: true}
	r.tk.stores = []*taskStore{r.st}
}

func (r *backedRun) process(entry int, rec Rec) {
	cp := rec
	cp.Row = append([]any(nil), rec.Row...)
	r.mem[entry].Process(r.memTk, &cp)
	cp = rec
	cp.Row = append([]any(nil), rec.Row...)
	r.backed[entry].Process(r.tk, &cp)
}

func (r *backedRun) commit() {
	r.offset++
	r.most = max(r.most, r.op.held())
	for _, c := range commitLocal(r.t, r.tk, r.st, r.offset) {
		r.log = append(r.log, cloneChange(c.key, c.value))
	}
	if n, most := r.op.held(), r.maxHeld(); n > most {
		r.t.Fatalf("%d entries held after a commit, want at most %d", n, most)
	}
}

// maxHeld is how many entries the operator may hold after a commit: 3
// per store-backed side of a join of two tables or two streams, 3 for
// another operator.
func (r *backedRun) maxHeld() int64 {
	if j, ok := r.op.(*JoinSpec); ok && j.LeftTable == j.RightTable {
		return 6
	}
	return 3
}

// restartFromLog restarts over a new store rebuilt from the changelog
// alone, as a task does whose local store was lost.
func (r *backedRun) restartFromLog() {
	store, err := state.OpenPebble(r.t.TempDir())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { store.Close() })
	for _, c := range r.log {
		if err := localApply(store, c.key, c.value); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := store.Commit(r.offset); err != nil {
		r.t.Fatal(err)
	}
	r.store = store
	r.restart()
}

func (r *backedRun) check(minOutputs int) {
	r.t.Helper()
	if len(r.got[0]) < minOutputs {
		r.t.Fatalf("only %d outputs: the test exercises too little", len(r.got[0]))
	}
	if !reflect.DeepEqual(r.got[1], r.got[0]) {
		for i := range min(len(r.got[0]), len(r.got[1])) {
			if r.got[0][i] != r.got[1][i] {
				r.t.Fatalf("output %d: store-backed %s, in memory %s", i, r.got[1][i], r.got[0][i])
			}
		}
		r.t.Fatalf("store-backed %d outputs, in memory %d", len(r.got[1]), len(r.got[0]))
	}
}

// tableRecs is a random history of table rows (K, V) over 40 keys, a
// tenth of them deletions, and stream rows (K, V) between them.
func tableRecs(n int) (recs []Rec, isTable []bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		k := fmt.Sprintf("k%d", rng.IntN(40))
		table := rng.IntN(2) == 0
		rec := Rec{Row: []any{k, int64(i)}, Ts: int64(i)}
		if table && rng.IntN(10) == 0 {
			rec.Row[1], rec.Tombstone = nil, true
		}
		recs, isTable = append(recs, rec), append(isTable, table)
	}
	return recs, isTable
}

// The table side of a stream–table join, both sides of a table–table
// join, a table filter and a table's changes (TableChanges), kept in a
// Pebble store with a cache of 3 keys, emit what they emit in memory,
// through commits that evict, and restarts over the same store.
func TestStoreBackedTableStateMatchesMemory(t *testing.T) {
	k, _ := keyAndCount(t)
	fns := expr.NewRegistry()
	pe, err := sql.ParseExpr("V % 3 = 0")
	if err != nil {
		t.Fatal(err)
	}
	pred, err := expr.Compile(pe, secondColumn{}, fns)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(emit Op) ([]Op, backedOp){
		"stream-table": func(emit Op) ([]Op, backedOp) {
			j := &JoinSpec{Kind: LeftJoin, RightTable: true, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1, Next: emit}
			return []Op{&JoinLeft{J: j}, &JoinRight{J: j}}, j
		},
		"table-table": func(emit Op) ([]Op, backedOp) {
			j := &JoinSpec{Kind: FullJoin, LeftTable: true, RightTable: true, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1, Next: emit}
			return []Op{&JoinLeft{J: j}, &JoinRight{J: j}}, j
		},
		"table-table side stores": func(emit Op) ([]Op, backedOp) {
			j := &JoinSpec{Kind: InnerJoin, LeftTable: true, RightTable: true, LeftWidth: 2, RightWidth: 2, LeftKey: k, RightKey: k, KeyFill: -1, Next: emit}
			// Both sides in one store here: each side reads its tag.
			return []Op{&JoinLeft{J: j}, &JoinRight{J: j}}, &bothSides{&joinSideStore{j: j, tag: 'L'}, &joinSideStore{j: j, tag: 'R'}}
		},
		"filter": func(emit Op) ([]Op, backedOp) {
			f := &Filter{Pred: pred, IsTable: true, NumKey: 1, Next: emit}
			return []Op{f, f}, f
		},
		"changes": func(emit Op) ([]Op, backedOp) {
			c := &TableChanges{KeySlots: []int{0}, Next: &changeSink{emit}}
			return []Op{c, c}, c
		},
	}
	for name, newOp := range cases {
		t.Run(name, func(t *testing.T) {
			r := newBackedRun(t, newOp)
			recs, isTable := tableRecs(3000)
			for i, rec := range recs {
				entry := 0
				if isTable[i] {
					entry = 1
				}
				r.process(entry, rec)
				if i%7 == 0 {
					r.commit()
					if i%700 == 0 {
						r.restart()
					}
				}
			}
			r.check(500)
		})
	}
}

// bothSides is the two side stores of a join as one operator, for a test
// that commits one store.
type bothSides struct{ l, r *joinSideStore }

func (b *bothSides) storeName() string { return "both" }
func (b *bothSides) flushChanges(put func(k, v []byte)) error {
	if err := b.l.flushChanges(put); err != nil {
		return err
	}
	return b.r.flushChanges(put)
}
func (b *bothSides) restoreEntry(k, v []byte) error { return b.l.restoreEntry(k, v) }
func (b *bothSides) markDirty(k []byte)             { b.l.markDirty(k) }
func (b *bothSides) stateEntries() int64            { return b.l.stateEntries() }
func (b *bothSides) attach(s state.Store, limit int) error {
	if err := b.l.attach(s, limit); err != nil {
		return err
	}
	return b.r.attach(s, limit)
}
func (b *bothSides) evict() { b.l.evict(); b.r.evict() }

// held is the larger side's: each side has its own limit.
func (b *bothSides) held() int64 { return max(b.l.held(), b.r.held()) }

// changeSink shows a table change's old row beside the new one.
type changeSink struct{ next Op }

func (c *changeSink) Process(t *Task, r *Rec) {
	row := append(append([]any(nil), r.Row...), fmt.Sprint("old=", r.Old, " retract=", r.Retract))
	c.next.Process(t, &Rec{Row: row, Ts: r.Ts})
}

type secondColumn struct{}

func (secondColumn) Column(*sql.ColumnRef) (int, *types.Type, error) { return 1, types.BigintType, nil }
