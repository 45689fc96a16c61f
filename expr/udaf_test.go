package expr

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// Values from the ksqlDB corpus cases named in each comment.

func dnum(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func acol(t *types.Type) AggArg       { return AggArg{Type: t} }
func lit(t *types.Type, v any) AggArg { return AggArg{Type: t, Const: true, Value: v} }
func ints(vs ...int32) []any          { return toAny(vs) }
func toAny[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}
func mapOf(kv ...any) *types.MapVal {
	m := types.NewMap(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		m.Put(kv[i], kv[i+1])
	}
	return m
}
func sv(vs ...any) types.StructVal      { return types.StructVal(vs) }
func add(row ...any) udafStep           { return udafStep{row: row} }
func undo(row ...any) udafStep          { return udafStep{undo: true, row: row} }
func (s udafStep) is(want any) udafStep { s.want = want; return s }

type udafStep struct {
	undo bool
	row  []any // the values for Aggregate.Args, in order
	want any   // Result after the step
}

type udafCase struct {
	name  string
	fn    string
	args  []AggArg
	props map[string]string
	ret   string // ReturnType.String()
	steps []udafStep
}

// same is strict equality for results: same Go type, NaN equals NaN,
// decimals by value.
func same(a, b any) bool {
	if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		return false
	}
	if fa, ok := a.(float64); ok && math.IsNaN(fa) {
		return math.IsNaN(b.(float64))
	}
	if la, ok := a.([]any); ok {
		lb := b.([]any)
		if len(la) != len(lb) {
			return false
		}
		for i := range la {
			if !same(la[i], lb[i]) {
				return false
			}
		}
		return true
	}
	return valuesEqual(a, b)
}

