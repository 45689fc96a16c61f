package planner

import (
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// sourceScope resolves column references against one source's row layout:
// key, value and header columns, then ROWTIME, ROWPARTITION, ROWOFFSET.
type sourceScope struct {
	src    *metastore.Source
	alias  string
	layout *runtime.Source
	clause string // SELECT, WHERE, PARTITION BY ... for error messages
	// pseudo allows ROWPARTITION and ROWOFFSET (not in pull queries).
	pseudo bool
}

// pseudoColumns maps pseudo column names to their layout slot and type.
var pseudoColumns = map[string]struct {
	slot int
	typ  *types.Type
}{
	"ROWTIME":      {runtime.PseudoRowtime, types.BigintType},
	"ROWPARTITION": {runtime.PseudoRowPartition, types.IntType},
	"ROWOFFSET":    {runtime.PseudoRowOffset, types.BigintType},
}

// Column implements expr.Resolver.
func (s *sourceScope) Column(ref *sql.ColumnRef) (int, *types.Type, error) {
	if ref.Qualifier != "" && ref.Qualifier != s.alias && ref.Qualifier != s.src.Name {
		return 0, nil, errorf("'%s' is not a valid stream/table name or alias.", ref.Qualifier)
	}
	if i := s.src.Schema.Find(ref.Name); i >= 0 {
		return rowIndex(s.src.Schema, i), s.src.Schema.Columns[i].Type, nil
	}
	if pc, ok := pseudoColumns[ref.Name]; ok && (s.pseudo || ref.Name == "ROWTIME") {
		return s.layout.PseudoIndex(pc.slot), pc.typ, nil
	}
	var names []string
	for _, c := range s.src.Schema.Columns {
		names = append(names, c.Name)
	}
	return 0, nil, errorf("%s column '%s' cannot be resolved.%s", s.clause, ref.Name, didYouMean(ref.Name, names))
}

// withClause returns a copy of the scope that reports errors for clause.
func (s *sourceScope) withClause(clause string) *sourceScope {
	c := *s
	c.clause = clause
	return &c
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
