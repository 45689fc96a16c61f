package expr

import (
	"fmt"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

func registerNull(r *Registry) {
	r.addCustom("COALESCE", func(c *compiler, e *sql.Call) (*node, error) { return c.coalesce("COALESCE", e, -1) })
	r.addCustom("IFNULL", func(c *compiler, e *sql.Call) (*node, error) { return c.coalesce("IFNULL", e, 2) })
	r.addCustom("NULLIF", (*compiler).nullIf)
	r.addCustom("AS_VALUE", func(c *compiler, e *sql.Call) (*node, error) {
		if len(e.Args) != 1 {
			args, _ := c.compileAll(e.Args)
			return nil, errNoOverload("AS_VALUE", args)
		}
		return c.compile(e.Args[0])
	})
	r.addCustom("GREATEST", func(c *compiler, e *sql.Call) (*node, error) { return c.extreme("greatest", e, 1) })
	r.addCustom("LEAST", func(c *compiler, e *sql.Call) (*node, error) { return c.extreme("least", e, -1) })
}

// coalesce returns the first non-NULL argument, evaluating lazily.
func (c *compiler) coalesce(name string, e *sql.Call, arity int) (*node, error) {
	args, err := c.compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 || (arity > 0 && len(args) != arity) {
		return nil, fmt.Errorf("Function '%s' does not accept parameters %s", name, argTypesText(args))
	}
	t, args, err := c.unifyNodes(args, name+" arguments")
	if err != nil {
		return nil, fmt.Errorf("Function '%s' does not accept parameters %s", name, argTypesText(args))
	}
	if t == nil {
		return nil, fmt.Errorf("Function '%s' cannot be resolved: all arguments are NULL", name)
	}
	es := evals(args)
	return &node{typ: t, eval: func(ctx *Context, row []any) any {
		for _, f := range es {
			if v := f(ctx, row); v != nil {
				return v
			}
		}
		return nil
	}}, nil
}

func (c *compiler) nullIf(e *sql.Call) (*node, error) {
	args, err := c.compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	if len(args) != 2 || args[0].typ == nil {
		return nil, errNoOverload("NULLIF", args)
	}
	b, err := c.coerceNode(args[1], args[0].typ)
	if err != nil {
		return nil, errNoOverload("NULLIF", args)
	}
	ae, be := args[0].eval, b.eval
	return &node{typ: args[0].typ, eval: func(ctx *Context, row []any) any {
		a := ae(ctx, row)
		if a != nil && valuesEqual(a, be(ctx, row)) {
			return nil
		}
		return a
	}}, nil
}

// extreme is GREATEST (dir 1) or LEAST (dir -1): NULLs are skipped, and
// string literals are read as the other arguments' type.
func (c *compiler) extreme(name string, e *sql.Call, dir int) (*node, error) {
	args, err := c.compileAll(e.Args)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("Function '%s' does not accept parameters ().", name)
	}
	var t *types.Type
	hasDouble, hasInt, hasBig, hasDec := false, false, false, false
	for pass := 0; pass < 2 && t == nil; pass++ {
		for _, a := range args {
			if a.typ == nil || (pass == 0 && a.isConst && isString(a.typ)) {
				continue
			}
			switch a.typ.Kind {
			case types.Double:
				hasDouble = true
			case types.Int:
				hasInt = true
			case types.Bigint:
				hasBig = true
			case types.Decimal:
				hasDec = true
			}
			if t == nil {
				t = a.typ
				continue
			}
			ct, ok := commonType(t, a.typ)
			if !ok || (a.typ.IsNumeric() != t.IsNumeric()) {
				return nil, errNoOverload(name, args)
			}
			t = ct
		}
	}
	// Mixed integer/decimal widening is ambiguous in ksqlDB unless a
	// DOUBLE settles it.
	mixed := 0
	for _, b := range []bool{hasInt, hasBig, hasDec} {
		if b {
			mixed++
		}
	}
	if t == nil || (!hasDouble && mixed > 1) {
		return nil, fmt.Errorf("Function '%s' cannot be resolved due to ambiguous method parameters %s.", name, argTypesText(args))
	}
	if !t.IsPrimitive() || t.Kind == types.Boolean {
		return nil, errNoOverload(name, args)
	}
	conv := make([]*node, len(args))
	for i, a := range args {
		if t.Kind == types.Decimal && a.typ != nil && a.typ.Kind == types.Decimal {
			// ksqlDB returns the greatest argument as it is, its own
			// scale kept under the widened type (GREATEST of 1.50 and
			// 0.123456 is 1.50, a DECIMAL(7, 6)).
			conv[i] = a
			continue
		}
		if conv[i], err = c.coerceNode(a, t); err != nil {
			return nil, errNoOverload(name, args)
		}
	}
	es := evals(conv)
	cf := cmpFunc(t, t)
	return &node{typ: t, eval: func(ctx *Context, row []any) any {
		var best any
		for _, f := range es {
			v := f(ctx, row)
			if v != nil && (best == nil || cf(v, best)*dir > 0) {
				best = v
			}
		}
		return best
	}}, nil
}
