package expr

import (
	"math"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/types"
)

// Edge values for the function sweep (sweep_test.go): what a user's data
// can hold, per type, with NULL first and a normal value second.

var (
	sweepLong      = strings.Repeat("a", 10000)
	sweepLongBytes = []byte(strings.Repeat("\x00\xff", 5000))
	sweepStruct    = types.StructOf(types.Field{Name: "A", Type: types.IntType}, types.Field{Name: "B", Type: types.StringType})
)

// sweepStrings are STRING edges: empty, blanks, one character, long,
// non-ASCII and invalid UTF-8, regex and format metacharacters, and text
// that other types parse.
var sweepStrings = []any{
	nil, "abc", "", " ", "a", sweepLong, "héllo wörld 😀", "\xff\xfe\x80", ".*[(\\", "$1\\", "%", "%s%d%n",
	"yyyy-MM-dd'T'HH:mm:ss.SSSX", "'", "{}", `{"a":[1,{"b":null}]}`, "[", "null", "-1", "0", "1e400", "NaN",
	"9223372036854775808", "2021-02-30", "\x00", "a,b,,c", "=&%zz", "http://[::1]:99999/%zz?a=%&b",
}

// sweepValues returns the edge values of t, NULL first, then a normal value.
func sweepValues(t *types.Type) []any {
	switch t.Kind {
	case types.Boolean:
		return []any{nil, true, false}
	case types.Int:
		return []any{nil, int32(7), int32(0), int32(1), int32(-1), int32(math.MinInt32), int32(math.MaxInt32), int32(10000)}
	case types.Bigint:
		return []any{nil, int64(100), int64(0), int64(1), int64(-1), int64(math.MinInt64), int64(math.MaxInt64)}
	case types.Double:
		return []any{nil, 2.5, 0.0, math.Copysign(0, -1), 1.0, -1.0, math.NaN(), math.Inf(1), math.Inf(-1),
			math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e300, 0.5}
	case types.Decimal:
		max := decimal.New(1, int32(t.Precision)).Sub(decimal.New(1, 0)).Shift(-int32(t.Scale))
		ulp := decimal.New(1, -int32(t.Scale))
		return []any{nil, ulp, decimal.New(0, -int32(t.Scale)), max, max.Neg(), ulp.Neg()}
	case types.String:
		return sweepStrings
	case types.Bytes:
		return []any{nil, []byte("abc"), []byte{}, []byte{0}, []byte{0xff, 0xfe}, sweepLongBytes}
	case types.Date:
		return []any{nil, types.DateVal(19157), types.DateVal(0), types.DateVal(-1), types.DateVal(2932896),
			types.DateVal(-719162), types.DateVal(math.MaxInt32), types.DateVal(math.MinInt32)}
	case types.Time:
		return []any{nil, types.TimeVal(33360000), types.TimeVal(0), types.TimeVal(86399999), types.TimeVal(-1),
			types.TimeVal(86400000), types.TimeVal(math.MaxInt32)}
	case types.Timestamp:
		return []any{nil, types.TimestampVal(1526075913000), types.TimestampVal(0), types.TimestampVal(-1),
			types.TimestampVal(253402300799999), types.TimestampVal(-62135596800000),
			types.TimestampVal(math.MaxInt64), types.TimestampVal(math.MinInt64)}
	case types.Array:
		el := sweepValues(t.Elem)
		out := []any{nil, []any{el[1], el[1]}, []any{}, []any{nil}, []any{el[1], nil, el[1]}}
		// Every edge of the element in one array, and each alone.
		all := append([]any(nil), el...)
		out = append(out, all)
		for _, e := range el[2:] {
			out = append(out, []any{e})
		}
		return out
	case types.Map:
		ks, vs := sweepValues(t.Key), sweepValues(t.Elem)
		one := func(k, v any) *types.MapVal { m := types.NewMap(1); m.Put(k, v); return m }
		out := []any{nil, one(ks[1], vs[1]), types.NewMap(0), one(ks[1], nil)}
		all := types.NewMap(len(ks))
		for i, k := range ks[1:] {
			all.Put(k, vs[(i+1)%len(vs)])
		}
		out = append(out, all)
		for _, v := range vs[2:] {
			out = append(out, one(ks[1], v))
		}
		return out
	case types.Struct:
		out := []any{nil}
		normal := make(types.StructVal, len(t.Fields))
		nulls := make(types.StructVal, len(t.Fields))
		for i, f := range t.Fields {
			normal[i] = sweepValues(f.Type)[1]
		}
		return append(out, normal, nulls)
	}
	return []any{nil}
}

