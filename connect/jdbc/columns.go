package jdbc

import (
	"database/sql"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
)

// rowReader turns result rows into records with a Connect schema
// derived from the result's column types.
type rowReader struct {
	schema  *connect.Schema
	convs   []func(any) (any, error)
	dest    []any
	incIdx  int
	incName string
	tsIdx   []int // timestamp columns, in COALESCE order
	lastTS  time.Time
}

func newRowReader(rows *sql.Rows, table string, s *sourceSettings) (*rowReader, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	rd := &rowReader{schema: &connect.Schema{Type: connect.StructT, Name: table}, incIdx: -1}
	for i, ct := range types {
		fs, conv := columnSchema(ct, s.bestFit)
		rd.schema.Fields = append(rd.schema.Fields, connect.Field{Name: ct.Name(), Schema: fs})
		rd.convs = append(rd.convs, conv)
		if s.incColumn != "" && strings.EqualFold(ct.Name(), s.incColumn) {
			rd.incIdx, rd.incName = i, ct.Name()
		}
	}
	for _, c := range s.tsColumns {
		for i, ct := range types {
			if strings.EqualFold(ct.Name(), c) {
				rd.tsIdx = append(rd.tsIdx, i)
			}
		}
	}
	if (s.mode == modeIncr || s.mode == modeTSIncr) && rd.incIdx < 0 {
		return nil, fmt.Errorf("no column %s (incrementing.column.name)", s.incColumn)
	}
	if (s.mode == modeTS || s.mode == modeTSIncr) && len(rd.tsIdx) != len(s.tsColumns) {
		return nil, fmt.Errorf("no column %s (timestamp.column.name)", strings.Join(s.tsColumns, ","))
	}
	if rd.incIdx >= 0 {
		if t := rd.schema.Fields[rd.incIdx].Schema.Type; t != connect.Int8 && t != connect.Int16 && t != connect.Int32 && t != connect.Int64 {
			return nil, fmt.Errorf("incrementing column %s is not an integer column", s.incColumn)
		}
	}
	rd.dest = make([]any, len(types))
	return rd, nil
}

// record scans the current row.
func (rd *rowReader) record(rows *sql.Rows) (connect.Record, error) {
	vals := make([]any, len(rd.dest))
	for i := range rd.dest {
		rd.dest[i] = &vals[i]
	}
	if err := rows.Scan(rd.dest...); err != nil {
		return connect.Record{}, err
	}
	st := &connect.Struct{Schema: rd.schema, Values: make(map[string]any, len(vals))}
	for i, v := range vals {
		f := rd.schema.Fields[i]
		if v == nil {
			st.Values[f.Name] = nil
			continue
		}
		cv, err := rd.convs[i](v)
		if err != nil {
			return connect.Record{}, fmt.Errorf("column %s: %w", f.Name, err)
		}
		st.Values[f.Name] = cv
	}
	for _, i := range rd.tsIdx {
		if t, ok := st.Values[rd.schema.Fields[i].Name].(time.Time); ok {
			rd.lastTS = t
			break
		}
	}
	return connect.Record{ValueSchema: rd.schema, Value: st}, nil
}

