package expr

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/eddysql/eddy/types"
)

// registerTestUDAFs adds the aggregates ksqlDB's conformance runner loads
// beside its test UDFs (registerTestUDFs), so corpus cases written
// against them run. They exercise the UDAF framework: several column
// arguments, variadic columns, literal initial arguments, generic types.
func registerTestUDAFs(r *Registry) {
	// VAR_ARG(BIGINT, STRING...): sums the longs and the lengths of the
	// strings; NULLs count as 0.
	r.addSigAggregate("VAR_ARG", udafSig{
		cols: []*types.Type{tBig, tStr}, variadic: true,
		build: func(name string, _ []*types.Type, _ []any) *Aggregate {
			return lengthSum(name, 0)
		},
	})
	// MULTI_ARG(BIGINT, STRING, INTEGER init, STRING... init), and
	// FOUR_ARG / FIVE_ARG with more columns: as VAR_ARG, starting from
	// the integer plus the lengths of the literal strings.
	multi := func(cols ...*types.Type) udafSig {
		return udafSig{
			cols: cols, inits: []*types.Type{tInt, tStr}, variadic: true,
			build: func(name string, _ []*types.Type, inits []any) *Aggregate {
				n, _ := inits[0].(int32)
				start := int64(n)
				for _, s := range inits[1:] {
					if s, ok := s.(string); ok {
						start += int64(utf8.RuneCountInString(s))
					}
				}
				return lengthSum(name, start)
			},
		}
	}
	// MID_VAR_ARG(BIGINT, STRING..., INTEGER init, INTEGER init): as
	// VAR_ARG, plus both integers added to the result (not to the
	// state, so merged sessions count them once).
	r.addSigAggregate("MID_VAR_ARG", udafSig{
		cols: []*types.Type{tBig, tStr}, inits: []*types.Type{tInt, tInt}, varCol: true,
		build: func(name string, _ []*types.Type, inits []any) *Aggregate {
			var plus int64
			for _, n := range inits {
				if n, ok := n.(int32); ok {
					plus += int64(n)
				}
			}
			a := lengthSum(name, 0)
			a.Result = func(acc any) any { return acc.(*sumI64).v + plus }
			return a
		},
	})
	r.addSigAggregate("MULTI_ARG", multi(tBig, tStr))
	r.addSigAggregate("FOUR_ARG", multi(tBig, tStr, tStr, tStr))
	r.addSigAggregate("FIVE_ARG", multi(tBig, tStr, tStr, tStr, tInt))

	// GENERIC_VAR_ARG(A, B, C...) and OBJ_COL_ARG(INTEGER, ANY...)
	// collect their first argument from rows where every argument is
	// non-NULL.
	r.addSigAggregate("GENERIC_VAR_ARG", udafSig{
		cols: []*types.Type{typeT, typeK, typeV}, variadic: true,
		build: func(name string, cols []*types.Type, _ []any) *Aggregate {
			return collectWhenAllSet(name, cols[0])
		},
	})
	r.addSigAggregate("OBJ_COL_ARG", udafSig{
		cols: []*types.Type{tInt, anyType}, variadic: true,
		build: func(name string, _ []*types.Type, _ []any) *Aggregate {
			return collectWhenAllSet(name, tInt)
		},
	})

	// TEST_UDAF sums: BIGINT and INTEGER into BIGINT (undoable), DOUBLE
	// into DOUBLE, a STRING's lengths from the literal's length, and a
	// STRUCT<A INTEGER, B INTEGER> field by field.
	r.addSigAggregate("TEST_UDAF",
		udafSig{cols: []*types.Type{tBig}, build: func(name string, _ []*types.Type, _ []any) *Aggregate {
			return testSumBigint(name, func(v any) (int64, bool) { x, ok := v.(int64); return x, ok })
		}},
		udafSig{cols: []*types.Type{tInt}, build: func(name string, _ []*types.Type, _ []any) *Aggregate {
			return testSumBigint(name, func(v any) (int64, bool) { x, ok := v.(int32); return int64(x), ok })
		}},
		udafSig{cols: []*types.Type{tDbl}, build: func(name string, _ []*types.Type, _ []any) *Aggregate {
			return testSumDouble(name)
		}},
		udafSig{cols: []*types.Type{tStr}, inits: []*types.Type{tStr}, build: func(name string, _ []*types.Type, inits []any) *Aggregate {
			s, _ := inits[0].(string)
			a := lengthSum(name, int64(utf8.RuneCountInString(s)))
			return a
		}},
		udafSig{cols: []*types.Type{testPairType}, build: func(name string, _ []*types.Type, _ []any) *Aggregate {
			return testSumPair(name)
		}},
	)
}

// testPairType is TEST_UDAF's struct parameter and result.
var testPairType = &types.Type{Kind: types.Struct, Fields: []types.Field{
	{Name: "A", Type: types.IntType}, {Name: "B", Type: types.IntType},
}}