func show(v any) string {
	switch v := v.(type) {
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case *types.MapVal:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprintf("%s:%s", show(v.Keys[i]), show(v.Vals[i]))
		}
		return "{" + strings.Join(parts, " ") + "}"
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

var udafCases = []udafCase{
	// count.json / semantics 6.1
	{name: "count star", fn: "count", ret: "BIGINT", steps: []udafStep{
		add().is(int64(1)), add().is(int64(2)), undo().is(int64(1)), undo().is(int64(0))}},
	{name: "count col skips nulls", fn: "COUNT", args: []AggArg{acol(tStr)}, ret: "BIGINT", steps: []udafStep{
		add("a").is(int64(1)), add(nil).is(int64(1)), add("b").is(int64(2)), undo(nil).is(int64(2)), undo("a").is(int64(1))}},
	{name: "count literal", fn: "COUNT", args: []AggArg{lit(tInt, int32(1))}, ret: "BIGINT", steps: []udafStep{
		add(int32(1)).is(int64(1)), add(int32(1)).is(int64(2))}},

	// sum.json
	{name: "sum int", fn: "SUM", args: []AggArg{acol(tInt)}, ret: "INTEGER", steps: []udafStep{
		add(nil).is(int32(0)), add(int32(0)).is(int32(0)), add(int32(100)).is(int32(100)), add(nil).is(int32(100)), undo(int32(100)).is(int32(0))}},
	{name: "sum int wraps", fn: "SUM", args: []AggArg{acol(tInt)}, ret: "INTEGER", steps: []udafStep{
		add(int32(math.MaxInt32)).is(int32(math.MaxInt32)), add(int32(1)).is(int32(math.MinInt32))}},
	{name: "sum long", fn: "SUM", args: []AggArg{acol(tBig)}, ret: "BIGINT", steps: []udafStep{
		add(int64(2147483648)).is(int64(2147483648)), add(int64(100)).is(int64(2147483748))}},
	{name: "sum double", fn: "SUM", args: []AggArg{acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(500.9).is(500.9), add(300.8).is(801.7), add(nil).is(801.7)}},
	{name: "sum decimal", fn: "SUM", args: []AggArg{acol(types.DecimalOf(4, 1))}, ret: "DECIMAL(4, 1)", steps: []udafStep{
		add(nil).is(dnum("0")), add(dnum("5.4")).is(dnum("5.4")), add(dnum("100.1")).is(dnum("105.5")), undo(dnum("5.4")).is(dnum("100.1"))}},
	{name: "sum with constant int arg", fn: "SUM", args: []AggArg{lit(tInt, int32(2))}, ret: "INTEGER", steps: []udafStep{
		add(int32(2)).is(int32(2)), add(int32(2)).is(int32(4))}},

	// sum.json: sum list
	{name: "sum_list doubles", fn: "SUM_LIST", args: []AggArg{acol(types.ArrayOf(tDbl))}, ret: "DOUBLE", steps: []udafStep{
		add([]any{1.0, 1.0}).is(2.0), add([]any{2.0, 2.0}).is(6.0), add([]any{922337203685.0, 1.0}).is(922337203692.0),
		add([]any{1.0, 1.0, nil}).is(922337203694.0), undo([]any{922337203685.0, 1.0}).is(8.0), add(nil).is(8.0)}},
	{name: "sum_list ints", fn: "SUM_LIST", args: []AggArg{acol(types.ArrayOf(tInt))}, ret: "INTEGER", steps: []udafStep{
		add(ints(1, 1)).is(int32(2)), add(ints(2, 2)).is(int32(6)), add(ints(100, 100)).is(int32(206)), add([]any{int32(100), int32(100), nil}).is(int32(406))}},
	{name: "sum_list longs", fn: "SUM_LIST", args: []AggArg{acol(types.ArrayOf(tBig))}, ret: "BIGINT", steps: []udafStep{
		add([]any{int64(1), int64(1)}).is(int64(2))}},

	// average-udaf.json
	{name: "avg int", fn: "AVG", args: []AggArg{acol(tInt)}, ret: "DOUBLE", steps: []udafStep{
		add(nil).is(0.0), add(int32(1)).is(1.0), add(int32(2)).is(1.5), add(int32(2)).is(1.6666666666666667), add(nil).is(1.6666666666666667)}},
	{name: "avg long", fn: "AVG", args: []AggArg{acol(tBig)}, ret: "DOUBLE", steps: []udafStep{
		add(int64(-1)).is(-1.0), add(int64(math.MaxInt64)).is(4.611686018427388e+18), add(int64(1)).is(3.0744573456182584e+18)}},
	{name: "avg double", fn: "AVG", args: []AggArg{acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(-1.8).is(-1.8), add(9223372036854.775).is(4611686018426.487), add(100.2).is(3074457345651.058)}},
	{name: "avg double bob", fn: "AVG", args: []AggArg{acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(2.3).is(2.3), add(-200000.6).is(-99999.15000000001), add(0.0).is(-66666.1)}},
	{name: "avg udaf with table", fn: "AVG", args: []AggArg{acol(tInt)}, ret: "DOUBLE", steps: []udafStep{
		add(int32(1)).is(1.0), add(int32(2)).is(1.5), undo(int32(1)).is(2.0), add(nil).is(2.0), undo(nil).is(2.0), add(int32(4)).is(3.0)}},

	// min-group-by.json / max-group-by.json
	{name: "min int", fn: "MIN", args: []AggArg{acol(tInt)}, ret: "INTEGER", steps: []udafStep{
		add(nil).is(nil), add(int32(-2147483647)).is(int32(-2147483647)), add(int32(5)).is(int32(-2147483647)), add(nil).is(int32(-2147483647))}},
	{name: "min double", fn: "MIN", args: []AggArg{acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(math.MaxFloat64).is(math.MaxFloat64), add(5.1).is(5.1), add(-math.MaxFloat64).is(-math.MaxFloat64)}},
	{name: "min decimal", fn: "MIN", args: []AggArg{acol(types.DecimalOf(4, 2))}, ret: "DECIMAL(4, 2)", steps: []udafStep{
		add(dnum("21.79")).is(dnum("21.79")), add(dnum("1.10")).is(dnum("1.10")), add(nil).is(dnum("1.10")), add(dnum("-1.79")).is(dnum("-1.79"))}},
	{name: "min string", fn: "MIN", args: []AggArg{acol(tStr)}, ret: "STRING", steps: []udafStep{
		add(nil).is(nil), add("B").is("B"), add("A").is("A"), add("F").is("A")}},
	{name: "min bytes", fn: "MIN", args: []AggArg{acol(types.BytesType)}, ret: "BYTES", steps: []udafStep{
		add([]byte("B")).is([]byte("B")), add([]byte("A")).is([]byte("A")), add([]byte("C")).is([]byte("A"))}},
	{name: "min time", fn: "MIN", args: []AggArg{acol(types.TimeType)}, ret: "TIME", steps: []udafStep{
		add(types.TimeVal(5)).is(types.TimeVal(5)), add(types.TimeVal(2647)).is(types.TimeVal(5)), add(types.TimeVal(1)).is(types.TimeVal(1))}},
	{name: "max long", fn: "MAX", args: []AggArg{acol(tBig)}, ret: "BIGINT", steps: []udafStep{
		add(nil).is(nil), add(int64(-1000000)).is(int64(-1000000)), add(int64(5)).is(int64(5)), add(int64(math.MaxInt64)).is(int64(math.MaxInt64))}},
	{name: "max date", fn: "MAX", args: []AggArg{acol(types.DateType)}, ret: "DATE", steps: []udafStep{
		add(types.DateVal(-100)).is(types.DateVal(-100)), add(types.DateVal(5)).is(types.DateVal(5)), add(nil).is(types.DateVal(5))}},
	{name: "max timestamp", fn: "MAX", args: []AggArg{acol(types.TimestampType)}, ret: "TIMESTAMP", steps: []udafStep{
		add(types.TimestampVal(-1)).is(types.TimestampVal(-1)), add(types.TimestampVal(50)).is(types.TimestampVal(50))}},
	{name: "max string", fn: "MAX", args: []AggArg{acol(tStr)}, ret: "STRING", steps: []udafStep{
		add("B").is("B"), add("A").is("B"), add("E").is("E")}},

	// attr.json
	{name: "attr same", fn: "ATTR", args: []AggArg{acol(tStr)}, ret: "STRING", steps: []udafStep{
		add("s").is("s"), add("s").is("s")}},
	{name: "attr all nulls", fn: "ATTR", args: []AggArg{acol(tStr)}, ret: "STRING", steps: []udafStep{
		add(nil).is(nil), add(nil).is(nil)}},
	{name: "invalid attr with nulls", fn: "ATTR", args: []AggArg{acol(tStr)}, ret: "STRING", steps: []udafStep{
		add("1").is("1"), add(nil).is(nil), add("1").is(nil)}},
	{name: "table attr with tombstones", fn: "ATTR", args: []AggArg{acol(tStr)}, ret: "STRING", steps: []udafStep{
		add("1").is("1"), add("1").is("1"), undo("1").is("1"), undo("1").is(nil), add("2").is("2"), add("3").is(nil), undo("3").is("2")}},
	{name: "attr struct", fn: "ATTR", args: []AggArg{acol(types.StructOf(types.Field{Name: "A", Type: tStr}))}, ret: "STRUCT<`A` STRING>", steps: []udafStep{
		add(sv("a")).is(sv("a")), add(sv("a")).is(sv("a")), add(sv("b")).is(nil)}},

	// count-distinct.json
	{name: "count distinct", fn: "COUNT_DISTINCT", args: []AggArg{acol(tStr)}, ret: "BIGINT", steps: []udafStep{
		add("one").is(int64(1)), add("two").is(int64(2)), add("one").is(int64(2)), add(nil).is(int64(2))}},

	// histogram.json
	{name: "histogram", fn: "HISTOGRAM", args: []AggArg{acol(tStr)}, ret: "MAP<STRING, BIGINT>", steps: []udafStep{
		add("baz").is(mapOf("baz", int64(1))), add("baz").is(mapOf("baz", int64(2))), add("foo").is(mapOf("baz", int64(2), "foo", int64(1))), add(nil).is(mapOf("baz", int64(2), "foo", int64(1)))}},
	{name: "histogram on a table", fn: "HISTOGRAM", args: []AggArg{acol(tStr)}, ret: "MAP<STRING, BIGINT>", steps: []udafStep{
		add("alice").is(mapOf("alice", int64(1))), add("bob").is(mapOf("alice", int64(1), "bob", int64(1))), undo("bob").is(mapOf("alice", int64(1))), undo("alice").is(mapOf())}},

	// collect-list.json / collect-set.json
	{name: "collect_list int table", fn: "COLLECT_LIST", args: []AggArg{acol(tInt)}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(int32(0)).is(ints(0)), undo(int32(0)).is([]any{}), add(int32(100)).is(ints(100)), add(nil).is([]any{int32(100), nil})}},
	{name: "collect_list undo drops last occurrence", fn: "COLLECT_LIST", args: []AggArg{acol(tStr)}, ret: "ARRAY<STRING>", steps: []udafStep{
		add("a").is([]any{"a"}), add("b").is([]any{"a", "b"}), add("a").is([]any{"a", "b", "a"}), undo("a").is([]any{"a", "b"})}},
	{name: "collect_list with limit", fn: "COLLECT_LIST", args: []AggArg{acol(tInt)}, props: map[string]string{"ksql.functions.collect_list.limit": "2"}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(int32(1)).is(ints(1)), add(int32(2)).is(ints(1, 2)), add(int32(3)).is(ints(1, 2)), undo(int32(1)).is(ints(2)), add(int32(4)).is(ints(2, 4))}},
	{name: "collect_set decimal with nulls", fn: "COLLECT_SET", args: []AggArg{acol(types.DecimalOf(4, 1))}, ret: "ARRAY<DECIMAL(4, 1)>", steps: []udafStep{
		add(dnum("500.9")).is([]any{dnum("500.9")}), add(dnum("300.8")).is([]any{dnum("500.9"), dnum("300.8")}),
		add(nil).is([]any{dnum("500.9"), dnum("300.8"), nil}), add(dnum("300.8")).is([]any{dnum("500.9"), dnum("300.8"), nil}), add(nil).is([]any{dnum("500.9"), dnum("300.8"), nil})}},
	{name: "collect_set maps in any order", fn: "COLLECT_SET", args: []AggArg{acol(types.MapOf(tStr, tBig))}, ret: "ARRAY<MAP<STRING, BIGINT>>", steps: []udafStep{
		add(mapOf("Record0", int64(100), "Record2", int64(2))).is([]any{mapOf("Record0", int64(100), "Record2", int64(2))}),
		add(mapOf("Record2", int64(2), "Record0", int64(100))).is([]any{mapOf("Record0", int64(100), "Record2", int64(2))})}},
	{name: "collect_set arrays", fn: "COLLECT_SET", args: []AggArg{acol(types.ArrayOf(tInt))}, ret: "ARRAY<ARRAY<INTEGER>>", steps: []udafStep{
		add(ints(0, 0, 1)).is([]any{ints(0, 0, 1)}), add(ints(1, 2)).is([]any{ints(0, 0, 1), ints(1, 2)}), add(ints(0, 0, 1)).is([]any{ints(0, 0, 1), ints(1, 2)})}},
	{name: "collect_set with limit of 1", fn: "COLLECT_SET", args: []AggArg{acol(tInt)}, props: map[string]string{"ksql.functions.collect_set.limit": "1"}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(int32(0)).is(ints(0)), add(int32(100)).is(ints(0))}},

	// topk-group-by.json, tumbling-windows.json
	{name: "topk integer", fn: "TOPK", args: []AggArg{acol(tInt), lit(tInt, int32(3))}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(int32(0)).is(ints(0)), add(int32(100)).is(ints(100, 0)), add(int32(99)).is(ints(100, 99, 0)), add(int32(7)).is(ints(100, 99, 7)),
		add(int32(100)).is(ints(100, 100, 99)), add(nil).is(ints(100, 100, 99))}},
	{name: "topk string", fn: "topk", args: []AggArg{acol(tStr), lit(tInt, int32(3))}, ret: "ARRAY<STRING>", steps: []udafStep{
		add("a").is([]any{"a"}), add("b").is([]any{"b", "a"}), add("c").is([]any{"c", "b", "a"}), add("b").is([]any{"c", "b", "b"}), add("d").is([]any{"d", "c", "b"})}},
	{name: "topk integer struct", fn: "TOPK", args: []AggArg{acol(tInt), acol(tStr), lit(tInt, int32(3))}, ret: "ARRAY<STRUCT<`sort_col` INTEGER, `col0` STRING>>", steps: []udafStep{
		add(int32(0), "zero").is([]any{sv(int32(0), "zero")}),
		add(int32(100), "one").is([]any{sv(int32(100), "one"), sv(int32(0), "zero")}),
		add(int32(99), "two").is([]any{sv(int32(100), "one"), sv(int32(99), "two"), sv(int32(0), "zero")}),
		add(nil, "three").is([]any{sv(int32(100), "one"), sv(int32(99), "two"), sv(int32(0), "zero")}),
		add(int32(100), nil).is([]any{sv(int32(100), "one"), sv(int32(100), nil), sv(int32(99), "two")})}},
	{name: "topk two extra columns", fn: "TOPK", args: []AggArg{acol(tDbl), acol(tStr), acol(tBig), lit(tInt, int32(1))}, ret: "ARRAY<STRUCT<`sort_col` DOUBLE, `col0` STRING, `col1` BIGINT>>", steps: []udafStep{
		add(1.5, "a", int64(1)).is([]any{sv(1.5, "a", int64(1))}), add(2.5, "b", int64(2)).is([]any{sv(2.5, "b", int64(2))})}},
	{name: "topkdistinct tumbling", fn: "TOPKDISTINCT", args: []AggArg{acol(tDbl), lit(tInt, int32(2))}, ret: "ARRAY<DOUBLE>", steps: []udafStep{
		add(0.0).is([]any{0.0}), add(100.0).is([]any{100.0, 0.0}), add(10.0).is([]any{100.0, 10.0}), add(100.0).is([]any{100.0, 10.0})}},

	// earliest-offset-udaf.json
	{name: "earliest", fn: "EARLIEST_BY_OFFSET", args: []AggArg{acol(tInt)}, ret: "INTEGER", steps: []udafStep{
		add(int32(12)).is(int32(12)), add(nil).is(int32(12)), add(int32(13)).is(int32(12))}},
	{name: "earliest null first ignoring nulls", fn: "EARLIEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tBool, true)}, ret: "INTEGER", steps: []udafStep{
		add(nil).is(nil), add(int32(13)).is(int32(13))}},
	{name: "earliest null first not ignoring nulls", fn: "EARLIEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tBool, false)}, ret: "INTEGER", steps: []udafStep{
		add(nil).is(nil), add(int32(13)).is(nil)}},
	{name: "earliest n null first ignoring nulls", fn: "EARLIEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tInt, int32(2))}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(nil).is([]any{}), add(int32(13)).is(ints(13))}},
	{name: "earliest n null first not ignoring nulls", fn: "EARLIEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tInt, int32(2)), lit(tBool, false)}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(nil).is([]any{nil}), add(int32(13)).is([]any{nil, int32(13)}), add(int32(14)).is([]any{nil, int32(13)})}},
	{name: "earliest n nulls later ignored", fn: "EARLIEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tInt, int32(2))}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(int32(12)).is(ints(12)), add(nil).is(ints(12)), add(int32(13)).is(ints(12, 13)), add(int32(31)).is(ints(12, 13))}},
	{name: "earliest decimal", fn: "EARLIEST_BY_OFFSET", args: []AggArg{acol(types.DecimalOf(3, 2)), lit(tBool, true)}, ret: "DECIMAL(3, 2)", steps: []udafStep{
		add(dnum("3.40")).is(dnum("3.40")), add(dnum("8.90")).is(dnum("3.40"))}},

	// latest-offset-udaf.json
	{name: "latest nulls ignored", fn: "LATEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tBool, true)}, ret: "INTEGER", steps: []udafStep{
		add(int32(12)).is(int32(12)), add(nil).is(int32(12)), add(int32(13)).is(int32(13))}},
	{name: "latest nulls not ignored", fn: "LATEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tBool, false)}, ret: "INTEGER", steps: []udafStep{
		add(int32(12)).is(int32(12)), add(nil).is(nil), add(int32(13)).is(int32(13))}},
	{name: "latest n nulls ignored", fn: "LATEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tInt, int32(2)), lit(tBool, true)}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(int32(12)).is(ints(12)), add(nil).is(ints(12)), add(int32(13)).is(ints(12, 13)), add(int32(14)).is(ints(13, 14))}},
	{name: "latest n nulls not ignored", fn: "LATEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tInt, int32(2)), lit(tBool, false)}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(int32(12)).is(ints(12)), add(nil).is([]any{int32(12), nil}), add(int32(13)).is([]any{nil, int32(13)})}},
	{name: "latest n all nulls", fn: "LATEST_BY_OFFSET", args: []AggArg{acol(tInt), lit(tInt, int32(2))}, ret: "ARRAY<INTEGER>", steps: []udafStep{
		add(nil).is([]any{}), add(nil).is([]any{})}},
	{name: "latest struct", fn: "LATEST_BY_OFFSET", args: []AggArg{acol(types.StructOf(types.Field{Name: "A", Type: tStr}))}, ret: "STRUCT<`A` STRING>", steps: []udafStep{
		add(sv("Early0")).is(sv("Early0")), add(sv("Later0")).is(sv("Later0"))}},

	// standarddeviation.json
	{name: "stddev_samp int", fn: "STDDEV_SAMP", args: []AggArg{acol(tInt)}, ret: "DOUBLE", steps: []udafStep{
		add(int32(0)).is(0.0), add(int32(10)).is(50.0), add(int32(7)).is(26.333333333333332), add(nil).is(26.333333333333332), add(int32(6)).is(17.583333333333332)}},
	{name: "stddev_samp long", fn: "STDDEV_SAMP", args: []AggArg{acol(tBig)}, ret: "DOUBLE", steps: []udafStep{
		add(int64(2147483648)).is(0.0), add(int64(100)).is(2.3058427944653343e+18), add(int64(-2)).is(1.5372286026580004e+18)}},
	{name: "stddev_samp double", fn: "STDDEV_SAMP", args: []AggArg{acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(9223372036854.775807).is(0.0), add(300.8).is(4.253529586234292e+25), add(-200000.6).is(2.835686452404674e+25), add(0.0).is(2.1267648239542927e+25)}},
	{name: "stddev_samp double map", fn: "STDDEV_SAMP", args: []AggArg{acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(10.0).is(0.0), add(12.0).is(2.0), add(13.0).is(2.333333333333333), add(14.0).is(2.9166666666666665), add(16.0).is(5.0)}},
	{name: "stddev_sample int", fn: "STDDEV_SAMPLE", args: []AggArg{acol(tInt)}, ret: "DOUBLE", steps: []udafStep{
		add(int32(50)).is(0.0), add(int32(10)).is(28.284271247461902), add(int32(3)).is(25.357444666211933)}},
	{name: "stddev_sample double", fn: "STDDEV_SAMPLE", args: []AggArg{acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(-1.8).is(0.0), add(2.3).is(2.899137802864845), add(100.2).is(57.74256084841869)}},
	{name: "stddev_sample undo", fn: "STDDEV_SAMPLE", args: []AggArg{acol(tInt)}, ret: "DOUBLE", steps: []udafStep{
		add(int32(50)).is(0.0), add(int32(10)).is(28.284271247461902), undo(int32(50)).is(0.0), undo(int32(10)).is(0.0), add(int32(4)).is(0.0), add(int32(8)).is(2.8284271247461903)}},

	// correlation-udaf.json
	{name: "correlation double", fn: "CORRELATION", args: []AggArg{acol(tDbl), acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(1.5, 8.0).is(math.NaN()), add(-1.0, -2.0).is(1.0), add(-4.5, -1.0).is(0.7580764521133173), add(nil, -6.0).is(0.7580764521133173)}},
	{name: "correlation int", fn: "CORRELATION", args: []AggArg{acol(tInt), acol(tInt)}, ret: "DOUBLE", steps: []udafStep{
		add(int32(1), int32(8)).is(math.NaN()), add(int32(-1), int32(-2)).is(1.0), add(int32(-4), int32(-1)).is(0.7455284088780169)}},
	{name: "correlation long bob", fn: "CORRELATION", args: []AggArg{acol(tBig), acol(tBig)}, ret: "DOUBLE", steps: []udafStep{
		add(int64(-3), int64(-2)).is(math.NaN()), add(int64(13), nil).is(math.NaN()), add(int64(3), int64(11)).is(1.0)}},
	{name: "correlation udaf with table", fn: "CORRELATION", args: []AggArg{acol(tDbl), acol(tDbl)}, ret: "DOUBLE", steps: []udafStep{
		add(1.5, 8.0).is(math.NaN()), add(-3.5, -2.0).is(1.0), undo(1.5, 8.0).is(math.NaN()), add(-1.0, -2.0).is(math.NaN()), add(-4.5, -1.0).is(-0.7205766921228921)}},
}

func TestUdafTable(t *testing.T) {
	for _, c := range udafCases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRegistry()
			if c.props != nil {
				if err := r.SetAggregateConfig(c.props); err != nil {
					t.Fatal(err)
				}
			}
			a, err := r.ResolveAggregate(c.fn, c.args)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.ReturnType.String(); got != c.ret {
				t.Errorf("return type %s, want %s", got, c.ret)
			}
			acc := a.Init()
			for i, s := range c.steps {
				if len(s.row) != len(a.Args) {
					t.Fatalf("step %d: %d values for Args %v", i, len(s.row), a.Args)
				}
				if s.undo {
					if a.Undo == nil {
						t.Fatalf("step %d: %s cannot undo", i, a.Name)
					}
					acc = a.Undo(acc, s.row)
				} else {
					acc = a.Add(acc, s.row)
				}
				if got := a.Result(acc); !same(got, s.want) {
					t.Errorf("step %d (%v): got %s, want %s", i, s.row, show(got), show(s.want))
				}
			}
		})
	}
}

