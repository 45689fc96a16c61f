package types

import (
	"math"
	"strconv"
	"strings"
)

// FormatDouble renders f as Java's Double.toString does, which is what
// ksqlDB prints: "1.0", "0.001", "1.0E7", "1.234E-5", "NaN", "Infinity".
func FormatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if math.Abs(f) == math.SmallestNonzeroFloat64 {
		// Java prints the smallest denormal with two digits.
		if f < 0 {
			return "-4.9E-324"
		}
		return "4.9E-324"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	// Scientific: mantissa with at least one fractional digit, exponent
	// without '+' or leading zeros.
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
