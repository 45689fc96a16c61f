package expr

import (
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// With a Context's Decimals slab, DECIMAL arithmetic gives the same
// values as without, every result kept intact as later ones are boxed,
// and without an allocation per result.
func TestDecimalsSlab(t *testing.T) {
	schema := testResolver{cols: []types.Column{col("P", types.BigintType), col("D", types.DecimalOf(10, 2))}}
	for _, text := range []string{"0.908 * P", "D + 1.5", "D - P", "D * D"} {
		c, err := Compile(mustParse(t, text), schema, NewRegistry())
		if err != nil {
			t.Fatalf("compile %s: %v", text, err)
		}
		plain, slab := &Context{}, &Context{Decimals: &smalldec.Slab{}}
		var wants, gots []any
		for i := range int64(200) {
			row := []any{i*7919 - 500, decimal.New(i*31-3000, -2)}
			wants = append(wants, c.Eval(plain, row))
			gots = append(gots, c.Eval(slab, row))
		}
		for i := range wants {
			w, g := wants[i].(decimal.Decimal), gots[i].(decimal.Decimal)
			if g.String() != w.String() || g.Exponent() != w.Exponent() {
				t.Errorf("%s, row %d: %v with the slab, %v without", text, i, g, w)
			}
		}
		row := []any{int64(12345), decimal.New(-4321, -2)}
		if n := testing.AllocsPerRun(200, func() { c.Eval(slab, row) }); n > 0.1 {
			t.Errorf("%s: %v allocations per evaluation with the slab, want shared blocks", text, n)
		}
	}
}

// A CAST (or implicit widening) to DECIMAL from INT, BIGINT or DECIMAL
// gives what the math/big conversion gives, the same value at the
// column's scale, the same error for a value that does not fit, and,
// with a slab, no allocation per value.
func TestCastToDecimalMatchesBig(t *testing.T) {
	schema := testResolver{cols: []types.Column{col("I", types.IntType), col("P", types.BigintType), col("D", types.DecimalOf(20, 4))}}
	values := []int64{0, 1, -1, 5, -5, 49, 50, 51, -50, 999, 1000, 123456789, -987654321, 1 << 40, math.MaxInt64, math.MinInt64}
	for _, text := range []string{"CAST(I AS DECIMAL(5,1))", "CAST(P AS DECIMAL(22,3))", "CAST(P AS DECIMAL(4,0))",
		"CAST(D AS DECIMAL(6,2))", "CAST(D AS DECIMAL(30,6))", "CAST(D AS DECIMAL(3,0))", "CAST(P AS DECIMAL(19,0))"} {
		c, err := Compile(mustParse(t, text), schema, NewRegistry())
		if err != nil {
			t.Fatalf("compile %s: %v", text, err)
		}
		to := c.Type
		var fromIdx int
		var from *types.Type
		switch text[5] {
		case 'I':
			fromIdx, from = 0, types.IntType
		case 'P':
			fromIdx, from = 1, types.BigintType
		default:
			fromIdx, from = 2, types.DecimalOf(20, 4)
		}
		for _, n := range values {
			row := []any{int32(n), n, decimal.New(n, -4)}
			var errs []error
			ctx := &Context{Decimals: &smalldec.Slab{}, OnError: func(err error) { errs = append(errs, err) }}
			got := c.Eval(ctx, row)
			want, wantErr := CastValue(row[fromIdx], from, to)
			if wantErr != nil {
				if got != nil || len(errs) != 1 || !strings.Contains(errs[0].Error(), wantErr.Error()) {
					t.Errorf("%s of %v = %v with errors %v, want NULL and %v", text, row[fromIdx], got, errs, wantErr)
				}
				continue
			}
			g, ok := got.(decimal.Decimal)
			w := want.(decimal.Decimal)
			if !ok || len(errs) > 0 || g.String() != w.String() || g.Exponent() != w.Exponent() {
				t.Errorf("%s of %v = %v (errors %v), want %s at exponent %d", text, row[fromIdx], got, errs, w, w.Exponent())
			}
		}
		row := []any{int32(12), int64(34), decimal.New(567, -4)}
		ctx := &Context{Decimals: &smalldec.Slab{}}
		if n := testing.AllocsPerRun(200, func() { c.Eval(ctx, row) }); n > 0.1 {
			t.Errorf("%s: %v allocations per value with the slab, want none", text, n)
		}
	}
}
