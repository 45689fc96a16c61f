package expr

import (
	"math"

	"github.com/eddysql/eddy/types"
)

// STDDEV_SAMP, STDDEV_SAMPLE and CORRELATION. All take INT, BIGINT or
// DOUBLE, skip rows with a null input, and return DOUBLE.

var statKinds = []types.Kind{types.Int, types.Bigint, types.Double}

// num converts an INT, BIGINT or DOUBLE value to float64.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// ---- STDDEV ----

// varAcc is the streaming sample variance state: count, sum and the sum
// of squared deviations m2, updated incrementally (and reversibly).
type varAcc struct{ n, sum, m2 float64 }

func (a *varAcc) add(x float64) {
	if a.n > 0 {
		n := a.n + 1
		t := n*x - (a.sum + x)
		a.m2 += t * t / (n * a.n)
	}
	a.n++
	a.sum += x
}

func (a *varAcc) undo(x float64) {
	if a.n <= 1 {
		*a = varAcc{}
		return
	}
	t := a.n*x - a.sum
	a.m2 -= t * t / (a.n * (a.n - 1))
	a.n--
	a.sum -= x
}

func (a *varAcc) merge(b *varAcc) {
	switch {
	case b.n == 0:
		return
	case a.n == 0:
		*a = *b
		return
	}
	d := b.sum/b.n - a.sum/a.n
	n := a.n + b.n
	a.m2 += b.m2 + d*d*a.n*b.n/n
	a.n = n
	a.sum += b.sum
}

func (a *varAcc) appendState(b []byte) ([]byte, error) {
	return appendF64(appendF64(appendF64(b, a.n), a.sum), a.m2), nil
}

func readVar(r *stateReader) *varAcc { return &varAcc{n: r.f64(), sum: r.f64(), m2: r.f64()} }

// variance is the sample variance; 0 with fewer than two values.
func (a *varAcc) variance() float64 {
	if a.n < 2 {
		return 0
	}
	return a.m2 / (a.n - 1)
}

// resolveStddevSamp: STDDEV_SAMP returns the sample *variance*, as
// ksqlDB does (a known ksqlDB bug that its tests pin).
func resolveStddevSamp(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	return resolveVariance(name, args, (*varAcc).variance)
}

// resolveStddevSample returns the sample standard deviation.
func resolveStddevSample(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	return resolveVariance(name, args, func(a *varAcc) float64 { return math.Sqrt(a.variance()) })
}

func resolveVariance(name string, args []AggArg, res func(*varAcc) float64) (*Aggregate, error) {
	if len(args) != 1 || !isKind(args[0].Type, statKinds...) {
		return nil, errAggParams(name, args)
	}
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.DoubleType,
		Args:         []int{0},
		ComplexState: true,
		Init:         func() any { return &varAcc{} },
		Add: func(acc any, v []any) any {
			if x, ok := num(v[0]); ok {
				acc.(*varAcc).add(x)
			}
			return acc
		},
		Undo: func(acc any, v []any) any {
			if x, ok := num(v[0]); ok {
				acc.(*varAcc).undo(x)
			}
			return acc
		},
		Merge: func(x, y any) any {
			x.(*varAcc).merge(y.(*varAcc))
			return x
		},
		Result: func(acc any) any { return res(acc.(*varAcc)) },
	}
	withState(a, (*varAcc).appendState, readVar)
	return a, nil
}

// ---- CORRELATION ----

// corrAcc holds running sums for Pearson's r.
type corrAcc struct{ n, sx, sy, sxx, syy, sxy float64 }

func (c *corrAcc) add(x, y, by float64) {
	c.n += by
	c.sx += by * x
	c.sy += by * y
	c.sxx += by * x * x
	c.syy += by * y * y
	c.sxy += by * x * y
	if c.n == 0 {
		*c = corrAcc{} // drop rounding residue once empty
	}
}

func (c *corrAcc) appendState(b []byte) ([]byte, error) {
	for _, f := range [...]float64{c.n, c.sx, c.sy, c.sxx, c.syy, c.sxy} {
		b = appendF64(b, f)
	}
	return b, nil
}

func readCorr(r *stateReader) *corrAcc {
	return &corrAcc{n: r.f64(), sx: r.f64(), sy: r.f64(), sxx: r.f64(), syy: r.f64(), sxy: r.f64()}
}

// resolveCorrelation: CORRELATION(x, y), both INT, BIGINT or DOUBLE;
// rows where either is null are skipped. NaN while undefined (fewer than
// two points, or a constant x or y).
func resolveCorrelation(_ *Registry, name string, args []AggArg) (*Aggregate, error) {
	if len(args) != 2 || !isKind(args[0].Type, statKinds...) || !isKind(args[1].Type, statKinds...) {
		return nil, errAggParams(name, args)
	}
	step := func(by float64) func(acc any, v []any) any {
		return func(acc any, v []any) any {
			x, ok1 := num(v[0])
			y, ok2 := num(v[1])
			if ok1 && ok2 {
				acc.(*corrAcc).add(x, y, by)
			}
			return acc
		}
	}
	a := &Aggregate{
		Name:         name,
		ReturnType:   types.DoubleType,
		Args:         []int{0, 1},
		ComplexState: true,
		Init:         func() any { return &corrAcc{} },
		Add:          step(1),
		Undo:         step(-1),
		Merge: func(x, y any) any {
			c, d := x.(*corrAcc), y.(*corrAcc)
			c.n += d.n
			c.sx += d.sx
			c.sy += d.sy
			c.sxx += d.sxx
			c.syy += d.syy
			c.sxy += d.sxy
			return c
		},
		Result: func(acc any) any {
			c := acc.(*corrAcc)
			cov := c.n*c.sxy - c.sx*c.sy
			return cov / math.Sqrt((c.n*c.sxx-c.sx*c.sx)*(c.n*c.syy-c.sy*c.sy))
		},
	}
	withState(a, (*corrAcc).appendState, readCorr)
	return a, nil
}
