package expr

import (
	"math"

	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// numericRank orders the widening chain INT → BIGINT → DECIMAL → DOUBLE.
func numericRank(k types.Kind) int {
	switch k {
	case types.Int:
		return 1
	case types.Bigint:
		return 2
	case types.Decimal:
		return 3
	case types.Double:
		return 4
	}
	return 0
}

// asDecimalType is the DECIMAL an integer type widens to.
func asDecimalType(t *types.Type) *types.Type {
	switch t.Kind {
	case types.Int:
		return types.DecimalOf(10, 0)
	case types.Bigint:
		return types.DecimalOf(19, 0)
	}
	return t
}

// canWiden reports whether a value of type from converts implicitly to to.
func canWiden(from, to *types.Type) bool {
	if from == nil || from.Equal(to) {
		return true
	}
	if from.IsNumeric() && to.IsNumeric() {
		if from.Kind == types.Decimal && to.Kind == types.Decimal {
			return true
		}
		return numericRank(from.Kind) < numericRank(to.Kind)
	}
	if from.Kind != to.Kind {
		return false
	}
	switch from.Kind {
	case types.Array:
		return canWiden(from.Elem, to.Elem)
	case types.Map:
		return canWiden(from.Key, to.Key) && canWiden(from.Elem, to.Elem)
	case types.Struct:
		if len(from.Fields) != len(to.Fields) {
			return false
		}
		for i, f := range from.Fields {
			if f.Name != to.Fields[i].Name || !canWiden(f.Type, to.Fields[i].Type) {
				return false
			}
		}
		return true
	}
	return false
}

// commonType is the narrowest type both a and b widen to.
func commonType(a, b *types.Type) (*types.Type, bool) {
	if a == nil {
		return b, true
	}
	if b == nil || a.Equal(b) {
		return a, true
	}
	if a.IsNumeric() && b.IsNumeric() {
		switch {
		case a.Kind == types.Double || b.Kind == types.Double:
			return types.DoubleType, true
		case a.Kind == types.Decimal || b.Kind == types.Decimal:
			da, db := asDecimalType(a), asDecimalType(b)
			s := max(da.Scale, db.Scale)
			return types.DecimalOf(max(da.Precision-da.Scale, db.Precision-db.Scale)+s, s), true
		}
		return types.BigintType, true
	}
	if a.Kind != b.Kind {
		return nil, false
	}
	switch a.Kind {
	case types.Array:
		e, ok := commonType(a.Elem, b.Elem)
		if !ok {
			return nil, false
		}
		return types.ArrayOf(e), true
	case types.Map:
		k, ok1 := commonType(a.Key, b.Key)
		v, ok2 := commonType(a.Elem, b.Elem)
		if !ok1 || !ok2 {
			return nil, false
		}
		return types.MapOf(k, v), true
	case types.Struct:
		if len(a.Fields) != len(b.Fields) {
			return nil, false
		}
		fs := make([]types.Field, len(a.Fields))
		for i, f := range a.Fields {
			if f.Name != b.Fields[i].Name {
				return nil, false
			}
			t, ok := commonType(f.Type, b.Fields[i].Type)
			if !ok {
				return nil, false
			}
			fs[i] = types.Field{Name: f.Name, Type: t}
		}
		return types.StructOf(fs...), true
	}
	return nil, false
}

// toFloat converts any numeric value to float64.
func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case decimal.Decimal:
		if f, ok := exactFloat(v); ok {
			return f, true
		}
		f, _ := v.Float64()
		return f, true
	}
	return 0, false
}

// exactPow10 holds the powers of ten a float64 represents exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactFloat converts d to the nearest float64 without Float64's string
// round trip (a dozen allocations) when its coefficient and its power of
// ten are both exact as float64s: then one IEEE multiplication or
// division is correctly rounded, the same double strconv.ParseFloat
// gives (Clinger's fast path).
func exactFloat(d decimal.Decimal) (float64, bool) {
	c, e, ok := smalldec.Int64(d)
	if !ok || c > 1<<53 || c < -(1<<53) || e < -22 || e > 22 {
		return 0, false
	}
	if e < 0 {
		return float64(c) / exactPow10[-e], true
	}
	return float64(c) * exactPow10[e], true
}

// toDecimal converts an integer or decimal value to decimal.Decimal.
func toDecimal(v any) (decimal.Decimal, bool) {
	switch v := v.(type) {
	case int32:
		return decimal.NewFromInt(int64(v)), true
	case int64:
		return decimal.NewFromInt(v), true
	case decimal.Decimal:
		return v, true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) { // NewFromFloat panics on them
			return decimal.Decimal{}, false
		}
		return decimal.NewFromFloat(v), true
	}
	return decimal.Decimal{}, false
}

// Widen converts a compiled expression to type to where ksqlDB would cast
// implicitly (INT → BIGINT → DECIMAL → DOUBLE, any DECIMAL to another, and
// so inside arrays, maps and structs); ok is false where it would not.
func Widen(c *Compiled, to *types.Type) (widened *Compiled, ok bool) {
	if c.Type != nil && c.Type.Equal(to) {
		return c, true
	}
	if !canWiden(c.Type, to) {
		return nil, false
	}
	if c.Type == nil { // the NULL literal fits any type
		return &Compiled{Type: to, Eval: c.Eval}, true
	}
	conv, err := castFunc(c.Type, to)
	if err != nil {
		return nil, false
	}
	return &Compiled{Type: to, Eval: convEval(c.Eval, c.Type, to, conv, "implicit cast")}, true
}
