package expr

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
)

// opNames are ksqlDB's comparison names, used in its error messages.
var opNames = map[string]string{
	"=": "EQUAL", "<>": "NOT_EQUAL", "<": "LESS_THAN", "<=": "LESS_THAN_OR_EQUAL",
	">": "GREATER_THAN", ">=": "GREATER_THAN_OR_EQUAL",
	"IS DISTINCT FROM": "IS_DISTINCT_FROM", "IS NOT DISTINCT FROM": "IS_NOT_DISTINCT_FROM",
}

func isTemporal(t *types.Type) bool {
	return t != nil && (t.Kind == types.Timestamp || t.Kind == types.Date || t.Kind == types.Time)
}

// comparison compiles l op r. Like ksqlDB, an ordinary comparison with a
// NULL operand is false (not NULL); IS [NOT] DISTINCT FROM is null-safe.
func (c *compiler) comparison(e *sql.Binary, l, r *node) (*node, error) {
	op := e.Op
	if l.typ == nil && r.typ == nil {
		// This message spells NULL in capitals, unlike ksqlDB's others.
		upper := func(x sql.Expr) string { return strings.ReplaceAll(FormatExpr(x), "null", "NULL") }
		return nil, fmt.Errorf("Comparison with NULL not supported: %s %s %s", upper(e.L), op, upper(e.R))
	}
	// A string compared with a temporal value is parsed as that type.
	if isTemporal(l.typ) && isString(r.typ) {
		var err error
		if r, err = c.stringAsTemporal(r, l.typ); err != nil {
			return nil, err
		}
	} else if isTemporal(r.typ) && isString(l.typ) {
		var err error
		if l, err = c.stringAsTemporal(l, r.typ); err != nil {
			return nil, err
		}
	}
	// A DATE compared with a TIMESTAMP is midnight of that day.
	if l.typ != nil && r.typ != nil {
		if l.typ.Kind == types.Date && r.typ.Kind == types.Timestamp {
			return c.comparison(e, dateAsTimestamp(l), r)
		}
		if l.typ.Kind == types.Timestamp && r.typ.Kind == types.Date {
			return c.comparison(e, l, dateAsTimestamp(r))
		}
	}
	// ROWTIME, WINDOWSTART and WINDOWEND are BIGINT millis, but a string
	// literal compared with them is read as a timestamp.
	if isTimeColumn(e.L, l) && isString(r.typ) && r.isConst {
		ms, err := c.stringAsMillis(r)
		if err != nil {
			return nil, err
		}
		return c.comparison(e, l, ms)
	}
	if isTimeColumn(e.R, r) && isString(l.typ) && l.isConst {
		ms, err := c.stringAsMillis(l)
		if err != nil {
			return nil, err
		}
		return c.comparison(e, ms, r)
	}
	ordered := op != "=" && op != "<>" && op != "IS DISTINCT FROM" && op != "IS NOT DISTINCT FROM"
	if !comparable(l.typ, r.typ, ordered) {
		return nil, fmt.Errorf("Cannot compare %s (%s) to %s (%s) with %s.",
			FormatExpr(e.L), typeName(l.typ), FormatExpr(e.R), typeName(r.typ), opNames[op])
	}
	le, re := l.eval, r.eval
	bt := types.BooleanType
	switch op {
	case "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		want := op == "IS NOT DISTINCT FROM"
		return &node{typ: bt, eval: func(ctx *Context, row []any) any {
			return valuesEqual(le(ctx, row), re(ctx, row)) == want
		}}, nil
	case "=", "<>":
		if !ordered && (l.typ == nil || r.typ == nil || !l.typ.IsPrimitive()) {
			want := op == "="
			return &node{typ: bt, eval: func(ctx *Context, row []any) any {
				a, b := le(ctx, row), re(ctx, row)
				if a == nil || b == nil {
					return false
				}
				return valuesEqual(a, b) == want
			}}, nil
		}
	}
	cf := cmpFunc(l.typ, r.typ)
	var test func(int) bool
	switch op {
	case "=":
		test = func(c int) bool { return c == 0 }
	case "<>":
		test = func(c int) bool { return c != 0 }
	case "<":
		test = func(c int) bool { return c < 0 }
	case "<=":
		test = func(c int) bool { return c <= 0 }
	case ">":
		test = func(c int) bool { return c > 0 }
	case ">=":
		test = func(c int) bool { return c >= 0 }
	}
	// Fast path for the common integer-vs-integer filter.
	if isIntegral(l.typ) && isIntegral(r.typ) {
		return &node{typ: bt, eval: func(ctx *Context, row []any) any {
			a, ok1 := asInt64(le(ctx, row))
			b, ok2 := asInt64(re(ctx, row))
			if !ok1 || !ok2 {
				return false
			}
			return test(cmp.Compare(a, b))
		}}, nil
	}
	return &node{typ: bt, eval: func(ctx *Context, row []any) any {
		a := le(ctx, row)
		if a == nil {
			return false
		}
		b := re(ctx, row)
		if b == nil {
			return false
		}
		return test(cf(a, b))
	}}, nil
}

