package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// noColumns resolves nothing: INSERT VALUES takes literal expressions.
type noColumns struct{}

func (noColumns) Column(ref *sql.ColumnRef) (int, *types.Type, error) {
	if ref.Qualifier != "" {
		return 0, nil, &stmtErr{msg: fmt.Sprintf("Failed to prepare statement: '%s' is not a valid stream/table name or alias.", ref.Qualifier)}
	}
	return 0, nil, &stmtErr{msg: fmt.Sprintf("Column '%s' cannot be resolved: INSERT VALUES takes expressions without column references.", ref.Name)}
}

// insertValues serialises one row with the target's formats and produces it.
func (e *Engine) insertValues(ctx context.Context, st *sql.InsertValues, cfg planner.Config) error {
	src := e.ms.Source(st.Target)
	if src == nil {
		msg := fmt.Sprintf("Cannot insert values into an unknown stream/table: `%s`", st.Target)
		for _, s := range e.ms.Sources() {
			if strings.EqualFold(s.Name, st.Target) && s.Name != st.Target {
				if s.Name == strings.ToUpper(s.Name) {
					msg += fmt.Sprintf("\nDid you mean %s? Hint: try removing double quotes from the source name.", s.Name)
				} else {
					msg += fmt.Sprintf("\nDid you mean \"%s\"? Hint: wrap the source name in double quotes to make it case-sensitive.", s.Name)
				}
			}
		}
		return &stmtErr{msg: msg}
	}
	if src.IsSource {
		return &stmtErr{msg: fmt.Sprintf("Cannot insert values into read-only %s: %s", strings.ToLower(src.Kind()), src.Name)}
	}
	cols := st.Columns
	if cols == nil {
		for _, c := range src.Schema.Columns {
			if c.Namespace == types.HeaderColumn {
				continue
			}
			cols = append(cols, c.Name)
		}
	}
	if len(cols) != len(st.Values) {
		return &stmtErr{msg: fmt.Sprintf("Failed to prepare statement: Expected number columns and values to match: %d, %d", len(cols), len(st.Values))}
	}
	row := make([]any, len(src.Schema.Columns))
	ts := time.Now().UnixMilli()
	var ectx expr.Context
	var evalErr error
	ectx.OnError = func(err error) { evalErr = err }
	for i, name := range cols {
		if name == "ROWPARTITION" || name == "ROWOFFSET" {
			return &stmtErr{msg: fmt.Sprintf("Inserting into column `%s` is not allowed.", name)}
		}
		if _, isNull := st.Values[i].(*sql.NullLit); isNull {
			if idx := src.Schema.Find(name); idx < 0 && name != "ROWTIME" {
				return &stmtErr{msg: fmt.Sprintf("Column name %s does not exist.", name)}
			}
			continue // NULL fits any column
		}
		c, err := expr.Compile(st.Values[i], noColumns{}, e.fns)
		if err != nil {
			return &stmtErr{msg: err.Error()}
		}
		v := c.Eval(&ectx, nil)
		if evalErr != nil {
			return &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. %v", src.Name, evalErr)}
		}
		if name == "ROWTIME" {
			tv, err := expr.CastValue(v, c.Type, types.BigintType)
			if err != nil || tv == nil {
				return &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. ROWTIME must be a BIGINT: %v", src.Name, err)}
			}
			ts = tv.(int64)
			continue
		}
		idx := src.Schema.Find(name)
		if idx < 0 {
			return &stmtErr{msg: fmt.Sprintf("Column name %s does not exist.", name)}
		}
		col := src.Schema.Columns[idx]
		if col.Namespace == types.HeaderColumn {
			return &stmtErr{msg: fmt.Sprintf("Cannot insert into HEADER columns: %s", name)}
		}
		if v != nil && c.Type != nil && !c.Type.Equal(col.Type) {
			narrows := narrowsToInteger(c.Type, col.Type)
			if !narrows {
				v, err = expr.CastValue(v, c.Type, col.Type)
			}
			if narrows || err != nil {
				return &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. Expected type %s for field %s but got %s(%s)", src.Name, col.Type, name, sql.FormatExpr(st.Values[i]), c.Type)}
			}
		}
		row[idx] = v
	}
	key := src.Schema.Key()
	ks, err := serde.NewFor(src.KeyFormat, key, true, serde.Env{Topic: src.Topic, Registry: e.opts.Registry})
	if err != nil {
		return &stmtErr{msg: err.Error()}
	}
	vs, err := serde.NewFor(src.ValueFormat, src.Schema.Value(), false, serde.Env{Topic: src.Topic, Registry: e.opts.Registry})
	if err != nil {
		return &stmtErr{msg: err.Error()}
	}
	var keyVals, valVals []any
	for i, c := range src.Schema.Columns {
		switch c.Namespace {
		case types.KeyColumn:
			keyVals = append(keyVals, row[i])
		case types.ValueColumn:
			valVals = append(valVals, row[i])
		}
	}
	kb, err := ks.Encode(keyVals)
	if err != nil {
		return &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. Could not serialize key: %v", src.Name, err)}
	}
	vb, err := vs.Encode(valVals)
	if err != nil {
		return &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. Could not serialize value: %v", src.Name, err)}
	}
	if err := e.cluster.Produce(ctx, kafka.Record{Topic: src.Topic, Partition: -1, Key: kb, Value: vb, Timestamp: ts}); err != nil {
		return fmt.Errorf("insert into %s: %w", src.Name, err)
	}
	return nil
}

// narrowsToInteger reports whether from reaches an INT or BIGINT in to
// (at the top or inside an array, map or struct) from a wider number.
// ksqlDB does not cast those implicitly; an explicit cast would wrap the
// value or drop its fraction.
func narrowsToInteger(from, to *types.Type) bool {
	if from == nil || to == nil {
		return false
	}
	switch {
	case to.Kind == types.Int || to.Kind == types.Bigint:
		return from.IsNumeric() && from.Kind != types.Int && from.Kind != to.Kind
	case from.Kind != to.Kind:
		return false
	case to.Kind == types.Array:
		return narrowsToInteger(from.Elem, to.Elem)
	case to.Kind == types.Map:
		return narrowsToInteger(from.Key, to.Key) || narrowsToInteger(from.Elem, to.Elem)
	case to.Kind == types.Struct:
		for _, f := range from.Fields {
			for _, tf := range to.Fields {
				if strings.EqualFold(f.Name, tf.Name) && narrowsToInteger(f.Type, tf.Type) {
					return true
				}
			}
		}
	}
	return false
}
