package expr

import (
	"fmt"

	"github.com/eddysql/eddy/types"
)

// TableFunc is a table function (ksqlDB's UDTF): it turns one input row
// into zero or more output rows, one per element it returns.
type TableFunc struct {
	Name string
	// Result is the type of one returned element for the argument types.
	Result func(args []*types.Type) (*types.Type, error)
	// Apply returns the elements for one row's argument values. An error
	// is ksqlDB's function throwing: the row gives no elements and a
	// processing-log entry.
	Apply func(args []any) ([]any, error)
}

// LookupTableFunc returns the table function called name (upper case),
// or nil.
func LookupTableFunc(name string) *TableFunc {
	switch name {
	case "EXPLODE":
		return &TableFunc{Name: name, Result: arrayArg(name, func(t *types.Type) *types.Type { return t.Elem }), Apply: explode}
	case "CUBE_EXPLODE":
		return &TableFunc{Name: name, Result: arrayArg(name, func(t *types.Type) *types.Type { return t }), Apply: cubeExplode}
	}
	return nil
}

// TableFuncNames lists the table functions, sorted.
func TableFuncNames() []string { return []string{"CUBE_EXPLODE", "EXPLODE"} }

// TableFuncSignatures documents a table function's variations for
// DESCRIBE FUNCTION.
func TableFuncSignatures(name string) []Signature {
	switch name {
	case "EXPLODE":
		return []Signature{{Params: []string{"ARRAY<T>"}, Returns: "T"}}
	case "CUBE_EXPLODE":
		return []Signature{{Params: []string{"ARRAY<T>"}, Returns: "ARRAY<T>"}}
	}
	return nil
}

// arrayArg checks for a single ARRAY argument and derives the result type.
func arrayArg(name string, result func(*types.Type) *types.Type) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		if len(args) != 1 || args[0] == nil || args[0].Kind != types.Array {
			return nil, fmt.Errorf("Function '%s' does not accept parameters (%s).", name, typeList(args))
		}
		return result(args[0]), nil
	}
}

func typeList(ts []*types.Type) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += typeName(t)
	}
	return s
}

// explode returns the array's elements; a NULL array gives no rows.
func explode(args []any) ([]any, error) {
	arr, _ := args[0].([]any)
	return arr, nil
}

// cubeMaxColumns bounds CUBE_EXPLODE's input as ksqlDB does: 2^20 rows
// at most, where a user's longer array would take all memory.
const cubeMaxColumns = 20

// cubeExplode returns every combination of the array's elements with
// each one either kept or NULL, NULLs first; a NULL element has only the
// NULL choice, so no combination repeats.
func cubeExplode(args []any) ([]any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, nil
	}
	if len(arr) > cubeMaxColumns {
		return nil, fmt.Errorf("cube_explode: too many columns (%d); max is %d", len(arr), cubeMaxColumns)
	}
	// Adding choices from the last element back orders the result as
	// binary counting with the first element most significant.
	out := []any{make([]any, len(arr))}
	for i := len(arr) - 1; i >= 0; i-- {
		if arr[i] == nil {
			continue
		}
		n := len(out)
		for j := 0; j < n; j++ {
			with := append([]any(nil), out[j].([]any)...)
			with[i] = arr[i]
			out = append(out, with)
		}
	}
	return out, nil
}
