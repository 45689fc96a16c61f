package expr

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

func dbl1(f func(float64) float64) func([]any) (any, error) {
	return func(a []any) (any, error) { return f(f64(a[0])), nil }
}

func sameType(args []*types.Type) *types.Type { return args[0] }

// roundedDecimalType is ROUND/TRUNC(DECIMAL(p, s)) without places:
// the integer digits only.
func roundedDecimalType(args []*types.Type) *types.Type {
	t := args[0]
	return types.DecimalOf(max(t.Precision-t.Scale, 1), 0)
}

func registerMath(r *Registry) {
	r.add("ABS",
		ov(tInt, func(a []any) (any, error) {
			v := a[0].(int32)
			if v < 0 {
				v = -v
			}
			return v, nil
		}, tInt),
		ov(tBig, func(a []any) (any, error) {
			v := a[0].(int64)
			if v < 0 {
				v = -v
			}
			return v, nil
		}, tBig),
		ov(tDbl, dbl1(math.Abs), tDbl),
		ovT(sameType, func(a []any) (any, error) { return a[0].(decimal.Decimal).Abs(), nil }, anyDecimal))

	intSame := func(name string, df func(float64) float64, dd func(decimal.Decimal) decimal.Decimal) {
		r.add(name,
			ov(tInt, func(a []any) (any, error) { return a[0], nil }, tInt),
			ov(tBig, func(a []any) (any, error) { return a[0], nil }, tBig),
			ov(tDbl, dbl1(df), tDbl),
			ovT(sameType, func(a []any) (any, error) {
				d := a[0].(decimal.Decimal)
				return dd(d).Round(-d.Exponent()), nil
			}, anyDecimal))
	}
	intSame("CEIL", math.Ceil, decimal.Decimal.Ceil)
	intSame("FLOOR", math.Floor, decimal.Decimal.Floor)

	// ROUND ties go towards positive infinity, as Java's Math.round and
	// ksqlDB's decimal rounding (HALF_UP, HALF_DOWN when negative) do.
	// ROUND and TRUNC of an INT are BIGINTs, as ksqlDB's round(int) and
	// trunc(Integer) return a Long.
	intToBig := func(a []any) (any, error) { return int64(a[0].(int32)), nil }
	r.add("ROUND",
		ov(tBig, intToBig, tInt),
		ov(tBig, func(a []any) (any, error) { return a[0], nil }, tBig),
		ov(tBig, func(a []any) (any, error) { return javaRound(a[0].(float64)), nil }, tDbl),
		ov(tDbl, func(a []any) (any, error) {
			return roundDouble(a[0].(float64), int(a[1].(int32)), roundCeilHalf)
		}, tDbl, tInt),
		ovT(roundedDecimalType, func(a []any) (any, error) {
			if v, ok := smallRound(a[0].(decimal.Decimal), 0, false); ok {
				return v, nil
			}
			return roundCeilHalf(a[0].(decimal.Decimal), 0), nil
		}, anyDecimal),
		ovT(sameType, func(a []any) (any, error) {
			d := a[0].(decimal.Decimal)
			if v, ok := smallRound(d, int(a[1].(int32)), true); ok {
				return v, nil
			}
			v, err := roundTo(d, int(a[1].(int32)), roundCeilHalf)
			if err != nil {
				return nil, err
			}
			return rescale(v, int(-d.Exponent())), nil
		}, anyDecimal, tInt))
	r.add("TRUNC",
		ov(tBig, intToBig, tInt),
		ov(tBig, func(a []any) (any, error) { return a[0], nil }, tBig),
		ov(tBig, func(a []any) (any, error) {
			return javaD2L(math.Trunc(a[0].(float64)), math.MinInt64, math.MaxInt64), nil
		}, tDbl),
		ov(tDbl, func(a []any) (any, error) {
			return roundDouble(a[0].(float64), int(a[1].(int32)), truncDecimal)
		}, tDbl, tInt),
		ovT(roundedDecimalType, func(a []any) (any, error) {
			return truncDecimal(a[0].(decimal.Decimal), 0), nil
		}, anyDecimal),
		ovT(sameType, func(a []any) (any, error) {
			d := a[0].(decimal.Decimal)
			v, err := roundTo(d, int(a[1].(int32)), truncDecimal)
			if err != nil {
				return nil, err
			}
			return rescale(v, int(-d.Exponent())), nil
		}, anyDecimal, tInt))

	sign := func(f float64) int32 {
		switch {
		case f > 0:
			return 1
		case f < 0:
			return -1
		}
		return 0
	}
	r.add("SIGN",
		ov(tInt, func(a []any) (any, error) { return sign(f64(a[0])), nil }, tInt),
		ov(tInt, func(a []any) (any, error) { return sign(f64(a[0])), nil }, tBig),
		ov(tInt, func(a []any) (any, error) { return sign(f64(a[0])), nil }, tDbl),
		ov(tInt, func(a []any) (any, error) { return int32(a[0].(decimal.Decimal).Sign()), nil }, anyDecimal))

	unary := map[string]func(float64) float64{
		"SQRT": math.Sqrt, "EXP": math.Exp, "LN": math.Log, "CBRT": math.Cbrt,
		"SIN": math.Sin, "COS": math.Cos, "TAN": math.Tan,
		"ASIN": math.Asin, "ACOS": math.Acos, "ATAN": math.Atan,
		"SINH": math.Sinh, "COSH": math.Cosh, "TANH": math.Tanh,
		"COT":     func(x float64) float64 { return 1 / math.Tan(x) },
		"DEGREES": func(x float64) float64 { return x * 180 / math.Pi },
		"RADIANS": func(x float64) float64 { return x / 180 * math.Pi },
	}
	for name, f := range unary {
		r.add(name, ov(tDbl, dbl1(f), tDbl))
	}
	r.add("LOG",
		ov(tDbl, dbl1(math.Log), tDbl), // natural logarithm, as the corpus expects
		ov(tDbl, func(a []any) (any, error) {
			base, v := f64(a[0]), f64(a[1])
			switch {
			case base <= 0 || base == 1 || v < 0:
				return math.NaN(), nil
			case v == 0:
				return math.Inf(-1), nil
			}
			return math.Log(v) / math.Log(base), nil
		}, tDbl, tDbl))
	r.add("POWER", ov(tDbl, func(a []any) (any, error) { return math.Pow(f64(a[0]), f64(a[1])), nil }, tDbl, tDbl))
	r.add("ATAN2", ov(tDbl, func(a []any) (any, error) { return math.Atan2(f64(a[0]), f64(a[1])), nil }, tDbl, tDbl))
	r.add("PI", ov(tDbl, func([]any) (any, error) { return math.Pi, nil }))
	r.add("RANDOM", ov(tDbl, func([]any) (any, error) { return rand.Float64(), nil }))

	geo := func(a []any) (any, error) {
		radius := 6371.0
		if slices.Contains(a[:4], nil) {
			return nil, nil
		}
		if len(a) > 4 && a[4] != nil { // a NULL or blank unit means kilometres
			switch strings.ToLower(strings.TrimSpace(a[4].(string))) {
			case "mi", "mile", "miles":
				radius = 3959
			case "", "km", "kilometer", "kilometers", "kilometre", "kilometres":
			default:
				return nil, errGeoUnit
			}
		}
		for _, lat := range []any{a[0], a[2]} {
			if l := f64(lat); l < -90 || l > 90 {
				return nil, errGeoLatitude
			}
		}
		for _, lon := range []any{a[1], a[3]} {
			if l := f64(lon); l < -180 || l > 180 {
				return nil, errGeoLongitude
			}
		}
		// ksqlDB's haversine, operation for operation, with Java's
		// Math.toRadians (a product by pi/180 rounded) and trigonometry,
		// so that the double is Java's to the last bit.
		const toRadians = 0.017453292519943295
		lat1, lon1, lat2, lon2 := f64(a[0]), f64(a[1]), f64(a[2]), f64(a[3])
		dLat, dLon := (lat2-lat1)*toRadians, (lon2-lon1)*toRadians
		hLat, hLon := javaSin(dLat/2), javaSin(dLon/2)
		h := hLat*hLat + hLon*hLon*javaCos(lat1*toRadians)*javaCos(lat2*toRadians)
		return 2 * javaAsin(math.Sqrt(h)) * radius, nil
	}
	r.add("geo_distance",
		ov(tDbl, geo, tDbl, tDbl, tDbl, tDbl),
		ov(tDbl, geo, tDbl, tDbl, tDbl, tDbl, tStr).nullable())
}

