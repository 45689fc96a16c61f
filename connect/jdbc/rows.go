package jdbc

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
)

// permanentError is a problem of the data that retrying will not cure.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func (t *sinkTask) permanent(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe) || t.d.permanent(err)
}

// column is one column of a row to write.
type column struct {
	name   string
	schema *connect.Schema
	value  any // a database/sql argument
	key    bool
}

// op is one record as a row operation.
type op struct {
	rec   *connect.Record
	table tableID
	del   bool
	keys  []column
	vals  []column // the columns that are not key columns
	shape string   // table, kind and column names: ops of one shape share a statement
}

func (o *op) columns() []string { return append(o.keyNames(), o.valueNames()...) }

func (o *op) keyNames() []string {
	out := make([]string, len(o.keys))
	for i, c := range o.keys {
		out[i] = c.name
	}
	return out
}

func (o *op) valueNames() []string {
	out := make([]string, len(o.vals))
	for i, c := range o.vals {
		out[i] = c.name
	}
	return out
}

// arg is the value of the i-th column of columns().
func (o *op) arg(i int) any {
	if i < len(o.keys) {
		return o.keys[i].value
	}
	return o.vals[i-len(o.keys)].value
}

func (o *op) column(name string) column {
	for _, c := range o.keys {
		if c.name == name {
			return c
		}
	}
	for _, c := range o.vals {
		if c.name == name {
			return c
		}
	}
	return column{}
}

func (o *op) sameShape(p *op) bool { return o.shape == p.shape }

func (o *op) keyString() string {
	var b strings.Builder
	for _, c := range o.keys {
		fmt.Fprintf(&b, "%v\x00", c.value)
	}
	return b.String()
}

// missing lists the op's columns absent from cols (normalized names).
func (o *op) missing(cols map[string]bool, norm func(string) string) []string {
	var out []string
	for _, n := range o.columns() {
		if !cols[norm(n)] {
			out = append(out, n)
		}
	}
	return out
}

// toOp turns a record into its row operation.
func (s *sinkSettings) toOp(rec *connect.Record) (*op, error) {
	o := &op{rec: rec, table: parseTableID(strings.ReplaceAll(s.tableFormat, "${topic}", rec.Topic))}
	if rec.Value == nil {
		if !s.deletes {
			return nil, fmt.Errorf("a record with a null value (a tombstone) cannot be written with delete.enabled=false")
		}
		if rec.Key == nil {
			return nil, fmt.Errorf("a tombstone with a null key names no row to delete")
		}
		o.del = true
	}
	var err error
	if o.keys, err = s.keyColumns(rec); err != nil {
		return nil, err
	}
	if !o.del {
		fields, err := fieldsOf(rec.ValueSchema, rec.Value, "value")
		if err != nil {
			return nil, err
		}
		isKey := map[string]bool{}
		for _, k := range o.keys {
			isKey[k.name] = true
		}
		for _, f := range fields {
			if isKey[f.name] || (s.fields != nil && !s.fields[f.name]) {
				continue
			}
			o.vals = append(o.vals, f)
		}
		if len(o.keys) == 0 && len(o.vals) == 0 {
			return nil, fmt.Errorf("the record has no fields to write")
		}
	}
	var b strings.Builder
	b.WriteString(o.table.String())
	if o.del {
		b.WriteString("\x00D")
	}
	for _, n := range o.columns() {
		b.WriteString("\x00" + n)
	}
	o.shape = b.String()
	return o, nil
}