// columnSchema maps a result column's database type to a Connect schema
// and a converter from the driver's value.
func columnSchema(ct *sql.ColumnType, bestFit bool) (*connect.Schema, func(any) (any, error)) {
	s := &connect.Schema{Optional: true}
	if n, ok := ct.Nullable(); ok && !n {
		s.Optional = false
	}
	typ := strings.ToUpper(ct.DatabaseTypeName())
	unsigned := strings.HasPrefix(typ, "UNSIGNED ")
	typ = strings.TrimPrefix(typ, "UNSIGNED ")
	integer := func(t connect.Type) (*connect.Schema, func(any) (any, error)) {
		s.Type = t
		return s, func(v any) (any, error) { return toInt(v, t) }
	}
	switch typ {
	case "TINYINT":
		if unsigned {
			return integer(connect.Int16)
		}
		return integer(connect.Int8)
	case "INT2", "SMALLINT", "SMALLSERIAL":
		if unsigned {
			return integer(connect.Int32)
		}
		return integer(connect.Int16)
	case "INT4", "INT", "INTEGER", "MEDIUMINT", "SERIAL", "YEAR":
		if unsigned && typ != "MEDIUMINT" {
			return integer(connect.Int64)
		}
		return integer(connect.Int32)
	case "INT8", "BIGINT", "BIGSERIAL":
		return integer(connect.Int64)
	case "FLOAT4", "REAL", "FLOAT":
		s.Type = connect.Float32
		return s, func(v any) (any, error) {
			f, err := toFloat(v)
			return float32(f), err
		}
	case "FLOAT8", "DOUBLE", "DOUBLE PRECISION":
		s.Type = connect.Float64
		return s, func(v any) (any, error) { return toFloat(v) }
	case "BOOL", "BOOLEAN", "BIT":
		s.Type = connect.Boolean
		return s, toBool
	case "NUMERIC", "DECIMAL":
		prec, scale, ok := ct.DecimalSize()
		if !ok || bestFit && prec <= 18 {
			switch {
			case ok && scale <= 0 && prec < 3:
				return integer(connect.Int8)
			case ok && scale <= 0 && prec < 5:
				return integer(connect.Int16)
			case ok && scale <= 0 && prec < 10:
				return integer(connect.Int32)
			case ok && scale <= 0:
				return integer(connect.Int64)
			}
			// An unconstrained NUMERIC has no scale for a Decimal.
			s.Type = connect.Float64
			return s, func(v any) (any, error) { return toFloat(v) }
		}
		s.Type, s.Name, s.Version = connect.Bytes, connect.LogicalDecimal, 1
		s.Parameters = map[string]string{"scale": strconv.FormatInt(scale, 10), "connect.decimal.precision": strconv.FormatInt(prec, 10)}
		return s, func(v any) (any, error) {
			r, ok := new(big.Rat).SetString(asString(v))
			if !ok {
				return nil, fmt.Errorf("%q is not a decimal", asString(v))
			}
			return r, nil
		}
	case "DATE":
		s.Type, s.Name, s.Version = connect.Int32, connect.LogicalDate, 1
		return s, toTime
	case "TIME", "TIMETZ":
		s.Type, s.Name, s.Version = connect.Int32, connect.LogicalTime, 1
		return s, func(v any) (any, error) {
			if t, ok := v.(time.Time); ok {
				return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
			}
			str := asString(v)
			for _, layout := range []string{"15:04:05.999999999", "15:04:05.999999999Z07", "15:04:05.999999999Z07:00"} {
				if t, err := time.Parse(layout, str); err == nil {
					return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
				}
			}
			return nil, fmt.Errorf("%q is not a time of day", str)
		}
	case "TIMESTAMP", "TIMESTAMPTZ", "DATETIME":
		s.Type, s.Name, s.Version = connect.Int64, connect.LogicalTimestamp, 1
		return s, toTime
	case "BYTEA", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "GEOMETRY":
		s.Type = connect.Bytes
		return s, func(v any) (any, error) {
			switch x := v.(type) {
			case []byte:
				return append([]byte(nil), x...), nil
			case string:
				return []byte(x), nil
			}
			return nil, fmt.Errorf("unexpected %T", v)
		}
	}
	s.Type = connect.String
	return s, func(v any) (any, error) { return asString(v), nil }
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func toInt(v any, t connect.Type) (any, error) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int32:
		n = int64(x)
	case uint64:
		n = int64(x)
	case float64:
		n = int64(x)
	default:
		p, err := strconv.ParseInt(strings.TrimSpace(asString(v)), 10, 64)
		if err != nil {
			// a NUMERIC(p,0) read as text may carry ".0"
			f, ferr := strconv.ParseFloat(asString(v), 64)
			if ferr != nil {
				return nil, fmt.Errorf("%q is not an integer", asString(v))
			}
			p = int64(f)
		}
		n = p
	}
	switch t {
	case connect.Int8:
		return int8(n), nil
	case connect.Int16:
		return int16(n), nil
	case connect.Int32:
		return int32(n), nil
	}
	return n, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(asString(v)), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", asString(v))
	}
	return f, nil
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case []byte:
		if len(x) == 1 && x[0] <= 1 { // MySQL BIT(1)
			return x[0] == 1, nil
		}
	}
	b, err := strconv.ParseBool(asString(v))
	if err != nil {
		return nil, fmt.Errorf("%q is not a boolean", asString(v))
	}
	return b, nil
}

func toTime(v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	}
	str := asString(v)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02", time.RFC3339Nano} {
		if t, err := time.Parse(layout, str); err == nil {
			return t.UTC(), nil
		}
	}
	return nil, fmt.Errorf("%q is not a date or time", str)
}
