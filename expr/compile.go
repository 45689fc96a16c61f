// Package expr compiles typed SQL expressions into closures over
// positional rows, and holds the built-in scalar functions.
//
// Compile resolves every type, column index and function overload once;
// the returned Evaluator then only indexes the row and runs the operator
// closures, with no reflection or name lookups per row.
package expr

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/internal/box"
	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Resolver resolves column references during compilation.
type Resolver interface {
	Column(ref *sql.ColumnRef) (index int, typ *types.Type, err error)
}

// Context is per task. OnError receives evaluation errors: a failing cast
// or function makes that sub-expression NULL and the row continues
// (ksqlDB logs a RECORD_PROCESSING_ERROR and goes on).
type Context struct {
	OnError func(error)
	// ReuseArgs lets function calls take their argument lists from args
	// instead of allocating one per call. Set it only where one goroutine
	// at a time evaluates with this Context (a task).
	ReuseArgs bool
	args      []any // a stack: each call pushes its arguments, pops them after
	// Decimals, when set, boxes DECIMAL results of arithmetic into shared
	// blocks. Set it only where one goroutine at a time evaluates and
	// rows die with their record (a stateless task).
	Decimals *smalldec.Slab
	// Words, when set, boxes BIGINT and DOUBLE results of arithmetic into
	// shared blocks, on the same terms as Decimals.
	Words *box.Int64s
	// Strings, when set, boxes the STRING results of functions into
	// shared blocks, on the same terms as Decimals.
	Strings StringBoxer
}

// StringBoxer puts a string in an interface without an allocation of its
// own (serde.Slab).
type StringBoxer interface{ BoxString(string) any }

// stringv returns v in an interface: in the Context's Strings if it has
// them, else on its own.
func (c *Context) stringv(v string) any {
	if c == nil || c.Strings == nil {
		return v
	}
	return c.Strings.BoxString(v)
}

// int64v returns v in an interface: in the Context's words if it has
// them, else on its own.
func (c *Context) int64v(v int64) any {
	if c == nil || c.Words == nil {
		return v
	}
	return c.Words.Box(v)
}

// float64v is int64v for a DOUBLE.
func (c *Context) float64v(v float64) any {
	if c == nil || c.Words == nil {
		return v
	}
	return c.Words.BoxFloat64(v)
}

// decimals returns the Context's decimal slab, nil if it has none.
func (c *Context) decimals() *smalldec.Slab {
	if c == nil {
		return nil
	}
	return c.Decimals
}

// pushArgs returns room for n arguments: on the Context's stack when it
// may be reused (base is where they start), else fresh (base -1).
// popArgs(base) releases it.
func (c *Context) pushArgs(n int) (args []any, base int) {
	if c == nil || !c.ReuseArgs {
		return make([]any, n), -1
	}
	base = len(c.args)
	c.args = append(c.args, make([]any, n)...)
	return c.args[base : base+n : base+n], base
}

func (c *Context) popArgs(base int) {
	if base < 0 {
		return
	}
	clear(c.args[base:]) // do not keep the row's values alive
	c.args = c.args[:base]
}

func (c *Context) report(err error) {
	if c != nil && c.OnError != nil {
		c.OnError(err)
	}
}

// Evaluator evaluates a compiled expression against one row.
type Evaluator func(c *Context, row []any) any

// Compiled is a type-checked expression ready to run.
type Compiled struct {
	Type *types.Type
	Eval Evaluator
	// col is the row index + 1 of a plain column reference, 0 otherwise.
	col int
}

// Value evaluates the expression against row as Eval does; a plain column
// reference is read without a call (most projected columns are copies).
func (c *Compiled) Value(ctx *Context, row []any) any {
	if c.col > 0 {
		return row[c.col-1]
	}
	return c.Eval(ctx, row)
}

// node is a compiled sub-expression. A nil typ means the untyped NULL
// literal, which fits any type.
type node struct {
	typ     *types.Type
	eval    Evaluator
	isConst bool // a literal (or constructor of literals); val is its value
	val     any
	src     sql.Expr
	col     int // row index + 1 of a plain column reference
	// at, when set, returns an evaluator of element i (1-based, negative
	// from the end) of this ARRAY that does not build the whole array:
	// x[i] with a constant i uses it.
	at func(i int64) Evaluator
}

