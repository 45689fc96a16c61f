package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
	"github.com/shopspring/decimal"
	"github.com/twmb/franz-go/pkg/kerr"
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
func (e *Engine) insertValues(ctx context.Context, st *sql.InsertValues) error {
	rec, err := e.insertRecord(st, nil)
	if err != nil {
		return err
	}
	if err := e.cluster.Produce(ctx, rec); err != nil {
		return produceFailed(st.Target, err)
	}
	return nil
}

// produceFailed is why the row of an INSERT VALUES into target was not
// written. A row larger than its topic takes is the statement's to fix,
// not the server's: a statement error (400), not a runtime one (500).
func produceFailed(target string, err error) error {
	if errors.Is(err, kerr.MessageTooLarge) {
		return &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. The record is larger than its topic accepts (max.message.bytes): %v", target, err)}
	}
	return fmt.Errorf("insert into %s: %w", target, err)
}

// StartInsertValues runs one INSERT VALUES statement as Execute does,
// but returns once its record is handed to the producer; wait reports
// whether it was written and must be called once. Rows started in turn
// are written in turn: a caller inserting many (/inserts-stream) keeps
// several in flight instead of waiting a round trip for each, passes
// statements it built (their text may be empty) rather than text to
// parse, and keeps the target's serializers in kept between rows
// (building them costs a registry lookup for Avro). kept may be nil.
func (e *Engine) StartInsertValues(ctx context.Context, st *sql.InsertValues, kept *InsertSerdes) (wait func() error, err error) {
	rec, err := e.insertRecord(st, kept)
	if err != nil {
		return nil, classify(err, st.Text())
	}
	failed := func(err error) error {
		if err == nil {
			return nil
		}
		return classify(produceFailed(st.Target, err), st.Text())
	}
	if p, ok := e.cluster.(kafka.AsyncProducer); ok {
		landed := p.StartProduce(ctx, []kafka.Record{rec})
		return func() error { return failed(landed()) }, nil
	}
	err = failed(e.cluster.Produce(ctx, rec))
	return func() error { return err }, nil
}

// InsertSerdes keeps the key and value serializers of the last source
// a series of inserts wrote to, for as long as it stays the catalog's
// (a source replaced or altered is a new *metastore.Source). The zero
// value is empty; one caller uses it at a time.
type InsertSerdes struct {
	src        *metastore.Source
	key, value serde.Serde
}

// insertSerdes returns src's key and value serializers, kept in k when given.
func (e *Engine) insertSerdes(src *metastore.Source, k *InsertSerdes) (key, value serde.Serde, err error) {
	if k != nil && k.src == src {
		return k.key, k.value, nil
	}
	key, err = serde.NewFor(src.KeyFormat, src.Schema.Key(), true, serde.Env{Topic: src.Topic, Registry: e.opts.Registry})
	if err != nil {
		return nil, nil, err
	}
	value, err = serde.NewFor(src.ValueFormat, src.Schema.Value(), false, serde.Env{Topic: src.Topic, Registry: e.opts.Registry})
	if err != nil {
		return nil, nil, err
	}
	if k != nil {
		*k = InsertSerdes{src: src, key: key, value: value}
	}
	return key, value, nil
}

// insertRecord is the record an INSERT VALUES statement writes: its row
// checked against the target's columns and serialised in its formats.
func (e *Engine) insertRecord(st *sql.InsertValues, kept *InsertSerdes) (kafka.Record, error) {
	src, row, ts, err := e.insertRow(st)
	if err != nil {
		return kafka.Record{}, err
	}
	e.inserted.Store(true)
	ks, vs, err := e.insertSerdes(src, kept)
	if err != nil {
		return kafka.Record{}, &stmtErr{msg: err.Error()}
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
		return kafka.Record{}, &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. Could not serialize key: %v", src.Name, err)}
	}
	vb, err := vs.Encode(valVals)
	if err != nil {
		return kafka.Record{}, &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. Could not serialize value: %v", src.Name, err)}
	}
	return kafka.Record{Topic: src.Topic, Partition: -1, Key: kb, Value: vb, Timestamp: ts}, nil
}

// InsertRow is the row an INSERT VALUES statement would write, checked
// as Execute checks it, without writing it: the target, the values by
// the target's schema columns (nil where none was given) and the
// timestamp (kafka.EpochTimestamp for a ROWTIME of 0, the current time
// when none was given). Test runners compare records with it.
func (e *Engine) InsertRow(st *sql.InsertValues) (*metastore.Source, []any, int64, error) {
	src, row, ts, err := e.insertRow(st)
	if err != nil {
		return nil, nil, 0, classify(err, st.Text())
	}
	return src, row, ts, nil
}