// sum.json "sum decimal with overflow": the query fails with "Numeric
// field overflow"; the accumulator keeps the last good sum.
func TestUdafSumDecimalOverflow(t *testing.T) {
	a, err := NewRegistry().ResolveAggregate("sum", []AggArg{acol(types.DecimalOf(4, 1))})
	if err != nil {
		t.Fatal(err)
	}
	acc := a.Init()
	for _, v := range []string{"500.9", "300.8"} {
		acc = a.Add(acc, []any{dnum(v)})
		if err := AggregateErr(acc); err != nil {
			t.Fatalf("unexpected %v", err)
		}
	}
	acc = a.Add(acc, []any{dnum("400.8")})
	if err := AggregateErr(acc); err == nil || err.Error() != "Numeric field overflow: A field with precision 4 and scale 1 must round to an absolute value less than 10^3" {
		t.Fatalf("err = %v", err)
	}
	if got := a.Result(acc); !same(got, dnum("801.7")) {
		t.Fatalf("kept %v", got)
	}
	// A cast to a wider DECIMAL does not overflow.
	w, _ := NewRegistry().ResolveAggregate("SUM", []AggArg{acol(types.DecimalOf(6, 2))})
	acc = w.Init()
	for _, v := range []string{"500.90", "300.80", "400.80"} {
		acc = w.Add(acc, []any{dnum(v)})
	}
	if err := AggregateErr(acc); err != nil || !same(w.Result(acc), dnum("1202.50")) {
		t.Fatalf("wide: %v %v", err, w.Result(acc))
	}
	if AggregateErr(w.Init()) != nil || AggregateErr(nil) != nil {
		t.Fatal("fresh accumulators hold no error")
	}
}

