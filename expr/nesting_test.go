package expr

import (
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestCompileNestingBounded: a tree nested beyond sql.MaxNesting that did
// not come through the parser (a rewrite, a generated expression) is an
// error, not a stack overflow; one within the bound compiles.
func TestCompileNestingBounded(t *testing.T) {
	chain := func(n int) sql.Expr {
		var e sql.Expr = &sql.IntLit{Val: 1}
		for range n {
			e = &sql.Unary{Op: "-", X: e}
		}
		return e
	}
	if _, err := Compile(chain(100_000), testSchema, nil); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("100,000 deep: %v", err)
	}
	c, err := Compile(chain(sql.MaxNesting-1), testSchema, nil)
	if err != nil {
		t.Fatalf("%d deep: %v", sql.MaxNesting-1, err)
	}
	if v := c.Eval(nil, nil); v != int32(-1) {
		t.Errorf("%d negations of 1 = %v", sql.MaxNesting-1, v)
	}
}
