package planner

import (
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// scopeCol is a name visible to expressions and the row slot it reads.
type scopeCol struct {
	name      string
	typ       *types.Type
	slot      int
	namespace types.Namespace
	headerKey string
	pseudo    bool
}

// scope resolves column references against one row layout: a source's
// row, or the row after PARTITION BY re-keyed it.
type scope struct {
	srcName string
	alias   string
	cols    []scopeCol
	clause  string // SELECT, WHERE, PARTITION BY ... for error messages
}

// Column implements expr.Resolver.
func (s *scope) Column(ref *sql.ColumnRef) (int, *types.Type, error) {
	if ref.Qualifier != "" && ref.Qualifier != s.alias && ref.Qualifier != s.srcName {
		return 0, nil, errorAt(ref.P, "'%s' is not a valid stream/table name or alias.", ref.Qualifier)
	}
	for _, c := range s.cols {
		if c.name == ref.Name {
			return c.slot, c.typ, nil
		}
	}
	var names []string
	for _, c := range s.cols {
		if !c.pseudo {
			names = append(names, c.name)
		}
	}
	name := ref.Name
	if ref.Qualifier != "" {
		name = ref.Qualifier + "." + ref.Name
	}
	if s.clause == "WHERE" && (ref.Name == "WINDOWSTART" || ref.Name == "WINDOWEND") {
		return 0, nil, errorAt(ref.P, "Unknown column %s.", ref.Name)
	}
	return 0, nil, errorAt(ref.P, "%s column '%s' cannot be resolved.%s", s.clause, name, didYouMean(ref.Name, names))
}

// withClause returns a copy of the scope that reports errors for clause.
func (s *scope) withClause(clause string) *scope {
	c := *s
	c.clause = clause
	return &c
}

// visible returns the non-pseudo columns, in order, for SELECT *.
func (s *scope) visible() []scopeCol {
	var out []scopeCol
	for _, c := range s.cols {
		if !c.pseudo {
			out = append(out, c)
		}
	}
	return out
}

// pseudoColumns are the system columns every source row carries.
var pseudoColumns = []struct {
	name string
	slot int
	typ  *types.Type
}{
	{"ROWTIME", runtime.PseudoRowtime, types.BigintType},
	{"ROWPARTITION", runtime.PseudoRowPartition, types.IntType},
	{"ROWOFFSET", runtime.PseudoRowOffset, types.BigintType},
}

// sourceScope is the scope of a source's rows: declared columns at their
// row slots, then the pseudo columns.
func sourceScope(src *metastore.Source, alias string, layout *runtime.Source) *scope {
	s := &scope{srcName: src.Name, alias: alias}
	for i, c := range src.Schema.Columns {
		s.cols = append(s.cols, scopeCol{name: c.Name, typ: c.Type, slot: rowIndex(src.Schema, i), namespace: c.Namespace, headerKey: c.HeaderKey})
	}
	for _, p := range pseudoColumns {
		s.cols = append(s.cols, scopeCol{name: p.name, typ: p.typ, slot: layout.PseudoIndex(p.slot), pseudo: true})
	}
	if src.Window != nil {
		s.cols = append(s.cols,
			scopeCol{name: "WINDOWSTART", typ: types.BigintType, slot: layout.PseudoIndex(runtime.PseudoWindowStart), pseudo: true},
			scopeCol{name: "WINDOWEND", typ: types.BigintType, slot: layout.PseudoIndex(runtime.PseudoWindowEnd), pseudo: true})
	}
	return s
}

// rowIndex maps schema column i to its slot in a source row, where key
// columns come first, then value columns, then header columns.
func rowIndex(schema *types.Schema, i int) int {
	ns := schema.Columns[i].Namespace
	before := 0 // columns of the same namespace before i
	for j := 0; j < i; j++ {
		if schema.Columns[j].Namespace == ns {
			before++
		}
	}
	switch ns {
	case types.KeyColumn:
		return before
	case types.ValueColumn:
		return len(schema.Key()) + before
	}
	return len(schema.Key()) + len(schema.Value()) + before
}