func TestUdafErrors(t *testing.T) {
	cases := []struct {
		fn   string
		args []AggArg
		want string
	}{
		{"SUM", []AggArg{acol(tStr)}, "Function 'SUM' does not accept parameters (STRING)."},
		{"sum", []AggArg{{}}, "Function 'SUM' does not accept parameters (null)."},
		{"SUM", nil, "Function 'SUM' does not accept parameters ()."},
		{"AVG", []AggArg{acol(types.DecimalOf(4, 2))}, "Function 'AVG' does not accept parameters (DECIMAL(4, 2))."},
		{"MIN", []AggArg{acol(tBool)}, "Function 'MIN' does not accept parameters (BOOLEAN)."},
		{"MAX", []AggArg{acol(types.ArrayOf(tInt))}, "Function 'MAX' does not accept parameters (ARRAY<INTEGER>)."},
		{"COUNT", []AggArg{acol(tInt), acol(tInt)}, "Function 'COUNT' does not accept parameters (INTEGER, INTEGER)."},
		{"HISTOGRAM", []AggArg{acol(tInt)}, "Function 'HISTOGRAM' does not accept parameters (INTEGER)."},
		{"SUM_LIST", []AggArg{acol(types.ArrayOf(tStr))}, "Function 'SUM_LIST' does not accept parameters (ARRAY<STRING>)."},
		{"CORRELATION", []AggArg{acol(tDbl)}, "Function 'CORRELATION' does not accept parameters (DOUBLE)."},
		{"CORRELATION", []AggArg{acol(tDbl), acol(tStr)}, "Function 'CORRELATION' does not accept parameters (DOUBLE, STRING)."},
		{"STDDEV_SAMP", []AggArg{acol(tStr)}, "Function 'STDDEV_SAMP' does not accept parameters (STRING)."},
		{"TOPK", []AggArg{acol(tInt)}, "Function 'TOPK' does not accept parameters (INTEGER)."},
		{"TOPK", []AggArg{acol(tInt), lit(tStr, "3")}, "Function 'TOPK' does not accept parameters (INTEGER, STRING)."},
		{"TOPK", []AggArg{acol(tInt), AggArg{Type: tInt, Text: "ID"}}, "Parameter 2 passed to function TOPK must be a literal constant, but was expression: 'ID'"},
		{"TOPK", []AggArg{acol(tInt), lit(tInt, int32(0))}, "Parameter 2 passed to function TOPK must be a positive INTEGER, but was: 0"},
		{"TOPKDISTINCT", []AggArg{acol(tInt), acol(tStr), lit(tInt, int32(2))}, "Function 'TOPKDISTINCT' does not accept parameters (INTEGER, STRING, INTEGER)."},
		{"COLLECT_LIST", []AggArg{{}}, "Function 'COLLECT_LIST' does not accept parameters (null)."},
		// udaf.json "throw on no literal expressions pass for literal params"
		{"EARLIEST_BY_OFFSET", []AggArg{acol(tInt), {Type: tInt, Text: "F0"}}, "Parameter 2 passed to function EARLIEST_BY_OFFSET must be a literal constant, but was expression: 'F0'"},
		{"LATEST_BY_OFFSET", []AggArg{acol(tInt), lit(tInt, int32(2)), {Type: tBool, Text: "B"}}, "Parameter 3 passed to function LATEST_BY_OFFSET must be a literal constant, but was expression: 'B'"},
		{"LATEST_BY_OFFSET", []AggArg{acol(tInt), lit(tStr, "x")}, "Function 'LATEST_BY_OFFSET' does not accept parameters (INTEGER, STRING)."},
		{"LATEST_BY_OFFSET", []AggArg{acol(tInt), lit(tBool, true), lit(tInt, int32(2))}, "Function 'LATEST_BY_OFFSET' does not accept parameters (INTEGER, BOOLEAN, INTEGER)."},
		{"NOPE", nil, "Can't find any functions with the name 'NOPE'"},
	}
	r := NewRegistry()
	for _, c := range cases {
		_, err := r.ResolveAggregate(c.fn, c.args)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s%v: got %v, want %q", c.fn, c.args, err, c.want)
		}
	}
}