// javaRound is Math.round(double): ties towards positive infinity,
// saturating at the long range, NaN to 0.
func javaRound(x float64) int64 {
	if math.IsNaN(x) {
		return 0
	}
	f := math.Floor(x)
	if x-f >= 0.5 {
		f++
	}
	return javaD2L(f, math.MinInt64, math.MaxInt64)
}

// roundCeilHalf rounds to places digits (negative: left of the point)
// with ties towards positive infinity.
func roundCeilHalf(d decimal.Decimal, places int) decimal.Decimal {
	s := d.Shift(int32(places))
	f := s.Floor()
	if s.Sub(f).GreaterThanOrEqual(decimal.New(5, -1)) {
		f = f.Add(decimal.NewFromInt(1))
	}
	return f.Shift(int32(-places))
}

func truncDecimal(d decimal.Decimal, places int) decimal.Decimal {
	return d.Shift(int32(places)).Truncate(0).Shift(int32(-places))
}

// rescale sets the number of fractional digits without changing value
// (the value must already be representable).
func rescale(d decimal.Decimal, scale int) decimal.Decimal {
	if scale < 0 {
		scale = 0
	}
	return d.Round(int32(scale))
}

// roundDouble rounds a double through its decimal (Double.toString)
// form, as ksqlDB does with BigDecimal.valueOf.
func roundDouble(x float64, places int, f func(decimal.Decimal, int) decimal.Decimal) (any, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x, nil
	}
	d, err := decimal.NewFromString(strconv.FormatFloat(x, 'g', -1, 64))
	if err != nil {
		return x, nil
	}
	r, err := roundTo(d, places, f)
	if err != nil {
		return nil, err
	}
	out, _ := r.Float64()
	return out, nil
}

