package expr

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
)

// The aggregate and table-function half of the sweep (sweep_test.go):
// the runtime calls these outside any recover, so a panic fails the query.

// aggSweepTypes are the column types tried against each aggregate.
var aggSweepTypes = append(append([]*types.Type(nil), sweepTypes...),
	types.TimeType, types.ArrayOf(types.BigintType), types.ArrayOf(types.DoubleType), types.ArrayOf(types.StringType),
	types.ArrayOf(types.DecimalOf(4, 2)), types.DecimalOf(38, 0), types.DecimalOf(38, 38), types.DecimalOf(1, 0),
	types.MapOf(types.StringType, types.StringType))

// aggSweepLits are literal initial arguments (TOPK's k, LATEST_BY_OFFSET's
// n and ignoreNulls, …), edges included.
var aggSweepLits = []AggArg{
	{Type: types.IntType, Const: true, Value: int32(3), Text: "3"},
	{Type: types.IntType, Const: true, Value: int32(0), Text: "0"},
	{Type: types.IntType, Const: true, Value: int32(1), Text: "1"},
	{Type: types.IntType, Const: true, Value: int32(-1), Text: "-1"},
	{Type: types.IntType, Const: true, Value: int32(math.MaxInt32), Text: "2147483647"},
	{Type: types.IntType, Const: true, Value: int32(math.MinInt32), Text: "-2147483648"},
	{Type: types.BigintType, Const: true, Value: int64(math.MaxInt64), Text: "9223372036854775807"},
	{Type: types.BooleanType, Const: true, Value: true, Text: "true"},
	{Type: types.BooleanType, Const: true, Value: false, Text: "false"},
	{Const: true, Text: "NULL"},
}

// aggSweepCalls lists argument lists to resolve each aggregate with: none;
// one column; a column and a literal; two columns of a type, or a column and
// a STRING; a column, another and a literal; a column and two literals.
func aggSweepCalls() [][]AggArg {
	out := [][]AggArg{{}} // COUNT(*)
	c := func(t *types.Type, name string) AggArg { return AggArg{Type: t, Text: name} }
	for _, t := range aggSweepTypes {
		x := c(t, "X")
		out = append(out, []AggArg{x}, []AggArg{x, c(t, "Y")}, []AggArg{x, c(types.StringType, "Y")})
		for _, l := range aggSweepLits {
			out = append(out, []AggArg{x, l}, []AggArg{x, c(t, "Y"), l}, []AggArg{x, c(types.StringType, "Y"), l})
		}
		for _, l := range aggSweepLits[:6] {
			out = append(out, []AggArg{x, l, aggSweepLits[7]}, []AggArg{x, l, aggSweepLits[8]})
		}
	}
	return out
}

// sigAggSweepCalls lists argument lists for the aggregates declared by
// signature: each binding of the columns' types, with each edge value of
// the initial arguments' types as literals (others normal).
func sigAggSweepCalls(sigs []udafSig) [][]AggArg {
	var out [][]AggArg
	for _, s := range sigs {
		// The repeated parameter, twice.
		cols := append([]*types.Type(nil), s.cols...)
		if s.varCol || s.variadic && len(s.inits) == 0 {
			cols = append(cols, cols[len(cols)-1])
		}
		ps := append(cols, s.inits...)
		if s.variadic && len(s.inits) > 0 {
			ps = append(ps, ps[len(ps)-1])
		}
		nCols := len(cols)
		for _, ts := range sweepBind(ps) {
			base := make([]AggArg, len(ts))
			for i, t := range ts {
				base[i] = AggArg{Type: t, Text: fmt.Sprintf("C%d", i)}
				if i >= nCols {
					base[i] = AggArg{Type: t, Const: true, Value: sweepValues(t)[1]}
				}
			}
			out = append(out, base)
			for i := nCols; i < len(ts); i++ {
				for _, v := range sweepValues(ts[i]) {
					args := append([]AggArg(nil), base...)
					args[i].Value = v
					out = append(out, args)
				}
			}
		}
	}
	return out
}

