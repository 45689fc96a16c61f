package planner

import (
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// unreadColumns is, for each stream side of a join, the value columns no
// expression of the query reads (SELECT, WHERE, GROUP BY, PARTITION BY,
// HAVING, the join criteria), as slots of the side's row; nil when the
// query reads every column (a star) or a reference cannot be placed.
// The runtime nulls those slots as rows enter the join, so the
// repartition topic and the join's window stores and changelogs do not
// carry columns nothing reads (Nexmark q8 repartitioned and stored
// 600-byte auctions to read three numbers of them). Key and pseudo
// columns are always kept.
func unreadColumns(q *sql.Query, joins []*sql.Join, js *joinScope) [][]int {
	read := make([]map[string]bool, len(js.sides))
	for i := range read {
		read[i] = map[string]bool{}
	}
	ok := true
	mark := func(e sql.Expr) {
		if e == nil || !ok {
			return
		}
		sql.Walk(e, func(x sql.Expr) bool {
			ref, isRef := x.(*sql.ColumnRef)
			if !isRef || !ok {
				return ok
			}
			ok = markRead(ref, js, read)
			return ok
		})
	}
	if selectsStar(q) {
		return nil
	}
	forEachClause(q, mark)
	for _, j := range joins {
		mark(j.On)
	}
	if !ok {
		return nil
	}
	out := make([][]int, len(js.sides))
	any := false
	for i, sd := range js.sides {
		if sd.src.IsTable {
			continue // a table side's rows feed table semantics: leave them whole
		}
		for _, c := range sd.scope.cols {
			if !c.pseudo && c.namespace == types.ValueColumn && !read[i][c.name] {
				out[i] = append(out[i], c.slot)
				any = true
			}
		}
	}
	if !any {
		return nil
	}
	return out
}

// markRead records the side column ref names; false when ref names a
// side the query lacks, a column its side lacks, or is ambiguous. An
// unqualified name no side has (the join's ROWKEY or ROWTIME, a SELECT
// alias) reads no side column.
func markRead(ref *sql.ColumnRef, js *joinScope, read []map[string]bool) bool {
	if ref.Qualifier != "" {
		for i, sd := range js.sides {
			if ref.Qualifier == sd.alias || ref.Qualifier == sd.src.Name {
				for _, c := range sd.scope.cols {
					if c.name == ref.Name {
						read[i][c.name] = true
						return true
					}
				}
				return false
			}
		}
		return false
	}
	hit := -1
	for i, sd := range js.sides {
		for _, c := range sd.scope.cols {
			if c.name == ref.Name && !c.pseudo {
				if hit >= 0 && hit != i {
					return false
				}
				hit = i
			}
		}
	}
	if hit >= 0 {
		read[hit][ref.Name] = true
	}
	return true
}

// dropUnread puts a runtime.NullSlots before next when slots is not
// empty.
func dropUnread(slots []int, next runtime.Op) runtime.Op {
	if len(slots) == 0 {
		return next
	}
	return &runtime.NullSlots{Slots: slots, Next: next}
}
