package expr

import (
	"math"

	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/shopspring/decimal"
)

// DECIMAL arithmetic and comparison on int64 coefficients when both
// operands fit, which is most of the time: shopspring's math/big path
// costs several allocations per operation, the int64 path one (the
// result). Each returns ok false when it cannot decide exactly, and the
// caller takes the math/big path.

// smallOf returns v (an INT, BIGINT or DECIMAL) as coefficient × 10^exp.
func smallOf(v any) (coef int64, exp int32, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, 0, true
	case int32:
		return int64(x), 0, true
	case decimal.Decimal:
		return smalldec.Int64(x)
	}
	return 0, 0, false
}

// smallPair is smallOf of both operands; ok only when both fit.
func smallPair(a, b any) (x int64, xe int32, y int64, ye int32, ok bool) {
	if x, xe, ok = smallOf(a); !ok {
		return
	}
	y, ye, ok = smallOf(b)
	return
}

// align brings two coefficients to the smaller exponent.
func align(a int64, ae int32, b int64, be int32) (int64, int64, int32, bool) {
	e := min(ae, be)
	a, okA := smalldec.Rescale(a, ae, -e)
	b, okB := smalldec.Rescale(b, be, -e)
	return a, b, e, okA && okB
}

// smallArith computes a op b rounded to scale (op one of + - *), as
// dec(a).Op(dec(b)).Round(scale) does, boxed into slab (if not nil).
func smallArith(slab *smalldec.Slab, op byte, a, b any, scale int32) (any, bool) {
	x, xe, y, ye, ok := smallPair(a, b)
	if !ok {
		return nil, false
	}
	var c int64
	var e int64
	switch op {
	case '*':
		if c, ok = smalldec.Mul(x, y); !ok {
			return nil, false
		}
		e = int64(xe) + int64(ye)
	default:
		var ax, ay int64
		var ae int32
		if ax, ay, ae, ok = align(x, xe, y, ye); !ok {
			return nil, false
		}
		if op == '-' {
			if ay == math.MinInt64 {
				return nil, false
			}
			ay = -ay
		}
		if c, ok = smalldec.Add(ax, ay); !ok {
			return nil, false
		}
		e = int64(ae)
	}
	if e < math.MinInt32 || e > math.MaxInt32 {
		return nil, false
	}
	r, ok := smalldec.Rescale(c, int32(e), scale)
	if !ok {
		return nil, false
	}
	return slab.Box(r, -scale), true
}

// smallCmp compares two numbers (INT, BIGINT, DECIMAL) exactly.
func smallCmp(a, b any) (int, bool) {
	x, xe, y, ye, ok := smallPair(a, b)
	if !ok {
		return 0, false
	}
	x, y, _, ok = align(x, xe, y, ye)
	if !ok {
		return 0, false
	}
	switch {
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

// smallDiv computes a / b rounded half away from zero to scale, as
// dec(a).DivRound(dec(b), scale) does, boxed into slab (if not nil). The
// caller handles a zero divisor.
func smallDiv(slab *smalldec.Slab, a, b any, scale int32) (any, bool) {
	x, xe, y, ye, ok := smallPair(a, b)
	if !ok {
		return nil, false
	}
	// a / b = x / y × 10^(xe-ye): at scale, the coefficient is
	// x × 10^(xe-ye+scale) / y.
	shift := int64(xe) - int64(ye) + int64(scale)
	if shift < 0 || shift > 19 {
		return nil, false
	}
	q, ok := smalldec.DivRound(x, int(shift), y)
	if !ok {
		return nil, false
	}
	return slab.Box(q, -scale), true
}

// smallRound is ROUND(d, places) with ties towards positive infinity:
// at d's own scale when keepScale, else (places 0) at scale 0, as
// roundCeilHalf and rescale give it.
func smallRound(d decimal.Decimal, places int, keepScale bool) (any, bool) {
	c, e, ok := smalldec.Int64(d)
	if !ok || e > 0 {
		return nil, false
	}
	drop := int(-e) - places // the fraction digits rounded away
	if drop <= 0 {
		if keepScale {
			return d, true
		}
		return smalldec.Box(c, 0), true
	}
	q, ok := smalldec.RoundHalfCeil(c, drop)
	if !ok {
		return nil, false
	}
	if !keepScale {
		return smalldec.Box(q, 0), true
	}
	r, ok := smalldec.Rescale(q, int32(drop), 0)
	if !ok {
		return nil, false
	}
	return smalldec.Box(r, e), true
}
