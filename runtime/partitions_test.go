package runtime

import (
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

type slotResolver struct{}

func (slotResolver) Column(*sql.ColumnRef) (int, *types.Type, error) { return 0, types.StringType, nil }

// TestRevokedPartitionStateIsDropped checks that a partition taken away by
// a rebalance leaves no state behind: when it comes back, its groups are
// rebuilt from scratch instead of being counted twice.
func TestRevokedPartitionStateIsDropped(t *testing.T) {
	fns := expr.NewRegistry()
	key, err := sql.ParseExpr("K")
	if err != nil {
		t.Fatal(err)
	}
	k, err := expr.Compile(key, slotResolver{}, fns)
	if err != nil {
		t.Fatal(err)
	}
	count, err := fns.ResolveAggregate("COUNT", nil)
	if err != nil {
		t.Fatal(err)
	}
	var last []any
	agg := &Aggregate{Keys: []*expr.Compiled{k}, Funcs: []*expr.Aggregate{count}, Args: [][]*expr.Compiled{nil},
		Next: &EmitSink{Emit: func(row []any, _ bool) bool { last = append([]any(nil), row...); return true }}}
	in := &Input{Source: &Source{Topic: "t"}, Next: agg}
	tk := newTask(&Topology{Inputs: []*Input{in}}, nil, &Stats{})

	feed := func(p int32) {
		agg.Process(tk, &Rec{Row: []any{"a"}, Partition: p})
	}
	feed(0)
	feed(0)
	if last[1] != int64(2) {
		t.Fatalf("count before revoke = %v", last[1])
	}
	tk.revoke("t", []int32{0})
	feed(0) // the partition is back and replayed from its start
	if last[1] != int64(1) {
		t.Fatalf("count after revoke and replay = %v, want 1", last[1])
	}
}