// Exactly the ten table-capable built-ins (semantics 6.2), and the test
// UDAF's integer sum, can undo.
func TestUdafUndoSet(t *testing.T) {
	r := NewRegistry()
	argsFor := map[string][]AggArg{
		"COUNT":              nil,
		"SUM_LIST":           {acol(types.ArrayOf(tInt))},
		"HISTOGRAM":          {acol(tStr)},
		"CORRELATION":        {acol(tDbl), acol(tDbl)},
		"TOPK":               {acol(tInt), lit(tInt, int32(2))},
		"TOPKDISTINCT":       {acol(tInt), lit(tInt, int32(2))},
		"EARLIEST_BY_OFFSET": {acol(tInt)},
		"LATEST_BY_OFFSET":   {acol(tInt)},
		// ksqlDB's test UDAFs (udaf_testudaf.go).
		"VAR_ARG":         {acol(tBig), acol(tStr)},
		"MULTI_ARG":       {acol(tBig), acol(tStr), lit(tInt, int32(1))},
		"FOUR_ARG":        {acol(tBig), acol(tStr), acol(tStr), acol(tStr), lit(tInt, int32(1))},
		"FIVE_ARG":        {acol(tBig), acol(tStr), acol(tStr), acol(tStr), acol(tInt), lit(tInt, int32(1))},
		"GENERIC_VAR_ARG": {acol(tInt), acol(tStr)},
		"MID_VAR_ARG":     {acol(tBig), acol(tStr), lit(tInt, int32(1)), lit(tInt, int32(2))},
	}
	undo := []string{"ATTR", "AVG", "COLLECT_LIST", "CORRELATION", "COUNT", "HISTOGRAM", "STDDEV_SAMP", "STDDEV_SAMPLE", "SUM", "SUM_LIST", "TEST_UDAF"}
	names := r.AggregateNames()
	if len(names) != 26 || !slices.IsSorted(names) {
		t.Fatalf("names %v", names)
	}
	for _, n := range names {
		args, ok := argsFor[n]
		if !ok {
			args = []AggArg{acol(tInt)}
		}
		a, err := r.ResolveAggregate(n, args)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if got, want := a.Undo != nil, slices.Contains(undo, n); got != want {
			t.Errorf("%s: can undo %v, want %v", n, got, want)
		}
		if a.Merge == nil || a.Init == nil || a.Add == nil || a.Result == nil || a.Name != n {
			t.Errorf("%s: incomplete %+v", n, a)
		}
		if !r.IsAggregate(strings.ToLower(n)) || r.Has(n) {
			t.Errorf("%s: IsAggregate/Has", n)
		}
	}
	if r.IsAggregate("ABS") {
		t.Error("ABS is scalar")
	}
}

