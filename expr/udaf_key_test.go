package expr

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// referenceKey is valueKey as first written, with math/big for every
// DECIMAL: the keys are in COUNT_DISTINCT's stored state, so the fast
// paths must write exactly these bytes.
func referenceKey(v any) string {
	switch v := v.(type) {
	case decimal.Decimal:
		if v.Equal(v.Truncate(0)) && v.Abs().LessThan(decimal.New(1, 15)) {
			return "#" + v.Truncate(0).String()
		}
		f, _ := v.Float64()
		return "#" + strconv.FormatFloat(f, 'g', -1, 64)
	case []any:
		var b strings.Builder
		b.WriteString("[")
		for _, e := range v {
			b.WriteString(referenceKey(e) + ",")
		}
		return b.String() + "]"
	case *types.MapVal:
		ents := make([]string, v.Len())
		for i := range ents {
			ents[i] = referenceKey(v.Keys[i]) + ":" + referenceKey(v.Vals[i])
		}
		slices.Sort(ents)
		return "<" + strings.Join(ents, ",") + ",>"
	case int64:
		return "#" + strconv.FormatInt(v, 10)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return "#" + strconv.FormatInt(int64(v), 10)
		}
		return "#" + strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return "s" + strconv.Quote(v)
	case nil:
		return "n"
	}
	panic(fmt.Sprintf("no reference key for %T", v))
}

func TestValueKeyMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	vals := []any{nil, int64(0), int64(-42), int64(math.MaxInt64), 1.5, -0.0, 1e15, 123456789012345.0, math.Inf(1), "a\"b\u00e9",
		decimal.New(0, -3), decimal.New(-1500, -2), decimal.New(1, 15), decimal.New(999999999999999, 0), decimal.New(-999999999999999, 0),
		decimal.New(12345, -2), decimal.New(5, 3), decimal.New(7, 20), decimal.New(1, -30), decimal.RequireFromString("123456789012345678901234.5"),
		decimal.New(math.MinInt64, -4), decimal.New(10, -1), decimal.New(3, -1)}
	for range 5000 {
		vals = append(vals, decimal.New(r.Int64N(1e17)-5e16, int32(r.IntN(24))-16), r.NormFloat64()*1e6)
	}
	vals = append(vals, []any{int64(1), "x", decimal.New(25, -1)},
		&types.MapVal{Keys: []any{"b", "a"}, Vals: []any{int64(2), decimal.New(100, -2)}})
	for _, v := range vals {
		if got, want := valueKey(v), referenceKey(v); got != want {
			t.Fatalf("key of %v (%T) = %q, want %q", v, v, got, want)
		}
	}
}

// COUNT_DISTINCT and COLLECT_SET look a value up without allocating.
func TestDistinctLookupDoesNotAllocate(t *testing.T) {
	for _, fn := range []string{"COUNT_DISTINCT", "COLLECT_SET"} {
		for _, v := range []any{int64(4242), "channel-42", decimal.New(4242, -2), 42.5} {
			typ := map[string]*types.Type{"int64": types.BigintType, "string": types.StringType, "decimal.Decimal": types.DecimalOf(10, 2), "float64": types.DoubleType}[fmt.Sprintf("%T", v)]
			a, err := NewRegistry().ResolveAggregate(fn, []AggArg{acol(typ)})
			if err != nil {
				t.Fatal(err)
			}
			row := []any{v}
			acc := a.Add(a.Init(), row)
			if n := testing.AllocsPerRun(100, func() { acc = a.Add(acc, row) }); n != 0 {
				t.Errorf("%s(%T): %v allocations adding a value already seen", fn, v, n)
			}
		}
	}
}
