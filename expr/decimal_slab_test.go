package expr

import (
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
