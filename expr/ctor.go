package expr

import (
	"fmt"
	"math"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// unifyNodes coerces nodes to their common type. String literals only
// decide the type when nothing else does; otherwise they are parsed into
// it (ARRAY['3', 4] is an ARRAY<INTEGER>).
func (c *compiler) unifyNodes(ns []*node, what string) (*types.Type, []*node, error) {
	return c.unify(ns, what, false)
}

// unifyUserList is unifyNodes for the elements of a constructor (ARRAY[…],
// MAP(…)), which ksqlDB widens further: a numeric string literal
// contributes the type its text reads as ('2e1' is a DECIMAL, so
// ARRAY[10, '2e1'] is an ARRAY<DECIMAL(10, 0)>), and STRUCT constructors
// with different fields meet in a struct of all their fields.
func (c *compiler) unifyUserList(ns []*node, what string) (*types.Type, []*node, error) {
	return c.unify(ns, what, true)
}

func (c *compiler) unify(ns []*node, what string, userList bool) (*types.Type, []*node, error) {
	var t *types.Type
	for pass := 0; pass < 2 && t == nil; pass++ {
		for _, n := range ns {
			if n.typ == nil || (pass == 0 && n.isConst && isString(n.typ)) {
				continue
			}
			if t == nil {
				t = n.typ
				continue
			}
			ct, ok := commonType(t, n.typ)
			if !ok && userList && isStructCtor(n) && t.Kind == types.Struct {
				ct, ok = mergeStructTypes(t, n.typ)
			}
			if !ok {
				return nil, nil, fmt.Errorf("invalid %s: all elements must be of the same type, found %s and %s", what, t, n.typ)
			}
			t = ct
		}
	}
	if t == nil {
		return nil, ns, nil
	}
	if userList && t.IsNumeric() {
		for _, n := range ns {
			if s, ok := n.val.(string); ok && n.isConst {
				if st, ok := stringNumericType(s); ok {
					t, _ = commonType(t, st)
				}
			}
		}
	}
	out := make([]*node, len(ns))
	for i, n := range ns {
		if userList && t.Kind == types.Struct && n.typ != nil && n.typ.Kind == types.Struct && !canWiden(n.typ, t) {
			// A struct takes the shape merged from the constructors:
			// fields matched by name, the ones it lacks NULL.
			conv, err := castFunc(n.typ, t)
			if err != nil {
				return nil, nil, fmt.Errorf("invalid %s: %w", what, err)
			}
			out[i] = &node{typ: t, eval: wrapConv(n.eval, conv, "implicit cast"), src: n.src}
			continue
		}
		cn, err := c.coerceNode(n, t)
		if err != nil {
			if userList {
				// ksqlDB's literal coercion ends its sentence.
				return nil, nil, fmt.Errorf("invalid %s: %w.", what, err)
			}
			return nil, nil, fmt.Errorf("invalid %s: %w", what, err)
		}
		out[i] = cn
	}
	return t, out, nil
}

// isStructCtor reports whether n was compiled from STRUCT(…).
func isStructCtor(n *node) bool {
	_, ok := n.src.(*sql.StructCtor)
	return ok
}

// mergeStructTypes is the struct holding the fields of both, as ksqlDB
// merges a constructed struct (src) into a list's struct type so far:
// src's fields first, then target's others; a field in both takes their
// common type.
func mergeStructTypes(target, src *types.Type) (*types.Type, bool) {
	fields := make([]types.Field, 0, len(src.Fields)+len(target.Fields))
	for _, f := range src.Fields {
		if j := target.FieldIndex(f.Name); j >= 0 {
			ct, ok := commonType(target.Fields[j].Type, f.Type)
			if !ok {
				return nil, false
			}
			f = types.Field{Name: f.Name, Type: ct}
		}
		fields = append(fields, f)
	}
	for _, f := range target.Fields {
		if src.FieldIndex(f.Name) < 0 {
			fields = append(fields, f)
		}
	}
	return types.StructOf(fields...), true
}

// stringNumericType is the numeric type a string literal's text reads as,
// by ksqlDB's rules: a whole number without a point or exponent is an
// INTEGER or BIGINT by size, anything else a DECIMAL of its digits.
func stringNumericType(s string) (*types.Type, bool) {
	s = strings.TrimSpace(s)
	d, err := decimal.NewFromString(s)
	if err != nil {
		return nil, false
	}
	if !strings.ContainsAny(s, ".eE") && d.Exponent() >= 0 {
		switch {
		case d.GreaterThan(decimal.NewFromInt(math.MinInt32)) && d.LessThan(decimal.NewFromInt(math.MaxInt32)):
			return types.IntType, true
		case d.GreaterThan(decimal.NewFromInt(math.MinInt64)) && d.LessThan(decimal.NewFromInt(math.MaxInt64)):
			return types.BigintType, true
		}
	}
	p, sc := decimalPrecisionScale(d)
	return types.DecimalOf(p, sc), true
}

func (c *compiler) compileAll(es []sql.Expr) ([]*node, error) {
	ns := make([]*node, len(es))
	for i, e := range es {
		n, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		ns[i] = n
	}
	return ns, nil
}

func evals(ns []*node) []Evaluator {
	out := make([]Evaluator, len(ns))
	for i, n := range ns {
		out[i] = n.eval
	}
	return out
}

func (c *compiler) arrayCtor(e *sql.ArrayCtor) (*node, error) {
	if len(e.Elems) == 0 {
		return nil, fmt.Errorf("Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).")
	}
	ns, err := c.compileAll(e.Elems)
	if err != nil {
		return nil, err
	}
	t, ns, err := c.unifyUserList(ns, "array constructor "+FormatExpr(e))
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.")
	}
	es := evals(ns)
	return &node{typ: types.ArrayOf(t), eval: func(ctx *Context, row []any) any {
		out := make([]any, len(es))
		for i, f := range es {
			out[i] = f(ctx, row)
		}
		return out
	}}, nil
}