// maxScaleChange is how far Java's BigDecimal.setScale can move a
// non-zero value's scale before the power of ten it needs overflows
// BigInteger, where ksqlDB's ROUND and TRUNC throw.
const maxScaleChange = 646456992

var errBigIntegerRange = errors.New("BigInteger would overflow supported range")

// roundTo applies f (roundCeilHalf or truncDecimal) for places, answering
// places beyond d's digits without f: f shifts by places, and a shift by
// a user's INT such as MIN_VALUE would build a power of ten that size.
func roundTo(d decimal.Decimal, places int, f func(decimal.Decimal, int) decimal.Decimal) (decimal.Decimal, error) {
	if d.Sign() == 0 {
		return d, nil
	}
	scale := -int(d.Exponent())
	if places-scale > maxScaleChange || scale-places > maxScaleChange {
		return d, errBigIntegerRange
	}
	if places >= scale {
		return d, nil // no digits to round away
	}
	// |d| < 10^(digits-scale): rounding at a place above that is zero.
	if digits := len(d.Coefficient().String()) - boolInt(d.Sign() < 0); places < scale-digits {
		return decimal.Zero, nil
	}
	return f(d, places), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// GEO_DISTANCE's errors, in ksqlDB's words.
var (
	errGeoUnit      = errors.New("GeoDistance function units parameter must be one of mi, mile, miles, km, kilometer, kilometers, kilometre or kilometres. Values are case-insensitive.")
	errGeoLatitude  = errors.New("valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees")
	errGeoLongitude = errors.New("valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees")
)