func isTimeColumn(e sql.Expr, n *node) bool {
	ref, ok := e.(*sql.ColumnRef)
	if !ok || n.typ == nil || n.typ.Kind != types.Bigint {
		return false
	}
	switch strings.ToUpper(ref.Name) {
	case "ROWTIME", "WINDOWSTART", "WINDOWEND":
		return true
	}
	return false
}

func (c *compiler) stringAsMillis(n *node) (*node, error) {
	if n.val == nil {
		return constNode(types.BigintType, nil, n.src), nil
	}
	ts, err := types.ParseTimestamp(n.val.(string))
	if err != nil {
		return nil, err
	}
	return constNode(types.BigintType, int64(ts), n.src), nil
}

func isIntegral(t *types.Type) bool {
	return t != nil && (t.Kind == types.Int || t.Kind == types.Bigint)
}

// stringAsTemporal converts a STRING operand to a temporal type: a literal
// is parsed once now, a column at run time (a bad value gives NULL).
func (c *compiler) stringAsTemporal(n *node, to *types.Type) (*node, error) {
	conv, err := castFunc(types.StringType, to)
	if err != nil {
		return nil, err
	}
	if n.isConst {
		if n.val == nil {
			return constNode(to, nil, n.src), nil
		}
		v, err := conv(n.val)
		if err != nil {
			return nil, err
		}
		return constNode(to, v, n.src), nil
	}
	return &node{typ: to, eval: wrapConv(n.eval, conv, "comparison"), src: n.src}, nil
}

// comparable reports whether values of a and b can be compared; ordered
// asks for <, <=, >, >= rather than (in)equality only.
func comparable(a, b *types.Type, ordered bool) bool {
	if a == nil || b == nil {
		return true
	}
	if a.IsNumeric() && b.IsNumeric() {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case types.Array, types.Map, types.Struct:
		if ordered {
			return false
		}
		_, ok := commonType(a, b)
		return ok || equalComparable(a, b)
	}
	return true
}

// equalComparable is the looser structural check used for equality of
// collections: same shape, numeric leaves may differ.
func equalComparable(a, b *types.Type) bool {
	if a == nil || b == nil {
		return true
	}
	if a.IsNumeric() && b.IsNumeric() {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case types.Array:
		return equalComparable(a.Elem, b.Elem)
	case types.Map:
		return equalComparable(a.Key, b.Key) && equalComparable(a.Elem, b.Elem)
	case types.Struct:
		if len(a.Fields) != len(b.Fields) {
			return false
		}
		for i := range a.Fields {
			if a.Fields[i].Name != b.Fields[i].Name || !equalComparable(a.Fields[i].Type, b.Fields[i].Type) {
				return false
			}
		}
	}
	return true
}

// cmpFunc returns a three-way comparison for non-null values of the two
// primitive types, chosen once at compile time.
func cmpFunc(a, b *types.Type) func(x, y any) int {
	if a == nil {
		a = b
	}
	if b == nil {
		b = a
	}
	if a.IsNumeric() && b.IsNumeric() {
		switch {
		case a.Kind == types.Double || b.Kind == types.Double:
			return func(x, y any) int { return cmp.Compare(f64(x), f64(y)) }
		case a.Kind == types.Decimal || b.Kind == types.Decimal:
			return func(x, y any) int {
				if c, ok := smallCmp(x, y); ok {
					return c
				}
				return dec(x).Cmp(dec(y))
			}
		}
		return func(x, y any) int { return cmp.Compare(i64(x), i64(y)) }
	}
	return compareValues
}

