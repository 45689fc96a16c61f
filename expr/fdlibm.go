// The argument reduction and arcsine below follow fdlibm's e_rem_pio2.c
// and e_asin.c, whose notice is kept as their license asks:
//
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunSoft, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

package expr

import "math"

// Sine, cosine and arcsine as the JVM computes them for ksqlDB, so that a
// function built on them (GEO_DISTANCE) gives Java's double to the last
// bit. Math.asin is StrictMath.asin, fdlibm's algorithm (Sun's freely
// distributable libm), followed here step for step. Math.sin and Math.cos
// are HotSpot intrinsics within about half an ulp of the exact value, so
// the nearest double stands in for them: the argument is reduced by pi/2
// as fdlibm does it (pi/2 in three parts), then the series is summed in
// double-double arithmetic. Go's math.Sin and math.Cos are off by an ulp
// for about a fifth of their arguments.

const (
	fdInvPio2 = 6.36619772367581382433e-01
	fdPio2_1  = 1.57079632673412561417e+00 // the first 33 bits of pi/2
	fdPio2_1t = 6.07710050650619224932e-11 // pi/2 - fdPio2_1
	fdPio2_2  = 6.07710050630396597660e-11 // the next 33 bits
	fdPio2_2t = 2.02226624879595063154e-21
	fdPio2_3  = 2.02226624871116645580e-21 // the next 33 bits
	fdPio2_3t = 8.47842766036889956997e-32
)

func highWord(x float64) uint32 { return uint32(math.Float64bits(x) >> 32) }

// remPio2 reduces x by a multiple n of pi/2 to y0+y1 with |y0+y1| <=
// pi/4; ok is false past the medium range (|x| about 2^19*pi/2), where
// fdlibm switches to a multiple-precision reduction.
func remPio2(x float64) (n int, y0, y1 float64, ok bool) {
	hx := highWord(x)
	ix := hx & 0x7fffffff
	neg := hx>>31 != 0
	switch {
	case ix <= 0x3fe921fb:
		return 0, x, 0, true
	case ix < 0x4002d97c: // |x| < 3pi/4: one step, twice as precise near pi/2
		if !neg {
			z := x - fdPio2_1
			if ix != 0x3ff921fb {
				y0 = z - fdPio2_1t
				return 1, y0, (z - y0) - fdPio2_1t, true
			}
			z -= fdPio2_2
			y0 = z - fdPio2_2t
			return 1, y0, (z - y0) - fdPio2_2t, true
		}
		z := x + fdPio2_1
		if ix != 0x3ff921fb {
			y0 = z + fdPio2_1t
			return -1, y0, (z - y0) + fdPio2_1t, true
		}
		z += fdPio2_2
		y0 = z + fdPio2_2t
		return -1, y0, (z - y0) + fdPio2_2t, true
	case ix > 0x413921fb:
		return 0, 0, 0, false
	}
	t := math.Abs(x)
	n = int(t*fdInvPio2 + 0.5)
	fn := float64(n)
	r := t - fn*fdPio2_1
	w := fn * fdPio2_1t
	j := int(ix >> 20)
	y0 = r - w
	if j-int(highWord(y0)>>20&0x7ff) > 16 { // cancellation: 33 more bits of pi/2
		t = r
		w = fn * fdPio2_2
		r = t - w
		w = fn*fdPio2_2t - ((t - r) - w)
		y0 = r - w
		if j-int(highWord(y0)>>20&0x7ff) > 49 { // and 33 more
			t = r
			w = fn * fdPio2_3
			r = t - w
			w = fn*fdPio2_3t - ((t - r) - w)
			y0 = r - w
		}
	}
	y1 = (r - y0) - w
	if neg {
		return -n, -y0, -y1, true
	}
	return n, y0, y1, true
}

// dd is a double-double: the unevaluated sum hi+lo, |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func ddNorm(hi, lo float64) dd {
	s := hi + lo
	return dd{s, lo - (s - hi)}
}

func ddAdd(a, b dd) dd {
	s := a.hi + b.hi
	v := s - a.hi
	e := (a.hi - (s - v)) + (b.hi - v)
	return ddNorm(s, e+a.lo+b.lo)
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	return ddNorm(p, e+a.hi*b.lo+a.lo*b.hi)
}

