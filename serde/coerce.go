package serde

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// fromText converts the text of a DELIMITED field, a JSON string read into
// a non-string column, or a JSON object key into a value of type t. The
// rules follow Java's parsers, which is what ksqlDB uses: Integer.parseInt
// style integers (no spaces, no fraction), Double.parseDouble style floats.
func fromText(s string, t *types.Type) (any, error) {
	switch t.Kind {
	case types.String:
		return s, nil
	case types.Boolean:
		switch {
		case strings.EqualFold(s, "true"):
			return true, nil
		case strings.EqualFold(s, "false"):
			return false, nil
		}
	case types.Int:
		if v, err := strconv.ParseInt(s, 10, 32); err == nil {
			return int32(v), nil
		}
	case types.Bigint:
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v, nil
		}
	case types.Double:
		if v, ok := parseJavaDouble(s); ok {
			return v, nil
		}
	case types.Decimal:
		d, err := decimal.NewFromString(s)
		if err != nil {
			break
		}
		return fitDecimal(d, t)
	case types.Bytes:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("cannot decode BYTES from base64 %q: %w", clip(s), err)
		}
		return b, nil
	case types.Date:
		if v, err := strconv.ParseInt(s, 10, 32); err == nil {
			return types.DateVal(v), nil
		}
	case types.Time:
		if v, err := strconv.ParseInt(s, 10, 32); err == nil {
			return types.TimeVal(v), nil
		}
	case types.Timestamp:
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return types.TimestampVal(v), nil
		}
	default:
		return nil, fmt.Errorf("cannot read %s from text", t)
	}
	return nil, fmt.Errorf("cannot convert string %q to %s", clip(s), t)
}

// parseJavaDouble accepts what Double.parseDouble does for ordinary input:
// surrounding blanks, an optional f/F/d/D suffix, NaN and Infinity.
func parseJavaDouble(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'f', 'F', 'd', 'D':
			s = s[:n-1]
		}
	}
	// Go would also take "inf", "nan", hex floats and underscores; Java
	// does not, so allow only decimal digits, sign, point and exponent.
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// ParseFloat reports overflow as ±Inf with an error; Java returns
		// the infinity.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return v, true
		}
		return 0, false
	}
	return v, true
}

// fitDecimal gives d the column's scale, as ksqlDB does on read: padding
// is fine, but losing digits or exceeding the precision is an error rather
// than a silent change of value.
func fitDecimal(d decimal.Decimal, t *types.Type) (decimal.Decimal, error) {
	if t.Precision <= 0 {
		return d, nil // unconstrained (should not happen for a column)
	}
	scale := int32(t.Scale)
	if err := farDecimal(d, t); err != nil {
		return decimal.Decimal{}, err
	}
	r := d.Round(scale)
	if r.Cmp(d) != 0 {
		return decimal.Decimal{}, roundingError(d, t)
	}
	if digits(r) > t.Precision {
		return decimal.Decimal{}, overflowError(d, t)
	}
	return r, nil
}

func roundingError(d decimal.Decimal, t *types.Type) error {
	return fmt.Errorf("cannot fit decimal '%s' into %s without rounding", shownDecimal(d), t)
}

func overflowError(d decimal.Decimal, t *types.Type) error {
	return fmt.Errorf("numeric field overflow: a field with precision %d and scale %d must round to an absolute value less than 10^%d, got %s",
		t.Precision, t.Scale, t.Precision-t.Scale, shownDecimal(d))
}

// farExponent is the exponent beyond which fitDecimal judges a value by
// its exponent alone: rounding or rescaling "1E7758580" would spell out
// millions of digits, seconds of CPU for one field of one record.
const farExponent = 1000

// farDecimal returns fitDecimal's error for a nonzero d whose exponent
// is beyond ±farExponent, decided without rescaling d: one too large for
// t (no rounding needed, too many integer digits), or one so small that
// it rounds to zero at t's scale. Other values get nil.
func farDecimal(d decimal.Decimal, t *types.Type) error {
	exp := int64(d.Exponent())
	if (exp <= farExponent && exp >= -farExponent) || d.Sign() == 0 {
		return nil
	}
	scale := int64(t.Scale)
	intDigits := int64(d.NumDigits()) + exp // |d| < 10^intDigits
	switch {
	case exp >= -scale && intDigits > int64(t.Precision-t.Scale):
		return overflowError(d, t)
	case intDigits <= -(scale + 1): // |d| < 10^-(scale+1): rounds to 0
		return roundingError(d, t)
	}
	return nil
}

// shownDecimal is d for an error message: plain, or in E notation when
// its exponent would make the plain form longer than any reader wants.
func shownDecimal(d decimal.Decimal) string {
	if exp := d.Exponent(); exp > 64 || exp < -64 {
		return d.Coefficient().String() + "E" + strconv.Itoa(int(exp))
	}
	return plainDecimal(d)
}

// decimalFromFloat converts a DOUBLE to a DECIMAL of type t. NaN and the
// infinities have no decimal value (decimal.NewFromFloat panics on them).
func decimalFromFloat(f float64, t *types.Type) (decimal.Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal.Decimal{}, fmt.Errorf("cannot convert %s to %s", types.FormatDouble(f), t)
	}
	return decimal.NewFromFloat(f), nil
}

