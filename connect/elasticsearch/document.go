package elasticsearch

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eddysql/eddy/connect"
)

// encoder writes Connect data as a JSON document, the way the Confluent
// connector's DataConverter does: structs as objects in schema order,
// maps as objects (or, with compact.map.entries=false, arrays of
// {"key","value"}), bytes as base64, temporal logical types as epoch
// milliseconds, decimals as exact numbers (or strings where the mapping
// is keyword, see decimalAsKeyword).
type encoder struct {
	compactMaps bool
}

// errDocument is a value that cannot become JSON (NaN, an unknown Go
// type): the record is malformed, retrying will not help.
type errDocument struct{ msg string }

func (e *errDocument) Error() string { return e.msg }

func (e *encoder) appendValue(b []byte, s *connect.Schema, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	if s != nil && s.Name != "" {
		switch s.Name {
		case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
			if t, ok := v.(time.Time); ok {
				return strconv.AppendInt(b, temporalMillis(s.Name, t), 10), nil
			}
		case connect.LogicalDecimal:
			d, err := decimalText(s, v)
			if err != nil {
				return b, err
			}
			if decimalAsKeyword(s) {
				return appendString(b, d), nil
			}
			return append(b, d...), nil
		}
	}
	var es *connect.Schema // element schema for arrays and maps
	if s != nil {
		es = s.ValueSchema
	}
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(b, x), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float32:
		return appendFloat(b, float64(x), 32)
	case float64:
		return appendFloat(b, x, 64)
	case string:
		return appendString(b, x), nil
	case []byte:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, '"'), nil
	case time.Time:
		return strconv.AppendInt(b, x.UnixMilli(), 10), nil
	case *big.Rat:
		d, err := decimalText(s, x)
		if err != nil {
			return b, err
		}
		return append(b, d...), nil
	case []any:
		b = append(b, '[')
		for i, el := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.appendValue(b, es, el); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		return e.appendMap(b, es, x)
	case *connect.Struct:
		return e.appendStruct(b, s, x)
	case json.Number:
		return append(b, x...), nil
	default:
		return b, &errDocument{fmt.Sprintf("value of Go type %T cannot be written as JSON", v)}
	}
}

func (e *encoder) appendStruct(b []byte, s *connect.Schema, x *connect.Struct) ([]byte, error) {
	if x == nil {
		return append(b, "null"...), nil
	}
	if x.Schema != nil {
		s = x.Schema
	}
	b = append(b, '{')
	if s == nil || len(s.Fields) == 0 {
		// A struct without a schema: its values in name order.
		return e.appendPairs(b[:len(b)-1], nil, x.Values)
	}
	for i, f := range s.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.Name)
		b = append(b, ':')
		var err error
		if b, err = e.appendValue(b, f.Schema, x.Values[f.Name]); err != nil {
			return b, fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return append(b, '}'), nil
}

func (e *encoder) appendMap(b []byte, vs *connect.Schema, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	if e.compactMaps {
		return e.appendPairs(b, vs, m)
	}
	keys := sortedKeys(m)
	b = append(b, '[')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = appendString(b, k)
		b = append(b, `,"value":`...)
		var err error
		if b, err = e.appendValue(b, vs, m[k]); err != nil {
			return b, fmt.Errorf("map key %s: %w", k, err)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendPairs writes m as a JSON object with keys in sorted order, so the
// same record always gives the same document.
func (e *encoder) appendPairs(b []byte, vs *connect.Schema, m map[string]any) ([]byte, error) {
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = e.appendValue(b, vs, m[k]); err != nil {
			return b, fmt.Errorf("field %s: %w", k, err)
		}
	}
	return append(b, '}'), nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, &errDocument{fmt.Sprintf("%v cannot be written as a JSON number", f)}
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits), nil
}

// temporalMillis is the epoch-millisecond form Elasticsearch's date type
// reads: a Timestamp as is, a Date at midnight UTC, a Time as the
// milliseconds since midnight on 1970-01-01.
func temporalMillis(logical string, t time.Time) int64 {
	t = t.UTC()
	switch logical {
	case connect.LogicalDate:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).UnixMilli()
	case connect.LogicalTime:
		return int64(t.Hour())*3600000 + int64(t.Minute())*60000 + int64(t.Second())*1000 + int64(t.Nanosecond()/1e6)
	}
	return t.UnixMilli()
}

// decimalScale reads a Decimal schema's scale (-1 when unknown).
func decimalScale(s *connect.Schema) int {
	if s == nil {
		return -1
	}
	n, err := strconv.Atoi(s.Parameters["scale"])
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// decimalAsKeyword says whether a Decimal is mapped (and written) as a
// keyword string rather than a scaled_float number: scaled_float stores
// value*10^scale in a long, so only a modest scale and precision fit
// without losing digits.
func decimalAsKeyword(s *connect.Schema) bool {
	scale := decimalScale(s)
	if scale < 0 || scale > 9 {
		return true
	}
	if p, err := strconv.Atoi(s.Parameters["connect.decimal.precision"]); err == nil && p > 18 {
		return true
	}
	return false
}

// decimalText renders a decimal exactly, at the schema's scale when known.
func decimalText(s *connect.Schema, v any) (string, error) {
	switch d := v.(type) {
	case *big.Rat:
		if sc := decimalScale(s); sc >= 0 {
			return d.FloatString(sc), nil
		}
		if d.IsInt() {
			return d.Num().String(), nil
		}
		return strings.TrimRight(d.FloatString(18), "0"), nil
	case string:
		if _, ok := new(big.Rat).SetString(d); !ok || strings.ContainsAny(d, "/eE") {
			return "", &errDocument{fmt.Sprintf("decimal value %q is not a number", d)}
		}
		return d, nil
	case float64:
		return strconv.FormatFloat(d, 'f', -1, 64), nil
	case int64:
		return strconv.FormatInt(d, 10), nil
	}
	return "", &errDocument{fmt.Sprintf("decimal value of Go type %T", v)}
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
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
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// documentID is the Confluent connector's id for a record: with
// key.ignore the coordinates topic+partition+offset, else the key, which
// must be an integer or a string (anything else is rejected, as there).
func documentID(rec *connect.Record, keyIgnore bool) (string, error) {
	if keyIgnore {
		return rec.Topic + "+" + strconv.Itoa(int(rec.Partition)) + "+" + strconv.FormatInt(rec.Offset, 10), nil
	}
	switch k := rec.Key.(type) {
	case nil:
		return "", &errDocument{"Key is used as document id and can not be null."}
	case string:
		return k, nil
	}
	if n, ok := connect.AsInt64(rec.Key); ok {
		return strconv.FormatInt(n, 10), nil
	}
	return "", &errDocument{typeName(rec.KeySchema, rec.Key) + " is not supported as the document id; extract a primitive key (e.g. the ExtractField$Key transform) or set key.ignore=true"}
}

// typeName is the Connect type name of a value, as Kafka Connect prints it.
func typeName(s *connect.Schema, v any) string {
	if s != nil {
		return strings.ToUpper(string(s.Type))
	}
	switch v.(type) {
	case bool:
		return "BOOLEAN"
	case float32:
		return "FLOAT32"
	case float64:
		return "FLOAT64"
	case []byte:
		return "BYTES"
	case []any:
		return "ARRAY"
	case map[string]any:
		return "MAP"
	case *connect.Struct:
		return "STRUCT"
	}
	return fmt.Sprintf("%T", v)
}
