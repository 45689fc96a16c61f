package expr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/types"
	"github.com/eddysql/eddy/types/codec"
	"github.com/shopspring/decimal"
)

// COUNT, SUM, SUM_LIST, AVG, MIN, MAX, ATTR and COUNT_DISTINCT.
//
// Accumulators are pointers to small structs so that Add neither boxes
// nor allocates for the fixed-width types.

// ---- COUNT ----

type countAcc struct{ n int64 }

func (c *countAcc) appendState(b []byte) ([]byte, error) { return binary.AppendVarint(b, c.n), nil }
func readCount(r *stateReader) *countAcc                 { return &countAcc{n: r.varint()} }

// resolveCount: COUNT(*) / COUNT() count rows; COUNT(x) skips nulls of x.
func resolveCount(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) > 1 {
		return nil, errAggParams(name, args)
	}
	a := &Aggregate{
		Name:       name,
		ReturnType: types.BigintType,
		Init:       func() any { return &countAcc{} },
		Merge: func(x, y any) any {
			x.(*countAcc).n += y.(*countAcc).n
			return x
		},
		Result: func(acc any) any { return acc.(*countAcc).n },
	}
	withState(a, (*countAcc).appendState, readCount)
	if len(args) == 0 {
		a.Add = func(acc any, _ []any) any { acc.(*countAcc).n++; return acc }
		a.Undo = func(acc any, _ []any) any { acc.(*countAcc).n--; return acc }
		return a, nil
	}
	a.Args = []int{0}
	a.Add = func(acc any, v []any) any {
		if v[0] != nil {
			acc.(*countAcc).n++
		}
		return acc
	}
	a.Undo = func(acc any, v []any) any {
		if v[0] != nil {
			acc.(*countAcc).n--
		}
		return acc
	}
	return a, nil
}

// ---- SUM ----

type sumI32 struct{ v int32 }
type sumI64 struct{ v int64 }
type sumF64 struct{ v float64 }

// sumDec keeps the column's precision and scale; err is set (and the
// sum kept) once a sum no longer fits. While the sum's coefficient at
// the column's scale fits an int64 it is kept as one (coef): adding a
// math/big decimal costs about 300 ns and eight allocations, an int64
// nothing. It moves to v for good once it does not fit.
type sumDec struct {
	v    decimal.Decimal // the sum, once big
	coef int64           // the sum × 10^scale, until big
	big  bool
	err  error
	t    *sumDecType
}

// sumDecType is what every sum of one DECIMAL(precision, scale) column
// shares.
type sumDecType struct {
	scale     int32
	precision int
	bound     decimal.Decimal // 10^(precision-scale): the first value too wide
	// overflowErr says, in ksqlDB's words, which bound a sum passed.
	overflowErr error
}

func (s *sumDec) aggErr() error { return s.err }

// value returns the sum.
func (s *sumDec) value() decimal.Decimal {
	if s.big {
		return s.v
	}
	return smalldec.New(s.coef, -s.t.scale)
}

// appendState stores the sum and whether it overflowed; the bound comes
// from the restoring Aggregate's type.
func (s *sumDec) appendState(b []byte) ([]byte, error) {
	return codec.AppendDecimal(appendFlag(b, s.err != nil), s.value()), nil
}

// add adds x (negated when sub) to the sum.
func (s *sumDec) add(x decimal.Decimal, sub bool) {
	if !s.big {
		if c, ok := s.coefOf(x); ok && (!sub || c != math.MinInt64) {
			if sub {
				c = -c
			}
			if n, ok := smalldec.Add(s.coef, c); ok {
				if s.t.precision < 19 && smalldec.Digits(n) > s.t.precision {
					s.overflow()
					return
				}
				s.coef = n
				return
			}
		}
		s.v, s.big = s.value(), true
	}
	if sub {
		s.set(s.v.Sub(x))
	} else {
		s.set(s.v.Add(x))
	}
}

