package expr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// SUM of a DECIMAL column, kept as an int64 coefficient while it fits,
// gives what math/big sums give: the same value at the column's scale
// and the same overflow (the last good sum kept), through Add, Undo,
// Merge and a state round trip, for precisions below and above what an
// int64 holds.
func TestSumDecimalMatchesBig(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, typ := range []*types.Type{types.DecimalOf(4, 2), types.DecimalOf(10, 3), types.DecimalOf(18, 0), types.DecimalOf(19, 2), types.DecimalOf(30, 4)} {
		a, err := NewRegistry().ResolveAggregate("SUM", []AggArg{acol(typ)})
		if err != nil {
			t.Fatal(err)
		}
		bound := decimal.New(1, int32(typ.Precision-typ.Scale))
		limit := int64(math.MaxInt64)
		if typ.Precision < 18 {
			limit = int64(math.Pow10(typ.Precision)) / 3 // values that overflow after a few adds
		}
		for run := range 30 {
			acc, other := a.Init(), a.Init()
			want, wantOther := decimal.Decimal{}, decimal.Decimal{}
			var wantErr bool
			add := func(sum decimal.Decimal, x decimal.Decimal) (decimal.Decimal, bool) {
				n := sum.Add(x)
				if n.Abs().Cmp(bound) >= 0 {
					return sum, true
				}
				return n, false
			}
			for step := range 60 {
				x := decimal.New(r.Int64N(limit)-limit/2, -int32(typ.Scale))
				if run%3 == 0 {
					x = decimal.New(r.Int64N(2000)-1000, -int32(typ.Scale)) // small values: no overflow
				}
				var over bool
				switch r.IntN(4) {
				case 0:
					acc = a.Undo(acc, []any{x})
					want, over = add(want, x.Neg())
				case 1:
					other = a.Add(other, []any{x})
					wantOther, _ = add(wantOther, x)
				case 2:
					acc = roundTrip(t, a, acc)
					fallthrough
				default:
					acc = a.Add(acc, []any{x})
					want, over = add(want, x)
				}
				wantErr = wantErr || over
				got := a.Result(acc).(decimal.Decimal)
				if !got.Equal(want) || got.Exponent() != -int32(typ.Scale) || (AggregateErr(acc) != nil) != wantErr {
					t.Fatalf("%s run %d step %d: sum %s (exp %d, error %v), want %s (error %v)",
						typ, run, step, got, got.Exponent(), AggregateErr(acc), want, wantErr)
				}
			}
			if AggregateErr(other) == nil && !wantErr {
				acc = a.Merge(acc, other)
				want, wantErr = add(want, wantOther)
				if got := a.Result(acc).(decimal.Decimal); !got.Equal(want) || (AggregateErr(acc) != nil) != wantErr {
					t.Fatalf("%s run %d: merged sum %s (error %v), want %s (error %v)", typ, run, got, AggregateErr(acc), want, wantErr)
				}
			}
		}
	}
}
