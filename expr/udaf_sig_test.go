package expr

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

// runAgg resolves fn for args and feeds it rows, returning the result.
func runAgg(t *testing.T, fn string, args []AggArg, rows ...[]any) (*Aggregate, any) {
	t.Helper()
	a, err := NewRegistry().ResolveAggregate(fn, args)
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	acc := a.Init()
	for _, r := range rows {
		acc = a.Add(acc, r)
	}
	return a, a.Result(acc)
}

// Signature-declared aggregates take exact types (no implicit casts),
// and literal initial arguments after the columns.
func TestSigAggregateResolution(t *testing.T) {
	col := func(ty *types.Type, text string) AggArg { return AggArg{Type: ty, Text: text} }
	dec51 := types.DecimalOf(5, 1)
	cases := []struct {
		fn   string
		args []AggArg
		want string
	}{
		{"VAR_ARG", []AggArg{acol(tStr), acol(tStr)}, "Function 'VAR_ARG' does not accept parameters (STRING, STRING)."},
		// INTEGER does not widen to the variadic STRING, nor to BIGINT.
		{"VAR_ARG", []AggArg{acol(tBig), acol(tInt)}, "Function 'VAR_ARG' does not accept parameters (BIGINT, INTEGER)."},
		{"VAR_ARG", []AggArg{acol(tInt)}, "Function 'VAR_ARG' does not accept parameters (INTEGER)."},
		// The INTEGER initial argument is required.
		{"MULTI_ARG", []AggArg{acol(tBig), acol(tStr)}, "Function 'MULTI_ARG' does not accept parameters (BIGINT, STRING)."},
		{"MULTI_ARG", []AggArg{acol(tBig), lit(tInt, int32(5)), lit(tStr, "10")}, "Function 'MULTI_ARG' does not accept parameters (BIGINT, INTEGER, STRING)."},
		{"MULTI_ARG", []AggArg{acol(tBig), acol(tStr), col(tInt, "X")}, "Parameter 3 passed to function MULTI_ARG must be a literal constant, but was expression: 'X'"},
		{"MULTI_ARG", []AggArg{acol(tBig), acol(tStr), lit(tInt, int32(5)), col(tStr, "S")}, "Parameter 4 passed to function MULTI_ARG must be a literal constant, but was expression: 'S'"},
		// The variadic type variable binds once: DOUBLE then STRING fails.
		{"GENERIC_VAR_ARG", []AggArg{acol(dec51), acol(tInt), acol(tDbl), acol(tStr), acol(tDbl)}, "Function 'GENERIC_VAR_ARG' does not accept parameters (DECIMAL(5, 1), INTEGER, DOUBLE, STRING, DOUBLE)."},
		{"GENERIC_VAR_ARG", []AggArg{acol(dec51)}, "Function 'GENERIC_VAR_ARG' does not accept parameters (DECIMAL(5, 1))."},
		// A NULL cannot give a type variable its type.
		{"GENERIC_VAR_ARG", []AggArg{{Text: "NULL", Const: true}, acol(tInt)}, "Function 'GENERIC_VAR_ARG' does not accept parameters (null, INTEGER)."},
		{"TEST_UDAF", []AggArg{acol(tStr)}, "Function 'TEST_UDAF' does not accept parameters (STRING)."},
		{"TEST_UDAF", []AggArg{acol(types.StructOf(types.Field{Name: "A", Type: tBig}))}, "Function 'TEST_UDAF' does not accept parameters (STRUCT<`A` BIGINT>)."},
	}
	r := NewRegistry()
	for _, c := range cases {
		_, err := r.ResolveAggregate(c.fn, c.args)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s%v: got %v, want %q", c.fn, c.args, err, c.want)
		}
	}
}