type compiler struct {
	r   Resolver
	fns *Registry
	// lambda scopes: innermost last; each maps a parameter name to its slot.
	lambdas []map[string]*lambdaSlot
	// depth is how deeply the expression being compiled nests; the
	// parser bounds it, and so does the compiler for trees built
	// otherwise (rewrites, generated expressions).
	depth int
	// mayAbort is set when a node may panic with nullOperand, so the
	// root evaluator must recover it.
	mayAbort bool
}

// Compile type-checks e and returns its evaluator.
func Compile(e sql.Expr, r Resolver, fns *Registry) (*Compiled, error) {
	if fns == nil {
		fns = NewRegistry()
	}
	c := &compiler{r: r, fns: fns}
	n, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	if n.typ == nil {
		return nil, fmt.Errorf("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).")
	}
	eval := n.eval
	if c.mayAbort {
		eval = recoverNullOperand(eval)
	}
	return &Compiled{Type: n.typ, Eval: eval, col: n.col}, nil
}

// nullOperand aborts the evaluation of a whole expression: arithmetic in
// a lambda body met a NULL operand. ksqlDB runs lambdas as Java code over
// boxed values, so there the NULL throws, and an expression that throws
// yields NULL as a whole (TRANSFORM(ARRAY[5, NULL], x => x + 5) is NULL,
// not [10, NULL]).
type nullOperand struct{ expr string }

// recoverNullOperand makes an expression whose evaluation aborted with
// nullOperand NULL, reporting why.
func recoverNullOperand(eval Evaluator) Evaluator {
	return func(ctx *Context, row []any) (out any) {
		// The abort skips the pops of calls it unwinds through.
		base := -1
		if ctx != nil {
			base = len(ctx.args)
		}
		defer func() {
			if r := recover(); r != nil {
				n, ok := r.(nullOperand)
				if !ok {
					panic(r)
				}
				if base >= 0 {
					ctx.popArgs(base)
				}
				ctx.report(fmt.Errorf("error evaluating %s: NULL operand in a lambda", n.expr))
				out = nil
			}
		}()
		return eval(ctx, row)
	}
}

func constNode(t *types.Type, v any, src sql.Expr) *node {
	return &node{typ: t, eval: func(*Context, []any) any { return v }, isConst: true, val: v, src: src}
}

func (c *compiler) compile(e sql.Expr) (*node, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > sql.MaxNesting {
		return nil, fmt.Errorf("Expression nested too deeply: more than %d levels of nesting.", sql.MaxNesting)
	}
	n, err := c.compileNode(e)
	if err != nil {
		if e != nil {
			err = sql.At(e.Position(), err) // the innermost node that failed says where
		}
		return nil, err
	}
	n.src = e
	return n, nil
}

func (c *compiler) compileNode(e sql.Expr) (*node, error) {
	switch e := e.(type) {
	case nil:
		return nil, fmt.Errorf("missing expression")
	case *sql.NullLit, *sql.BoolLit, *sql.IntLit, *sql.DecimalLit, *sql.DoubleLit, *sql.StringLit, *sql.TypedLit:
		t, v, err := literal(e)
		if err != nil {
			return nil, err
		}
		return constNode(t, v, e), nil
	case *sql.ColumnRef:
		if c.r == nil {
			return nil, fmt.Errorf("column %s cannot be resolved", FormatExpr(e))
		}
		idx, t, err := c.r.Column(e)
		if err != nil {
			return nil, err
		}
		return &node{typ: t, eval: func(_ *Context, row []any) any { return row[idx] }, col: idx + 1}, nil
	case *sql.LambdaVar:
		return c.lambdaVar(e)
	case *sql.Lambda:
		return nil, fmt.Errorf("lambda %s is only allowed as an argument of a higher-order function", FormatExpr(e))
	case *sql.Deref:
		return c.deref(e)
	case *sql.Subscript:
		return c.subscript(e)
	case *sql.Unary:
		return c.unary(e)
	case *sql.Binary:
		return c.binary(e)
	case *sql.IsNull:
		return c.isNull(e)
	case *sql.Between:
		return c.between(e)
	case *sql.In:
		return c.in(e)
	case *sql.Like:
		return c.like(e)
	case *sql.Case:
		return c.caseExpr(e)
	case *sql.Cast:
		return c.cast(e)
	case *sql.Call:
		return c.call(e)
	case *sql.ArrayCtor:
		return c.arrayCtor(e)
	case *sql.MapCtor:
		return c.mapCtor(e)
	case *sql.StructCtor:
		return c.structCtor(e)
	case *sql.AtTimeZone:
		return nil, fmt.Errorf("AT TIME ZONE is not supported in expression %s", FormatExpr(e))
	}
	return nil, fmt.Errorf("unsupported expression %T", e)
}

