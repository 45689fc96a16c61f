package clickhouse

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eddysql/eddy/connect"
)

// column is one insertable column of a target table.
type column struct {
	name       string
	typ        *colType
	hasDefault bool // DEFAULT expression: a record without the field leaves it to the server
}

// errRow says why a record cannot become a row of its table: retrying
// will not help.
type errRow struct{ msg string }

func (e *errRow) Error() string { return e.msg }

func rowErr(format string, args ...any) error { return &errRow{fmt.Sprintf(format, args...)} }

// fieldsOf returns a record value's fields by name, with their schemas
// when the value has one.
func fieldsOf(rec *connect.Record) (vals map[string]any, schema *connect.Schema, err error) {
	switch v := rec.Value.(type) {
	case *connect.Struct:
		s := v.Schema
		if s == nil {
			s = rec.ValueSchema
		}
		return v.Values, s, nil
	case map[string]any:
		return v, nil, nil
	}
	return nil, nil, rowErr("a %s value is not a row: ClickHouse rows come from struct or JSON object values", describe(rec.ValueSchema, rec.Value))
}

// lookup finds a column's field: the exact name first, then a name that
// differs only in case (ksqlDB upper-cases unquoted column names, while
// ClickHouse tables are usually lower-case).
func lookup(vals map[string]any, name string) (string, any, bool) {
	if v, ok := vals[name]; ok {
		return name, v, true
	}
	for k, v := range vals {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", nil, false
}

// appendRow writes a record as one JSONEachRow line holding the table's
// columns that the record gives a value (or null) for.
func appendRow(b []byte, cols []column, rec *connect.Record) ([]byte, error) {
	vals, schema, err := fieldsOf(rec)
	if err != nil {
		return b, err
	}
	b = append(b, '{')
	first := true
	for _, c := range cols {
		field, v, ok := lookup(vals, c.name)
		if !ok || v == nil {
			switch {
			case c.typ.kind == kNullable:
				v = nil
			case c.hasDefault:
				continue
			case !ok:
				return b, rowErr("the record has no field for column %s %s (not Nullable, no DEFAULT)", c.name, c.typ.raw)
			default:
				return b, rowErr("field %s is null but column %s is %s, not Nullable", field, c.name, c.typ.raw)
			}
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, c.name)
		b = append(b, ':')
		if b, err = appendValue(b, c.typ, schema.Field(field), v); err != nil {
			return b, rowErr("column %s %s: %v", c.name, c.typ.raw, err)
		}
	}
	b = append(b, '}', '\n')
	return b, nil
}

// appendValue writes v, of Connect schema s (nil: schemaless), the way
// JSONEachRow reads column type t on ClickHouse 18.16 and later: numbers
// unquoted, Date quoted, DateTime as Unix seconds, Decimal as an exact
// unquoted number, strings quoted.
func appendValue(b []byte, t *colType, s *connect.Schema, v any) ([]byte, error) {
	if v == nil {
		if t.kind == kNullable {
			return append(b, "null"...), nil
		}
		return b, fmt.Errorf("null in a column that is not Nullable")
	}
	switch t.kind {
	case kNullable:
		return appendValue(b, t.elem, s, v)
	case kInt, kUint:
		return appendInteger(b, t.kind == kUint, s, v)
	case kFloat:
		f, ok := asFloat(v)
		if !ok {
			return b, fmt.Errorf("a %s value is not a number", describe(s, v))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, fmt.Errorf("%v cannot be written as JSON", f)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), nil
	case kDecimal:
		d, err := decimalText(s, v, t.scale)
		if err != nil {
			return b, err
		}
		return append(b, d...), nil
	case kBool:
		switch x := v.(type) {
		case bool:
			return strconv.AppendBool(b, x), nil
		}
		if n, ok := asInteger(v); ok {
			return strconv.AppendBool(b, n != 0), nil
		}
		return b, fmt.Errorf("a %s value is not a boolean", describe(s, v))
	case kDate:
		switch x := v.(type) {
		case time.Time:
			return appendString(b, x.UTC().Format("2006-01-02")), nil
		case string:
			return appendString(b, x), nil
		}
		if n, ok := asInteger(v); ok { // Connect's Date as an integer: days since 1970-01-01
			return appendString(b, time.Unix(n*86400, 0).UTC().Format("2006-01-02")), nil
		}
		return b, fmt.Errorf("a %s value is not a date", describe(s, v))
	case kDateTime:
		switch x := v.(type) {
		case time.Time:
			return strconv.AppendInt(b, x.Unix(), 10), nil
		case string:
			return appendString(b, x), nil // parsed by the server, in its time zone
		}
		if n, ok := asInteger(v); ok { // already Unix seconds
			return strconv.AppendInt(b, n, 10), nil
		}
		return b, fmt.Errorf("a %s value is not a time", describe(s, v))
	case kDateTime64:
		switch x := v.(type) {
		case time.Time:
			r := new(big.Rat).SetFrac(big.NewInt(x.UnixNano()), big.NewInt(1e9))
			return append(b, r.FloatString(t.scale)...), nil
		case string:
			return appendString(b, x), nil
		}
		if n, ok := asInteger(v); ok {
			return strconv.AppendInt(b, n, 10), nil
		}
		return b, fmt.Errorf("a %s value is not a time", describe(s, v))
	case kString:
		return appendAsString(b, s, v)
	case kArray:
		xs, ok := v.([]any)
		if !ok {
			return b, fmt.Errorf("a %s value is not an array", describe(s, v))
		}
		var es *connect.Schema
		if s != nil {
			es = s.ValueSchema
		}
		b = append(b, '[')
		for i, x := range xs {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, t.elem, es, x); err != nil {
				return b, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return append(b, ']'), nil
	}
	return appendJSON(b, s, v)
}

func appendInteger(b []byte, unsigned bool, s *connect.Schema, v any) ([]byte, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case time.Time: // Connect's Timestamp as an integer: epoch milliseconds
		return strconv.AppendInt(b, x.UnixMilli(), 10), nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			if unsigned {
				if u, uerr := strconv.ParseUint(strings.TrimSpace(x), 10, 64); uerr == nil {
					return strconv.AppendUint(b, u, 10), nil
				}
			}
			return b, fmt.Errorf("%q is not an integer", x)
		}
		v = n
	}
	n, ok := asInteger(v)
	if !ok {
		return b, fmt.Errorf("a %s value is not an integer", describe(s, v))
	}
	if unsigned && n < 0 {
		return b, fmt.Errorf("%d is negative", n)
	}
	return strconv.AppendInt(b, n, 10), nil
}

