package expr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/internal/suggest"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Registry holds the scalar functions by upper-case name. It is built once
// by NewRegistry and read-only afterwards, so it is safe to share.
type Registry struct {
	fns   map[string]*funcDef
	udafs map[string]resolveFn // aggregate functions by upper-case name (udaf.go)
	// udafSigs holds the signatures of aggregates declared by signature
	// (udaf_sig.go), for DESCRIBE FUNCTION.
	udafSigs map[string][]udafSig
	agg      *aggConfig // aggregate properties (udaf.go); nil means defaults
}

// funcDef is one function: either overloads resolved by argument types,
// or a custom compiler (for lazy, generic or lambda-taking functions).
type funcDef struct {
	name      string // as ksqlDB spells it in messages
	overloads []*overload
	custom    func(c *compiler, call *sql.Call) (*node, error)
}

// overload is one signature. Parameter types may be the markers below.
type overload struct {
	params   []*types.Type
	variadic bool // the last parameter repeats (zero or more times)
	ret      *types.Type
	retFn    func(args []*types.Type) *types.Type // overrides ret
	fn       func(args []any) (any, error)
	nulls    bool // call fn even when an argument is NULL
	// prep, when set, specializes fn at compile time for the arguments
	// that are constants (consts[i], where known[i]), e.g. parsing a
	// format pattern once instead of per row; nil keeps fn.
	prep func(consts []any, known []bool) func(args []any) (any, error)
	// elem, when set, returns element i of fn's ARRAY<STRING> result
	// (as arrayAt indexes it) without building the array; ok false for
	// NULL.
	elem func(args []any, i int64) (s string, ok bool, err error)
	// str and sprep, when set, are fn and prep for a STRING result given
	// as a string (ok false for NULL), so that the caller boxes it
	// (Context.Strings) rather than fn allocating a header.
	str   stringFunc
	sprep func(consts []any, known []bool) stringFunc
}

// stringFunc is a function with a STRING result: ok false means NULL.
type stringFunc func(args []any) (s string, ok bool, err error)

// boxed is f with its result in an interface, for callers without a
// Context (constant folding, CastValue).
func (f stringFunc) boxed() func([]any) (any, error) {
	return func(args []any) (any, error) {
		s, ok, err := f(args)
		if err != nil || !ok {
			return nil, err
		}
		return s, nil
	}
}

// Parameter markers: any DECIMAL, and the generic type variables.
var (
	anyDecimal = &types.Type{Kind: types.Decimal, Precision: -1}
	typeT      = &types.Type{Kind: types.Unknown, Name: "T"}
	typeK      = &types.Type{Kind: types.Unknown, Name: "K"}
	typeV      = &types.Type{Kind: types.Unknown, Name: "V"}
	anyType    = &types.Type{Kind: types.Unknown, Name: "ANY"}
)

// NewRegistry returns a registry holding every built-in scalar function.
func NewRegistry() *Registry {
	r := &Registry{fns: map[string]*funcDef{}, udafs: builtinAggregates(), udafSigs: map[string][]udafSig{}}
	registerString(r)
	registerMath(r)
	registerNull(r)
	registerTime(r)
	registerCollection(r)
	registerJSON(r)
	registerMore(r) // functions_more*.go
	return r
}

// Has reports whether a function of that name (any case) exists.
func (r *Registry) Has(name string) bool {
	_, ok := r.fns[strings.ToUpper(name)]
	return ok
}