// typeName renders a type for messages; the untyped NULL prints as "null".
func typeName(t *types.Type) string {
	if t == nil {
		return "null"
	}
	return t.String()
}

func (c *compiler) isNull(e *sql.IsNull) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	xe, not := x.eval, e.Not
	return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
		return (xe(ctx, row) == nil) != not
	}}, nil
}

func (c *compiler) deref(e *sql.Deref) (*node, error) {
	base, err := c.compile(e.Base)
	if err != nil {
		return nil, err
	}
	if base.typ == nil || base.typ.Kind != types.Struct {
		return nil, fmt.Errorf("Expected STRUCT type for dereference %s but got %s", FormatExpr(e), typeName(base.typ))
	}
	i := base.typ.FieldIndex(e.Field)
	if i < 0 {
		return nil, fmt.Errorf("Could not find field '%s' in '%s'", e.Field, FormatExpr(e.Base))
	}
	be := base.eval
	return &node{typ: base.typ.Fields[i].Type, eval: func(ctx *Context, row []any) any {
		s, ok := be(ctx, row).(types.StructVal)
		if !ok || i >= len(s) {
			return nil
		}
		return s[i]
	}}, nil
}

func (c *compiler) subscript(e *sql.Subscript) (*node, error) {
	base, err := c.compile(e.Base)
	if err != nil {
		return nil, err
	}
	idx, err := c.compile(e.Index)
	if err != nil {
		return nil, err
	}
	be := base.eval
	switch {
	case base.typ != nil && base.typ.Kind == types.Array:
		if idx.typ != nil && idx.typ.Kind != types.Int && idx.typ.Kind != types.Bigint {
			return nil, fmt.Errorf("array index must be INTEGER or BIGINT, not %s, in %s", typeName(idx.typ), FormatExpr(e))
		}
		if i, ok := asInt64(idx.val); ok && idx.isConst && base.at != nil {
			return &node{typ: base.typ.Elem, eval: base.at(i)}, nil
		}
		ie := idx.eval
		return &node{typ: base.typ.Elem, eval: func(ctx *Context, row []any) any {
			arr, ok := be(ctx, row).([]any)
			if !ok {
				return nil
			}
			i, ok := asInt64(ie(ctx, row))
			if !ok {
				return nil
			}
			return arrayAt(arr, i)
		}}, nil
	case base.typ != nil && base.typ.Kind == types.Map:
		key, err := c.coerceNode(idx, base.typ.Key)
		if err != nil {
			return nil, fmt.Errorf("map key in %s: %w", FormatExpr(e), err)
		}
		ke := key.eval
		return &node{typ: base.typ.Elem, eval: func(ctx *Context, row []any) any {
			m, ok := be(ctx, row).(*types.MapVal)
			if !ok || m == nil {
				return nil
			}
			k := ke(ctx, row)
			if k == nil {
				return nil
			}
			return mapGet(m, k)
		}}, nil
	}
	return nil, fmt.Errorf("subscript %s needs an ARRAY or MAP, not %s", FormatExpr(e), typeName(base.typ))
}

// arrayAt indexes a SQL array: 1-based, negative from the end, out of
// range gives NULL.
func arrayAt(arr []any, i int64) any {
	n := int64(len(arr))
	switch {
	case i > 0 && i <= n:
		return arr[i-1]
	case i < 0 && -i <= n:
		return arr[n+i]
	}
	return nil
}

func mapGet(m *types.MapVal, k any) any {
	for i, mk := range m.Keys {
		if valuesEqual(mk, k) {
			return m.Vals[i]
		}
	}
	return nil
}

func asInt64(v any) (int64, bool) {
	switch v := v.(type) {
	case int32:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

func (c *compiler) unary(e *sql.Unary) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "NOT":
		if x.typ != nil && x.typ.Kind != types.Boolean {
			return nil, fmt.Errorf("NOT needs a BOOLEAN operand, but %s is %s", FormatExpr(e.X), x.typ)
		}
		xe := x.eval
		return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
			b, ok := xe(ctx, row).(bool)
			if !ok {
				return nil
			}
			return !b
		}}, nil
	case "+":
		if x.typ != nil && !x.typ.IsNumeric() {
			return nil, fmt.Errorf("Unary plus needs a numeric operand, but %s is %s", FormatExpr(e.X), x.typ)
		}
		return x, nil
	case "-":
		return negate(x, e)
	}
	return nil, fmt.Errorf("unknown unary operator %q", e.Op)
}