// compareValues orders two non-null primitive values of the same kind.
func compareValues(x, y any) int {
	switch x := x.(type) {
	case string:
		return strings.Compare(x, y.(string))
	case bool:
		yb := y.(bool)
		switch {
		case x == yb:
			return 0
		case !x:
			return -1
		}
		return 1
	case types.TimestampVal:
		return cmp.Compare(x, y.(types.TimestampVal))
	case types.DateVal:
		return cmp.Compare(x, y.(types.DateVal))
	case types.TimeVal:
		return cmp.Compare(x, y.(types.TimeVal))
	case []byte:
		return bytes.Compare(x, y.([]byte))
	case int32, int64:
		if yf, ok := y.(float64); ok {
			return cmp.Compare(f64(x), yf)
		}
		if yd, ok := y.(decimal.Decimal); ok {
			return dec(x).Cmp(yd)
		}
		return cmp.Compare(i64(x), i64(y))
	case float64:
		return cmp.Compare(x, f64(y))
	case decimal.Decimal:
		if yf, ok := y.(float64); ok {
			return cmp.Compare(f64(x), yf)
		}
		return x.Cmp(dec(y))
	}
	return 0
}

func isNumber(v any) bool {
	switch v.(type) {
	case int32, int64, float64, decimal.Decimal:
		return true
	}
	return false
}

// valuesEqual is deep SQL equality: numbers compare by value across
// types, collections element-wise, maps regardless of entry order.
func valuesEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if isNumber(a) {
		return isNumber(b) && compareValues(a, b) == 0
	}
	switch a := a.(type) {
	case []byte:
		bb, ok := b.([]byte)
		return ok && bytes.Equal(a, bb)
	case []any:
		bb, ok := b.([]any)
		if !ok || len(a) != len(bb) {
			return false
		}
		for i := range a {
			if !valuesEqual(a[i], bb[i]) {
				return false
			}
		}
		return true
	case types.StructVal:
		bb, ok := b.(types.StructVal)
		if !ok || len(a) != len(bb) {
			return false
		}
		for i := range a {
			if !valuesEqual(a[i], bb[i]) {
				return false
			}
		}
		return true
	case *types.MapVal:
		bb, ok := b.(*types.MapVal)
		if !ok || a.Len() != bb.Len() {
			return false
		}
		for i, k := range a.Keys {
			found := false
			for j, k2 := range bb.Keys {
				if valuesEqual(k, k2) {
					if !valuesEqual(a.Vals[i], bb.Vals[j]) {
						return false
					}
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return a == b
}

func (c *compiler) between(e *sql.Between) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	lo, err := c.compile(e.Lo)
	if err != nil {
		return nil, err
	}
	hi, err := c.compile(e.Hi)
	if err != nil {
		return nil, err
	}
	ge, err := c.comparison(&sql.Binary{P: e.P, Op: ">=", L: e.X, R: e.Lo}, x, lo)
	if err != nil {
		return nil, err
	}
	le, err := c.comparison(&sql.Binary{P: e.P, Op: "<=", L: e.X, R: e.Hi}, x, hi)
	if err != nil {
		return nil, err
	}
	xe, lee, hie, gee, lle, not := x.eval, lo.eval, hi.eval, ge.eval, le.eval, e.Not
	return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
		if xe(ctx, row) == nil || lee(ctx, row) == nil || hie(ctx, row) == nil {
			return false
		}
		in := gee(ctx, row).(bool) && lle(ctx, row).(bool)
		return in != not
	}}, nil
}

// errMismatch marks an IN element whose type cannot equal the operand.
var errMismatch = errors.New("type mismatch")

func (c *compiler) in(e *sql.In) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	items := make([]Evaluator, 0, len(e.List))
	// seen is the common type of the operand and the elements so far;
	// ksqlDB names it, not the operand's own type, in a mismatch.
	seen := x.typ
	for _, el := range e.List {
		n, never, err := c.coerceTo(el, x.typ)
		if errors.Is(err, errMismatch) {
			var t *types.Type
			if n != nil {
				t = n.typ
			} else if tn, err2 := c.compile(el); err2 == nil {
				t = tn.typ
			}
			return nil, fmt.Errorf("Invalid Predicate: operator does not exist: %s = %s (%s)\nHint: You might need to add explicit type casts.",
				typeName(seen), typeName(t), FormatExpr(el))
		}
		if err != nil {
			return nil, fmt.Errorf("Invalid Predicate: %w.", err)
		}
		if own, err := c.compile(el); err == nil && own.typ != nil && seen != nil && own.typ.IsNumeric() && seen.IsNumeric() {
			if common, ok := commonType(seen, own.typ); ok {
				seen = common
			}
		}
		if never || n.typ == nil {
			continue
		}
		items = append(items, n.eval)
	}
	xe, not := x.eval, e.Not
	return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
		v := xe(ctx, row)
		if v == nil {
			return false
		}
		for _, it := range items {
			if valuesEqual(v, it(ctx, row)) {
				return !not
			}
		}
		return not
	}}, nil
}

