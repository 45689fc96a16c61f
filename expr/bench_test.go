package expr

import (
	"testing"

	"github.com/eddysql/eddy/types"
)

// BenchmarkFilterPredicate measures a typical compiled WHERE clause on a
// positional row; it should not allocate.
func BenchmarkFilterPredicate(b *testing.B) {
	r := testResolver{cols: []types.Column{col("ID", types.BigintType), col("NAME", types.StringType)}}
	c, err := Compile(mustParse(b, "ID > 100 AND NAME LIKE 'a%'"), r, NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	rows := [][]any{{int64(150), "alice"}, {int64(50), "adam"}, {int64(200), "bob"}}
	ctx := &Context{}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		if v, _ := c.Eval(ctx, rows[i%len(rows)]).(bool); v {
			n++
		}
	}
	if n == 0 {
		b.Fatal("predicate never matched")
	}
}

func TestFilterPredicateAllocs(t *testing.T) {
	r := testResolver{cols: []types.Column{col("ID", types.BigintType), col("NAME", types.StringType)}}
	c, err := Compile(mustParse(t, "ID > 100 AND NAME LIKE 'a%'"), r, NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	row := []any{int64(150), "alice"}
	if v := c.Eval(nil, row); v != true {
		t.Fatalf("got %v", v)
	}
	if a := testing.AllocsPerRun(100, func() { c.Eval(nil, row) }); a != 0 {
		t.Errorf("allocs per eval = %v, want 0", a)
	}
}
