package expr

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

var errDivZero = errors.New("/ by zero")

// arithType is the result type of l op r. DECIMAL precision and scale
// follow ksqlDB (the SQL Server rules).
func arithType(op string, l, r *types.Type) (*types.Type, bool) {
	if l == nil {
		l = r
	}
	if r == nil {
		r = l
	}
	if l == nil || !l.IsNumeric() || !r.IsNumeric() {
		return nil, false
	}
	switch {
	case l.Kind == types.Double || r.Kind == types.Double:
		return types.DoubleType, true
	case l.Kind == types.Decimal || r.Kind == types.Decimal:
		a, b := asDecimalType(l), asDecimalType(r)
		p1, s1, p2, s2 := a.Precision, a.Scale, b.Precision, b.Scale
		var p, s int
		switch op {
		case "+", "-":
			s = max(s1, s2)
			p = max(p1-s1, p2-s2) + s + 1
		case "*":
			p, s = p1+p2+1, s1+s2
		case "/":
			s = max(6, s1+p2+1)
			p = p1 - s1 + s2 + s
		case "%":
			s = max(s1, s2)
			p = min(p1-s1, p2-s2) + s
		}
		return types.DecimalOf(p, s), true
	case l.Kind == types.Bigint || r.Kind == types.Bigint:
		return types.BigintType, true
	}
	return types.IntType, true
}

// arith compiles l op r. A NULL operand gives NULL, or with strict
// aborts the whole expression (nullOperand).
func arith(e *sql.Binary, l, r *node, strict bool) (*node, error) {
	if e.Op == "+" && (isString(l.typ) || isString(r.typ)) && (isString(l.typ) || l.typ == nil) && (isString(r.typ) || r.typ == nil) {
		return concatOp(e, l, r)
	}
	_, lnull := e.L.(*sql.NullLit)
	_, rnull := e.R.(*sql.NullLit)
	if lnull || rnull {
		// A bare NULL has no type to do arithmetic in, as in ksqlDB.
		name := func(t *types.Type, isNull bool) string {
			if isNull || t == nil {
				return "null"
			}
			return t.String()
		}
		return nil, fmt.Errorf("Error processing expression: %s. Arithmetic on types %s and %s are not supported.", FormatExpr(e), name(l.typ, lnull), name(r.typ, rnull))
	}
	t, ok := arithType(e.Op, l.typ, r.typ)
	if !ok {
		return nil, fmt.Errorf("Error processing expression: %s. Unsupported arithmetic types. %s %s",
			FormatExpr(e), typeName(l.typ), typeName(r.typ))
	}
	le, re := l.eval, r.eval
	op := e.Op
	var f binaryOp
	switch t.Kind {
	case types.Int:
		f = intOp(op)
	case types.Bigint:
		f = bigintOp(op)
	case types.Double:
		f = doubleOp(op)
	case types.Decimal:
		f = decimalOp(op, t.Scale)
	}
	what := FormatExpr(e)
	return &node{typ: t, eval: func(ctx *Context, row []any) any {
		a := le(ctx, row)
		if a == nil {
			if strict {
				panic(nullOperand{what})
			}
			return nil
		}
		b := re(ctx, row)
		if b == nil {
			if strict {
				panic(nullOperand{what})
			}
			return nil
		}
		v, err := f(ctx, a, b)
		if err != nil {
			ctx.report(fmt.Errorf("error evaluating %s: %w", what, err))
			return nil
		}
		return v
	}}, nil
}

// binaryOp applies an arithmetic operator to two non-null operands.
type binaryOp func(c *Context, a, b any) (any, error)

func isString(t *types.Type) bool { return t != nil && t.Kind == types.String }

func intOp(op string) binaryOp {
	switch op {
	case "+":
		return func(_ *Context, a, b any) (any, error) { return a.(int32) + b.(int32), nil }
	case "-":
		return func(_ *Context, a, b any) (any, error) { return a.(int32) - b.(int32), nil }
	case "*":
		return func(_ *Context, a, b any) (any, error) { return a.(int32) * b.(int32), nil }
	case "/":
		return func(_ *Context, a, b any) (any, error) {
			if b.(int32) == 0 {
				return nil, errDivZero
			}
			return a.(int32) / b.(int32), nil
		}
	}
	return func(_ *Context, a, b any) (any, error) {
		if b.(int32) == 0 {
			return nil, errDivZero
		}
		return a.(int32) % b.(int32), nil
	}
}

func i64(v any) int64 {
	if i, ok := v.(int32); ok {
		return int64(i)
	}
	return v.(int64)
}

