package runtime

import (
	"testing"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/sql"
)

// countOp counts the rows that reach it.
type countOp struct{ n int }

func (c *countOp) Process(*Task, *Rec) { c.n++ }

// BenchmarkProjectColumns runs a Project of Nexmark q1's shape (four
// columns copied, one computed) over one row: what a projection costs per
// record beyond its expressions.
func BenchmarkProjectColumns(b *testing.B) {
	fns := expr.NewRegistry()
	var exprs []*expr.Compiled
	for i, src := range []string{"K", "K", "K * 2", "K", "K"} {
		e, err := sql.ParseExpr(src)
		if err != nil {
			b.Fatal(err)
		}
		c, err := expr.Compile(e, nthColumn(i), fns)
		if err != nil {
			b.Fatal(err)
		}
		exprs = append(exprs, c)
	}
	next := &countOp{}
	p := &Project{Exprs: exprs, Next: next}
	tk := newTask(&Topology{ID: "BENCH"}, nil, newTaskStats(), 0)
	row := []any{int64(1), int64(2), int64(3), int64(4), int64(5)}
	var r Rec
	b.ReportAllocs()
	for b.Loop() {
		r = Rec{Row: row}
		p.Process(tk, &r)
	}
	if next.n == 0 || r.Row[4] != any(int64(5)) {
		b.Fatalf("projected %d rows, the last %v", next.n, r.Row)
	}
}