// coefOf returns x's coefficient at the column's scale when it is exact
// there and fits an int64.
func (s *sumDec) coefOf(x decimal.Decimal) (int64, bool) {
	c, e, ok := smalldec.Int64(x)
	if !ok || e < -s.t.scale {
		return 0, false // more fraction digits than the column: leave rounding to big
	}
	return smalldec.Rescale(c, e, s.t.scale)
}

// set stores n if it fits DECIMAL(prec, sc), else records the overflow.
// Inputs already have the column's scale, so only integer digits can
// overflow.
func (s *sumDec) set(n decimal.Decimal) {
	if n.Abs().Cmp(s.t.bound) >= 0 {
		s.overflow()
		return
	}
	s.v = n
}

// overflow records that a sum did not fit.
func (s *sumDec) overflow() { s.err = s.t.overflowErr }

// restore makes v the sum, as an int64 coefficient when it fits.
func (s *sumDec) restore(v decimal.Decimal) {
	if c, ok := s.coefOf(v); ok {
		s.coef, s.big = c, false
		return
	}
	s.v, s.big = v, true
}

// resolveSum: INT→INT, BIGINT→BIGINT, DOUBLE→DOUBLE, DECIMAL(p,s)→DECIMAL(p,s).
// Integer sums wrap like Java's. Before any non-null input the sum is 0.
func resolveSum(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || !isKind(args[0].Type, types.Int, types.Bigint, types.Double, types.Decimal) {
		return nil, errAggParams(name, args)
	}
	t := args[0].Type
	a := &Aggregate{Name: name, ReturnType: t, Args: []int{0}}
	switch t.Kind {
	case types.Int:
		a.Init = func() any { return &sumI32{} }
		a.Add = func(acc any, v []any) any {
			if x, ok := v[0].(int32); ok {
				acc.(*sumI32).v += x
			}
			return acc
		}
		a.Undo = func(acc any, v []any) any {
			if x, ok := v[0].(int32); ok {
				acc.(*sumI32).v -= x
			}
			return acc
		}
		a.Merge = func(x, y any) any { x.(*sumI32).v += y.(*sumI32).v; return x }
		a.Result = func(acc any) any { return acc.(*sumI32).v }
		withState(a, func(s *sumI32, b []byte) ([]byte, error) { return binary.AppendVarint(b, int64(s.v)), nil },
			func(r *stateReader) *sumI32 { return &sumI32{v: r.int32()} })
	case types.Bigint:
		a.Init = func() any { return &sumI64{} }
		a.Add = func(acc any, v []any) any {
			if x, ok := v[0].(int64); ok {
				acc.(*sumI64).v += x
			}
			return acc
		}
		a.Undo = func(acc any, v []any) any {
			if x, ok := v[0].(int64); ok {
				acc.(*sumI64).v -= x
			}
			return acc
		}
		a.Merge = func(x, y any) any { x.(*sumI64).v += y.(*sumI64).v; return x }
		a.Result = func(acc any) any { return acc.(*sumI64).v }
		withState(a, func(s *sumI64, b []byte) ([]byte, error) { return binary.AppendVarint(b, s.v), nil },
			func(r *stateReader) *sumI64 { return &sumI64{v: r.varint()} })
	case types.Double:
		a.Init = func() any { return &sumF64{} }
		a.Add = func(acc any, v []any) any {
			if x, ok := v[0].(float64); ok {
				acc.(*sumF64).v += x
			}
			return acc
		}
		a.Undo = func(acc any, v []any) any {
			if x, ok := v[0].(float64); ok {
				acc.(*sumF64).v -= x
			}
			return acc
		}
		a.Merge = func(x, y any) any { x.(*sumF64).v += y.(*sumF64).v; return x }
		a.Result = func(acc any) any { return acc.(*sumF64).v }
		withState(a, func(s *sumF64, b []byte) ([]byte, error) { return appendF64(b, s.v), nil },
			func(r *stateReader) *sumF64 { return &sumF64{v: r.f64()} })
	case types.Decimal:
		st := &sumDecType{scale: int32(t.Scale), precision: t.Precision, bound: decimal.New(1, int32(t.Precision-t.Scale)),
			overflowErr: fmt.Errorf("%w: A field with precision %d and scale %d must round to an absolute value less than 10^%d",
				errNumericOverflow, t.Precision, t.Scale, t.Precision-t.Scale)}
		a.Init = func() any { return &sumDec{t: st} }
		a.Add = func(acc any, v []any) any {
			if x, ok := v[0].(decimal.Decimal); ok {
				acc.(*sumDec).add(x, false)
			}
			return acc
		}
		a.Undo = func(acc any, v []any) any {
			if x, ok := v[0].(decimal.Decimal); ok {
				acc.(*sumDec).add(x, true)
			}
			return acc
		}
		a.Merge = func(x, y any) any {
			d, e := x.(*sumDec), y.(*sumDec)
			d.add(e.value(), false)
			if e.err != nil {
				d.err = e.err
			}
			return d
		}
		a.Fallible = true
		a.Result = func(acc any) any {
			d := acc.(*sumDec)
			if !d.big {
				return d.value() // at the column's scale already
			}
			return d.v.Round(st.scale)
		}
		withState(a, (*sumDec).appendState, func(r *stateReader) *sumDec {
			d := &sumDec{t: st}
			if r.flag() {
				d.err = st.overflowErr
			}
			v, ok := r.value(t).(decimal.Decimal)
			if !ok {
				r.fail(errors.New("DECIMAL sum is null"))
			}
			d.restore(v)
			return d
		})
	}
	return a, nil
}

