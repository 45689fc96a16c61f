package sql

// Rewrite returns e with every subexpression replaced bottom-up... no:
// top-down: f is called on each node first; when it returns a non-nil
// expression that replaces the node and its children are not visited.
// Otherwise the node's children are rewritten and a copy is returned, so
// the input tree is never modified.
func Rewrite(e Expr, f func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	if r := f(e); r != nil {
		return r
	}
	rw := func(x Expr) Expr { return Rewrite(x, f) }
	rws := func(xs []Expr) []Expr {
		if xs == nil {
			return nil
		}
		out := make([]Expr, len(xs))
		for i, x := range xs {
			out[i] = rw(x)
		}
		return out
	}
	switch n := e.(type) {
	case *Deref:
		c := *n
		c.Base = rw(n.Base)
		return &c
	case *Subscript:
		c := *n
		c.Base, c.Index = rw(n.Base), rw(n.Index)
		return &c
	case *Unary:
		c := *n
		c.X = rw(n.X)
		return &c
	case *Binary:
		c := *n
		c.L, c.R = rw(n.L), rw(n.R)
		return &c
	case *IsNull:
		c := *n
		c.X = rw(n.X)
		return &c
	case *Between:
		c := *n
		c.X, c.Lo, c.Hi = rw(n.X), rw(n.Lo), rw(n.Hi)
		return &c
	case *In:
		c := *n
		c.X, c.List = rw(n.X), rws(n.List)
		return &c
	case *Like:
		c := *n
		c.X, c.Pattern = rw(n.X), rw(n.Pattern)
		return &c
	case *Case:
		c := *n
		c.Operand, c.Else = rw(n.Operand), rw(n.Else)
		c.Whens = make([]When, len(n.Whens))
		for i, w := range n.Whens {
			c.Whens[i] = When{Cond: rw(w.Cond), Result: rw(w.Result)}
		}
		return &c
	case *Cast:
		c := *n
		c.X = rw(n.X)
		return &c
	case *Call:
		c := *n
		c.Args = rws(n.Args)
		return &c
	case *ArrayCtor:
		c := *n
		c.Elems = rws(n.Elems)
		return &c
	case *MapCtor:
		c := *n
		c.Keys, c.Values = rws(n.Keys), rws(n.Values)
		return &c
	case *StructCtor:
		c := *n
		c.Fields = make([]StructFieldExpr, len(n.Fields))
		for i, fe := range n.Fields {
			c.Fields[i] = StructFieldExpr{Name: fe.Name, Value: rw(fe.Value)}
		}
		return &c
	case *Lambda:
		c := *n
		c.Body = rw(n.Body)
		return &c
	case *AtTimeZone:
		c := *n
		c.X = rw(n.X)
		return &c
	}
	return e
}

// Walk calls f on e and every subexpression, parents first, until f
// returns false for a node (its children are then skipped).
func Walk(e Expr, f func(Expr) bool) {
	Rewrite(e, func(x Expr) Expr {
		if !f(x) {
			return x // stop descending; the rewrite result is discarded
		}
		return nil
	})
}
