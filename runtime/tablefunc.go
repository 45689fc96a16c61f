package runtime

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
)

// TableFunction is one table-function call in a projection: its compiled
// arguments and the function.
type TableFunction struct {
	Args []*expr.Compiled
	Fn   *expr.TableFunc
}

// TableFunctions expands each row into one row per element its table
// functions return (EXPLODE, CUBE_EXPLODE). Element j of function i lands
// in slot Width+i of the j-th row; a function with fewer elements than the
// longest gives NULL there, as in ksqlDB. A row whose functions all return
// nothing produces no output.
type TableFunctions struct {
	Funcs []TableFunction
	// Width is the row width before the function slots.
	Width int
	Next  Op
	args  []any
	elems [][]any
}

func (tf *TableFunctions) Process(t *Task, r *Rec) {
	t.step = stepFlatMap
	if r.Tombstone {
		return // table functions run over streams only
	}
	if tf.elems == nil {
		tf.elems = make([][]any, len(tf.Funcs))
	}
	rows := 0
	for i, f := range tf.Funcs {
		tf.args = tf.args[:0]
		for _, a := range f.Args {
			tf.args = append(tf.args, a.Value(&t.ectx, r.Row))
		}
		elems, err := f.Fn.Apply(tf.args)
		if err != nil {
			// As ksqlDB's TableFunctionApplier: logged, no elements.
			t.report("RECORD_PROCESSING_ERROR", fmt.Errorf("Table function %s threw an exception: %w", f.Fn.Name, err))
		}
		tf.elems[i] = elems
		rows = max(rows, len(tf.elems[i]))
	}
	in := r.Row
	for j := 0; j < rows; j++ {
		// A fresh row each time: operators downstream may keep it.
		row := make([]any, tf.Width+len(tf.Funcs))
		copy(row, in)
		for i, el := range tf.elems {
			if j < len(el) {
				row[tf.Width+i] = el[j]
			}
		}
		out := *r
		out.Row = row
		tf.Next.Process(t, &out)
	}
}
