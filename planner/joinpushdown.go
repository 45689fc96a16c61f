package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// streamSideFilter is the part of a stream–table join's WHERE that reads
// only the stream side's own columns, compiled over that side's row, so
// that rows it rejects are dropped before the join and, above all,
// before the stream side is repartitioned (Nexmark q3 repartitioned
// every auction to keep one in five). nil when nothing qualifies.
//
// The full WHERE still runs on the joined rows, so this filter only
// drops rows earlier that would be dropped later; it changes no result
// because a stream row of a stream–table join leaves no state (only the
// table side's rows are kept) and its joined row carries its columns
// unchanged. Only operators that cannot fail qualify, so no row that
// would have found no match now reaches the processing log, and only
// INNER and LEFT joins, which never null-pad the stream side.
func (p *Planner) streamSideFilter(where sql.Expr, joins []*sql.Join, js *joinScope) *runtime.Filter {
	if where == nil || len(joins) != 1 || len(js.sides) != 2 {
		return nil
	}
	stream, table := js.sides[0], js.sides[1]
	if stream.src.IsTable || !table.src.IsTable || stream.src.Window != nil || table.src.Window != nil {
		return nil
	}
	if k := joins[0].Kind; k != sql.InnerJoin && k != sql.LeftJoin {
		return nil
	}
	var keep []sql.Expr
	for _, c := range conjuncts(where, nil) {
		if readsOnly(c, stream, js) && p.cannotFail(c, stream.scope.withClause("WHERE")) {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	pred := keep[0]
	for _, c := range keep[1:] {
		pred = &sql.Binary{P: c.Position(), Op: "AND", L: pred, R: c}
	}
	w, err := expr.Compile(pred, stream.scope.withClause("WHERE"), p.fns)
	if err != nil || w.Type == nil || w.Type.Kind != types.Boolean {
		return nil // the WHERE on the joined rows reports it
	}
	return &runtime.Filter{Pred: w, Step: stepWhere}
}

// conjuncts appends the terms of e's top-level ANDs to out.
func conjuncts(e sql.Expr, out []sql.Expr) []sql.Expr {
	if b, ok := e.(*sql.Binary); ok && b.Op == "AND" {
		return conjuncts(b.R, conjuncts(b.L, out))
	}
	return append(out, e)
}

// readsOnly reports whether every column e references is a declared
// column of side (no pseudo column such as ROWTIME, which the joined row
// sets anew) and e references at least one.
func readsOnly(e sql.Expr, side *joinSide, js *joinScope) bool {
	ok, any := true, false
	sql.Walk(e, func(x sql.Expr) bool {
		ref, isRef := x.(*sql.ColumnRef)
		if !isRef || !ok {
			return ok
		}
		slot, _, err := js.withClause("WHERE").Column(ref)
		if err != nil || sideOfSlot(slot, js) != side || !declared(side.scope, ref.Name) {
			ok = false
			return false
		}
		any = true
		return true
	})
	return ok && any
}

func declared(s *scope, name string) bool {
	for _, c := range s.cols {
		if c.name == name {
			return !c.pseudo
		}
	}
	return false
}

// cannotFail reports whether e is built only of columns, plain literals,
// comparisons, AND, OR, NOT, IS NULL, IN and BETWEEN over operands of one
// scalar kind (or all numeric): expressions whose evaluation reports no
// error, whatever the row. A string compared with a timestamp, say, is
// parsed on every row and may fail.
func (p *Planner) cannotFail(e sql.Expr, s *scope) bool {
	ok := true
	sql.Walk(e, func(x sql.Expr) bool {
		switch x := x.(type) {
		case *sql.ColumnRef, *sql.NullLit, *sql.BoolLit, *sql.IntLit, *sql.DecimalLit, *sql.DoubleLit, *sql.StringLit, *sql.IsNull:
		case *sql.In:
			ok = p.sameKind(s, append([]sql.Expr{x.X}, x.List...)...)
		case *sql.Between:
			ok = p.sameKind(s, x.X, x.Lo, x.Hi)
		case *sql.Unary:
			ok = x.Op == "NOT"
		case *sql.Binary:
			switch x.Op {
			case "AND", "OR":
			case "=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
				ok = p.sameKind(s, x.L, x.R)
			default:
				ok = false
			}
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// sameKind reports whether the operands compile over s to one scalar
// kind, or all to numbers; a NULL literal goes with any.
func (p *Planner) sameKind(s *scope, es ...sql.Expr) bool {
	kind := types.Unknown
	for _, e := range es {
		c, err := expr.Compile(e, s, p.fns)
		if err != nil {
			return false
		}
		if c.Type == nil {
			continue
		}
		k := c.Type.Kind
		switch k {
		case types.Int, types.Bigint, types.Double, types.Decimal:
			k = types.Double
		case types.Boolean, types.String, types.Date, types.Time, types.Timestamp:
		default:
			return false
		}
		if kind != types.Unknown && k != kind {
			return false
		}
		kind = k
	}
	return true
}
