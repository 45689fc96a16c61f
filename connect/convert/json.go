package convert

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
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

// jsonConverter is Kafka Connect's JsonConverter.
type jsonConverter struct {
	schemas     bool
	numericDec  bool
	nullDefault bool
}

func newJSONConverter(cfg map[string]string, _ bool, _ connect.ConverterEnv) (connect.Converter, error) {
	return &jsonConverter{
		schemas:     !strings.EqualFold(cfg["schemas.enable"], "false"),
		numericDec:  strings.EqualFold(cfg["decimal.format"], "NUMERIC"),
		nullDefault: !strings.EqualFold(cfg["replace.null.with.default"], "false"),
	}, nil
}

// NewJSON returns a JsonConverter; schemas selects the envelope.
func NewJSON(schemas bool) connect.Converter {
	return &jsonConverter{schemas: schemas, nullDefault: true}
}

// jsonSchema is a Connect schema as JsonConverter writes it.
type jsonSchema struct {
	Type       string            `json:"type"`
	Fields     []*jsonSchema     `json:"fields,omitempty"`
	Items      *jsonSchema       `json:"items,omitempty"`
	Keys       *jsonSchema       `json:"keys,omitempty"`
	Values     *jsonSchema       `json:"values,omitempty"`
	Optional   bool              `json:"optional"`
	Name       string            `json:"name,omitempty"`
	Version    int               `json:"version,omitempty"`
	Doc        string            `json:"doc,omitempty"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Default    any               `json:"default,omitempty"`
	Field      string            `json:"field,omitempty"`
}

func toJSONSchema(s *connect.Schema) *jsonSchema {
	if s == nil {
		return nil
	}
	js := &jsonSchema{Type: string(s.Type), Optional: s.Optional, Name: s.Name, Version: s.Version, Doc: s.Doc, Parameters: s.Parameters}
	switch s.Type {
	case connect.Float32: // Kafka's JsonConverter names them float and double
		js.Type = "float"
	case connect.Float64:
		js.Type = "double"
	case connect.StructT:
		js.Fields = []*jsonSchema{}
		for _, f := range s.Fields {
			fs := toJSONSchema(f.Schema)
			fs.Field = f.Name
			js.Fields = append(js.Fields, fs)
		}
	case connect.Array:
		js.Items = toJSONSchema(s.ValueSchema)
	case connect.Map:
		js.Keys, js.Values = toJSONSchema(s.KeySchema), toJSONSchema(s.ValueSchema)
	}
	return js
}

func fromJSONSchema(js *jsonSchema) (*connect.Schema, error) {
	if js == nil {
		return nil, nil
	}
	s := &connect.Schema{Type: connect.Type(js.Type), Optional: js.Optional, Name: js.Name, Version: js.Version, Doc: js.Doc, Parameters: js.Parameters}
	switch js.Type {
	case "float":
		s.Type = connect.Float32
	case "double":
		s.Type = connect.Float64
	}
	switch s.Type {
	case connect.Int8, connect.Int16, connect.Int32, connect.Int64, connect.Float32, connect.Float64, connect.Boolean, connect.String, connect.Bytes:
	case connect.StructT:
		for _, f := range js.Fields {
			fs, err := fromJSONSchema(f)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Field, err)
			}
			s.Fields = append(s.Fields, connect.Field{Name: f.Field, Schema: fs})
		}
	case connect.Array:
		if js.Items == nil {
			return nil, errors.New("array schema has no items")
		}
		var err error
		if s.ValueSchema, err = fromJSONSchema(js.Items); err != nil {
			return nil, err
		}
	case connect.Map:
		if js.Keys == nil || js.Values == nil {
			return nil, errors.New("map schema needs keys and values")
		}
		var err error
		if s.KeySchema, err = fromJSONSchema(js.Keys); err != nil {
			return nil, err
		}
		if s.ValueSchema, err = fromJSONSchema(js.Values); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown schema type %q", js.Type)
	}
	return s, nil
}

func (c *jsonConverter) FromConnect(_ string, s *connect.Schema, v any) ([]byte, error) {
	if v == nil && !c.schemas {
		return nil, nil
	}
	var b bytes.Buffer
	if c.schemas {
		b.WriteString(`{"schema":`)
		if s == nil {
			b.WriteString("null")
		} else {
			sb, err := json.Marshal(toJSONSchema(s))
			if err != nil {
				return nil, err
			}
			b.Write(sb)
		}
		b.WriteString(`,"payload":`)
	}
	if err := c.write(&b, s, v); err != nil {
		return nil, err
	}
	if c.schemas {
		b.WriteByte('}')
	}
	return b.Bytes(), nil
}

// write appends v as JSON, following s when given.
func (c *jsonConverter) write(b *bytes.Buffer, s *connect.Schema, v any) error {
	if v == nil && s != nil && s.Default != nil && c.nullDefault {
		v = s.Default
	}
	if v == nil {
		b.WriteString("null")
		return nil
	}
	if s != nil {
		switch s.Name {
		case connect.LogicalTimestamp:
			if t, ok := v.(time.Time); ok {
				b.WriteString(strconv.FormatInt(t.UnixMilli(), 10))
				return nil
			}
		case connect.LogicalDate:
			if t, ok := v.(time.Time); ok {
				b.WriteString(strconv.FormatInt(daysOf(t), 10))
				return nil
			}
		case connect.LogicalTime:
			if t, ok := v.(time.Time); ok {
				b.WriteString(strconv.FormatInt(msOfDay(t), 10))
				return nil
			}
		case connect.LogicalDecimal:
			r, err := ratOf(v)
			if err != nil {
				return err
			}
			scale := decimalScale(s)
			if c.numericDec {
				b.WriteString(r.FloatString(scale))
				return nil
			}
			return writeJSONValue(b, base64.StdEncoding.EncodeToString(UnscaledBytes(r, scale)))
		}
	}
	switch v := v.(type) {
	case *connect.Struct:
		b.WriteByte('{')
		if s == nil {
			s = v.Schema
		}
		if s != nil {
			for i, f := range s.Fields {
				if i > 0 {
					b.WriteByte(',')
				}
				writeJSONValue(b, f.Name)
				b.WriteByte(':')
				if err := c.write(b, f.Schema, v.Values[f.Name]); err != nil {
					return fmt.Errorf("field %s: %w", f.Name, err)
				}
			}
		} else {
			if err := c.writeObject(b, nil, v.Values); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case map[string]any:
		b.WriteByte('{')
		var vs *connect.Schema
		if s != nil {
			vs = s.ValueSchema
		}
		if err := c.writeObject(b, vs, v); err != nil {
			return err
		}
		b.WriteByte('}')
		return nil
	case []any:
		b.WriteByte('[')
		var es *connect.Schema
		if s != nil {
			es = s.ValueSchema
		}
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := c.write(b, es, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case time.Time:
		b.WriteString(strconv.FormatInt(v.UnixMilli(), 10))
		return nil
	case *big.Rat:
		b.WriteString(v.FloatString(10))
		return nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return writeJSONValue(b, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	return writeJSONValue(b, v)
}

func (c *jsonConverter) writeObject(b *bytes.Buffer, vs *connect.Schema, m map[string]any) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONValue(b, k)
		b.WriteByte(':')
		if err := c.write(b, vs, m[k]); err != nil {
			return fmt.Errorf("key %s: %w", k, err)
		}
	}
	return nil
}

func writeJSONValue(b *bytes.Buffer, v any) error {
	// Fast paths for the common scalars; json.Marshal for the rest.
	switch x := v.(type) {
	case string:
		writeJSONString(b, x)
		return nil
	case int64:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), x, 10))
		return nil
	case int32:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(x), 10))
		return nil
	case bool:
		b.WriteString(strconv.FormatBool(x))
		return nil
	}
	e, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(e)
	return nil
}

func encodeSchemaless(v any) ([]byte, error) {
	var b bytes.Buffer
	c := &jsonConverter{}
	if err := c.write(&b, nil, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (c *jsonConverter) ToConnect(_ string, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("Converting byte[] to Kafka Connect data failed due to serialization error: %w", err)
	}
	if d.More() {
		return nil, nil, errors.New("Converting byte[] to Kafka Connect data failed: trailing data after the JSON value")
	}
	if !c.schemas {
		return nil, plainValue(doc), nil
	}
	env, ok := doc.(map[string]any)
	if _, hasPayload := env["payload"]; !ok || !hasPayload || len(env) != 2 {
		if _, hasSchema := env["schema"]; !ok || !hasSchema || len(env) != 2 {
			return nil, nil, errors.New(`JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.`)
		}
	}
	if env["schema"] == nil {
		return nil, plainValue(env["payload"]), nil
	}
	raw, _ := json.Marshal(env["schema"])
	var js jsonSchema
	if err := json.Unmarshal(raw, &js); err != nil {
		return nil, nil, fmt.Errorf("reading the schema: %w", err)
	}
	s, err := fromJSONSchema(&js)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the schema: %w", err)
	}
	v, err := typed(s, env["payload"])
	if err != nil {
		return nil, nil, err
	}
	return s, v, nil
}

// plainValue turns decoded JSON into Connect's schemaless values.
func plainValue(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = plainValue(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = plainValue(e)
		}
		return v
	}
	return v
}

// typed converts decoded JSON to the Connect value of schema s.
func typed(s *connect.Schema, v any) (any, error) {
	if v == nil {
		if s.Default != nil {
			return s.Default, nil
		}
		if !s.Optional {
			return nil, fmt.Errorf("Invalid null value for required %s field", s.Type)
		}
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("Invalid JSON for %s: %v", schemaDesc(s), v)
	}
	switch s.Name {
	case connect.LogicalTimestamp:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		ms, err := n.Int64()
		if err != nil {
			return bad()
		}
		return time.UnixMilli(ms).UTC(), nil
	case connect.LogicalDate:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		d, err := n.Int64()
		if err != nil {
			return bad()
		}
		return time.Unix(d*86400, 0).UTC(), nil
	case connect.LogicalTime:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		ms, err := n.Int64()
		if err != nil {
			return bad()
		}
		return time.UnixMilli(ms).UTC(), nil
	case connect.LogicalDecimal:
		scale := decimalScale(s)
		switch x := v.(type) {
		case string:
			raw, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return bad()
			}
			return FromUnscaled(raw, scale).FloatString(scale), nil
		case json.Number:
			r, ok := new(big.Rat).SetString(x.String())
			if !ok {
				return bad()
			}
			return r.FloatString(scale), nil
		}
		return bad()
	}
	switch s.Type {
	case connect.Int8, connect.Int16, connect.Int32, connect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return bad()
		}
		i, err := n.Int64()
		if err != nil {
			return bad()
		}
		switch s.Type {
		case connect.Int8:
			return int8(i), nil
		case connect.Int16:
			return int16(i), nil
		case connect.Int32:
			return int32(i), nil
		}
		return i, nil
	case connect.Float32, connect.Float64:
		var f float64
		switch x := v.(type) {
		case json.Number:
			var err error
			if f, err = x.Float64(); err != nil {
				return bad()
			}
		case string: // NaN and infinities
			var err error
			if f, err = strconv.ParseFloat(x, 64); err != nil {
				return bad()
			}
		default:
			return bad()
		}
		if s.Type == connect.Float32 {
			return float32(f), nil
		}
		return f, nil
	case connect.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return bad()
	case connect.String:
		if x, ok := v.(string); ok {
			return x, nil
		}
		return bad()
	case connect.Bytes:
		x, ok := v.(string)
		if !ok {
			return bad()
		}
		raw, err := base64.StdEncoding.DecodeString(x)
		if err != nil {
			return bad()
		}
		return raw, nil
	case connect.Array:
		xs, ok := v.([]any)
		if !ok {
			return bad()
		}
		out := make([]any, len(xs))
		for i, e := range xs {
			var err error
			if out[i], err = typed(s.ValueSchema, e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case connect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			var err error
			if out[k], err = typed(s.ValueSchema, e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case connect.StructT:
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		st := &connect.Struct{Schema: s, Values: make(map[string]any, len(s.Fields))}
		for _, f := range s.Fields {
			fv, err := typed(f.Schema, m[f.Name])
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			st.Values[f.Name] = fv
		}
		return st, nil
	}
	return bad()
}

func schemaDesc(s *connect.Schema) string {
	if s.Name != "" {
		return string(s.Type) + " (" + s.Name + ")"
	}
	return string(s.Type)
}

func decimalScale(s *connect.Schema) int {
	n, _ := strconv.Atoi(s.Parameters["scale"])
	return n
}

func daysOf(t time.Time) int64 {
	return int64(math.Floor(float64(t.UTC().Unix()) / 86400))
}

func msOfDay(t time.Time) int64 {
	t = t.UTC()
	return int64(t.Hour()*3600000 + t.Minute()*60000 + t.Second()*1000 + t.Nanosecond()/1e6)
}

// ratOf reads a decimal value: *big.Rat, a decimal string or a number.
func ratOf(v any) (*big.Rat, error) {
	switch x := v.(type) {
	case *big.Rat:
		return x, nil
	case string:
		if r, ok := new(big.Rat).SetString(x); ok {
			return r, nil
		}
	case float64:
		return new(big.Rat).SetFloat64(x), nil
	case int64:
		return new(big.Rat).SetInt64(x), nil
	case int32:
		return new(big.Rat).SetInt64(int64(x)), nil
	case fmt.Stringer:
		if r, ok := new(big.Rat).SetString(x.String()); ok {
			return r, nil
		}
	}
	return nil, fmt.Errorf("not a decimal value: %v (%T)", v, v)
}

// UnscaledBytes renders r at scale as the big-endian two's complement
// bytes Connect's Decimal uses.
func UnscaledBytes(r *big.Rat, scale int) []byte {
	n := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	n.Quo(n, r.Denom())
	if n.Sign() >= 0 {
		b := n.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// two's complement of a negative number, in as few bytes as Java's
	// BigInteger.toByteArray uses
	l := len(n.Bytes())
	if new(big.Int).Neg(n).Cmp(new(big.Int).Lsh(big.NewInt(1), uint(8*l-1))) > 0 {
		l++
	}
	mod := new(big.Int).Lsh(big.NewInt(1), uint(8*l))
	b := new(big.Int).Add(mod, n).Bytes()
	for len(b) < l {
		b = append([]byte{0xff}, b...)
	}
	return b
}

// FromUnscaled reads big-endian two's complement unscaled bytes.
func FromUnscaled(b []byte, scale int) *big.Rat {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
}

// writeJSONString writes s as a JSON string. Unlike encoding/json it does
// not escape <, > and & (Kafka Connect's Jackson does not either);
// invalid UTF-8 becomes U+FFFD so the output stays valid JSON.
func writeJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