// boolOf extracts a boolean for three-valued logic; ok is false for NULL.
func boolOf(v any) (b, ok bool) {
	b, ok = v.(bool)
	return
}

func (c *compiler) logical(e *sql.Binary, l, r *node) (*node, error) {
	for _, n := range []*node{l, r} {
		if n.typ != nil && n.typ.Kind != types.Boolean {
			return nil, fmt.Errorf("%s needs BOOLEAN operands, but %s is %s", e.Op, FormatExpr(n.src), n.typ)
		}
	}
	le, re := l.eval, r.eval
	if e.Op == "AND" {
		return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
			a, aok := boolOf(le(ctx, row))
			if aok && !a {
				return false
			}
			b, bok := boolOf(re(ctx, row))
			if bok && !b {
				return false
			}
			if aok && bok {
				return true
			}
			return nil
		}}, nil
	}
	return &node{typ: types.BooleanType, eval: func(ctx *Context, row []any) any {
		a, aok := boolOf(le(ctx, row))
		if aok && a {
			return true
		}
		b, bok := boolOf(re(ctx, row))
		if bok && b {
			return true
		}
		if aok && bok {
			return false
		}
		return nil
	}}, nil
}

func (c *compiler) binary(e *sql.Binary) (*node, error) {
	l, err := c.compile(e.L)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(e.R)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "AND", "OR":
		return c.logical(e, l, r)
	case "+", "-", "*", "/", "%":
		// In a lambda body ksqlDB's generated code unboxes the operands:
		// a NULL one fails the whole expression (see nullOperand).
		strict := len(c.lambdas) > 0
		c.mayAbort = c.mayAbort || strict
		return arith(e, l, r, strict)
	case "||":
		return concatOp(e, l, r)
	case "=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		return c.comparison(e, l, r)
	}
	return nil, fmt.Errorf("unknown binary operator %q", e.Op)
}

func (c *compiler) caseExpr(e *sql.Case) (*node, error) {
	if len(e.Whens) == 0 {
		return nil, fmt.Errorf("Invalid Case expression. CASE needs at least one WHEN")
	}
	var operand *node
	if e.Operand != nil {
		var err error
		if operand, err = c.compile(e.Operand); err != nil {
			return nil, err
		}
	}
	conds := make([]Evaluator, len(e.Whens))
	results := make([]*node, 0, len(e.Whens)+1)
	for i, w := range e.Whens {
		if operand != nil {
			// CASE x WHEN v is CASE WHEN x = v.
			wn, err := c.compile(w.Cond)
			if err != nil {
				return nil, err
			}
			cmp, err := c.comparison(&sql.Binary{P: w.Cond.Position(), Op: "=", L: e.Operand, R: w.Cond}, operand, wn)
			if err != nil {
				return nil, err
			}
			conds[i] = cmp.eval
		} else {
			cn, err := c.compile(w.Cond)
			if err != nil {
				return nil, err
			}
			if cn.typ != nil && cn.typ.Kind != types.Boolean {
				return nil, fmt.Errorf("Invalid Case expression. WHEN condition %s must be BOOLEAN, not %s", FormatExpr(w.Cond), cn.typ)
			}
			conds[i] = cn.eval
		}
		rn, err := c.compile(w.Result)
		if err != nil {
			return nil, err
		}
		results = append(results, rn)
	}
	if e.Else != nil {
		en, err := c.compile(e.Else)
		if err != nil {
			return nil, err
		}
		results = append(results, en)
	}
	var typ *types.Type
	for _, r := range results {
		if r.typ == nil {
			continue
		}
		if typ == nil {
			typ = r.typ
			continue
		}
		t, ok := commonType(typ, r.typ)
		if !ok {
			return nil, fmt.Errorf("Invalid Case expression. Type for all 'THEN' clauses should be the same.\nTHEN expression '%s' has type: %s. Previous THEN expression(s) type: %s.",
				FormatExpr(r.src), r.typ, typ)
		}
		typ = t
	}
	if typ == nil {
		return nil, fmt.Errorf("Invalid Case expression. All case branches have NULL type")
	}
	evals := make([]Evaluator, len(results))
	for i, r := range results {
		cr, err := c.coerceNode(r, typ)
		if err != nil {
			return nil, err
		}
		evals[i] = cr.eval
	}
	var elseEval Evaluator
	if e.Else != nil {
		elseEval = evals[len(evals)-1]
	}
	thens := evals[:len(e.Whens)]
	return &node{typ: typ, eval: func(ctx *Context, row []any) any {
		for i, cond := range conds {
			if b, _ := cond(ctx, row).(bool); b {
				return thens[i](ctx, row)
			}
		}
		if elseEval != nil {
			return elseEval(ctx, row)
		}
		return nil
	}}, nil
}