func TestSigAggregateResults(t *testing.T) {
	// VAR_ARG sums the BIGINT and the lengths of every string column;
	// a literal in a column position is a column too.
	a, got := runAgg(t, "VAR_ARG", []AggArg{acol(tBig), lit(tStr, "hello"), acol(tStr)},
		[]any{int64(6), "hello", "hi"}, []any{nil, "hello", nil})
	if got != int64(6+5+2+5) || !reflect.DeepEqual(a.Args, []int{0, 1, 2}) || a.Undo != nil {
		t.Errorf("VAR_ARG: %v args %v", got, a.Args)
	}
	// MULTI_ARG starts from 5 + len('10') + len('20') + len('3'); the
	// literals are not per-row arguments.
	inits := []AggArg{lit(tInt, int32(5)), lit(tStr, "10"), lit(tStr, "20"), lit(tStr, "3")}
	a, got = runAgg(t, "MULTI_ARG", append([]AggArg{acol(tBig), acol(tStr)}, inits...), []any{int64(6), "hi"})
	if got != int64(10+6+2) || !reflect.DeepEqual(a.Args, []int{0, 1}) {
		t.Errorf("MULTI_ARG: %v args %v", got, a.Args)
	}
	a, got = runAgg(t, "MULTI_ARG", []AggArg{acol(tBig), acol(tStr), lit(tInt, int32(5))})
	if got != int64(5) || a.ReturnType != types.BigintType {
		t.Errorf("MULTI_ARG without variadic initial arguments: %v", got)
	}
	_, got = runAgg(t, "FIVE_ARG", append([]AggArg{acol(tBig), acol(tStr), acol(tStr), acol(tStr), acol(tInt)}, inits...),
		[]any{int64(6), "hi", "apples", nil, int32(9)})
	if got != int64(10+6+2+6+9) {
		t.Errorf("FIVE_ARG: %v", got)
	}

	// GENERIC_VAR_ARG collects its first argument, typed as it, from rows
	// with no NULL argument.
	dec := types.DecimalOf(5, 1)
	a, got = runAgg(t, "GENERIC_VAR_ARG", []AggArg{acol(dec), acol(tInt), acol(tDbl), acol(tDbl)},
		[]any{decimal.RequireFromString("6.1"), int32(1), 1.0, 2.0},
		[]any{decimal.RequireFromString("7.1"), int32(1), nil, 2.0},
		[]any{decimal.RequireFromString("8.1"), int32(1), 1.0, 2.0})
	if !a.ReturnType.Equal(types.ArrayOf(dec)) || !a.ComplexState || len(got.([]any)) != 2 {
		t.Errorf("GENERIC_VAR_ARG: %v %v", a.ReturnType, got)
	}
	// OBJ_COL_ARG's variadic columns take any types, mixed.
	_, got = runAgg(t, "OBJ_COL_ARG", []AggArg{acol(tInt), acol(tBool), acol(types.DecimalOf(4, 3)), acol(tMap)},
		[]any{int32(1), true, decimal.New(1, 0), types.NewMap(0)}, []any{int32(2), nil, decimal.New(1, 0), types.NewMap(0)})
	if !reflect.DeepEqual(got, []any{int32(1)}) {
		t.Errorf("OBJ_COL_ARG: %v", got)
	}
}

// TEST_UDAF's overloads: the argument type picks the factory.
func TestSigAggregateOverloads(t *testing.T) {
	a, got := runAgg(t, "TEST_UDAF", []AggArg{acol(tInt)}, []any{int32(-2147483647)}, []any{int32(-5)}, []any{nil})
	if a.ReturnType != types.BigintType || got != int64(-2147483652) || a.Undo == nil {
		t.Errorf("TEST_UDAF(INTEGER): %v %v", a.ReturnType, got)
	}
	a, got = runAgg(t, "TEST_UDAF", []AggArg{acol(tDbl)}, []any{1.5}, []any{2.0})
	if a.ReturnType != types.DoubleType || got != 3.5 || a.Undo != nil {
		t.Errorf("TEST_UDAF(DOUBLE): %v %v", a.ReturnType, got)
	}
	_, got = runAgg(t, "TEST_UDAF", []AggArg{acol(tStr), lit(tStr, "abc")}, []any{"hello"})
	if got != int64(8) {
		t.Errorf("TEST_UDAF(STRING, 'abc'): %v", got)
	}
	a, got = runAgg(t, "TEST_UDAF", []AggArg{acol(testPairType)},
		[]any{types.StructVal{int32(1), int32(2)}}, []any{types.StructVal{int32(2), int32(3)}})
	if !a.ReturnType.Equal(testPairType) || !reflect.DeepEqual(got, types.StructVal{int32(3), int32(5)}) {
		t.Errorf("TEST_UDAF(STRUCT): %v %v", a.ReturnType, got)
	}
}