// insertRow evaluates an INSERT VALUES statement's row against its target.
func (e *Engine) insertRow(st *sql.InsertValues) (*metastore.Source, []any, int64, error) {
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
		return nil, nil, 0, &stmtErr{msg: msg}
	}
	if src.IsSource {
		return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Cannot insert values into read-only %s: %s", strings.ToLower(src.Kind()), src.Name)}
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
		return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Failed to prepare statement: Expected number columns and values to match: %d, %d", len(cols), len(st.Values))}
	}
	row := make([]any, len(src.Schema.Columns))
	ts := time.Now().UnixMilli()
	var ectx expr.Context
	var evalErr error
	ectx.OnError = func(err error) { evalErr = err }
	for i, name := range cols {
		if name == "ROWPARTITION" || name == "ROWOFFSET" {
			return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Inserting into column `%s` is not allowed.", name)}
		}
		if _, isNull := st.Values[i].(*sql.NullLit); isNull {
			if idx := src.Schema.Find(name); idx < 0 && name != "ROWTIME" {
				return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Column name %s does not exist.", name)}
			}
			continue // NULL fits any column
		}
		if err := planner.ResolveCastTypes(e.ms, st.Values[i]); err != nil {
			return nil, nil, 0, err
		}
		c, err := expr.Compile(st.Values[i], noColumns{}, e.fns)
		if err != nil {
			return nil, nil, 0, &stmtErr{msg: err.Error()}
		}
		v := c.Eval(&ectx, nil)
		if evalErr != nil {
			return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. %v", src.Name, evalErr)}
		}
		if name == "ROWTIME" {
			tv, err := expr.CastValue(v, c.Type, types.BigintType)
			if err != nil || tv == nil {
				return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. ROWTIME must be a BIGINT: %v", src.Name, err)}
			}
			switch ts = tv.(int64); {
			case ts < 0:
				return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. ROWTIME must not be negative: %d", src.Name, ts)}
			case ts == 0:
				ts = kafka.EpochTimestamp // 0 itself, not "now"
			}
			continue
		}
		idx := src.Schema.Find(name)
		if idx < 0 {
			return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Column name %s does not exist.", name)}
		}
		col := src.Schema.Columns[idx]
		if col.Namespace == types.HeaderColumn {
			return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Cannot insert into HEADER columns: %s", name)}
		}
		if v != nil && c.Type != nil && !c.Type.Equal(col.Type) {
			orig := v
			cv, ok := coerceStrictly(v, c.Type, col.Type)
			if !ok || roundsDecimal(orig, cv, c.Type, col.Type) {
				return nil, nil, 0, &stmtErr{msg: fmt.Sprintf("Failed to insert values into '%s'. Expected type %s for field `%s` but got %s(%s)%s",
					src.Name, col.Type, name, baseTypeName(c.Type), types.FormatValue(orig, c.Type), timeFormatHint(c.Type, col.Type))}
			}
			v = cv
		}
		row[idx] = v
	}
	return src, row, ts, nil
}

// coerceStrictly converts v (of type from) to a column of type to as
// ksqlDB's strict coercer does for INSERT VALUES: INT widens to BIGINT,
// DECIMAL or DOUBLE, BIGINT to DECIMAL or DOUBLE, DECIMAL to DOUBLE or
// another DECIMAL (roundsDecimal then checks it fits), a string becomes
// a TIMESTAMP, TIME, DATE or (base64) BYTES, and arrays, maps and structs
// convert element by element (a struct by field name, dropping fields
// the column lacks). Nothing else converts: 1 is not a STRING, '5' not an
// INT.
func coerceStrictly(v any, from, to *types.Type) (any, bool) {
	if v == nil || from == nil || from.Equal(to) {
		return v, true
	}
	switch {
	case from.Kind == types.Array && to.Kind == types.Array:
		vs, ok := v.([]any)
		if !ok {
			return nil, false
		}
		out := make([]any, len(vs))
		for i, e := range vs {
			if out[i], ok = coerceStrictly(e, from.Elem, to.Elem); !ok {
				return nil, false
			}
		}
		return out, true
	case from.Kind == types.Map && to.Kind == types.Map:
		m, ok := v.(*types.MapVal)
		if !ok {
			return nil, false
		}
		b := types.NewMapBuilder(m.Len())
		for i := range m.Keys {
			k, okK := coerceStrictly(m.Keys[i], from.Key, to.Key)
			e, okV := coerceStrictly(m.Vals[i], from.Elem, to.Elem)
			if !okK || !okV {
				return nil, false
			}
			b.Put(k, e)
		}
		return b.Map(), true
	case from.Kind == types.Struct && to.Kind == types.Struct:
		sv, ok := v.(types.StructVal)
		if !ok {
			return nil, false
		}
		out := make(types.StructVal, len(to.Fields))
		for j, tf := range to.Fields {
			for i, f := range from.Fields {
				if f.Name == tf.Name && i < len(sv) {
					if out[j], ok = coerceStrictly(sv[i], f.Type, tf.Type); !ok {
						return nil, false
					}
				}
			}
		}
		return out, true
	case from.Kind == types.String && to.Kind == types.Bytes:
		b, err := base64.StdEncoding.DecodeString(v.(string))
		if err != nil {
			// Java's decoder takes base64 without its padding too.
			if b, err = base64.RawStdEncoding.DecodeString(v.(string)); err != nil {
				return nil, false
			}
		}
		return b, true
	case widensStrictly(from.Kind, to.Kind):
		cv, err := expr.CastValue(v, from, to)
		return cv, err == nil
	}
	return nil, false
}

