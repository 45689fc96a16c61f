package planner

import (
	"github.com/eddysql/eddy/sql"
)

// checkJoinCriteria validates every join's ON clause before any join is
// planned, as ksqlDB's analysis does: each side of the equality must
// reference exactly one source, not the same one, and one of them must
// be the source the join adds. Columns resolve over every source of the
// FROM clause.
func checkJoinCriteria(joins []*sql.Join, js *joinScope) error {
	width := js.sides[0].layout.Width()
	for _, sd := range js.sides[1:] {
		sd.offset = width
		width += sd.layout.Width() + 2
	}
	all := &joinScope{sides: js.sides, clause: "JOIN ON"}
	for i, j := range joins {
		eq, ok := j.On.(*sql.Binary)
		if ok && (eq.Op == "AND" || eq.Op == "OR") {
			return errorf("Invalid join condition: joins on multiple conditions are not yet supported. Got %s.", sql.FormatExpr(j.On))
		}
		if !ok || eq.Op != "=" {
			return errorf("Unsupported join expression: %s. Only equality joins on one column pair are supported.", sql.FormatExpr(j.On))
		}
		only := func(e sql.Expr) (*joinSide, error) {
			srcs, err := sidesReferenced(e, all)
			if err != nil {
				return nil, err
			}
			if len(srcs) != 1 {
				return nil, errorf("Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.", sql.FormatExpr(e), sql.FormatExpr(j.On))
			}
			return srcs[0], nil
		}
		l, err := only(eq.L)
		if err != nil {
			return err
		}
		r, err := only(eq.R)
		if err != nil {
			return err
		}
		if l == r {
			return errorf("Each side of the join must reference exactly one source and not the same source. Left side references `%s` and right references `%s`", l.alias, r.alias)
		}
		if joined := js.sides[i+1]; l != joined && r != joined {
			return errorf("A join criteria is expected to reference the source (`%s`) in the FROM clause, instead the right source references `%s` and the left source references `%s`", joined.alias, r.alias, l.alias)
		}
	}
	return nil
}

// sidesReferenced lists the sources whose columns e references, in order
// of first reference.
func sidesReferenced(e sql.Expr, js *joinScope) ([]*joinSide, error) {
	var out []*joinSide
	var err error
	sql.Walk(e, func(x sql.Expr) bool {
		ref, ok := x.(*sql.ColumnRef)
		if !ok || err != nil {
			return err == nil
		}
		var slot int
		if slot, _, err = js.Column(ref); err != nil {
			return false
		}
		sd := sideOfSlot(slot, js)
		for _, o := range out {
			if o == sd {
				return true
			}
		}
		out = append(out, sd)
		return true
	})
	return out, err
}

// sideOfSlot is the source whose row holds slot of the combined row.
func sideOfSlot(slot int, js *joinScope) *joinSide {
	sd := js.sides[0]
	for _, s := range js.sides {
		if s.offset <= slot && s.offset >= sd.offset {
			sd = s
		}
	}
	return sd
}

// exprSource is the source a join expression references (its first).
func exprSource(e sql.Expr, js *joinScope) *joinSide {
	if srcs, err := sidesReferenced(e, js); err == nil && len(srcs) > 0 {
		return srcs[0]
	}
	return js.sides[len(js.sides)-1]
}

// checkJoinPartitions rejects a join whose two inputs have different
// partition counts, as ksqlDB does when it builds the topology (outer
// join first): rows that must meet would be spread over partitions of
// different numbers. A joined result has its right input's count; the
// message names the leftmost source for it. Foreign-key joins need no
// co-partitioning.
func (p *Planner) checkJoinPartitions(steps []*joinStep, js *joinScope) error {
	if p.Partitions == nil {
		return nil
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].spec.FK != nil {
			continue
		}
		left, right := js.sides[i], js.sides[i+1]
		lp, lok := p.Partitions(left.src.Topic)
		rp, rok := p.Partitions(right.src.Topic)
		if lok && rok && lp != rp {
			name := js.sides[0].alias
			return errorf("Can't join `%s` with `%s` since the number of partitions don't match. `%s` partitions = %d; `%s` partitions = %d. Please repartition either one so that the number of partitions match.", name, right.alias, name, lp, right.alias, rp)
		}
	}
	return nil
}
