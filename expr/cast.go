package expr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// convFunc converts one non-nil value; nil input never reaches it.
type convFunc func(any) (any, error)

// CastValue converts v from one type to another with CAST's rules.
func CastValue(v any, from, to *types.Type) (any, error) {
	if v == nil || from == nil {
		return nil, nil
	}
	if from.Equal(to) {
		return v, nil
	}
	conv, err := castFunc(from, to)
	if err != nil {
		return nil, err
	}
	return conv(v)
}

func errCast(from, to *types.Type) error {
	return fmt.Errorf("Cast of %s to %s is not supported", from, to)
}

// kindName is the bare type name used in ksqlDB's literal errors
// ("invalid input syntax for type DECIMAL").
func kindName(t *types.Type) string {
	if t.Kind == types.Decimal {
		return "DECIMAL"
	}
	return t.String()
}

// castFunc builds the converter for CAST(x AS to) with x of type from.
func castFunc(from, to *types.Type) (convFunc, error) {
	if from.Equal(to) {
		return func(v any) (any, error) { return v, nil }, nil
	}
	switch to.Kind {
	case types.String:
		if !from.IsPrimitive() || from.Kind == types.Bytes || from.Kind == types.Boolean || from.IsNumeric() ||
			from.Kind == types.Date || from.Kind == types.Time || from.Kind == types.Timestamp {
			return func(v any) (any, error) { return types.FormatValue(v, from), nil }, nil
		}
	case types.Boolean:
		if from.Kind == types.String {
			return func(v any) (any, error) { return parseBool(v.(string)) }, nil
		}
	case types.Int, types.Bigint, types.Double, types.Decimal:
		if from.IsNumeric() {
			return numericConv(to), nil
		}
		if from.Kind == types.String {
			return stringToNumber(to), nil
		}
	case types.Timestamp:
		switch from.Kind {
		case types.String:
			return func(v any) (any, error) { return types.ParseTimestamp(v.(string)) }, nil
		case types.Date:
			return func(v any) (any, error) { return types.TimestampVal(int64(v.(types.DateVal)) * 86400000), nil }, nil
		}
	case types.Date:
		switch from.Kind {
		case types.String:
			return func(v any) (any, error) { return types.ParseDate(v.(string)) }, nil
		case types.Timestamp:
			return func(v any) (any, error) { return types.TimestampToDate(v.(types.TimestampVal)), nil }, nil
		}
	case types.Time:
		switch from.Kind {
		case types.String:
			return func(v any) (any, error) { return types.ParseTime(v.(string)) }, nil
		case types.Timestamp:
			return func(v any) (any, error) { return types.TimestampToTime(v.(types.TimestampVal)), nil }, nil
		}
	case types.Array:
		if from.Kind == types.Array {
			ec, err := castFunc(from.Elem, to.Elem)
			if err != nil {
				return nil, errCast(from, to)
			}
			return func(v any) (any, error) {
				in := v.([]any)
				out := make([]any, len(in))
				for i, e := range in {
					if e == nil {
						continue
					}
					c, err := ec(e)
					if err != nil {
						return nil, err
					}
					out[i] = c
				}
				return out, nil
			}, nil
		}
	case types.Map:
		if from.Kind == types.Map {
			kc, err1 := castFunc(from.Key, to.Key)
			vc, err2 := castFunc(from.Elem, to.Elem)
			if err1 != nil || err2 != nil {
				return nil, errCast(from, to)
			}
			return func(v any) (any, error) {
				in := v.(*types.MapVal)
				out := types.NewMapBuilder(in.Len())
				for i := range in.Len() {
					k, val := in.Keys[i], in.Vals[i]
					var err error
					if k != nil {
						if k, err = kc(k); err != nil {
							return nil, err
						}
					}
					if val != nil {
						if val, err = vc(val); err != nil {
							return nil, err
						}
					}
					out.Put(k, val)
				}
				return out.Map(), nil
			}, nil
		}
	case types.Struct:
		if from.Kind == types.Struct {
			return structConv(from, to)
		}
	}
	return nil, errCast(from, to)
}