func (c *compiler) cast(e *sql.Cast) (*node, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	to := e.To
	if x.typ == nil {
		return constNode(to, nil, e), nil
	}
	if x.typ.Equal(to) {
		return &node{typ: to, eval: x.eval, isConst: x.isConst, val: x.val}, nil
	}
	conv, err := castFunc(x.typ, to)
	if err != nil {
		return nil, err
	}
	if x.isConst {
		v, err := conv(x.val)
		if err == nil {
			return constNode(to, v, e), nil
		}
	}
	return &node{typ: to, eval: convEval(x.eval, x.typ, to, conv, "CAST")}, nil
}

// convEval is wrapConv, except that a conversion of an INT, BIGINT or
// DECIMAL to DECIMAL tries the int64 coefficient first, boxed into the
// context's slab as arithmetic's results are: conv's math/big path
// costs about a dozen allocations per value. It falls back to conv,
// which also makes the error, where the value does not fit.
func convEval(xe Evaluator, from, to *types.Type, conv convFunc, what string) Evaluator {
	switch {
	case to.Kind != types.Decimal:
		return wrapConv(xe, conv, what)
	case from.Kind != types.Int && from.Kind != types.Bigint && from.Kind != types.Decimal:
		return wrapConv(xe, conv, what)
	}
	precision, scale := to.Precision, int32(to.Scale)
	return func(ctx *Context, row []any) any {
		v := xe(ctx, row)
		if v == nil {
			return nil
		}
		if c, e, ok := smallOf(v); ok {
			// Rescale rounds half away from zero, as fitDecimal does.
			if r, ok := smalldec.Rescale(c, e, scale); ok && smalldec.Digits(r) <= precision {
				return ctx.decimals().Box(r, -scale)
			}
		}
		return convert(ctx, conv, v, what)
	}
}

// wrapConv applies a value conversion, turning its failure into NULL plus
// a reported error.
func wrapConv(xe Evaluator, conv func(any) (any, error), what string) Evaluator {
	return func(ctx *Context, row []any) any {
		v := xe(ctx, row)
		if v == nil {
			return nil
		}
		return convert(ctx, conv, v, what)
	}
}

// convert applies conv to v, turning its failure into NULL plus a
// reported error.
func convert(ctx *Context, conv convFunc, v any, what string) any {
	out, err := conv(v)
	if err != nil {
		ctx.report(fmt.Errorf("%s: %w", what, err))
		return nil
	}
	return out
}

// coerceNode converts n to type to by implicit widening (or the
// literal-only conversions ksqlDB allows); an equal type is a no-op.
func (c *compiler) coerceNode(n *node, to *types.Type) (*node, error) {
	if n.typ == nil {
		return constNode(to, nil, n.src), nil
	}
	if n.typ.Equal(to) {
		return n, nil
	}
	if !canWiden(n.typ, to) {
		if n.isConst {
			v, err := coerceLiteral(n.val, n.typ, to)
			if err == nil {
				return constNode(to, v, n.src), nil
			}
			if _, isStr := n.val.(string); isStr && strings.HasPrefix(err.Error(), "invalid input syntax") {
				return nil, err // a string literal that does not read as the type
			}
		}
		return nil, fmt.Errorf("cannot convert %s (%s) to %s", FormatExpr(n.src), n.typ, to)
	}
	conv, err := castFunc(n.typ, to)
	if err != nil {
		return nil, err
	}
	if n.isConst {
		if v, err := conv(n.val); err == nil {
			return constNode(to, v, n.src), nil
		}
	}
	return &node{typ: to, eval: convEval(n.eval, n.typ, to, conv, "implicit cast"), src: n.src}, nil
}