// digits counts the digits of d's coefficient (0 counts as one digit).
func digits(d decimal.Decimal) int {
	c := d.Coefficient()
	if c.IsInt64() {
		// smalldec takes the magnitude unsigned: -math.MinInt64 overflows.
		return smalldec.Digits(c.Int64())
	}
	s := c.String()
	if s[0] == '-' {
		return len(s) - 1
	}
	return len(s)
}

// plainDecimal renders d in plain notation at its own scale ("1.10", never
// "1.1E+1"), which is how DECIMAL is written in JSON and DELIMITED.
func plainDecimal(d decimal.Decimal) string {
	scale := -d.Exponent()
	if scale < 0 {
		scale = 0
	}
	return d.StringFixed(scale)
}

// decimalForType renders d at the column's scale, checking the precision,
// so that every record of a column is written with the same scale.
func decimalForType(d decimal.Decimal, t *types.Type) (string, error) {
	if t.Precision <= 0 {
		return plainDecimal(d), nil
	}
	r := d.Round(int32(t.Scale))
	if digits(r) > t.Precision {
		return "", fmt.Errorf("decimal %s does not fit %s", plainDecimal(d), t)
	}
	return r.StringFixed(int32(t.Scale)), nil
}

// appendJSONDecimal writes v, a DECIMAL or an integer, as a JSON value
// of column type t, as ksqlDB's JSON serializer writes a BigDecimal: a
// DECIMAL at its own scale when that is within the column's (GREATEST
// of 1.50 and 0.123456, a DECIMAL(7, 6), writes 1.50), else rounded to
// the column's, and an integer at the column's; the precision is
// checked at the column's scale either way. Without allocations when
// the coefficient fits an int64.
func appendJSONDecimal(dst []byte, v any, t *types.Type) ([]byte, error) {
	var d decimal.Decimal
	isDec := true
	switch x := v.(type) {
	case *decimal.Decimal:
		if x == nil {
			return nil, typeErr(v, t)
		}
		d = *x
	case decimal.Decimal:
		d = x
	default:
		i, ok := asInt64(v)
		if !ok {
			return nil, typeErr(v, t)
		}
		d, isDec = decimal.NewFromInt(i), false
	}
	own := -d.Exponent()
	keep := isDec && own >= 0 && own < int32(t.Scale)
	if c, e, ok := smalldec.Int64(d); ok && t.Precision > 0 && t.Scale >= 0 {
		if r, ok := smalldec.Rescale(c, e, int32(t.Scale)); ok && smalldec.Digits(r) <= t.Precision {
			if keep {
				return smalldec.AppendFixed(dst, c, own), nil
			}
			return smalldec.AppendFixed(dst, r, int32(t.Scale)), nil
		}
	}
	s, err := decimalForType(d, t)
	if err != nil {
		return nil, err
	}
	if keep && t.Precision > 0 {
		s = d.StringFixed(own)
	}
	return append(dst, s...), nil
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// Integer views of the values the runtime may hand us. The documented
// representation is exact (int32 for INT, …); accepting the other integer
// kinds costs nothing and avoids failing on a harmless widening.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case types.DateVal:
		return int64(x), true
	case types.TimeVal:
		return int64(x), true
	case types.TimestampVal:
		return int64(x), true
	}
	return 0, false
}

func asFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case decimal.Decimal:
		f, _ := x.Float64()
		return f, true
	}
	if i, ok := asInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}

func asDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case *decimal.Decimal:
		if x != nil {
			return *x, true
		}
	}
	if i, ok := asInt64(v); ok {
		return decimal.NewFromInt(i), true
	}
	return decimal.Decimal{}, false
}

// typeErr reports a Go value that does not match its column type.
func typeErr(v any, t *types.Type) error {
	return fmt.Errorf("value of Go type %T cannot be written as %s", v, t)
}

// textOf renders a primitive value as DELIMITED text and as JSON map keys.
func textOf(v any, t *types.Type) (string, error) {
	switch t.Kind {
	case types.String:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case types.Boolean:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
	case types.Int, types.Bigint, types.Date, types.Time, types.Timestamp:
		if i, ok := asInt64(v); ok {
			return strconv.FormatInt(i, 10), nil
		}
	case types.Double:
		if f, ok := asFloat64(v); ok {
			return types.FormatDouble(f), nil
		}
	case types.Decimal:
		if d, ok := asDecimal(v); ok {
			return decimalForType(d, t)
		}
	case types.Bytes:
		if b, ok := v.([]byte); ok {
			return base64.StdEncoding.EncodeToString(b), nil
		}
	}
	return "", typeErr(v, t)
}

// appendDouble appends types.FormatDouble(f) (Java's Double.toString)
// without building an intermediate string.
func appendDouble(dst []byte, f float64) []byte {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) == math.SmallestNonzeroFloat64 {
		return append(dst, types.FormatDouble(f)...) // constants, no allocation
	}
	if abs := math.Abs(f); abs >= 1e-3 && abs < 1e7 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		for _, c := range dst[start:] {
			if c == '.' {
				return dst
			}
		}
		return append(dst, '.', '0')
	}
	// Scientific: at least one fractional digit, exponent without '+' or
	// leading zeros.
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'E', -1, 64)
	e := 0
	for e < len(s) && s[e] != 'E' {
		e++
	}
	mant, exp := s[:e], s[e+1:]
	dst = append(dst, mant...)
	hasDot := false
	for _, c := range mant {
		hasDot = hasDot || c == '.'
	}
	if !hasDot {
		dst = append(dst, '.', '0')
	}
	dst = append(dst, 'E')
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = exp[1:] // strconv always writes a sign
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(dst, exp...)
}