func bigintOp(op string) binaryOp {
	switch op {
	case "+":
		return func(c *Context, a, b any) (any, error) { return c.int64v(i64(a) + i64(b)), nil }
	case "-":
		return func(c *Context, a, b any) (any, error) { return c.int64v(i64(a) - i64(b)), nil }
	case "*":
		return func(c *Context, a, b any) (any, error) { return c.int64v(i64(a) * i64(b)), nil }
	case "/":
		return func(c *Context, a, b any) (any, error) {
			if i64(b) == 0 {
				return nil, errDivZero
			}
			return c.int64v(i64(a) / i64(b)), nil
		}
	}
	return func(c *Context, a, b any) (any, error) {
		if i64(b) == 0 {
			return nil, errDivZero
		}
		return c.int64v(i64(a) % i64(b)), nil
	}
}

func f64(v any) float64 {
	f, _ := toFloat(v)
	return f
}

func doubleOp(op string) binaryOp {
	switch op {
	case "+":
		return func(c *Context, a, b any) (any, error) { return c.float64v(f64(a) + f64(b)), nil }
	case "-":
		return func(c *Context, a, b any) (any, error) { return c.float64v(f64(a) - f64(b)), nil }
	case "*":
		return func(c *Context, a, b any) (any, error) { return c.float64v(f64(a) * f64(b)), nil }
	case "/":
		return func(c *Context, a, b any) (any, error) { return c.float64v(f64(a) / f64(b)), nil }
	}
	return func(c *Context, a, b any) (any, error) { return c.float64v(math.Mod(f64(a), f64(b))), nil }
}

func dec(v any) decimal.Decimal {
	d, _ := toDecimal(v)
	return d
}

func decimalOp(op string, scale int) binaryOp {
	s := int32(scale)
	switch op {
	case "+", "-", "*":
		big := map[string]func(a, b decimal.Decimal) decimal.Decimal{
			"+": decimal.Decimal.Add, "-": decimal.Decimal.Sub, "*": decimal.Decimal.Mul}[op]
		return func(c *Context, a, b any) (any, error) {
			if v, ok := smallArith(c.decimals(), op[0], a, b, s); ok {
				return v, nil
			}
			return big(dec(a), dec(b)).Round(s), nil
		}
	case "/":
		return func(c *Context, a, b any) (any, error) {
			if v, ok := smallDiv(c.decimals(), a, b, s); ok {
				return v, nil
			}
			d := dec(b)
			if d.IsZero() {
				return nil, errors.New("Division by zero")
			}
			return dec(a).DivRound(d, s), nil
		}
	}
	return func(_ *Context, a, b any) (any, error) {
		d := dec(b)
		if d.IsZero() {
			return nil, errors.New("Division by zero")
		}
		return dec(a).Mod(d).Round(s), nil
	}
}

func negate(x *node, e *sql.Unary) (*node, error) {
	if x.typ == nil {
		return x, nil
	}
	xe := x.eval
	var f func(any) any
	switch x.typ.Kind {
	case types.Int:
		f = func(v any) any { return -v.(int32) }
	case types.Bigint:
		f = func(v any) any { return -v.(int64) }
	case types.Double:
		f = func(v any) any { return -v.(float64) }
	case types.Decimal:
		f = func(v any) any { return v.(decimal.Decimal).Neg() }
	default:
		return nil, fmt.Errorf("Error processing expression: %s. Unary minus needs a numeric operand, not %s", FormatExpr(e), x.typ)
	}
	if x.isConst {
		var v any
		if x.val != nil {
			v = f(x.val)
		}
		return constNode(x.typ, v, e), nil
	}
	return &node{typ: x.typ, eval: func(ctx *Context, row []any) any {
		v := xe(ctx, row)
		if v == nil {
			return nil
		}
		return f(v)
	}}, nil
}

// concatOp joins two strings; NULL on either side gives NULL.
func concatOp(e *sql.Binary, l, r *node) (*node, error) {
	for _, n := range []*node{l, r} {
		if n.typ != nil && n.typ.Kind != types.String {
			return nil, fmt.Errorf("Error processing expression: %s. Unsupported arithmetic types. %s %s",
				FormatExpr(e), typeName(l.typ), typeName(r.typ))
		}
	}
	le, re := l.eval, r.eval
	return &node{typ: types.StringType, eval: func(ctx *Context, row []any) any {
		a, ok := le(ctx, row).(string)
		if !ok {
			return nil
		}
		b, ok := re(ctx, row).(string)
		if !ok {
			return nil
		}
		var sb strings.Builder
		sb.Grow(len(a) + len(b))
		sb.WriteString(a)
		sb.WriteString(b)
		return sb.String()
	}}, nil
}