// ddDiv divides by a small integer d.
func ddDiv(a dd, d float64) dd {
	q := a.hi / d
	p := q * d
	e := math.FMA(q, d, -p)
	return ddNorm(q, ((a.hi-p)-e+a.lo)/d)
}

// kernelSinCos is sin(x+y) (sin true) or cos(x+y) for |x+y| <= pi/4, y
// the tail of x, rounded to the nearest double: the Taylor series summed
// in double-double arithmetic, about 100 bits, so that the rounding is
// Java's but for values within 2^-47 ulp of a halfway point.
func kernelSinCos(x, y float64, sin bool) float64 {
	r := dd{x, y}
	r2 := ddMul(r, r)
	term, sum, k := dd{1, 0}, dd{1, 0}, 1.0
	if sin {
		term, sum, k = r, r, 2
	}
	for ; k < 30; k += 2 {
		term = ddDiv(ddMul(term, r2), -k*(k+1))
		sum = ddAdd(sum, term)
	}
	return sum.hi + sum.lo
}

// javaSin is Java's Math.sin.
func javaSin(x float64) float64 { return javaSinCos(x, false) }

// javaCos is Java's Math.cos.
func javaCos(x float64) float64 { return javaSinCos(x, true) }

// javaSinCos is the sine of x, or its cosine (the sine a quadrant on),
// from x reduced by n quarter turns to y0+y1.
func javaSinCos(x float64, cos bool) float64 {
	n, y0, y1, ok := remPio2(x)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return math.NaN()
	case !ok && cos:
		return math.Cos(x)
	case !ok:
		return math.Sin(x)
	}
	if cos {
		n++
	}
	switch n & 3 {
	case 0:
		return kernelSinCos(y0, y1, true)
	case 1:
		return kernelSinCos(y0, y1, false)
	case 2:
		return -kernelSinCos(y0, y1, true)
	}
	return -kernelSinCos(y0, y1, false)
}

// javaAsin is Java's Math.asin (StrictMath.asin, fdlibm's).
func javaAsin(x float64) float64 {
	const (
		pio2Hi = 1.57079632679489655800e+00
		pio2Lo = 6.12323399573676603587e-17
		pio4Hi = 7.85398163397448278999e-01
		pS0    = 1.66666666666666657415e-01
		pS1    = -3.25565818622400915405e-01
		pS2    = 2.01212532134862925881e-01
		pS3    = -4.00555345006794114027e-02
		pS4    = 7.91534994289814532176e-04
		pS5    = 3.47933107596021167570e-05
		qS1    = -2.40339491173441421878e+00
		qS2    = 2.02094576023350569471e+00
		qS3    = -6.88283971605453293030e-01
		qS4    = 7.70381505559019352791e-02
	)
	ratio := func(t float64) (p, q float64) {
		return t * (pS0 + t*(pS1+t*(pS2+t*(pS3+t*(pS4+t*pS5))))), 1 + t*(qS1+t*(qS2+t*(qS3+t*qS4)))
	}
	ix := highWord(x) & 0x7fffffff
	switch {
	case ix >= 0x3ff00000: // |x| >= 1
		if x == 1 || x == -1 {
			return x*pio2Hi + x*pio2Lo
		}
		return math.NaN()
	case ix < 0x3e400000: // |x| < 2^-27
		return x
	case ix < 0x3fe00000: // |x| < 0.5
		p, q := ratio(x * x)
		return x + x*(p/q)
	}
	// 0.5 <= |x| < 1: asin(x) = pi/2 - 2 asin(sqrt((1-|x|)/2))
	t := (1 - math.Abs(x)) * 0.5
	p, q := ratio(t)
	s := math.Sqrt(t)
	if ix >= 0x3fef3333 { // |x| > 0.975
		t = pio2Hi - (2*(s+s*(p/q)) - pio2Lo)
	} else {
		w := math.Float64frombits(math.Float64bits(s) &^ 0xffffffff) // s without its low word
		c := (t - w*w) / (s + w)
		r := p / q
		p = 2*s*r - (pio2Lo - 2*c)
		q = pio4Hi - 2*w
		t = pio4Hi - (p - q)
	}
	if x < 0 {
		return -t
	}
	return t
}
