package expr

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

func elemOf(args []*types.Type) *types.Type { return args[0].Elem }

func registerCollection(r *Registry) {
	arrT, mapKV := types.ArrayOf(typeT), types.MapOf(typeK, typeV)

	r.add("ARRAY_LENGTH", ov(tInt, func(a []any) (any, error) { return int32(len(a[0].([]any))), nil }, arrT))
	r.add("ARRAY_CONTAINS", ov(tBool, func(a []any) (any, error) {
		arr, _ := a[0].([]any)
		for _, e := range arr {
			if valuesEqual(e, a[1]) {
				return true, nil
			}
		}
		return false, nil
	}, arrT, typeT).nullable())
	// Both list the entries in ksqlDB's HashMap order (javamap.go).
	r.add("MAP_KEYS", ovT(func(t []*types.Type) *types.Type { return types.ArrayOf(t[0].Key) },
		func(a []any) (any, error) { return pickInOrder(a[0].(*types.MapVal), a[0].(*types.MapVal).Keys), nil }, mapKV))
	r.add("MAP_VALUES", ovT(func(t []*types.Type) *types.Type { return types.ArrayOf(t[0].Elem) },
		func(a []any) (any, error) { return pickInOrder(a[0].(*types.MapVal), a[0].(*types.MapVal).Vals), nil }, mapKV))
	r.add("ARRAY_DISTINCT", ovT(sameType, func(a []any) (any, error) {
		var out []any
		for _, e := range a[0].([]any) {
			if !slices.ContainsFunc(out, func(o any) bool { return valuesEqual(o, e) }) {
				out = append(out, e)
			}
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}, arrT))
	extreme := func(dir int) func([]any) (any, error) {
		return func(a []any) (any, error) {
			var best any
			for _, e := range a[0].([]any) {
				if e != nil && (best == nil || compareValues(e, best)*dir > 0) {
					best = e
				}
			}
			return best, nil
		}
	}
	r.add("ARRAY_MAX", ovT(elemOf, extreme(1), arrT))
	r.add("ARRAY_MIN", ovT(elemOf, extreme(-1), arrT))
	sortArr := func(a []any) (any, error) {
		desc := false
		if len(a) > 1 {
			switch strings.ToUpper(a[1].(string)) {
			case "ASC", "ASCENDING":
			case "DESC", "DESCENDING":
				desc = true
			default:
				return nil, nil // as ksqlDB: no sort for an unknown direction
			}
		}
		out := slices.Clone(a[0].([]any))
		slices.SortStableFunc(out, func(x, y any) int {
			// NULLs sort last either way.
			switch {
			case x == nil && y == nil:
				return 0
			case x == nil:
				return 1
			case y == nil:
				return -1
			}
			if desc {
				return compareValues(y, x)
			}
			return compareValues(x, y)
		})
		return out, nil
	}
	r.add("ARRAY_SORT", ovT(sameType, sortArr, arrT), ovT(sameType, sortArr, arrT, tStr))
	r.add("ARRAY_CONCAT", ovT(sameType, func(a []any) (any, error) {
		x, _ := a[0].([]any)
		y, _ := a[1].([]any)
		if a[0] == nil && a[1] == nil {
			return nil, nil
		}
		return append(slices.Clone(x), y...), nil
	}, arrT, arrT).nullable())
	r.add("ARRAY_REMOVE", ovT(sameType, func(a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		out := []any{}
		for _, e := range a[0].([]any) {
			if !valuesEqual(e, a[1]) {
				out = append(out, e)
			}
		}
		return out, nil
	}, arrT, typeT).nullable())
	// SLICE is ksqlDB's List.subList(from-1, to): a NULL bound is the
	// array's start or end, a bound outside the array gives NULL, and a
	// start past the end is an error (ArrayList's IllegalArgumentException).
	r.add("SLICE", ovT(sameType, func(a []any) (any, error) {
		arr, ok := a[0].([]any)
		if !ok {
			return nil, nil
		}
		start, end := 0, len(arr)
		if from, ok := a[1].(int32); ok {
			start = int(from) - 1
		}
		if to, ok := a[2].(int32); ok {
			end = int(to)
		}
		switch {
		case start < 0 || end > len(arr):
			return nil, nil
		case start > end:
			return nil, fmt.Errorf("fromIndex(%d) > toIndex(%d)", start, end)
		}
		return slices.Clone(arr[start:end]), nil
	}, arrT, tInt, tInt).nullable())
	join := func(a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		sep := ","
		if len(a) > 1 {
			sep, _ = a[1].(string) // a NULL delimiter joins with nothing
		}
		var b strings.Builder
		for i, e := range a[0].([]any) {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(types.FormatValue(e, nil))
		}
		return b.String(), nil
	}
	r.add("ARRAY_JOIN", ov(tStr, join, arrT), ov(tStr, join, arrT, tStr).nullable())
	r.add("ELT", ov(tStr, func(a []any) (any, error) {
		n, ok := a[0].(int32)
		if !ok || n < 1 || int(n) >= len(a) {
			return nil, nil
		}
		return a[n], nil
	}, tInt, tStr).varargs().nullable())
	r.add("FIELD", ov(tInt, func(a []any) (any, error) {
		if a[0] == nil {
			return int32(0), nil
		}
		for i, e := range a[1:] {
			if e == a[0] {
				return int32(i + 1), nil
			}
		}
		return int32(0), nil
	}, tStr, tStr).varargs().nullable())

	r.addCustom("TRANSFORM", (*compiler).transform)
	r.addCustom("FILTER", (*compiler).filter)
	r.addCustom("REDUCE", (*compiler).reduce)
}

func (c *compiler) collectionArg(name string, e *sql.Call, n int) (*node, error) {
	if len(e.Args) != n {
		return nil, fmt.Errorf("Function '%s' does not accept %d parameters", name, len(e.Args))
	}
	a, err := c.compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	if a.typ == nil || (a.typ.Kind != types.Array && a.typ.Kind != types.Map) {
		return nil, fmt.Errorf("Function '%s' needs an ARRAY or MAP first argument, not %s", name, typeName(a.typ))
	}
	return a, nil
}

// transform is TRANSFORM(array, x => f) or TRANSFORM(map, (k,v) => k2, (k,v) => v2).
func (c *compiler) transform(e *sql.Call) (*node, error) {
	if len(e.Args) == 3 {
		m, err := c.collectionArg("TRANSFORM", e, 3)
		if err != nil {
			return nil, err
		}
		kf, err := c.compileLambda(e.Args[1], m.typ.Key, m.typ.Elem)
		if err != nil {
			return nil, err
		}
		vf, err := c.compileLambda(e.Args[2], m.typ.Key, m.typ.Elem)
		if err != nil {
			return nil, err
		}
		me, ke, ve := m.eval, kf.eval, vf.eval
		return &node{typ: types.MapOf(kf.typ, vf.typ), eval: func(ctx *Context, row []any) any {
			in, ok := me(ctx, row).(*types.MapVal)
			if !ok {
				return nil
			}
			out := types.NewMapBuilder(in.Len())
			for i := range in.Len() {
				out.Put(runLambda(ke, ctx, row, in.Keys[i], in.Vals[i]), runLambda(ve, ctx, row, in.Keys[i], in.Vals[i]))
			}
			if m := out.Map(); m.Len() < in.Len() {
				// Two entries got one key: ksqlDB's TRANSFORM (a
				// Collectors.toMap) fails, so the result is NULL.
				ctx.report(fmt.Errorf("TRANSFORM: the key function gave %d entries %d keys (duplicate key)", in.Len(), m.Len()))
				return nil
			}
			return out.Map()
		}}, nil
	}
	a, err := c.collectionArg("TRANSFORM", e, 2)
	if err != nil {
		return nil, err
	}
	f, err := c.compileLambda(e.Args[1], a.typ.Elem)
	if err != nil {
		return nil, err
	}
	ae, fe := a.eval, f.eval
	return &node{typ: types.ArrayOf(f.typ), eval: func(ctx *Context, row []any) any {
		in, ok := ae(ctx, row).([]any)
		if !ok {
			return nil
		}
		out := make([]any, len(in))
		for i, v := range in {
			out[i] = runLambda(fe, ctx, row, v)
		}
		return out
	}}, nil
}

func (c *compiler) filter(e *sql.Call) (*node, error) {
	a, err := c.collectionArg("FILTER", e, 2)
	if err != nil {
		return nil, err
	}
	ae := a.eval
	if a.typ.Kind == types.Map {
		f, err := c.compileLambda(e.Args[1], a.typ.Key, a.typ.Elem)
		if err != nil {
			return nil, err
		}
		fe := f.eval
		return &node{typ: a.typ, eval: func(ctx *Context, row []any) any {
			in, ok := ae(ctx, row).(*types.MapVal)
			if !ok {
				return nil
			}
			out := types.NewMapBuilder(0)
			for i := range in.Len() {
				if b, _ := runLambda(fe, ctx, row, in.Keys[i], in.Vals[i]).(bool); b {
					out.Put(in.Keys[i], in.Vals[i])
				}
			}
			return out.Map()
		}}, nil
	}
	f, err := c.compileLambda(e.Args[1], a.typ.Elem)
	if err != nil {
		return nil, err
	}
	fe := f.eval
	return &node{typ: a.typ, eval: func(ctx *Context, row []any) any {
		in, ok := ae(ctx, row).([]any)
		if !ok {
			return nil
		}
		out := []any{}
		for _, v := range in {
			if b, _ := runLambda(fe, ctx, row, v).(bool); b {
				out = append(out, v)
			}
		}
		return out
	}}, nil
}

// reduce is REDUCE(collection, init, (state, x) => ...) or with (state, k, v).
func (c *compiler) reduce(e *sql.Call) (*node, error) {
	a, err := c.collectionArg("REDUCE", e, 3)
	if err != nil {
		return nil, err
	}
	init, err := c.compile(e.Args[1])
	if err != nil {
		return nil, err
	}
	if init.typ == nil {
		return nil, fmt.Errorf("REDUCE initial state cannot be an untyped NULL")
	}
	var params []*types.Type
	if a.typ.Kind == types.Map {
		params = []*types.Type{init.typ, a.typ.Key, a.typ.Elem}
	} else {
		params = []*types.Type{init.typ, a.typ.Elem}
	}
	f, err := c.compileLambda(e.Args[2], params...)
	if err != nil {
		return nil, err
	}
	f, err = c.coerceNode(f, init.typ)
	if err != nil {
		return nil, fmt.Errorf("REDUCE lambda must return the state type %s: %w", init.typ, err)
	}
	ae, ie, fe := a.eval, init.eval, f.eval
	return &node{typ: init.typ, eval: func(ctx *Context, row []any) any {
		state := ie(ctx, row)
		switch in := ae(ctx, row).(type) {
		case []any:
			for _, v := range in {
				state = runLambda(fe, ctx, row, state, v)
			}
		case *types.MapVal:
			for _, i := range javaMapOrder(in) {
				state = runLambda(fe, ctx, row, state, in.Keys[i], in.Vals[i])
			}
		default:
			return state
		}
		return state
	}}, nil
}
