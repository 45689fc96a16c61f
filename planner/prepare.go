package planner

import (
	"fmt"

	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/sql"
)

// ksqlDB prepares a statement before analysing it: its parser rejects a
// column qualified by a name that is no source or alias of the FROM
// clause ("Failed to prepare statement: …"), and its sanitizer, which
// qualifies every column of a join, rejects a column more than one source
// has ("Exception while preparing statement: …"). Both come before any
// other check, whatever clause the column is in.

// queryExprs lists the query's expressions in statement order.
func queryExprs(q *sql.Query) []sql.Expr {
	var out []sql.Expr
	for _, si := range q.Select {
		if si.Expr != nil {
			out = append(out, si.Expr)
		}
	}
	var from func(r sql.Relation)
	from = func(r sql.Relation) {
		if j, ok := r.(*sql.Join); ok {
			from(j.Left)
			out = append(out, j.On)
		}
	}
	from(q.From)
	if q.Where != nil {
		out = append(out, q.Where)
	}
	out = append(out, q.GroupBy...)
	out = append(out, q.PartitionBy...)
	if q.Having != nil {
		out = append(out, q.Having)
	}
	return out
}

// checkQualifiers rejects the first column or star qualified by a name
// that is neither a FROM source nor its alias.
func checkQualifiers(q *sql.Query) error {
	known := map[string]bool{}
	var from func(r sql.Relation)
	from = func(r sql.Relation) {
		switch x := r.(type) {
		case *sql.Table:
			known[x.Name] = true
			if x.Alias != "" {
				known[x.Alias] = true
			}
		case *sql.Join:
			from(x.Left)
			from(x.Right)
		}
	}
	from(q.From)
	for _, si := range q.Select {
		if si.StarQualifier != "" && !known[si.StarQualifier] {
			return errorAt(si.P, "Failed to prepare statement: '%s' is not a valid stream/table name or alias.", si.StarQualifier)
		}
	}
	var bad *sql.ColumnRef
	for _, e := range queryExprs(q) {
		sql.Walk(e, func(x sql.Expr) bool {
			if ref, ok := x.(*sql.ColumnRef); ok && ref.Qualifier != "" && !known[ref.Qualifier] && bad == nil {
				bad = ref
			}
			return bad == nil
		})
		if bad != nil {
			return errorAt(bad.P, "Failed to prepare statement: '%s' is not a valid stream/table name or alias.", bad.Qualifier)
		}
	}
	return nil
}

// checkJoinAmbiguity rejects the first unqualified column of a join that
// more than one source has.
func checkJoinAmbiguity(q *sql.Query, js *joinScope) error {
	var err error
	for _, e := range queryExprs(q) {
		sql.Walk(e, func(x sql.Expr) bool {
			ref, ok := x.(*sql.ColumnRef)
			if !ok || ref.Qualifier != "" || err != nil {
				return err == nil
			}
			var hits []string
			for _, sd := range js.sides {
				for _, c := range sd.scope.cols {
					if c.name == ref.Name && !c.pseudo {
						hits = append(hits, sd.alias+"."+c.name)
					}
				}
			}
			if len(hits) > 1 {
				err = &Error{Pos: ref.P, Msg: fmt.Sprintf("Column '%s' is ambiguous. Could be %s.", ref.Name, joinOr(hits)), linePrefix: true, stage: "Exception while preparing statement: "}
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ResolveCastTypes replaces the types CREATE TYPE named in the CASTs of
// es (CAST(x AS address), or inside ARRAY<address>) by their definitions,
// in place, so that the cast converts to the struct the name stands for.
func ResolveCastTypes(ms *metastore.Metastore, es ...sql.Expr) error {
	var err error
	for _, e := range es {
		sql.Walk(e, func(x sql.Expr) bool {
			c, ok := x.(*sql.Cast)
			if !ok || err != nil {
				return err == nil
			}
			t, rerr := ms.ResolveType(c.To)
			if rerr != nil {
				err = &Error{Pos: c.P, Msg: rerr.Error()}
				return false
			}
			c.To = t
			return true
		})
	}
	return err
}