// asInteger reads integers, and floats and decimals without a fraction.
func asInteger(v any) (int64, bool) {
	if n, ok := connect.AsInt64(v); ok {
		return n, true
	}
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), true
		}
	case float32:
		return asInteger(float64(x))
	case *big.Rat:
		if x.IsInt() && x.Num().IsInt64() {
			return x.Num().Int64(), true
		}
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	if n, ok := connect.AsInt64(v); ok {
		return float64(n), true
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case *big.Rat:
		f, _ := x.Float64()
		return f, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// decimalText writes a number exactly, with the column's scale.
func decimalText(s *connect.Schema, v any, scale int) (string, error) {
	var r *big.Rat
	switch x := v.(type) {
	case *big.Rat:
		r = x
	case string: // Connect decimals may travel as text
		var ok bool
		if r, ok = new(big.Rat).SetString(strings.TrimSpace(x)); !ok {
			return "", fmt.Errorf("%q is not a number", x)
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a decimal", x)
		}
		// the shortest text that reads back as x, not its binary expansion
		r, _ = new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	case float32:
		return decimalText(s, float64(x), scale)
	case json.Number:
		return decimalText(s, string(x), scale)
	default:
		n, ok := connect.AsInt64(v)
		if !ok {
			return "", fmt.Errorf("a %s value is not a number", describe(s, v))
		}
		r = new(big.Rat).SetInt64(n)
	}
	return r.FloatString(scale), nil
}

// appendAsString writes any value as a JSON string: text as is, bytes as
// they are (ClickHouse strings are bytes), numbers and booleans as their
// text, times as RFC 3339 in UTC, structured values as JSON text.
func appendAsString(b []byte, s *connect.Schema, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return appendString(b, x), nil
	case []byte:
		return appendBytes(b, x), nil
	case bool:
		return appendString(b, strconv.FormatBool(x)), nil
	case time.Time:
		return appendString(b, x.UTC().Format("2006-01-02T15:04:05.000Z07:00")), nil
	case *big.Rat:
		scale := 0
		if s != nil {
			scale, _ = strconv.Atoi(s.Parameters["scale"])
		}
		return appendString(b, x.FloatString(scale)), nil
	case float64:
		return appendString(b, strconv.FormatFloat(x, 'g', -1, 64)), nil
	case float32:
		return appendString(b, strconv.FormatFloat(float64(x), 'g', -1, 32)), nil
	}
	if n, ok := connect.AsInt64(v); ok {
		return appendString(b, strconv.FormatInt(n, 10)), nil
	}
	j, err := appendJSON(nil, s, v)
	if err != nil {
		return b, err
	}
	return appendBytes(b, j), nil
}