// Names lists the function names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.fns))
	for n := range r.fns {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (r *Registry) add(name string, ovs ...*overload) {
	up := strings.ToUpper(name)
	d := r.fns[up]
	if d == nil {
		d = &funcDef{name: name}
		r.fns[up] = d
	}
	d.overloads = append(d.overloads, ovs...)
}

func (r *Registry) addCustom(name string, f func(c *compiler, call *sql.Call) (*node, error)) {
	r.fns[strings.ToUpper(name)] = &funcDef{name: name, custom: f}
}

// ov builds an overload returning ret.
func ov(ret *types.Type, fn func(args []any) (any, error), params ...*types.Type) *overload {
	return &overload{params: params, ret: ret, fn: fn}
}

// ovT builds an overload whose return type depends on the argument types.
func ovT(ret func([]*types.Type) *types.Type, fn func(args []any) (any, error), params ...*types.Type) *overload {
	return &overload{params: params, retFn: ret, fn: fn}
}

// ovS builds an overload returning a STRING given as a string.
func ovS(fn stringFunc, params ...*types.Type) *overload {
	return &overload{params: params, ret: types.StringType, fn: fn.boxed(), str: fn}
}

// preparedS is prepared for an ovS overload.
func (o *overload) preparedS(p func(consts []any, known []bool) stringFunc) *overload {
	o.sprep = p
	o.prep = func(consts []any, known []bool) func([]any) (any, error) {
		if f := p(consts, known); f != nil {
			return f.boxed()
		}
		return nil
	}
	return o
}

// element sets elem, for an ARRAY<STRING> result.
func (o *overload) element(f func(args []any, i int64) (string, bool, error)) *overload {
	o.elem = f
	return o
}

func (o *overload) varargs() *overload  { o.variadic = true; return o }
func (o *overload) nullable() *overload { o.nulls = true; return o }

func (o *overload) prepared(p func(consts []any, known []bool) func([]any) (any, error)) *overload {
	o.prep = p
	return o
}

func (c *compiler) call(e *sql.Call) (*node, error) {
	d, ok := c.fns.fns[strings.ToUpper(e.Name)]
	if !ok {
		msg := fmt.Sprintf("Can't find any functions with the name '%s'", e.Name)
		if s := c.fns.suggest(e.Name); s != "" {
			msg += fmt.Sprintf(". Did you mean %s?", s)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	if d.custom != nil {
		return d.custom(c, e)
	}
	args, err := c.compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	return c.bindOverload(d, e, args)
}

// argTypesText renders argument types as in "(INTEGER, BIGINT)".
func argTypesText(args []*node) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = typeName(a.typ)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func errNoOverload(name string, args []*node) error {
	return fmt.Errorf("Function '%s' does not accept parameters %s.", name, argTypesText(args))
}

// match scores how well arg types fit an overload: lower is better, -1 is
// no fit. bound receives the concrete parameter types.
func (o *overload) match(args []*node) (int, []*types.Type) {
	n := len(o.params)
	if o.variadic {
		if len(args) < n-1 {
			return -1, nil
		}
	} else if len(args) != n {
		return -1, nil
	}
	vars := map[string]*types.Type{}
	bound := make([]*types.Type, len(args))
	cost := 0
	for i, a := range args {
		p := o.params[min(i, n-1)]
		c, t := paramFit(p, a.typ, vars)
		if c < 0 {
			return -1, nil
		}
		cost += c
		bound[i] = t
	}
	// Resolve type variables bound by later arguments (NULL first).
	for i, a := range args {
		if a.typ == nil {
			bound[i] = substitute(o.params[min(i, n-1)], vars)
		}
	}
	return cost, bound
}

// paramFit scores one argument against one parameter pattern.
func paramFit(p, a *types.Type, vars map[string]*types.Type) (int, *types.Type) {
	if a == nil {
		return 0, nil
	}
	switch {
	case p == anyType:
		return 0, a
	case p.Kind == types.Unknown:
		if b, ok := vars[p.Name]; ok {
			if a.Equal(b) {
				return 0, b
			}
			if canWiden(a, b) {
				return 1, b
			}
			if canWiden(b, a) {
				vars[p.Name] = a
				return 1, a
			}
			return -1, nil
		}
		vars[p.Name] = a
		return 0, a
	case p == anyDecimal:
		switch a.Kind {
		case types.Decimal:
			return 0, a
		case types.Int, types.Bigint:
			return 2, asDecimalType(a)
		}
		return -1, nil
	case p.Kind == types.Array && a.Kind == types.Array:
		c, t := paramFit(p.Elem, a.Elem, vars)
		if c < 0 {
			return -1, nil
		}
		return c, types.ArrayOf(t)
	case p.Kind == types.Map && a.Kind == types.Map:
		c1, k := paramFit(p.Key, a.Key, vars)
		c2, v := paramFit(p.Elem, a.Elem, vars)
		if c1 < 0 || c2 < 0 {
			return -1, nil
		}
		return c1 + c2, types.MapOf(k, v)
	}
	if p.Equal(a) {
		return 0, p
	}
	if p.IsNumeric() && a.IsNumeric() && canWiden(a, p) {
		return numericRank(p.Kind) - numericRank(a.Kind), p
	}
	return -1, nil
}

func substitute(p *types.Type, vars map[string]*types.Type) *types.Type {
	switch {
	case p == anyType || p == anyDecimal:
		return nil
	case p.Kind == types.Unknown:
		return vars[p.Name]
	case p.Kind == types.Array:
		if e := substitute(p.Elem, vars); e != nil {
			return types.ArrayOf(e)
		}
		return nil
	case p.Kind == types.Map:
		k, v := substitute(p.Key, vars), substitute(p.Elem, vars)
		if k != nil && v != nil {
			return types.MapOf(k, v)
		}
		return nil
	}
	return p
}

// bindOverload picks the best overload, coerces the arguments to it and
// builds the call.
func (c *compiler) bindOverload(d *funcDef, e *sql.Call, args []*node) (*node, error) {
	best, bestCost, ties := (*overload)(nil), -1, 0
	var bestBound []*types.Type
	for _, o := range d.overloads {
		cost, bound := o.match(args)
		if cost < 0 {
			continue
		}
		switch {
		case best == nil || cost < bestCost:
			best, bestCost, bestBound, ties = o, cost, bound, 0
		case cost == bestCost:
			ties++
		}
	}
	if best == nil {
		return nil, errNoOverload(d.name, args)
	}
	if ties > 0 {
		return nil, fmt.Errorf("Function '%s' cannot be resolved due to ambiguous method parameters %s.", d.name, argTypesText(args))
	}
	es := make([]Evaluator, len(args))
	consts, known := make([]any, len(args)), make([]bool, len(args))
	for i, a := range args {
		if bestBound[i] == nil || a.typ == nil {
			es[i] = a.eval
			consts[i], known[i] = a.val, a.isConst
			continue
		}
		cn, err := c.coerceNode(a, bestBound[i])
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", d.name, err)
		}
		es[i] = cn.eval
		consts[i], known[i] = cn.val, cn.isConst
	}
	ret := best.ret
	if best.retFn != nil {
		ret = best.retFn(bestBound)
	}
	if ret == nil {
		return nil, fmt.Errorf("Function '%s' cannot be resolved: cannot infer its return type from %s", d.name, argTypesText(args))
	}
	n := &node{typ: ret}
	if best.str != nil {
		str := best.str
		if best.sprep != nil {
			if f := best.sprep(consts, known); f != nil {
				str = f
			}
		}
		n.eval = callEvalString(d.name, str, es, best.nulls)
	} else {
		fn := best.fn
		if best.prep != nil {
			if f := best.prep(consts, known); f != nil {
				fn = f
			}
		}
		n.eval = callEval(d.name, fn, es, best.nulls, !argsEscape(ret))
	}
	if best.elem != nil {
		elem := best.elem
		n.at = func(i int64) Evaluator {
			return callEvalString(d.name, func(args []any) (string, bool, error) { return elem(args, i) }, es, best.nulls)
		}
	}
	return n, nil
}

// callEvalString is callEval for a stringFunc: the result is boxed into
// the Context's Strings. A STRING is not a collection, so the argument
// list may come from the Context.
func callEvalString(name string, fn stringFunc, es []Evaluator, nulls bool) Evaluator {
	return func(ctx *Context, row []any) any {
		args, base := ctx.pushArgs(len(es))
		if !evalArgs(ctx, row, es, args, nulls) {
			ctx.popArgs(base)
			return nil
		}
		s, ok := safeCallString(ctx, name, fn, args)
		ctx.popArgs(base)
		if !ok {
			return nil
		}
		return ctx.stringv(s)
	}
}

func safeCallString(ctx *Context, name string, fn stringFunc, args []any) (s string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ctx.report(&PanicError{Func: name, Value: r})
			s, ok = "", false
		}
	}()
	s, ok, err := fn(args)
	if err != nil {
		ctx.report(fmt.Errorf("function %s failed: %w", name, err))
		return "", false
	}
	return s, ok
}

