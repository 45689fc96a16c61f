package planner

import (
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// readOnly makes a stream source decode only the value columns the query
// reads: the slots in unread are still checked, so a record with a bad
// value in one of them is rejected as ksqlDB rejects it, but stay nil in
// the row (serde.Reading; formats that cannot skip decode them all). The
// TIMESTAMP column is read by the source itself. A table keeps whole
// rows: its state and changelog hold them.
func readOnly(layout *runtime.Source, src *metastore.Source, unread []int) {
	if src.IsTable || len(unread) == 0 {
		return
	}
	read := make([]bool, layout.NumValue)
	for i := range read {
		read[i] = true
	}
	for _, slot := range unread {
		if i := slot - layout.NumKey; i >= 0 && i < len(read) {
			read[i] = false
		}
	}
	if ts := layout.Timestamp; ts != nil {
		if i := ts.Column - layout.NumKey; i >= 0 && i < len(read) {
			read[i] = true
		}
	}
	layout.ValueSerde = serde.Reading(layout.ValueSerde, read)
}

// unreadSourceColumns is the value columns of a single-source query's
// scope that no clause reads (SELECT, WHERE, GROUP BY, PARTITION BY,
// HAVING), as row slots; nil when the query selects a star. Names are
// matched as the scope resolves them, exactly, whatever the qualifier:
// marking a column read that is not costs only the saving.
func unreadSourceColumns(q *sql.Query, sc *scope) []int {
	if selectsStar(q) {
		return nil
	}
	read := map[string]bool{}
	forEachClause(q, func(e sql.Expr) {
		sql.Walk(e, func(x sql.Expr) bool {
			if ref, ok := x.(*sql.ColumnRef); ok {
				read[ref.Name] = true
			}
			return true
		})
	})
	var out []int
	for _, c := range sc.cols {
		if !c.pseudo && c.namespace == types.ValueColumn && !read[c.name] {
			out = append(out, c.slot)
		}
	}
	return out
}

// selectsStar reports whether the query selects every column (a bare
// star).
func selectsStar(q *sql.Query) bool {
	for _, it := range q.Select {
		if it.Star && it.Expr == nil {
			return true
		}
	}
	return false
}

// forEachClause calls f with every expression of the query's clauses
// that can read a source column: the SELECT items, WHERE, HAVING, GROUP
// BY and PARTITION BY (f gets nil for an absent clause).
func forEachClause(q *sql.Query, f func(sql.Expr)) {
	for _, it := range q.Select {
		f(it.Expr)
	}
	f(q.Where)
	f(q.Having)
	for _, e := range q.GroupBy {
		f(e)
	}
	for _, e := range q.PartitionBy {
		f(e)
	}
}

// readsRowMeta says whether any clause of a query names ROWTIME,
// ROWPARTITION or ROWOFFSET (see runtime.Source.NoRowMeta). Aggregations
// are not asked: their planning adds references of its own.
func readsRowMeta(q *sql.Query) bool {
	found := false
	forEachClause(q, func(e sql.Expr) {
		sql.Walk(e, func(x sql.Expr) bool {
			if ref, ok := x.(*sql.ColumnRef); ok {
				switch ref.Name {
				case "ROWTIME", "ROWPARTITION", "ROWOFFSET":
					found = true
				}
			}
			return !found
		})
	})
	return found
}