// ---- SUM_LIST ----

// resolveSumList sums the non-null elements of ARRAY<INT|BIGINT|DOUBLE>
// into the element type.
func resolveSumList(r *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || !isKind(args[0].Type, types.Array) ||
		!isKind(args[0].Type.Elem, types.Int, types.Bigint, types.Double) {
		return nil, errAggParams(name, args)
	}
	// Reuse SUM over the element type, feeding it each element.
	inner, _ := resolveSum(r, name, []AggArg{{Type: args[0].Type.Elem}})
	each := func(f func(any, []any) any) func(any, []any) any {
		return func(acc any, v []any) any {
			list, _ := v[0].([]any)
			one := make([]any, 1)
			for _, e := range list {
				one[0] = e
				acc = f(acc, one)
			}
			return acc
		}
	}
	inner.Add, inner.Undo = each(inner.Add), each(inner.Undo)
	return inner, nil
}

// ---- AVG ----

type avgInt struct{ sum, n int64 }
type avgF64 struct {
	sum float64
	n   int64
}

// resolveAvg: INT, BIGINT or DOUBLE → DOUBLE (sum / count, 0.0 when no
// non-null input). Integer inputs sum in a BIGINT.
func resolveAvg(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || !isKind(args[0].Type, types.Int, types.Bigint, types.Double) {
		return nil, errAggParams(name, args)
	}
	a := &Aggregate{Name: name, ReturnType: types.DoubleType, Args: []int{0}, ComplexState: true}
	if args[0].Type.Kind == types.Double {
		a.Init = func() any { return &avgF64{} }
		a.Add = func(acc any, v []any) any {
			if x, ok := v[0].(float64); ok {
				s := acc.(*avgF64)
				s.sum += x
				s.n++
			}
			return acc
		}
		a.Undo = func(acc any, v []any) any {
			if x, ok := v[0].(float64); ok {
				s := acc.(*avgF64)
				s.sum -= x
				s.n--
			}
			return acc
		}
		a.Merge = func(x, y any) any {
			s, t := x.(*avgF64), y.(*avgF64)
			s.sum += t.sum
			s.n += t.n
			return s
		}
		a.Result = func(acc any) any {
			s := acc.(*avgF64)
			if s.n == 0 {
				return 0.0
			}
			return s.sum / float64(s.n)
		}
		withState(a, func(s *avgF64, b []byte) ([]byte, error) { return binary.AppendVarint(appendF64(b, s.sum), s.n), nil },
			func(r *stateReader) *avgF64 { return &avgF64{sum: r.f64(), n: r.varint()} })
		return a, nil
	}
	asInt := func(v any) (int64, bool) {
		switch x := v.(type) {
		case int32:
			return int64(x), true
		case int64:
			return x, true
		}
		return 0, false
	}
	a.Init = func() any { return &avgInt{} }
	a.Add = func(acc any, v []any) any {
		if x, ok := asInt(v[0]); ok {
			s := acc.(*avgInt)
			s.sum += x
			s.n++
		}
		return acc
	}
	a.Undo = func(acc any, v []any) any {
		if x, ok := asInt(v[0]); ok {
			s := acc.(*avgInt)
			s.sum -= x
			s.n--
		}
		return acc
	}
	a.Merge = func(x, y any) any {
		s, t := x.(*avgInt), y.(*avgInt)
		s.sum += t.sum
		s.n += t.n
		return s
	}
	a.Result = func(acc any) any {
		s := acc.(*avgInt)
		if s.n == 0 {
			return 0.0
		}
		return float64(s.sum) / float64(s.n)
	}
	withState(a, func(s *avgInt, b []byte) ([]byte, error) {
		return binary.AppendVarint(binary.AppendVarint(b, s.sum), s.n), nil
	},
		func(r *stateReader) *avgInt { return &avgInt{sum: r.varint(), n: r.varint()} })
	return a, nil
}

