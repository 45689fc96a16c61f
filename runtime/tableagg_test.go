package runtime

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// tableCols resolves the columns of the test table rows [ID, G, V].
type tableCols struct{}

func (tableCols) Column(c *sql.ColumnRef) (int, *types.Type, error) {
	switch c.Name {
	case "ID":
		return 0, types.StringType, nil
	case "G":
		return 1, types.StringType, nil
	case "V":
		return 2, types.IntType, nil
	}
	return 0, nil, fmt.Errorf("no column %s", c.Name)
}

// tableSum is `SELECT G, SUM(V) FROM t GROUP BY G` over a table keyed by
// ID, run as the planner wires it: TableChanges, the GroupBy repartition
// topic, then the aggregate reading it back.
type tableSum struct {
	tk      *Task
	changes *TableChanges
	agg     *Aggregate
	in      *RepartitionInput
	out     []string // "G=SUM" per emitted row
	records int      // repartition records written
}

func newTableSum(t *testing.T) *tableSum {
	t.Helper()
	fns := expr.NewRegistry()
	compile := func(s string) *expr.Compiled {
		e, err := sql.ParseExpr(s)
		if err != nil {
			t.Fatal(err)
		}
		c, err := expr.Compile(e, tableCols{}, fns)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	g, v := compile("G"), compile("V")
	sum, err := fns.ResolveAggregate("SUM", []expr.AggArg{{Type: types.IntType}})
	if err != nil {
		t.Fatal(err)
	}
	ts := &tableSum{tk: newTask(&Topology{}, nil, newTaskStats(), 0)}
	ts.agg = &Aggregate{Keys: []*expr.Compiled{g}, Funcs: []*expr.Aggregate{sum}, Args: [][]*expr.Compiled{{v}},
		Next: &EmitSink{Emit: func(row []any, _ bool) bool {
			ts.out = append(ts.out, fmt.Sprintf("%v=%v", row[0], row[1]))
			return true
		}}}
	ts.in = &RepartitionInput{Next: ts.agg}
	ts.changes = &TableChanges{KeySlots: []int{0},
		Next: &Repartition{Topic: "app-Aggregate-GroupBy-repartition", Keys: []*expr.Compiled{g}, DropNullKeys: true}}
	return ts
}

// put writes a table row (v nil: a delete) and runs the repartition
// records it produced through the aggregate.
func (ts *tableSum) put(id string, g any, v any) {
	rec := Rec{Row: []any{id, g, v}, Ts: 1}
	if v == nil {
		rec = Rec{Row: []any{id, nil, nil}, Tombstone: true, Ts: 1}
	}
	ts.changes.Process(ts.tk, &rec)
	pending := ts.tk.pending
	ts.tk.pending = nil
	ts.records += len(pending)
	for i := range pending {
		ts.in.process(ts.tk, &pending[i])
	}
}

// An update that keeps a row in its group travels as one repartition
// record and yields one result; an update that moves it retracts from the
// old group and adds to the new; a delete retracts (Kafka Streams since
// KIP-904, ksqlDB 0.29+).
func TestTableAggregateAppliesAnUpdateAsOneChange(t *testing.T) {
	ts := newTableSum(t)
	step := func(id string, g, v any, wantRecords int, want ...string) {
		t.Helper()
		ts.out, ts.records = nil, 0
		ts.put(id, g, v)
		if ts.records != wantRecords {
			t.Errorf("put %s %v %v: %d repartition records, want %d", id, g, v, ts.records, wantRecords)
		}
		if !reflect.DeepEqual(ts.out, want) {
			t.Errorf("put %s %v %v: emitted %q, want %q", id, g, v, ts.out, want)
		}
	}
	step("1", "a", int32(1), 1, "a=1")         // first insert: an addition
	step("2", "a", int32(10), 1, "a=11")       // another row of the group
	step("1", "a", int32(5), 1, "a=15")        // same group: one change, one result
	step("1", "b", int32(5), 2, "a=10", "b=5") // moved: old group, then new
	step("1", nil, nil, 1, "b=0")              // deleted: a retraction
	step("1", nil, nil, 0)                     // deleting a missing row: nothing
}

// A grouping key that becomes null only retracts, and one that stops
// being null only adds: a row with a null grouping key is in no group.
func TestTableAggregateNullGroupingKey(t *testing.T) {
	ts := newTableSum(t)
	ts.put("1", "a", int32(3))
	ts.out = nil
	ts.put("1", nil, int32(4))
	ts.put("1", "a", int32(7))
	if want := []string{"a=0", "a=7"}; !reflect.DeepEqual(ts.out, want) {
		t.Errorf("emitted %q, want %q", ts.out, want)
	}
}

// The aggregate applies an update in one step also without a repartition
// topic between it and the table (a push query, or grouping by the key).
func TestTableAggregateWithoutRepartition(t *testing.T) {
	ts := newTableSum(t)
	ts.changes.Next = ts.agg
	for _, r := range []struct {
		id string
		g  any
		v  any
	}{{"1", "a", int32(1)}, {"1", "a", int32(2)}, {"1", "b", int32(2)}} {
		ts.put(r.id, r.g, r.v)
	}
	if want := []string{"a=1", "a=2", "a=0", "b=2"}; !reflect.DeepEqual(ts.out, want) {
		t.Errorf("emitted %q, want %q", ts.out, want)
	}
}

// TableChanges remembers each key's row through its changelog: after a
// restore an update still carries the old row, so the aggregate
// subtracts it.
func TestTableChangesRestoredKeepsTheOldRow(t *testing.T) {
	ts := newTableSum(t)
	ts.put("1", "a", int32(1))
	ts.put("2", "a", int32(2))
	ts.put("2", nil, nil)
	restored := &TableChanges{KeySlots: []int{0}, Next: ts.changes.Next}
	if err := ts.changes.flushChanges(func(k, v []byte) {
		if err := restored.restoreEntry(k, v); err != nil {
			t.Fatal(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	ts.changes = restored
	ts.out, ts.records = nil, 0
	ts.put("1", "a", int32(4))
	if want := []string{"a=4"}; ts.records != 1 || !reflect.DeepEqual(ts.out, want) {
		t.Errorf("after restore: %d records, emitted %q; want 1 record, %q", ts.records, ts.out, want)
	}
}