// callEval evaluates the arguments and runs fn; an error or panic turns
// into NULL and a reported error.
//
// reuse says fn keeps no reference to its argument list once it returns
// (its result is not a collection, which could be the list itself), so
// the list can come from the Context's stack.
func callEval(name string, fn func([]any) (any, error), es []Evaluator, nulls, reuse bool) Evaluator {
	return func(ctx *Context, row []any) any {
		var args []any
		base := -1
		if reuse {
			args, base = ctx.pushArgs(len(es))
		} else {
			args = make([]any, len(es))
		}
		if !evalArgs(ctx, row, es, args, nulls) {
			ctx.popArgs(base)
			return nil
		}
		out := safeCall(ctx, name, fn, args)
		ctx.popArgs(base)
		return out
	}
}

// evalArgs evaluates es into args; false when one is NULL and the
// function is not called with NULLs (its result is NULL).
func evalArgs(ctx *Context, row []any, es []Evaluator, args []any, nulls bool) bool {
	for i, f := range es {
		v := f(ctx, row)
		if v == nil && !nulls {
			return false
		}
		args[i] = v
	}
	return true
}

// argsEscape says whether a function returning t might hand back (or
// keep inside its result) the argument list it was called with.
func argsEscape(t *types.Type) bool {
	switch t.Kind {
	case types.Array, types.Map, types.Struct, types.Unknown:
		return true
	}
	return false
}

func safeCall(ctx *Context, name string, fn func([]any) (any, error), args []any) (out any) {
	defer func() {
		if r := recover(); r != nil {
			ctx.report(&PanicError{Func: name, Value: r})
			out = nil
		}
	}()
	v, err := fn(args)
	if err != nil {
		ctx.report(fmt.Errorf("function %s failed: %w", name, err))
		return nil
	}
	return v
}

// PanicError is a function's panic turned into a reported error. The
// record goes on (its value is NULL), but a panic is a bug on some input,
// so callers and tests can tell it from an error the function returned.
type PanicError struct {
	Func  string
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("function %s failed: %v", e.Func, e.Value) }

// suggest returns the closest function name when it is plausibly a typo.
func (r *Registry) suggest(name string) string {
	up := strings.ToUpper(name)
	best, bestD := "", 1<<30
	for n := range r.fns {
		if d := suggest.Distance(up, n); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if bestD <= max(1, len(up)/3) {
		return best
	}
	return ""
}