// ---- MIN / MAX ----

type extremeAcc struct{ v any } // nil until the first non-null input

func resolveMin(r *Registry, name string, args []AggArg) (*Aggregate, error) {
	return resolveExtreme(name, args, -1)
}

func resolveMax(r *Registry, name string, args []AggArg) (*Aggregate, error) {
	return resolveExtreme(name, args, 1)
}

// resolveExtreme keeps the smallest (sign -1) or largest (sign 1)
// non-null value of an orderable primitive type; null before any input.
func resolveExtreme(name string, args []AggArg, sign int) (*Aggregate, error) {
	if len(args) != 1 || !isKind(args[0].Type, orderableKinds...) {
		return nil, errAggParams(name, args)
	}
	keep := func(s *extremeAcc, x any) {
		if x != nil && (s.v == nil || compareValues(x, s.v)*sign > 0) {
			s.v = x
		}
	}
	t := args[0].Type
	a := &Aggregate{
		Name:       name,
		ReturnType: t,
		Args:       []int{0},
		Init:       func() any { return &extremeAcc{} },
		Add: func(acc any, v []any) any {
			keep(acc.(*extremeAcc), v[0])
			return acc
		},
		Merge: func(x, y any) any {
			keep(x.(*extremeAcc), y.(*extremeAcc).v)
			return x
		},
		Result: func(acc any) any { return acc.(*extremeAcc).v },
	}
	withState(a, func(s *extremeAcc, b []byte) ([]byte, error) { return codec.AppendValue(b, s.v) },
		func(r *stateReader) *extremeAcc { return &extremeAcc{v: r.value(t)} })
	return a, nil
}

// ---- ATTR ----

// multiset counts values by valueKey, remembering one value per key.
type multiset struct {
	n    map[string]int
	vals map[string]any
}

func newMultiset() *multiset { return &multiset{n: map[string]int{}, vals: map[string]any{}} }

func (m *multiset) add(v any, by int) {
	k := valueKey(v)
	c := m.n[k] + by
	if c <= 0 {
		delete(m.n, k)
		delete(m.vals, k)
		return
	}
	m.n[k] = c
	m.vals[k] = v
}