// appendJSON writes a value as plain JSON (for types the connector has no
// special rule for, and for structured values written into strings).
func appendJSON(b []byte, s *connect.Schema, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case *connect.Struct:
		if x == nil {
			return append(b, "null"...), nil
		}
		sch := x.Schema
		if sch == nil {
			sch = s
		}
		b = append(b, '{')
		if sch != nil && len(sch.Fields) > 0 {
			for i, f := range sch.Fields {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, f.Name)
				b = append(b, ':')
				var err error
				if b, err = appendJSON(b, f.Schema, x.Values[f.Name]); err != nil {
					return b, err
				}
			}
			return append(b, '}'), nil
		}
		return appendMap(b, nil, x.Values)
	case map[string]any:
		var es *connect.Schema
		if s != nil {
			es = s.ValueSchema
		}
		return appendMap(b, es, x)
	case []any:
		var es *connect.Schema
		if s != nil {
			es = s.ValueSchema
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, es, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case string:
		return appendString(b, x), nil
	case []byte:
		return appendString(b, base64.StdEncoding.EncodeToString(x)), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case time.Time:
		return strconv.AppendInt(b, x.UnixMilli(), 10), nil
	case *big.Rat:
		d, err := decimalText(s, x, scaleOf(s))
		return append(b, d...), err
	case float64, float32:
		f, _ := asFloat(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, fmt.Errorf("%v cannot be written as JSON", f)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), nil
	case json.Number:
		return append(b, x...), nil
	}
	if n, ok := connect.AsInt64(v); ok {
		return strconv.AppendInt(b, n, 10), nil
	}
	return b, fmt.Errorf("a value of Go type %T cannot be written", v)
}

func scaleOf(s *connect.Schema) int {
	if s == nil {
		return 0
	}
	n, _ := strconv.Atoi(s.Parameters["scale"])
	return n
}

func appendMap(b []byte, es *connect.Schema, m map[string]any) ([]byte, error) {
	b = append(b, '{')
	first := true
	for k, e := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, es, e); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes a JSON string.
func appendString(b []byte, s string) []byte { return appendBytes(b, []byte(s)) }

// appendBytes writes bytes as a JSON string; bytes that are not UTF-8 go
// as they are, which ClickHouse's JSON reader keeps byte for byte.
func appendBytes(b []byte, s []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf || (c >= 0x20 && c != '"' && c != '\\') {
			b = append(b, c)
			i++
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
	}
	return append(b, '"')
}

// describe names a value's type for error messages.
func describe(s *connect.Schema, v any) string {
	if s != nil {
		if s.Name != "" {
			return strings.ToUpper(string(s.Type)) + " (" + s.Name + ")"
		}
		return strings.ToUpper(string(s.Type))
	}
	switch v.(type) {
	case *connect.Struct, map[string]any:
		return "STRUCT"
	case []any:
		return "ARRAY"
	case string:
		return "STRING"
	case bool:
		return "BOOLEAN"
	case []byte:
		return "BYTES"
	case float32, float64:
		return "FLOAT"
	case nil:
		return "null"
	}
	if _, ok := connect.AsInt64(v); ok {
		return "INTEGER"
	}
	return fmt.Sprintf("%T", v)
}
