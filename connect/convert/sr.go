package convert

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// srConverter is a Schema Registry converter (AvroConverter,
// ProtobufConverter, JsonSchemaConverter). It maps Connect schemas to
// column types and uses the query engine's serdes for the bytes, so a
// topic a connector writes reads back in a query exactly as one a query
// wrote.
type srConverter struct {
	format string // AVRO, PROTOBUF or JSON_SR
	isKey  bool
	reg    serde.Registry

	mu      sync.Mutex
	writers map[string]*srWriter // by topic + schema fingerprint
	byPtr   map[ptrKey]*srWriter // by topic + schema pointer: sources reuse one schema value
	readers map[int]*srReader    // by writer schema id (per topic)
}

type srWriter struct {
	s    serde.Serde
	cols []types.Column
	wrap bool
}

type srReader struct {
	s      serde.Serde
	schema *connect.Schema
	cols   []types.Column
	wrap   bool
}

func srFactory(format string) func(cfg map[string]string, isKey bool, env connect.ConverterEnv) (connect.Converter, error) {
	return func(cfg map[string]string, isKey bool, env connect.ConverterEnv) (connect.Converter, error) {
		reg, err := pickRegistry(cfg, env)
		if err != nil {
			return nil, err
		}
		return &srConverter{format: format, isKey: isKey, reg: reg, writers: map[string]*srWriter{}, byPtr: map[ptrKey]*srWriter{}, readers: map[int]*srReader{}}, nil
	}
}

// pickRegistry uses the service's registry unless schema.registry.url
// names another one.
func pickRegistry(cfg map[string]string, env connect.ConverterEnv) (serde.Registry, error) {
	url := strings.TrimSpace(cfg["schema.registry.url"])
	if first, _, ok := strings.Cut(url, ","); ok {
		url = strings.TrimSpace(first)
	}
	if url == "" || (env.RegistryURL != "" && sameURL(url, env.RegistryURL)) {
		if env.Registry == nil {
			return nil, errors.New("Missing required configuration \"schema.registry.url\" which has no default value (this eddy has no Schema Registry of its own)")
		}
		return env.Registry, nil
	}
	var opts []serde.HTTPOption
	if strings.EqualFold(cfg["basic.auth.credentials.source"], "USER_INFO") || cfg["basic.auth.user.info"] != "" {
		user, pass, _ := strings.Cut(cfg["basic.auth.user.info"], ":")
		opts = append(opts, serde.WithBasicAuth(user, pass))
	}
	return serde.NewHTTPRegistry(url, opts...), nil
}

func sameURL(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimRight(strings.TrimSpace(s), "/"))
		return strings.Replace(s, "://localhost", "://127.0.0.1", 1)
	}
	return norm(a) == norm(b)
}

