package planner

import (
	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/types"
)

// projection is the compiled SELECT list: the output schema (key columns
// first), the operator computing it, and for each output column the
// select item it came from.
type projection struct {
	schema *types.Schema
	op     *runtime.Project
	items  []selectItem // in output order
}

// projectOptions are what differs between plain, aggregate and join
// projections.
type projectOptions struct {
	// restore rewrites compile errors (aggregates show the original
	// expressions instead of their synthetic names).
	restore func(string) string
	// dupValues reports a repeated name as ksqlDB does for aggregates.
	dupValues bool
	// rejectReserved refuses ROWTIME and the window bounds as names.
	rejectReserved bool
	// keyName, when set, is the key column name a MAP-key error shows
	// (a join names its key after the side it comes from).
	keyName func(selectItem) string
	// rejectMapKeys refuses key columns whose type contains a MAP.
	rejectMapKeys bool
}

// project orders the select items key columns first and compiles them
// against res. A persistent query needs at least one value column.
func (p *Planner) project(items []selectItem, keyIdx []int, mode Mode, res expr.Resolver, o projectOptions) (*projection, error) {
	isKey := map[int]bool{}
	for _, i := range keyIdx {
		isKey[i] = true
	}
	order := append([]int{}, keyIdx...)
	for i := range items {
		if !isKey[i] {
			order = append(order, i)
		}
	}
	if mode == Persistent && len(order) == len(keyIdx) {
		return nil, errorf("The projection contains no value columns.")
	}
	pr := &projection{schema: &types.Schema{}, op: &runtime.Project{NumKey: len(keyIdx), Step: stepProject}}
	seen := map[string]bool{}
	for n, i := range order {
		it := items[i]
		if o.rejectReserved && mode == Persistent && reservedColumns[it.name] {
			return nil, errorf("Reserved column name in select: `%s`. Please remove or alias the column.", it.name)
		}
		c, err := expr.Compile(it.expr, res, p.fns)
		if err != nil {
			msg := err.Error()
			if o.restore != nil {
				msg = o.restore(msg)
			}
			return nil, wrapf(err, "%s", msg)
		}
		if seen[it.name] {
			if o.dupValues {
				return nil, errorf("Duplicate value columns found in schema: `%s` %s", it.name, c.Type)
			}
			return nil, errorf("Duplicate column name in projection: `%s`. Please alias the column.", it.name)
		}
		seen[it.name] = true
		if c.Type == nil {
			return nil, errorf("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).")
		}
		col := types.Column{Name: it.name, Type: c.Type}
		if n < len(keyIdx) {
			col.Namespace = types.KeyColumn
			if o.rejectMapKeys && c.Type.ContainsMap() {
				keyName := it.name
				if o.keyName != nil {
					keyName = o.keyName(it)
				}
				return nil, errorf("Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `%s`. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.", keyName, c.Type)
			}
		}
		pr.schema.Columns = append(pr.schema.Columns, col)
		pr.op.Exprs = append(pr.op.Exprs, c)
		pr.items = append(pr.items, it)
	}
	return pr, nil
}