// Session-window merges order EARLIEST/LATEST by arrival (offset), and
// combine the other states.
func TestUdafMerge(t *testing.T) {
	r := NewRegistry()
	// merge runs rows into three sessions (rows[i] into acc part[i]),
	// then merges them as Kafka Streams does: new session first.
	run := func(fn string, args []AggArg, rows []any, part []int) any {
		a, err := r.ResolveAggregate(fn, args)
		if err != nil {
			t.Fatal(err)
		}
		accs := []any{a.Init(), a.Init(), a.Init()}
		for i, v := range rows {
			accs[part[i]] = a.Add(accs[part[i]], []any{v})
		}
		m := a.Merge(accs[2], accs[0])
		m = a.Merge(m, accs[1])
		return a.Result(m)
	}
	p := []int{0, 1, 2}
	cases := []struct {
		fn   string
		args []AggArg
		rows []any
		want any
	}{
		// earliest-offset-udaf.json / latest-offset-udaf.json "merging session windows…"
		{"EARLIEST_BY_OFFSET", []AggArg{acol(tInt)}, ints(1, 3, 2), int32(1)},
		{"EARLIEST_BY_OFFSET", []AggArg{acol(tInt), lit(tBool, false)}, []any{nil, int32(1), nil}, nil},
		{"EARLIEST_BY_OFFSET", []AggArg{acol(tInt), lit(tBool, true)}, []any{nil, int32(1), nil}, int32(1)},
		{"EARLIEST_BY_OFFSET", []AggArg{acol(tInt), lit(tInt, int32(2)), lit(tBool, false)}, []any{nil, int32(1), nil}, []any{nil, int32(1)}},
		{"EARLIEST_BY_OFFSET", []AggArg{acol(tInt), lit(tInt, int32(2)), lit(tBool, false)}, []any{nil, nil, nil}, []any{nil, nil}},
		{"LATEST_BY_OFFSET", []AggArg{acol(tInt)}, ints(1, 3, 2), int32(2)},
		{"LATEST_BY_OFFSET", []AggArg{acol(tInt)}, []any{int32(1), nil, int32(2)}, int32(2)},
		{"LATEST_BY_OFFSET", []AggArg{acol(tInt), lit(tInt, int32(2)), lit(tBool, true)}, []any{int32(1), nil, int32(2)}, ints(1, 2)},
		{"LATEST_BY_OFFSET", []AggArg{acol(tInt), lit(tInt, int32(2)), lit(tBool, false)}, []any{int32(1), nil, int32(2)}, []any{nil, int32(2)}},
		{"COUNT", []AggArg{acol(tInt)}, []any{int32(1), nil, int32(2)}, int64(2)},
		{"SUM", []AggArg{acol(tBig)}, []any{int64(1), int64(2), int64(4)}, int64(7)},
		{"AVG", []AggArg{acol(tInt)}, ints(1, 2, 6), 3.0},
		{"MAX", []AggArg{acol(tStr)}, []any{"b", "c", "a"}, "c"},
		{"MIN", []AggArg{acol(tStr)}, []any{"b", nil, "a"}, "a"},
		{"COLLECT_LIST", []AggArg{acol(tInt)}, ints(1, 3, 2), ints(2, 1, 3)},
		{"COLLECT_SET", []AggArg{acol(tInt)}, ints(1, 2, 1), ints(1, 2)},
		{"COUNT_DISTINCT", []AggArg{acol(tInt)}, ints(1, 2, 1), int64(2)},
		{"TOPK", []AggArg{acol(tInt), lit(tInt, int32(2))}, ints(1, 3, 2), ints(3, 2)},
		{"TOPKDISTINCT", []AggArg{acol(tInt), lit(tInt, int32(2))}, ints(3, 3, 2), ints(3, 2)},
		{"ATTR", []AggArg{acol(tInt)}, ints(1, 1, 1), int32(1)},
		{"ATTR", []AggArg{acol(tInt)}, ints(1, 1, 2), nil},
		{"STDDEV_SAMP", []AggArg{acol(tInt)}, ints(0, 10, 7), 26.333333333333336},
		{"CORRELATION", []AggArg{acol(tDbl), acol(tDbl)}, nil, math.NaN()},
	}
	for _, c := range cases {
		if got := run(c.fn, c.args, c.rows, p); !same(got, c.want) {
			t.Errorf("%s%v %v: got %s, want %s", c.fn, c.args, c.rows, show(got), show(c.want))
		}
	}
	h, _ := r.ResolveAggregate("HISTOGRAM", []AggArg{acol(tStr)})
	x, y := h.Add(h.Init(), []any{"a"}), h.Add(h.Add(h.Init(), []any{"b"}), []any{"a"})
	if got := h.Result(h.Merge(x, y)); !same(got, mapOf("a", int64(2), "b", int64(1))) {
		t.Errorf("histogram merge %s", show(got))
	}
}

