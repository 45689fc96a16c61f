package expr

import (
	"fmt"
	"math"
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// TypeOfLiteral returns the SQL type of a literal expression (including a
// negated numeric literal). NULL reports (nil, true): it has no type yet.
func TypeOfLiteral(e sql.Expr) (*types.Type, bool) {
	if u, ok := e.(*sql.Unary); ok && (u.Op == "-" || u.Op == "+") {
		t, ok := TypeOfLiteral(u.X)
		if !ok || t == nil || !t.IsNumeric() {
			return nil, false
		}
		return t, true
	}
	t, _, err := literal(e)
	if err != nil {
		return nil, false
	}
	return t, true
}

// literal types and evaluates a literal node.
func literal(e sql.Expr) (*types.Type, any, error) {
	switch e := e.(type) {
	case *sql.NullLit:
		return nil, nil, nil
	case *sql.BoolLit:
		return types.BooleanType, e.Val, nil
	case *sql.IntLit:
		if e.Val >= math.MinInt32 && e.Val <= math.MaxInt32 {
			return types.IntType, int32(e.Val), nil
		}
		return types.BigintType, e.Val, nil
	case *sql.DecimalLit:
		d, t, err := decimalLiteral(e.Text)
		if err != nil {
			return nil, nil, err
		}
		return t, d, nil
	case *sql.DoubleLit:
		return types.DoubleType, e.Val, nil
	case *sql.StringLit:
		return types.StringType, e.Val, nil
	case *sql.TypedLit:
		t, ok := typedLitType(e.Type)
		if !ok {
			return nil, nil, fmt.Errorf("unknown type %s in literal %s", e.Type, FormatExpr(e))
		}
		conv, err := castFunc(types.StringType, t)
		if err != nil {
			return nil, nil, err
		}
		v, err := conv(e.Val)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid %s literal '%s': %w", t, e.Val, err)
		}
		return t, v, nil
	}
	return nil, nil, fmt.Errorf("%T is not a literal", e)
}

func typedLitType(name string) (*types.Type, bool) {
	switch strings.ToUpper(name) {
	case "TIMESTAMP":
		return types.TimestampType, true
	case "DATE":
		return types.DateType, true
	case "TIME":
		return types.TimeType, true
	case "STRING", "VARCHAR":
		return types.StringType, true
	case "BOOLEAN":
		return types.BooleanType, true
	case "INT", "INTEGER":
		return types.IntType, true
	case "BIGINT":
		return types.BigintType, true
	case "DOUBLE":
		return types.DoubleType, true
	}
	return nil, false
}

// decimalLiteral parses "1.50" as DECIMAL(3, 2): precision and scale come
// from the digits as written, as ksqlDB does for BigDecimal literals.
func decimalLiteral(text string) (decimal.Decimal, *types.Type, error) {
	d, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, nil, fmt.Errorf("invalid decimal literal %q: %w", text, err)
	}
	p, s := decimalPrecisionScale(d)
	return d, types.DecimalOf(p, s), nil
}

// decimalPrecisionScale mirrors BigDecimal's precision/scale, with the
// precision raised to at least the scale (0.05 is DECIMAL(2, 2)).
func decimalPrecisionScale(d decimal.Decimal) (int, int) {
	scale := int(-d.Exponent())
	digits := d.Coefficient().String()
	digits = strings.TrimPrefix(digits, "-")
	p := len(strings.TrimLeft(digits, "0"))
	if p == 0 {
		p = 1
	}
	if scale < 0 {
		p -= scale
		scale = 0
	}
	if p < scale {
		p = scale
	}
	return p, scale
}