func TestSweepAggregates(t *testing.T) {
	r := NewRegistry()
	s := &sweeper{r: r, seen: map[string]bool{}}
	resolved := 0
	for _, name := range r.AggregateNames() {
		calls := aggSweepCalls()
		if sigs, ok := r.udafSigs[name]; ok {
			calls = sigAggSweepCalls(sigs)
		}
		n := 0
		for _, args := range calls {
			var agg *Aggregate
			var err error
			s.guard(name, aggText(name, args), nil, "resolve", func() { agg, err = r.ResolveAggregate(name, args) })
			if err != nil || agg == nil {
				s.rejected++
				continue
			}
			n++
			colTypes := make([]*types.Type, len(agg.Args))
			for i, j := range agg.Args {
				colTypes[i] = args[j].Type
				if colTypes[i] == nil {
					colTypes[i] = types.StringType // a NULL literal column: only NULLs
				}
			}
			s.drive(name, aggText(name, args), agg, sweepRows(colTypes, 300), args)
		}
		if n == 0 {
			t.Errorf("aggregate %s resolved for no sweep call", name)
		}
		resolved += n
	}
	t.Logf("swept %d aggregates, %d resolved calls (%d rejected), %d steps", len(r.AggregateNames()), resolved, s.rejected, s.calls)
	s.report(t)
}

func aggText(name string, args []AggArg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = typeName(a.Type)
		if a.Const {
			parts[i] = fmt.Sprintf("%s %v", parts[i], a.Value)
		}
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// guard runs f, recording a panic as a failure of step.
func (s *sweeper) guard(fn, call string, row []any, step string, f func()) {
	s.calls++
	defer func() {
		if p := recover(); p != nil {
			s.fail(fn, call+" "+step, row, p)
		}
	}()
	f()
}

// drive runs an aggregate as the runtime does: each row alone (add,
// result, serialize, undo), then all rows in one accumulator, and two
// halves merged.
func (s *sweeper) drive(fn, call string, agg *Aggregate, rows [][]any, args []AggArg) {
	step := func(name string, row []any, f func()) { s.guard(fn, call, row, name, f) }
	for _, row := range rows {
		var acc any
		step("init", nil, func() { acc = agg.Init() })
		step("add", row, func() { acc = agg.Add(acc, row) })
		step("result", row, func() { agg.Result(acc) })
		step("marshal", row, func() {
			b, err := agg.Marshal(acc)
			if err == nil {
				if back, err := agg.Unmarshal(b); err == nil {
					agg.Result(back)
				}
			}
		})
		if agg.Undo != nil {
			step("undo", row, func() { acc = agg.Undo(acc, row); agg.Result(acc) })
		}
	}
	var all, a, b any
	step("init", nil, func() { all, a, b = agg.Init(), agg.Init(), agg.Init() })
	for i, row := range rows {
		step("add", row, func() { all = agg.Add(all, row) })
		if i%2 == 0 {
			step("add", row, func() { a = agg.Add(a, row) })
		} else {
			step("add", row, func() { b = agg.Add(b, row) })
		}
	}
	step("result", nil, func() { agg.Result(all) })
	if agg.Merge != nil {
		step("merge", nil, func() { agg.Result(agg.Merge(a, b)) })
	}
	if agg.Undo != nil {
		for _, row := range rows {
			step("undo", row, func() { all = agg.Undo(all, row) })
		}
		step("result", nil, func() { agg.Result(all) })
	}
}

func TestSweepTableFunctions(t *testing.T) {
	s := &sweeper{seen: map[string]bool{}}
	for _, name := range TableFuncNames() {
		f := LookupTableFunc(name)
		for _, bad := range [][]*types.Type{nil, {nil}, {types.IntType}, {types.ArrayOf(types.IntType), types.IntType}} {
			s.guard(name, name+"("+typeList(bad)+")", nil, "result", func() { _, _ = f.Result(bad) })
		}
		for _, et := range aggSweepTypes {
			at := types.ArrayOf(et)
			if _, err := f.Result([]*types.Type{at}); err != nil {
				t.Errorf("%s(%s): %v", name, typeName(at), err)
				continue
			}
			for _, v := range sweepValues(at) {
				row := []any{v}
				s.guard(name, name+"("+typeName(at)+")", row, "apply", func() { _, _ = f.Apply(row) })
			}
		}
	}
	t.Logf("swept %d table functions, %d calls", len(TableFuncNames()), s.calls)
	s.report(t)
}