// Results are snapshots: later Adds must not change an emitted value.
func TestUdafResultIsCopy(t *testing.T) {
	r := NewRegistry()
	for _, fn := range []string{"COLLECT_LIST", "COLLECT_SET", "TOPK", "HISTOGRAM", "LATEST_BY_OFFSET"} {
		args := []AggArg{acol(tStr)}
		switch fn {
		case "TOPK":
			args = append(args, lit(tInt, int32(5)))
		case "LATEST_BY_OFFSET":
			args = append(args, lit(tInt, int32(5)))
		}
		a, err := r.ResolveAggregate(fn, args)
		if err != nil {
			t.Fatal(err)
		}
		acc := a.Add(a.Init(), []any{"a"})
		first := a.Result(acc)
		before := show(first)
		acc = a.Add(acc, []any{"b"})
		if a.Undo != nil {
			a.Undo(acc, []any{"a"})
		}
		if show(first) != before {
			t.Errorf("%s: result changed from %s to %s", fn, before, show(first))
		}
	}
}

func TestUdafConfig(t *testing.T) {
	base := NewRegistry()
	r, err := base.WithAggregateConfig(map[string]string{"ksql.functions.collect_list.limit": "1", "other": "x"})
	if err != nil {
		t.Fatal(err)
	}
	limited, _ := r.ResolveAggregate("COLLECT_LIST", []AggArg{acol(tInt)})
	free, _ := base.ResolveAggregate("COLLECT_LIST", []AggArg{acol(tInt)})
	for _, c := range []struct {
		a    *Aggregate
		want int
	}{{limited, 1}, {free, 3}} {
		acc := c.a.Init()
		for i := range 3 {
			acc = c.a.Add(acc, []any{int32(i)})
		}
		if n := len(c.a.Result(acc).([]any)); n != c.want {
			t.Errorf("len %d, want %d", n, c.want)
		}
	}
	if _, err := base.WithAggregateConfig(map[string]string{"ksql.functions.collect_set.limit": "many"}); err == nil {
		t.Error("bad limit accepted")
	}
	// A negative limit means unlimited.
	unl, _ := base.WithAggregateConfig(map[string]string{"ksql.functions.collect_set.limit": "-1"})
	s, _ := unl.ResolveAggregate("COLLECT_SET", []AggArg{acol(tInt)})
	acc := s.Init()
	for i := range 1500 {
		acc = s.Add(acc, []any{int32(i)})
	}
	if n := len(s.Result(acc).([]any)); n != 1500 {
		t.Errorf("unlimited set kept %d", n)
	}
}