func (c *srConverter) FromConnect(topic string, s *connect.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if s == nil {
		return nil, fmt.Errorf("%s needs a schema to write a value; the record has none (use JsonConverter with schemas.enable=false for schemaless data)", c.format)
	}
	w, err := c.writer(topic, s)
	if err != nil {
		return nil, err
	}
	row := make([]any, len(w.cols))
	if w.wrap {
		st, ok := v.(*connect.Struct)
		if !ok {
			return nil, fmt.Errorf("a struct schema with a %T value", v)
		}
		for i, f := range s.Fields {
			if row[i], err = toSQL(f.Schema, st.Values[f.Name]); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
	} else if row[0], err = toSQL(s, v); err != nil {
		return nil, err
	}
	return w.s.Encode(row)
}

type ptrKey struct {
	topic  string
	schema *connect.Schema
}

func (c *srConverter) writer(topic string, s *connect.Schema) (*srWriter, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pk := ptrKey{topic, s}
	if w, ok := c.byPtr[pk]; ok {
		return w, nil
	}
	fp := topic + "\x00" + fingerprint(s)
	if w, ok := c.writers[fp]; ok {
		if len(c.byPtr) < 1024 {
			c.byPtr[pk] = w
		}
		return w, nil
	}
	w := &srWriter{}
	props := map[string]string{}
	if s.Type == connect.StructT && !(c.isKey && c.format != serde.Protobuf) {
		w.wrap = true
		for _, f := range s.Fields {
			t, err := sqlType(f.Schema)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			w.cols = append(w.cols, types.Column{Name: f.Name, Type: t})
		}
	} else {
		t, err := sqlType(s)
		if err != nil {
			return nil, err
		}
		name := "ROWVAL"
		if c.isKey {
			name = "ROWKEY"
		}
		w.cols = []types.Column{{Name: name, Type: t}}
		if !c.isKey && c.format != serde.Protobuf {
			props[serde.PropWrapSingleValue] = "false"
		}
	}
	if c.format == serde.Avro {
		name := s.Name
		if name == "" || strings.HasPrefix(name, "org.apache.kafka.connect.data.") {
			name = "io.confluent.connect.avro.ConnectDefault"
		}
		props[serde.PropSchemaFullName] = avroName(name)
	}
	sd, err := serde.NewFor(serde.Format{Name: c.format, Props: props}, w.cols, c.isKey, serde.Env{Topic: topic, Registry: c.reg})
	if err != nil {
		return nil, err
	}
	w.s = sd
	c.writers[fp] = w
	if len(c.byPtr) < 1024 {
		c.byPtr[pk] = w
	}
	return w, nil
}

// avroName makes a Connect schema name a valid Avro full name.
func avroName(n string) string {
	var b strings.Builder
	for i, r := range n {
		ok := r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), ".")
}

func fingerprint(s *connect.Schema) string {
	b, _ := json.Marshal(toJSONSchema(s))
	return string(b)
}

func (c *srConverter) ToConnect(topic string, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if len(data) < 5 || data[0] != 0 {
		return nil, nil, fmt.Errorf("Unknown magic byte: the data is not in the Schema Registry wire format (%d bytes)", len(data))
	}
	id := int(binary.BigEndian.Uint32(data[1:5]))
	rd, err := c.reader(topic, id)
	if err != nil {
		return nil, nil, err
	}
	row := make([]any, len(rd.cols))
	if err := rd.s.Decode(data, row); err != nil {
		if errors.Is(err, serde.ErrNull) {
			return rd.schema, nil, nil
		}
		return nil, nil, err
	}
	if !rd.wrap {
		return rd.schema, fromSQL(rd.cols[0].Type, rd.schema, row[0]), nil
	}
	st := &connect.Struct{Schema: rd.schema, Values: make(map[string]any, len(rd.cols))}
	for i, col := range rd.cols {
		st.Values[col.Name] = fromSQL(col.Type, rd.schema.Fields[i].Schema, row[i])
	}
	return rd.schema, st, nil
}

func (c *srConverter) reader(topic string, id int) (*srReader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rd, ok := c.readers[id]; ok {
		return rd, nil
	}
	rs, err := c.reg.ByID(id)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	wrap := c.format == serde.Protobuf || isRecordSchema(c.format, rs.Schema)
	if c.isKey && c.format != serde.Protobuf {
		wrap = false
	}
	props := map[string]string{serde.PropSchemaID: strconv.Itoa(id)}
	if !wrap && !c.isKey {
		props[serde.PropWrapSingleValue] = "false"
	}
	f := serde.Format{Name: c.format, Props: props}
	env := serde.Env{Topic: topic, Registry: c.reg, ReadOnly: true}
	cols, _, err := serde.Infer(f, c.isKey, env)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	sd, err := serde.NewFor(f, cols, c.isKey, env)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	rd := &srReader{s: sd, cols: cols, wrap: wrap}
	if wrap {
		rd.schema = &connect.Schema{Type: connect.StructT, Optional: true, Name: recordName(c.format, rs.Schema)}
		for _, col := range cols {
			rd.schema.Fields = append(rd.schema.Fields, connect.Field{Name: col.Name, Schema: connectSchema(col.Type)})
		}
	} else {
		rd.schema = connectSchema(cols[0].Type)
	}
	c.readers[id] = rd
	return rd, nil
}