// A concrete signature wins over a generic one that also fits.
func TestSigAggregatePrefersConcrete(t *testing.T) {
	concrete := func(name string, _ []*types.Type, _ []any) *Aggregate {
		return &Aggregate{Name: "concrete", ReturnType: types.BigintType}
	}
	generic := func(name string, cols []*types.Type, _ []any) *Aggregate {
		return &Aggregate{Name: "generic", ReturnType: cols[0]}
	}
	resolve := sigResolver([]udafSig{{cols: []*types.Type{typeT}, build: generic}, {cols: []*types.Type{tInt}, build: concrete}})
	a, err := resolve(nil, "F", []AggArg{acol(tInt)})
	if err != nil || a.ReturnType != types.BigintType {
		t.Errorf("INTEGER: %v %v", a, err)
	}
	a, err = resolve(nil, "F", []AggArg{acol(tStr)})
	if err != nil || a.ReturnType != types.StringType {
		t.Errorf("STRING: %v %v", a, err)
	}
}

func TestSigAggregateDescribe(t *testing.T) {
	info, ok := NewRegistry().Describe("multi_arg")
	want := []Signature{{Params: []string{"BIGINT", "STRING", "INTEGER", "STRING"}, Variadic: true, Returns: "BIGINT"}}
	if !ok || !info.Aggregate || !reflect.DeepEqual(info.Signatures, want) {
		t.Errorf("MULTI_ARG: %+v", info)
	}
	info, _ = NewRegistry().Describe("GENERIC_VAR_ARG")
	want = []Signature{{Params: []string{"T", "K", "V"}, Variadic: true, Returns: "ARRAY<T>"}}
	if !reflect.DeepEqual(info.Signatures, want) {
		t.Errorf("GENERIC_VAR_ARG: %+v", info)
	}
}

// A variadic column in the middle: MID_VAR_ARG(BIGINT, STRING...,
// INTEGER, INTEGER) takes any number of strings, then two literals that
// are added to the result.
func TestSigAggregateMiddleVariadic(t *testing.T) {
	a, got := runAgg(t, "MID_VAR_ARG", []AggArg{acol(tBig), acol(tStr), acol(tStr), lit(tInt, int32(5)), lit(tInt, int32(10))},
		[]any{int64(6), "hello", "hi"}, []any{int64(1), nil, "a"})
	if got != int64(6+5+2+1+1+15) || !reflect.DeepEqual(a.Args, []int{0, 1, 2}) {
		t.Errorf("MID_VAR_ARG: %v args %v", got, a.Args)
	}
	if _, got = runAgg(t, "MID_VAR_ARG", []AggArg{acol(tBig), lit(tInt, int32(1)), lit(tInt, int32(2))}, []any{int64(4)}); got != int64(7) {
		t.Errorf("MID_VAR_ARG without strings: %v", got)
	}
	r := NewRegistry()
	for args, want := range map[string][]AggArg{
		"Function 'MID_VAR_ARG' does not accept parameters (BIGINT, STRING, INTEGER).":          {acol(tBig), acol(tStr), lit(tInt, int32(1))},
		"Function 'MID_VAR_ARG' does not accept parameters (BIGINT, INTEGER, STRING, INTEGER).": {acol(tBig), acol(tInt), acol(tStr), lit(tInt, int32(1))},
	} {
		if _, err := r.ResolveAggregate("MID_VAR_ARG", want); err == nil || err.Error() != args {
			t.Errorf("got %v, want %q", err, args)
		}
	}
}