// structConv casts field by field, matching names; target fields missing
// from the source become NULL.
func structConv(from, to *types.Type) (convFunc, error) {
	src := make([]int, len(to.Fields))
	convs := make([]convFunc, len(to.Fields))
	for i, f := range to.Fields {
		j := from.FieldIndex(f.Name)
		src[i] = j
		if j < 0 {
			continue
		}
		c, err := castFunc(from.Fields[j].Type, f.Type)
		if err != nil {
			return nil, errCast(from, to)
		}
		convs[i] = c
	}
	return func(v any) (any, error) {
		in := v.(types.StructVal)
		out := make(types.StructVal, len(to.Fields))
		for i, j := range src {
			if j < 0 || j >= len(in) || in[j] == nil {
				continue
			}
			c, err := convs[i](in[j])
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}, nil
}

// parseBool accepts what ksqlDB's SqlBooleans does: any case-insensitive
// prefix of "true"/"yes" or "false"/"no".
func parseBool(s string) (any, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t != "" {
		if strings.HasPrefix("true", t) || strings.HasPrefix("yes", t) {
			return true, nil
		}
		if strings.HasPrefix("false", t) || strings.HasPrefix("no", t) {
			return false, nil
		}
	}
	return nil, fmt.Errorf("invalid input syntax for type BOOLEAN: \"%s\"", s)
}

// numericConv narrows or widens between numeric types with Java's rules:
// integer narrowing wraps, double to integer truncates and saturates.
func numericConv(to *types.Type) convFunc {
	switch to.Kind {
	case types.Int:
		return func(v any) (any, error) {
			switch v := v.(type) {
			case int32:
				return v, nil
			case int64:
				return int32(v), nil
			case float64:
				return int32(javaD2L(v, math.MinInt32, math.MaxInt32)), nil
			case decimal.Decimal:
				return int32(v.Truncate(0).IntPart()), nil
			}
			return nil, fmt.Errorf("not a number: %v", v)
		}
	case types.Bigint:
		return func(v any) (any, error) {
			switch v := v.(type) {
			case int32:
				return int64(v), nil
			case int64:
				return v, nil
			case float64:
				return javaD2L(v, math.MinInt64, math.MaxInt64), nil
			case decimal.Decimal:
				return v.Truncate(0).IntPart(), nil
			}
			return nil, fmt.Errorf("not a number: %v", v)
		}
	case types.Double:
		return func(v any) (any, error) {
			f, ok := toFloat(v)
			if !ok {
				return nil, fmt.Errorf("not a number: %v", v)
			}
			return f, nil
		}
	}
	p, s := to.Precision, to.Scale
	return func(v any) (any, error) {
		var d decimal.Decimal
		switch v := v.(type) {
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("cannot convert %s to %s", types.FormatDouble(v), to)
			}
			d, _ = decimal.NewFromString(strconv.FormatFloat(v, 'g', -1, 64))
		default:
			var ok bool
			if d, ok = toDecimal(v); !ok {
				return nil, fmt.Errorf("not a number: %v", v)
			}
		}
		return fitDecimal(d, p, s)
	}
}

// javaD2L is Java's (long)/(int) cast of a double: truncate, saturate,
// NaN to 0.
func javaD2L(f float64, lo, hi int64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f <= float64(lo):
		return lo
	case f >= float64(hi):
		return hi
	}
	return int64(f)
}

var errDecimalOverflow = errors.New("numeric field overflow")

// fitDecimal rounds d half-up to scale s and checks it fits precision p.
func fitDecimal(d decimal.Decimal, p, s int) (decimal.Decimal, error) {
	r := d.Round(int32(s))
	digits := len(strings.TrimLeft(strings.TrimPrefix(r.Coefficient().String(), "-"), "0"))
	intDigits := digits - int(-r.Exponent())
	if intDigits > p-s {
		return decimal.Decimal{}, fmt.Errorf("%w: value %s does not fit DECIMAL(%d, %d)", errDecimalOverflow, d.String(), p, s)
	}
	return r, nil
}

func stringToNumber(to *types.Type) convFunc {
	num := numericConv(to)
	return func(v any) (any, error) {
		s := strings.TrimSpace(v.(string))
		// Made only on failure: formatting it for every cast cost more
		// than the parse.
		bad := func() error { return fmt.Errorf("invalid input syntax for type %s: \"%s\"", kindName(to), v) }
		switch to.Kind {
		case types.Int:
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return nil, bad()
			}
			return int32(n), nil
		case types.Bigint:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, bad()
			}
			return n, nil
		case types.Double:
			f, err := parseJavaDouble(s)
			if err != nil {
				return nil, bad()
			}
			return f, nil
		}
		d, err := decimal.NewFromString(s)
		if err != nil {
			return nil, bad()
		}
		return num(d)
	}
}

// parseJavaDouble accepts Double.parseDouble's forms, including NaN,
// Infinity and a trailing d/f suffix.
func parseJavaDouble(s string) (float64, error) {
	switch s {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), nil
	case "Infinity", "+Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	if n := len(s); n > 1 && strings.ContainsRune("dDfF", rune(s[n-1])) {
		s = s[:n-1]
	}
	if strings.ContainsAny(s, "xXpPnN_") { // reject Go-only syntaxes
		return 0, fmt.Errorf("not a double: %s", s)
	}
	return strconv.ParseFloat(s, 64)
}

// coerceLiteral converts a literal value to type to where ksqlDB lets a
// literal stand for another type (IN lists, GREATEST/LEAST, comparisons
// with temporal types): strings parse into the target, other literals
// render as strings, and numbers convert numerically.
func coerceLiteral(v any, from, to *types.Type) (any, error) {
	if v == nil || from == nil {
		return nil, nil
	}
	if from.Equal(to) {
		return v, nil
	}
	switch {
	case from.Kind == types.String && to.IsNumeric():
		s := strings.TrimSpace(v.(string))
		d, err := decimal.NewFromString(s)
		if err != nil {
			return nil, fmt.Errorf("invalid input syntax for type %s: \"%s\"", kindName(to), v)
		}
		out, err := numericConv(to)(d)
		if err != nil {
			return nil, fmt.Errorf("invalid input syntax for type %s: \"%s\"", kindName(to), v)
		}
		return out, nil
	case from.Kind == types.String && to.Kind == types.Boolean:
		return parseBool(v.(string))
	case to.Kind == types.String && from.IsPrimitive() && from.Kind != types.Bytes:
		return types.FormatValue(v, from), nil
	case from.IsNumeric() && to.IsNumeric():
		return numericConv(to)(v)
	}
	conv, err := castFunc(from, to)
	if err != nil {
		return nil, err
	}
	return conv(v)
}