// isRecordSchema reports whether a registered schema is a record (Avro)
// or an object (JSON Schema), i.e. a value of several columns.
func isRecordSchema(format, text string) bool {
	var doc any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return false
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	if format == serde.JSONSR {
		return m["type"] == "object"
	}
	return m["type"] == "record"
}

func recordName(format, text string) string {
	if format != serde.Avro {
		return ""
	}
	var m struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	}
	if json.Unmarshal([]byte(text), &m) != nil || m.Name == "" {
		return ""
	}
	if m.Namespace != "" && !strings.Contains(m.Name, ".") {
		return m.Namespace + "." + m.Name
	}
	return m.Name
}

// sqlType maps a Connect schema to the engine's column type.
func sqlType(s *connect.Schema) (*types.Type, error) {
	switch s.Name {
	case connect.LogicalTimestamp:
		return types.TimestampType, nil
	case connect.LogicalDate:
		return types.DateType, nil
	case connect.LogicalTime:
		return types.TimeType, nil
	case connect.LogicalDecimal:
		scale := decimalScale(s)
		prec, err := strconv.Atoi(s.Parameters["connect.decimal.precision"])
		if err != nil || prec <= 0 {
			prec = 38
		}
		if scale > prec {
			prec = scale
		}
		return types.DecimalOf(prec, scale), nil
	}
	switch s.Type {
	case connect.Int8, connect.Int16, connect.Int32:
		return types.IntType, nil
	case connect.Int64:
		return types.BigintType, nil
	case connect.Float32, connect.Float64:
		return types.DoubleType, nil
	case connect.Boolean:
		return types.BooleanType, nil
	case connect.String:
		return types.StringType, nil
	case connect.Bytes:
		return types.BytesType, nil
	case connect.Array:
		e, err := sqlType(s.ValueSchema)
		if err != nil {
			return nil, err
		}
		return types.ArrayOf(e), nil
	case connect.Map:
		if s.KeySchema == nil || s.KeySchema.Type != connect.String {
			return nil, errors.New("maps need string keys in this format")
		}
		e, err := sqlType(s.ValueSchema)
		if err != nil {
			return nil, err
		}
		return types.MapOf(types.StringType, e), nil
	case connect.StructT:
		fs := make([]types.Field, 0, len(s.Fields))
		for _, f := range s.Fields {
			t, err := sqlType(f.Schema)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			fs = append(fs, types.Field{Name: f.Name, Type: t})
		}
		return types.StructOf(fs...), nil
	}
	return nil, fmt.Errorf("unsupported schema type %q", s.Type)
}

// connectSchema maps a column type back to a Connect schema (optional,
// as the generated schemas' fields are nullable).
func connectSchema(t *types.Type) *connect.Schema {
	s := &connect.Schema{Optional: true}
	switch t.Kind {
	case types.Boolean:
		s.Type = connect.Boolean
	case types.Int:
		s.Type = connect.Int32
	case types.Bigint:
		s.Type = connect.Int64
	case types.Double:
		s.Type = connect.Float64
	case types.String:
		s.Type = connect.String
	case types.Bytes:
		s.Type = connect.Bytes
	case types.Decimal:
		s.Type, s.Name, s.Version = connect.Bytes, connect.LogicalDecimal, 1
		s.Parameters = map[string]string{"scale": strconv.Itoa(t.Scale), "connect.decimal.precision": strconv.Itoa(t.Precision)}
	case types.Date:
		s.Type, s.Name, s.Version = connect.Int32, connect.LogicalDate, 1
	case types.Time:
		s.Type, s.Name, s.Version = connect.Int32, connect.LogicalTime, 1
	case types.Timestamp:
		s.Type, s.Name, s.Version = connect.Int64, connect.LogicalTimestamp, 1
	case types.Array:
		s.Type, s.ValueSchema = connect.Array, connectSchema(t.Elem)
	case types.Map:
		s.Type, s.KeySchema, s.ValueSchema = connect.Map, connectSchema(t.Key), connectSchema(t.Elem)
	case types.Struct:
		s.Type = connect.StructT
		for _, f := range t.Fields {
			s.Fields = append(s.Fields, connect.Field{Name: f.Name, Schema: connectSchema(f.Type)})
		}
	default:
		s.Type = connect.String
	}
	return s
}