// appendState writes each distinct value with its count.
func (m *multiset) appendState(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(m.n)))
	for k, c := range m.n {
		var err error
		if b, err = codec.AppendValue(b, m.vals[k]); err != nil {
			return nil, err
		}
		b = binary.AppendUvarint(b, uint64(c))
	}
	return b, nil
}

// readMultiset reads what appendState wrote, values of type t.
func readMultiset(r *stateReader, t *types.Type) *multiset {
	m := newMultiset()
	for n := r.count(); n > 0 && r.err == nil; n-- {
		v := r.value(t)
		c, rest, err := codec.Uvarint(r.b)
		if r.err != nil {
			break
		}
		if err != nil || c == 0 || c > math.MaxInt32 {
			r.fail(fmt.Errorf("bad multiset count %d", c))
			break
		}
		r.b = rest
		k := valueKey(v)
		if _, dup := m.n[k]; dup {
			r.fail(fmt.Errorf("value %s repeated in a multiset", k))
			break
		}
		m.n[k], m.vals[k] = int(c), v
	}
	return m
}

// resolveAttr returns the value when every input (nulls included) was
// the same, else null.
func resolveAttr(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || args[0].Type == nil {
		return nil, errAggParams(name, args)
	}
	t := args[0].Type
	a := &Aggregate{
		Name:         name,
		ReturnType:   t,
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return newMultiset() },
		Add:          func(acc any, v []any) any { acc.(*multiset).add(v[0], 1); return acc },
		Undo:         func(acc any, v []any) any { acc.(*multiset).add(v[0], -1); return acc },
		Merge: func(x, y any) any {
			m := x.(*multiset)
			for k, c := range y.(*multiset).n {
				m.add(y.(*multiset).vals[k], c)
			}
			return m
		},
		Result: func(acc any) any {
			m := acc.(*multiset)
			if len(m.vals) != 1 {
				return nil
			}
			for _, v := range m.vals {
				return v
			}
			return nil
		},
	}
	withState(a, (*multiset).appendState, func(r *stateReader) *multiset { return readMultiset(r, t) })
	return a, nil
}

// ---- COUNT_DISTINCT ----

// distinctAcc holds the valueKey of each distinct value seen.
type distinctAcc struct{ seen map[string]struct{} }

func (d *distinctAcc) appendState(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(d.seen)))
	for k := range d.seen {
		b = codec.AppendString(b, k)
	}
	return b, nil
}

func readDistinct(r *stateReader) *distinctAcc {
	n := r.count()
	d := &distinctAcc{seen: make(map[string]struct{}, n)}
	for ; n > 0 && r.err == nil; n-- {
		k := r.str()
		if _, dup := d.seen[k]; dup {
			r.fail(fmt.Errorf("value %s repeated in a distinct set", k))
		}
		d.seen[k] = struct{}{}
	}
	return d
}

// resolveCountDistinct counts distinct non-null values, exactly.
func resolveCountDistinct(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 1 || args[0].Type == nil {
		return nil, errAggParams(name, args)
	}
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.BigintType,
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return &distinctAcc{seen: map[string]struct{}{}} },
		Add: func(acc any, v []any) any {
			if v[0] != nil {
				seen := acc.(*distinctAcc).seen
				var buf [64]byte
				k := appendKey(buf[:0], v[0])
				if _, ok := seen[string(k)]; !ok { // a lookup that does not allocate
					seen[string(k)] = struct{}{}
				}
			}
			return acc
		},
		Merge: func(x, y any) any {
			s := x.(*distinctAcc)
			for k := range y.(*distinctAcc).seen {
				s.seen[k] = struct{}{}
			}
			return s
		},
		Result: func(acc any) any { return int64(len(acc.(*distinctAcc).seen)) },
	}
	withState(a, (*distinctAcc).appendState, readDistinct)
	return a, nil
}