// keyColumns derives the primary key's columns from a record by pk.mode.
func (s *sinkSettings) keyColumns(rec *connect.Record) ([]column, error) {
	switch s.pkMode {
	case pkKafka:
		return []column{
			{name: s.pkFields[0], schema: &connect.Schema{Type: connect.String}, value: rec.Topic, key: true},
			{name: s.pkFields[1], schema: &connect.Schema{Type: connect.Int32}, value: int64(rec.Partition), key: true},
			{name: s.pkFields[2], schema: &connect.Schema{Type: connect.Int64}, value: rec.Offset, key: true},
		}, nil
	case pkRecordKey:
		if rec.Key == nil {
			return nil, fmt.Errorf("pk.mode=record_key but the record key is null")
		}
		if isStruct(rec.KeySchema, rec.Key) {
			fields, err := fieldsOf(rec.KeySchema, rec.Key, "key")
			if err != nil {
				return nil, err
			}
			return pick(fields, s.pkFields, "key")
		}
		name := "__connect_key"
		if len(s.pkFields) > 0 {
			name = s.pkFields[0]
		}
		sch := rec.KeySchema
		if sch == nil {
			sch = inferSchema(rec.Key)
		}
		v, err := sqlValue(sch, rec.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		return []column{{name: name, schema: &connect.Schema{Type: sch.Type, Name: sch.Name, Parameters: sch.Parameters}, value: v, key: true}}, nil
	case pkRecordValue:
		if rec.Value == nil {
			return nil, fmt.Errorf("pk.mode=record_value but the record value is null")
		}
		fields, err := fieldsOf(rec.ValueSchema, rec.Value, "value")
		if err != nil {
			return nil, err
		}
		return pick(fields, s.pkFields, "value")
	}
	return nil, nil
}

// pick keeps the named fields (all when names is empty) as key columns.
func pick(fields []column, names []string, what string) ([]column, error) {
	if len(names) == 0 {
		for i := range fields {
			fields[i].key = true
		}
		return fields, nil
	}
	out := make([]column, 0, len(names))
	for _, n := range names {
		found := false
		for _, f := range fields {
			if f.name == n {
				f.key = true
				out = append(out, f)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("pk.fields names %s, which the record %s does not have", n, what)
		}
	}
	for _, c := range out {
		if c.value == nil {
			return nil, fmt.Errorf("primary key field %s is null", c.name)
		}
	}
	return out, nil
}

func isStruct(s *connect.Schema, v any) bool {
	if s != nil {
		return s.Type == connect.StructT
	}
	_, ok := v.(map[string]any)
	return ok
}

// fieldsOf lists a struct value's fields as columns, in schema order (or
// sorted by name for a schemaless map, whose types are inferred).
func fieldsOf(s *connect.Schema, v any, what string) ([]column, error) {
	switch x := v.(type) {
	case *connect.Struct:
		sch := s
		if sch == nil {
			sch = x.Schema
		}
		if sch == nil || sch.Type != connect.StructT {
			return nil, fmt.Errorf("the record %s is a struct without a struct schema", what)
		}
		out := make([]column, 0, len(sch.Fields))
		for _, f := range sch.Fields {
			val, err := sqlValue(f.Schema, x.Values[f.Name])
			if err != nil {
				return nil, fmt.Errorf("%s field %s: %w", what, f.Name, err)
			}
			out = append(out, column{name: f.Name, schema: f.Schema, value: val})
		}
		return out, nil
	case map[string]any:
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		out := make([]column, 0, len(names))
		for _, n := range names {
			sch := inferSchema(x[n])
			val, err := sqlValue(sch, x[n])
			if err != nil {
				return nil, fmt.Errorf("%s field %s: %w", what, n, err)
			}
			out = append(out, column{name: n, schema: sch, value: val})
		}
		return out, nil
	}
	return nil, fmt.Errorf("the record %s is a %T, not a struct or a JSON object: the JDBC sink writes structs as rows (use a converter with schemas, or schemaless JSON objects)", what, v)
}

// inferSchema gives a schemaless value an optional schema.
func inferSchema(v any) *connect.Schema {
	s := &connect.Schema{Optional: true, Type: connect.String}
	switch v.(type) {
	case int8:
		s.Type = connect.Int8
	case int16:
		s.Type = connect.Int16
	case int32:
		s.Type = connect.Int32
	case int64, int:
		s.Type = connect.Int64
	case float32:
		s.Type = connect.Float32
	case float64:
		s.Type = connect.Float64
	case bool:
		s.Type = connect.Boolean
	case []byte:
		s.Type = connect.Bytes
	case time.Time:
		s.Type, s.Name = connect.Int64, connect.LogicalTimestamp
	case []any:
		s.Type = connect.Array
	case map[string]any:
		s.Type = connect.Map
	case *connect.Struct:
		s.Type = connect.StructT
	}
	return s
}

// sqlValue turns a Connect value into a database/sql argument.
func sqlValue(s *connect.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s != nil {
		switch s.Name {
		case connect.LogicalDecimal:
			switch x := v.(type) {
			case *big.Rat:
				scale := 0
				fmt.Sscan(s.Parameters["scale"], &scale)
				return x.FloatString(scale), nil
			case string:
				return x, nil
			}
		case connect.LogicalTimestamp, connect.LogicalDate:
			if t, ok := v.(time.Time); ok {
				return t.UTC(), nil
			}
		case connect.LogicalTime:
			if t, ok := v.(time.Time); ok {
				return t.UTC().Format("15:04:05.000"), nil
			}
		}
	}
	switch x := v.(type) {
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case int64, float64, bool, string, []byte:
		return x, nil
	case time.Time:
		return x.UTC(), nil
	case *big.Rat:
		return x.FloatString(10), nil
	case []any, map[string]any, *connect.Struct:
		return nil, &permanentError{fmt.Errorf("a %s has no column type (flatten it first, e.g. with the Flatten transform)", kindOf(x))}
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case map[string]any:
		return "map"
	}
	return "struct"
}