// toSQL converts a Connect value to the engine's value for the schema.
func toSQL(s *connect.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch s.Name {
	case connect.LogicalTimestamp, connect.LogicalDate, connect.LogicalTime:
		t, ok := v.(time.Time)
		if !ok {
			n, isInt := connect.AsInt64(v)
			if !isInt {
				return nil, fmt.Errorf("%s value %v (%T)", s.Name, v, v)
			}
			switch s.Name {
			case connect.LogicalTimestamp:
				return types.TimestampVal(n), nil
			case connect.LogicalDate:
				return types.DateVal(n), nil
			}
			return types.TimeVal(n), nil
		}
		switch s.Name {
		case connect.LogicalTimestamp:
			return types.TimestampVal(t.UnixMilli()), nil
		case connect.LogicalDate:
			return types.DateVal(daysOf(t)), nil
		}
		return types.TimeVal(msOfDay(t)), nil
	case connect.LogicalDecimal:
		r, err := ratOf(v)
		if err != nil {
			return nil, err
		}
		d, err := decimal.NewFromString(r.FloatString(decimalScale(s)))
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	switch s.Type {
	case connect.Int8, connect.Int16, connect.Int32:
		n, ok := connect.AsInt64(v)
		if !ok {
			return nil, fmt.Errorf("%s value %v (%T)", s.Type, v, v)
		}
		return int32(n), nil
	case connect.Int64:
		n, ok := connect.AsInt64(v)
		if !ok {
			return nil, fmt.Errorf("int64 value %v (%T)", v, v)
		}
		return n, nil
	case connect.Float32, connect.Float64:
		switch x := v.(type) {
		case float32:
			return float64(x), nil
		case float64:
			return x, nil
		}
		if n, ok := connect.AsInt64(v); ok {
			return float64(n), nil
		}
		return nil, fmt.Errorf("%s value %v (%T)", s.Type, v, v)
	case connect.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case connect.String:
		return Text(v), nil
	case connect.Bytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case connect.Array:
		xs, ok := v.([]any)
		if !ok {
			break
		}
		out := make([]any, len(xs))
		for i, e := range xs {
			var err error
			if out[i], err = toSQL(s.ValueSchema, e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case connect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		out := types.NewMapBuilder(len(m))
		for k, e := range m {
			ev, err := toSQL(s.ValueSchema, e)
			if err != nil {
				return nil, err
			}
			out.Put(k, ev)
		}
		return out.Map(), nil
	case connect.StructT:
		st, ok := v.(*connect.Struct)
		if !ok {
			break
		}
		out := make(types.StructVal, len(s.Fields))
		for i, f := range s.Fields {
			var err error
			if out[i], err = toSQL(f.Schema, st.Values[f.Name]); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s value %v (%T)", s.Type, v, v)
}

// fromSQL converts an engine value back to a Connect value.
func fromSQL(t *types.Type, s *connect.Schema, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case decimal.Decimal:
		return x.StringFixed(int32(t.Scale))
	case types.TimestampVal:
		return time.UnixMilli(int64(x)).UTC()
	case types.DateVal:
		return time.Unix(int64(x)*86400, 0).UTC()
	case types.TimeVal:
		return time.UnixMilli(int64(x)).UTC()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromSQL(t.Elem, s.ValueSchema, e)
		}
		return out
	case *types.MapVal:
		out := make(map[string]any, x.Len())
		for i := range x.Len() {
			out[Text(x.Keys[i])] = fromSQL(t.Elem, s.ValueSchema, x.Vals[i])
		}
		return out
	case types.StructVal:
		st := &connect.Struct{Schema: s, Values: make(map[string]any, len(x))}
		for i, f := range t.Fields {
			if i < len(x) {
				st.Values[f.Name] = fromSQL(f.Type, s.Fields[i].Schema, x[i])
			}
		}
		return st
	}
	return v
}
