package types

import (
	"math"
	"strconv"
	"strings"
)

// FormatDouble renders f as Java's Double.toString does, which is what
// ksqlDB prints: "1.0", "0.001", "1.0E7", "1.234E-5", "NaN", "Infinity".
func FormatDouble(f float64) string { return formatJava(f, 64) }

// FormatFloat renders f as Java's Float.toString does (the shortest
// digits that read back as the same float32), as Kafka Connect prints a
// FLOAT32.
func FormatFloat(f float32) string { return formatJava(float64(f), 32) }

// formatJava is Double.toString (bits 64) or Float.toString (bits 32).
func formatJava(f float64, bits int) string {
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
	// Java prints the smallest denormal with two digits.
	smallest, printed := math.SmallestNonzeroFloat64, "4.9E-324"
	if bits == 32 {
		smallest, printed = math.SmallestNonzeroFloat32, "1.4E-45"
	}
	if math.Abs(f) == smallest {
		if f < 0 {
			return "-" + printed
		}
		return printed
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	// Scientific: mantissa with at least one fractional digit, exponent
	// without '+' or leading zeros.
	s := strconv.FormatFloat(f, 'E', -1, bits)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