// sweepTypes are what a type variable (T, V, ANY) is bound to.
var sweepTypes = []*types.Type{
	types.IntType, types.BigintType, types.DoubleType, types.DecimalOf(4, 2), types.StringType, types.BooleanType,
	types.BytesType, types.TimestampType, types.DateType, types.ArrayOf(types.IntType),
	types.MapOf(types.StringType, types.IntType), sweepStruct,
}

// sweepKeyTypes are what a map key variable (K) is bound to.
var sweepKeyTypes = []*types.Type{types.StringType, types.IntType, types.BytesType, types.ArrayOf(types.IntType), sweepStruct}

// sweepDecimals are what a DECIMAL of any precision is bound to.
var sweepDecimals = []*types.Type{types.DecimalOf(4, 2), types.DecimalOf(38, 0), types.DecimalOf(38, 38), types.DecimalOf(1, 0)}

// sweepBind lists the concrete parameter lists for a signature's
// patterns, binding each type variable (consistently across parameters)
// and each any-precision DECIMAL to every type it is tried with.
func sweepBind(params []*types.Type) [][]*types.Type {
	var names []string
	choices := map[string][]*types.Type{}
	var walk func(p *types.Type)
	walk = func(p *types.Type) {
		switch {
		case p == anyDecimal || (p.Kind == types.Decimal && p.Precision < 0):
			if _, ok := choices["DECIMAL"]; !ok {
				names = append(names, "DECIMAL")
				choices["DECIMAL"] = sweepDecimals
			}
		case p.Kind == types.Unknown:
			if _, ok := choices[p.Name]; !ok {
				names = append(names, p.Name)
				choices[p.Name] = sweepTypes
				if p.Name == "K" {
					choices[p.Name] = sweepKeyTypes
				}
			}
		case p.Kind == types.Array:
			walk(p.Elem)
		case p.Kind == types.Map:
			walk(p.Key)
			walk(p.Elem)
		}
	}
	for _, p := range params {
		walk(p)
	}
	binds := []map[string]*types.Type{{}}
	for _, n := range names {
		var next []map[string]*types.Type
		for _, b := range binds {
			for _, t := range choices[n] {
				nb := map[string]*types.Type{n: t}
				for k, v := range b {
					nb[k] = v
				}
				next = append(next, nb)
			}
		}
		binds = next
	}
	out := make([][]*types.Type, len(binds))
	for i, b := range binds {
		for _, p := range params {
			out[i] = append(out[i], sweepSubst(p, b))
		}
	}
	return out
}

func sweepSubst(p *types.Type, b map[string]*types.Type) *types.Type {
	switch {
	case p == anyDecimal || (p.Kind == types.Decimal && p.Precision < 0):
		return b["DECIMAL"]
	case p.Kind == types.Unknown:
		return b[p.Name]
	case p.Kind == types.Array:
		return types.ArrayOf(sweepSubst(p.Elem, b))
	case p.Kind == types.Map:
		return types.MapOf(sweepSubst(p.Key, b), sweepSubst(p.Elem, b))
	}
	return p
}

// sweepRows lists argument rows for parameter types ts: all normal, all
// NULL, each parameter at each of its edges with the others normal, and
// every combination of edges when there are few.
func sweepRows(ts []*types.Type, maxCombos int) [][]any {
	vals := make([][]any, len(ts))
	combos := 1
	for i, t := range ts {
		vals[i] = sweepValues(t)
		combos *= len(vals[i])
	}
	if combos <= maxCombos {
		rows := [][]any{{}}
		for _, vs := range vals {
			var next [][]any
			for _, r := range rows {
				for _, v := range vs {
					next = append(next, append(append([]any(nil), r...), v))
				}
			}
			rows = next
		}
		return rows
	}
	normal := make([]any, len(ts))
	for i := range ts {
		normal[i] = vals[i][1]
	}
	rows := [][]any{normal, make([]any, len(ts))}
	for i := range ts {
		for _, v := range vals[i] {
			r := append([]any(nil), normal...)
			r[i] = v
			rows = append(rows, r)
		}
	}
	return rows
}