// mapCtorIssue is the ksqlDB issue its map constructor messages point to.
const mapCtorIssue = "https://github.com/confluentinc/ksql/issues/4239"

func (c *compiler) mapCtor(e *sql.MapCtor) (*node, error) {
	if len(e.Keys) == 0 {
		return nil, fmt.Errorf("Map constructor cannot be empty. Please supply at least one key value pair (see %s).", mapCtorIssue)
	}
	ks, err := c.compileAll(e.Keys)
	if err != nil {
		return nil, err
	}
	vs, err := c.compileAll(e.Values)
	if err != nil {
		return nil, err
	}
	kt, ks, err := c.unifyUserList(ks, "map constructor keys "+FormatExpr(e))
	if err != nil {
		return nil, err
	}
	vt, vs, err := c.unifyUserList(vs, "map constructor values "+FormatExpr(e))
	if err != nil {
		return nil, err
	}
	// A NULL key or value among typed ones takes their type; all NULL
	// leaves nothing to type the map by, as in ksqlDB.
	if kt == nil {
		return nil, fmt.Errorf("Cannot construct a map with all NULL keys (see %s). As a workaround, you may cast a NULL key to the desired type.", mapCtorIssue)
	}
	if vt == nil {
		return nil, fmt.Errorf("Cannot construct a map with all NULL values (see %s). As a workaround, you may cast a NULL value to the desired type.", mapCtorIssue)
	}
	ke, ve := evals(ks), evals(vs)
	return &node{typ: types.MapOf(kt, vt), eval: func(ctx *Context, row []any) any {
		m := types.NewMapBuilder(len(ke))
		for i := range ke {
			m.Put(ke[i](ctx, row), ve[i](ctx, row))
		}
		return m.Map()
	}}, nil
}

func (c *compiler) structCtor(e *sql.StructCtor) (*node, error) {
	fields := make([]types.Field, len(e.Fields))
	es := make([]Evaluator, len(e.Fields))
	seen := map[string]bool{}
	for i, f := range e.Fields {
		if seen[f.Name] {
			return nil, fmt.Errorf("Duplicate field names found in STRUCT: '%s'", f.Name)
		}
		seen[f.Name] = true
		n, err := c.compile(f.Value)
		if err != nil {
			return nil, err
		}
		t := n.typ
		if t == nil {
			// ksqlDB types a bare NULL field as STRING.
			t = types.StringType
		}
		fields[i] = types.Field{Name: f.Name, Type: t}
		es[i] = n.eval
	}
	return &node{typ: types.StructOf(fields...), eval: func(ctx *Context, row []any) any {
		out := make(types.StructVal, len(es))
		for i, f := range es {
			out[i] = f(ctx, row)
		}
		return out
	}}, nil
}

// lambdaParam locates a lambda parameter: its values are appended to the
// row when the body runs, so it is addressed from the row's end.
type lambdaParam struct {
	pos int // position among all lambda parameters in scope
	typ *types.Type
}

type lambdaSlot = lambdaParam

func (c *compiler) lambdaDepth() int {
	n := 0
	for _, s := range c.lambdas {
		n += len(s)
	}
	return n
}

func (c *compiler) lambdaVar(e *sql.LambdaVar) (*node, error) {
	for i := len(c.lambdas) - 1; i >= 0; i-- {
		if p, ok := c.lambdas[i][e.Name]; ok {
			back := c.lambdaDepth() - p.pos
			return &node{typ: p.typ, eval: func(_ *Context, row []any) any { return row[len(row)-back] }}, nil
		}
	}
	return nil, fmt.Errorf("unknown lambda variable %s", e.Name)
}

// compileLambda compiles a lambda body with the given parameter types.
// Run it with runLambda.
func (c *compiler) compileLambda(e sql.Expr, params ...*types.Type) (*node, error) {
	l, ok := e.(*sql.Lambda)
	if !ok {
		return nil, fmt.Errorf("expected a lambda, got %s", FormatExpr(e))
	}
	if len(l.Params) != len(params) {
		return nil, fmt.Errorf("lambda %s takes %d arguments, expected %d", FormatExpr(e), len(l.Params), len(params))
	}
	base := c.lambdaDepth()
	scope := make(map[string]*lambdaSlot, len(params))
	for i, p := range l.Params {
		scope[p] = &lambdaSlot{pos: base + i, typ: params[i]}
	}
	c.lambdas = append(c.lambdas, scope)
	defer func() { c.lambdas = c.lambdas[:len(c.lambdas)-1] }()
	return c.compile(l.Body)
}

// runLambda evaluates a lambda body with its arguments appended to row.
func runLambda(body Evaluator, ctx *Context, row []any, args ...any) any {
	r := make([]any, len(row), len(row)+len(args))
	copy(r, row)
	return body(ctx, append(r, args...))
}