// widensStrictly reports whether ksqlDB's strict coercer takes a scalar
// of kind from into a column of kind to.
func widensStrictly(from, to types.Kind) bool {
	switch from {
	case types.Int:
		return to == types.Bigint || to == types.Decimal || to == types.Double
	case types.Bigint:
		return to == types.Decimal || to == types.Double
	case types.Decimal:
		return to == types.Decimal || to == types.Double
	case types.String:
		return to == types.Timestamp || to == types.Time || to == types.Date
	}
	return false
}

// baseTypeName is a type's name without its parameters (DECIMAL,
// ARRAY), as ksqlDB names a value's type in an INSERT VALUES error.
func baseTypeName(t *types.Type) string {
	s := t.String()
	if i := strings.IndexAny(s, "(<"); i > 0 {
		return s[:i]
	}
	return s
}

// timeFormatHint is the format ksqlDB adds to the error of a string that
// did not parse as a time type.
func timeFormatHint(from, to *types.Type) string {
	if from.Kind != types.String {
		return ""
	}
	switch to.Kind {
	case types.Timestamp:
		return ". Timestamp format must be yyyy-mm-ddThh:mm:ss[.S]"
	case types.Time:
		return ". Time format must be hh:mm:ss[.S]"
	case types.Date:
		return ". Date format must be yyyy-mm-dd"
	}
	return ""
}

// roundsDecimal reports whether casting orig (of type from) to cast (of
// type to) rounded a number put into a DECIMAL, at the top or inside an
// array, map or struct. ksqlDB puts a number into a DECIMAL only when it
// fits without rounding (12.345 does not fit DECIMAL(4, 2); 1.500 does).
func roundsDecimal(orig, cast any, from, to *types.Type) bool {
	if orig == nil || cast == nil || from == nil || to == nil {
		return false
	}
	switch to.Kind {
	case types.Decimal:
		o, ok1 := asDecimal(orig)
		c, ok2 := asDecimal(cast)
		return ok1 && ok2 && !o.Equal(c)
	case types.Array:
		os, ok1 := orig.([]any)
		cs, ok2 := cast.([]any)
		if !ok1 || !ok2 || len(os) != len(cs) || from.Elem == nil {
			return false
		}
		for i := range os {
			if roundsDecimal(os[i], cs[i], from.Elem, to.Elem) {
				return true
			}
		}
	case types.Map:
		om, ok1 := orig.(*types.MapVal)
		cm, ok2 := cast.(*types.MapVal)
		if !ok1 || !ok2 {
			return false
		}
		if len(om.Keys) != len(cm.Keys) {
			return true // keys rounded to the same value merged
		}
		for i := range om.Keys {
			if roundsDecimal(om.Keys[i], cm.Keys[i], from.Key, to.Key) || roundsDecimal(om.Vals[i], cm.Vals[i], from.Elem, to.Elem) {
				return true
			}
		}
	case types.Struct:
		os, ok1 := orig.(types.StructVal)
		cs, ok2 := cast.(types.StructVal)
		if !ok1 || !ok2 {
			return false
		}
		for i, f := range from.Fields {
			for j, tf := range to.Fields {
				if strings.EqualFold(f.Name, tf.Name) && i < len(os) && j < len(cs) && roundsDecimal(os[i], cs[j], f.Type, tf.Type) {
					return true
				}
			}
		}
	}
	return false
}

// asDecimal reads an INT, BIGINT or DECIMAL value.
func asDecimal(v any) (decimal.Decimal, bool) {
	switch v := v.(type) {
	case int32:
		return decimal.NewFromInt(int64(v)), true
	case int64:
		return decimal.NewFromInt(v), true
	case decimal.Decimal:
		return v, true
	}
	return decimal.Decimal{}, false
}
