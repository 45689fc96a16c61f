package planner

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// tableFunctions finds table-function calls (EXPLODE, CUBE_EXPLODE) in the
// projection. Each becomes a reference to a column that a TableFunctions
// operator, placed before the projection, fills with one element per
// output row. It returns the rewritten items, the scope that resolves the
// new columns, and the operator (nil when there are no calls).
func (p *Planner) tableFunctions(items []selectItem, sel *scope) ([]selectItem, *scope, *runtime.TableFunctions, error) {
	width := 0
	for _, c := range sel.cols {
		width = max(width, c.slot+1)
	}
	ext := &scope{srcName: sel.srcName, alias: sel.alias, cols: append([]scopeCol{}, sel.cols...), clause: sel.clause}
	op := &runtime.TableFunctions{Width: width}
	var err error
	out := make([]selectItem, len(items))
	for i, it := range items {
		it.expr = sql.Rewrite(it.expr, func(x sql.Expr) sql.Expr {
			call, ok := x.(*sql.Call)
			if !ok || err != nil {
				return nil
			}
			fn := expr.LookupTableFunc(call.Name)
			if fn == nil {
				return nil
			}
			tf := runtime.TableFunction{Fn: fn}
			var argTypes []*types.Type
			for _, a := range call.Args {
				c, cerr := expr.Compile(a, sel.withClause("SELECT"), p.fns)
				if cerr != nil {
					err = cerr
					return x
				}
				tf.Args = append(tf.Args, c)
				argTypes = append(argTypes, c.Type)
			}
			typ, terr := fn.Result(argTypes)
			if terr != nil {
				err = wrapAt(call.P, terr)
				return x
			}
			// "$" cannot start an identifier, so the name never clashes.
			name := fmt.Sprintf("$%s_%d", fn.Name, len(op.Funcs))
			ext.cols = append(ext.cols, scopeCol{name: name, typ: typ, slot: width + len(op.Funcs), pseudo: true})
			op.Funcs = append(op.Funcs, tf)
			return &sql.ColumnRef{P: call.P, Name: name}
		})
		out[i] = it
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if len(op.Funcs) == 0 {
		return items, sel, nil, nil
	}
	return out, ext, op, nil
}

// tableFunctionIn names the first table function q's projection calls,
// or "".
func tableFunctionIn(q *sql.Query) string {
	found := ""
	for _, si := range q.Select {
		sql.Walk(si.Expr, func(x sql.Expr) bool {
			if call, ok := x.(*sql.Call); ok && found == "" && expr.LookupTableFunc(call.Name) != nil {
				found = call.Name
			}
			return found == ""
		})
	}
	return found
}