func TestUdafHistogramLimit(t *testing.T) {
	h, _ := NewRegistry().ResolveAggregate("HISTOGRAM", []AggArg{acol(tStr)})
	acc := h.Init()
	for i := range histogramLimit + 5 {
		acc = h.Add(acc, []any{fmt.Sprint(i)})
	}
	if n := h.Result(acc).(*types.MapVal).Len(); n != histogramLimit {
		t.Fatalf("kept %d keys", n)
	}
}

func TestUdafAllocs(t *testing.T) {
	r := NewRegistry()
	for _, c := range []struct {
		fn   string
		args []AggArg
		row  []any
	}{
		{"COUNT", nil, nil},
		{"COUNT", []AggArg{acol(tBig)}, []any{int64(7)}},
		{"SUM", []AggArg{acol(tBig)}, []any{int64(7)}},
		{"SUM", []AggArg{acol(tInt)}, []any{int32(7)}},
		{"SUM", []AggArg{acol(tDbl)}, []any{7.5}},
		{"AVG", []AggArg{acol(tBig)}, []any{int64(7)}},
		{"MAX", []AggArg{acol(tBig)}, []any{int64(7)}},
	} {
		a, _ := r.ResolveAggregate(c.fn, c.args)
		acc := a.Init()
		if n := testing.AllocsPerRun(100, func() { acc = a.Add(acc, c.row) }); n != 0 {
			t.Errorf("%s%v: %v allocs per Add", c.fn, c.args, n)
		}
	}
}

func benchAdd(b *testing.B, fn string, args []AggArg, row []any) {
	a, err := NewRegistry().ResolveAggregate(fn, args)
	if err != nil {
		b.Fatal(err)
	}
	acc := a.Init()
	b.ReportAllocs()
	for b.Loop() {
		acc = a.Add(acc, row)
	}
}

func BenchmarkUdafCountAdd(b *testing.B) { benchAdd(b, "COUNT", nil, nil) }
func BenchmarkUdafSumBigintAdd(b *testing.B) {
	benchAdd(b, "SUM", []AggArg{acol(tBig)}, []any{int64(42)})
}
func BenchmarkUdafSumDecimalAdd(b *testing.B) {
	benchAdd(b, "SUM", []AggArg{acol(types.DecimalOf(18, 2))}, []any{dnum("12.34")})
}