func isLiteralExpr(e sql.Expr) bool {
	switch e := e.(type) {
	case *sql.StringLit, *sql.IntLit, *sql.DecimalLit, *sql.DoubleLit, *sql.BoolLit, *sql.TypedLit:
		return true
	case *sql.Unary:
		return e.Op == "-" && isLiteralExpr(e.X)
	}
	return false
}

// coerceTo compiles el so that it compares with a value of type target,
// applying ksqlDB's literal coercions (recursively inside constructors).
// never reports an element that is well-typed but can never be equal
// (a STRUCT literal with a field the target lacks).
func (c *compiler) coerceTo(el sql.Expr, target *types.Type) (n *node, never bool, err error) {
	if target == nil {
		n, err = c.compile(el)
		return n, false, err
	}
	switch ev := el.(type) {
	case *sql.ArrayCtor:
		if target.Kind != types.Array {
			break
		}
		elems := make([]Evaluator, len(ev.Elems))
		for i, x := range ev.Elems {
			en, nv, err := c.coerceTo(x, target.Elem)
			if err != nil {
				return nil, false, err
			}
			never = never || nv
			elems[i] = en.eval
		}
		return &node{typ: target, eval: func(ctx *Context, row []any) any {
			out := make([]any, len(elems))
			for i, f := range elems {
				out[i] = f(ctx, row)
			}
			return out
		}, src: el}, never, nil
	case *sql.MapCtor:
		if target.Kind != types.Map {
			break
		}
		ks := make([]Evaluator, len(ev.Keys))
		vs := make([]Evaluator, len(ev.Values))
		for i := range ev.Keys {
			kn, nv1, err := c.coerceTo(ev.Keys[i], target.Key)
			if err != nil {
				return nil, false, err
			}
			vn, nv2, err := c.coerceTo(ev.Values[i], target.Elem)
			if err != nil {
				return nil, false, err
			}
			never = never || nv1 || nv2
			ks[i], vs[i] = kn.eval, vn.eval
		}
		return &node{typ: target, eval: func(ctx *Context, row []any) any {
			m := types.NewMapBuilder(len(ks))
			for i := range ks {
				m.Put(ks[i](ctx, row), vs[i](ctx, row))
			}
			return m.Map()
		}, src: el}, never, nil
	case *sql.StructCtor:
		if target.Kind != types.Struct {
			break
		}
		slots := make([]int, len(ev.Fields))
		vals := make([]Evaluator, len(ev.Fields))
		for i, f := range ev.Fields {
			j := -1
			for k, tf := range target.Fields {
				if tf.Name == f.Name {
					j = k
				}
			}
			var ft *types.Type
			if j < 0 {
				never = true
			} else {
				ft = target.Fields[j].Type
			}
			vn, nv, err := c.coerceTo(f.Value, ft)
			if err != nil {
				return nil, false, err
			}
			never = never || nv
			slots[i], vals[i] = j, vn.eval
		}
		nf := len(target.Fields)
		return &node{typ: target, eval: func(ctx *Context, row []any) any {
			out := make(types.StructVal, nf)
			for i, j := range slots {
				if j >= 0 {
					out[j] = vals[i](ctx, row)
				}
			}
			return out
		}, src: el}, never, nil
	}
	n, err = c.compile(el)
	if err != nil {
		return nil, false, err
	}
	if n.typ == nil {
		return n, false, nil
	}
	if isLiteralExpr(el) && n.isConst && !equalComparable(target, n.typ) &&
		(n.typ.Kind == types.String || target.Kind == types.String) && target.IsPrimitive() {
		if n.typ.Kind == types.String && target.IsNumeric() {
			// Keep the exact value: '2147483648' must not wrap into an INT.
			d, err := decimal.NewFromString(strings.TrimSpace(n.val.(string)))
			if err != nil {
				return nil, false, fmt.Errorf("invalid input syntax for type %s: \"%s\"", kindName(target), n.val)
			}
			return constNode(types.DecimalOf(decimalPrecisionScale(d)), d, el), false, nil
		}
		v, err := coerceLiteral(n.val, n.typ, target)
		if err != nil {
			return nil, false, err
		}
		return constNode(target, v, el), false, nil
	}
	if !equalComparable(target, n.typ) {
		return n, false, errMismatch
	}
	return n, false, nil
}

// dateAsTimestamp converts a DATE node to the TIMESTAMP of its midnight.
func dateAsTimestamp(n *node) *node {
	conv := func(v any) (any, error) { return types.TimestampVal(int64(v.(types.DateVal)) * 86400000), nil }
	return &node{typ: types.TimestampType, eval: wrapConv(n.eval, conv, "date to timestamp"), src: n.src}
}
