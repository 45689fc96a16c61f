package expr

import (
	"math"
	"testing"

	"github.com/eddysql/eddy/internal/box"
	"github.com/eddysql/eddy/types"
)

// With a Context's Words, BIGINT and DOUBLE arithmetic gives the same
// values as without, every result kept intact as later ones are boxed,
// and without an allocation per result.
func TestWordsBoxArithmetic(t *testing.T) {
	schema := testResolver{cols: []types.Column{col("A", types.BigintType), col("B", types.BigintType), col("X", types.DoubleType), col("I", types.IntType)}}
	for _, text := range []string{"A + B", "A - B", "A * B", "A / B", "A % B", "A + I", "X + X", "X - A", "X * 2.5e0", "X / 3e0", "X % 2e0", "A * 1000000007"} {
		c, err := Compile(mustParse(t, text), schema, NewRegistry())
		if err != nil {
			t.Fatalf("compile %s: %v", text, err)
		}
		plain, words := &Context{}, &Context{Words: &box.Int64s{}}
		var wants, gots []any
		for i := range int64(600) {
			row := []any{i*7919 - 500, i%17 + 1, float64(i)*1.25 - 99, int32(i * 3)}
			wants = append(wants, c.Eval(plain, row))
			gots = append(gots, c.Eval(words, row))
		}
		for i := range wants {
			w, g := wants[i], gots[i]
			if wf, ok := w.(float64); ok {
				if gf, ok := g.(float64); !ok || math.Float64bits(gf) != math.Float64bits(wf) {
					t.Errorf("%s, row %d: %v (%T) with words, %v without", text, i, g, g, w)
				}
				continue
			}
			if g != w {
				t.Errorf("%s, row %d: %v (%T) with words, %v (%T) without", text, i, g, g, w, w)
			}
		}
		row := []any{int64(123456789), int64(1000), 12345.5, int32(7)}
		if n := testing.AllocsPerRun(300, func() { c.Eval(words, row) }); n > 0.1 {
			t.Errorf("%s: %v allocations per evaluation with words, want shared blocks", text, n)
		}
	}
}