// lengthSum adds every BIGINT argument and the length of every STRING
// argument to a BIGINT sum that starts at start; NULLs add nothing.
func lengthSum(name string, start int64) *Aggregate {
	a := &Aggregate{
		Name:       name,
		ReturnType: types.BigintType,
		Init:       func() any { return &sumI64{v: start} },
		Add: func(acc any, args []any) any {
			s := acc.(*sumI64)
			for _, v := range args {
				switch v := v.(type) {
				case int64:
					s.v += v
				case int32:
					s.v += int64(v)
				case string:
					s.v += int64(utf8.RuneCountInString(v))
				}
			}
			return s
		},
		Merge:  func(x, y any) any { x.(*sumI64).v += y.(*sumI64).v; return x },
		Result: func(acc any) any { return acc.(*sumI64).v },
	}
	withState(a, appendSumI64, readSumI64)
	return a
}

func appendSumI64(s *sumI64, b []byte) ([]byte, error) { return binary.AppendVarint(b, s.v), nil }
func readSumI64(r *stateReader) *sumI64                { return &sumI64{v: r.varint()} }

// collectWhenAllSet collects the first argument (of type t) of each row
// whose arguments are all non-NULL.
func collectWhenAllSet(name string, t *types.Type) *Aggregate {
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.ArrayOf(t),
		ComplexState: true,
		Init:         func() any { return &listAcc{} },
		Add: func(acc any, args []any) any {
			for _, v := range args {
				if v == nil {
					return acc
				}
			}
			l := acc.(*listAcc)
			l.vals = append(l.vals, args[0])
			return l
		},
		Merge: func(x, y any) any {
			l := x.(*listAcc)
			l.vals = append(l.vals, y.(*listAcc).vals...)
			return l
		},
		Result: func(acc any) any { return append([]any(nil), acc.(*listAcc).vals...) },
	}
	withState(a, func(l *listAcc, b []byte) ([]byte, error) { return appendValues(b, l.vals) },
		func(r *stateReader) *listAcc { return &listAcc{vals: r.values(t)} })
	return a
}

// testSumBigint sums one integer argument (read by num) into a BIGINT,
// with undo; a NULL leaves the sum as it is.
func testSumBigint(name string, num func(any) (int64, bool)) *Aggregate {
	a := &Aggregate{
		Name:       name,
		ReturnType: types.BigintType,
		Init:       func() any { return &sumI64{} },
		Add: func(acc any, args []any) any {
			if x, ok := num(args[0]); ok {
				acc.(*sumI64).v += x
			}
			return acc
		},
		Undo: func(acc any, args []any) any {
			if x, ok := num(args[0]); ok {
				acc.(*sumI64).v -= x
			}
			return acc
		},
		Merge:  func(x, y any) any { x.(*sumI64).v += y.(*sumI64).v; return x },
		Result: func(acc any) any { return acc.(*sumI64).v },
	}
	withState(a, appendSumI64, readSumI64)
	return a
}

// testSumDouble sums a DOUBLE argument; it cannot undo.
func testSumDouble(name string) *Aggregate {
	a := &Aggregate{
		Name:       name,
		ReturnType: types.DoubleType,
		Init:       func() any { return &sumF64{} },
		Add: func(acc any, args []any) any {
			if x, ok := args[0].(float64); ok {
				acc.(*sumF64).v += x
			}
			return acc
		},
		Merge:  func(x, y any) any { x.(*sumF64).v += y.(*sumF64).v; return x },
		Result: func(acc any) any { return acc.(*sumF64).v },
	}
	withState(a, func(s *sumF64, b []byte) ([]byte, error) { return appendF64(b, s.v), nil },
		func(r *stateReader) *sumF64 { return &sumF64{v: r.f64()} })
	return a
}

// pairAcc is TEST_UDAF's struct sum; INTEGER fields wrap like Java's.
type pairAcc struct{ a, b int32 }

// testSumPair sums STRUCT<A INTEGER, B INTEGER> arguments field by
// field; a NULL struct or field adds nothing.
func testSumPair(name string) *Aggregate {
	a := &Aggregate{
		Name:         name,
		ReturnType:   testPairType,
		ComplexState: true,
		Init:         func() any { return &pairAcc{} },
		Add: func(acc any, args []any) any {
			p := acc.(*pairAcc)
			if s, ok := args[0].(types.StructVal); ok && len(s) == 2 {
				x, _ := s[0].(int32)
				y, _ := s[1].(int32)
				p.a += x
				p.b += y
			}
			return p
		},
		Merge: func(x, y any) any {
			p, q := x.(*pairAcc), y.(*pairAcc)
			p.a += q.a
			p.b += q.b
			return p
		},
		Result: func(acc any) any {
			p := acc.(*pairAcc)
			return types.StructVal{p.a, p.b}
		},
	}
	withState(a, func(p *pairAcc, b []byte) ([]byte, error) {
		return binary.AppendVarint(binary.AppendVarint(b, int64(p.a)), int64(p.b)), nil
	}, func(r *stateReader) *pairAcc { return &pairAcc{a: r.int32(), b: r.int32()} })
	return a
}
