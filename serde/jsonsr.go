package serde

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/types"
)

// jsonSRSerde is JSON_SR: the Confluent framing (magic byte, schema id)
// around a JSON body that the JSON serde reads and writes. The registered
// JSON schema follows Connect's JSON-schema conventions, as ksqlDB's does.
type jsonSRSerde struct {
	body Serde
	id   int
	cols int
	sr   *srContext
}

func newJSONSRSerde(f Format, cols []types.Column, isKey bool, sr *srContext) (*jsonSRSerde, error) {
	unwrapped := unwrappedSide(f, cols, isKey, JSONSR)
	s := &jsonSRSerde{body: newJSON(cols, isKey, unwrapped), cols: len(cols), sr: sr}
	if len(cols) == 0 {
		return s, nil
	}
	id, fixed, _, err := writerSchemaID(f, isKey)
	if err != nil {
		return nil, err
	}
	if fixed {
		rs, err := sr.byID(id)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(rs.Type, SchemaJSON) {
			return nil, fmt.Errorf("schema id %d is a %s schema, not JSON", id, orAvro(rs.Type))
		}
	} else if id, err = sr.register(RegSchema{Type: SchemaJSON, Schema: jsonSchemaFor(cols, unwrapped)}); err != nil {
		return nil, err
	}
	s.id = id
	return s, nil
}

// Decode implements Serde. Any registered id is accepted: the body is
// self-describing and matched to the columns by name.
func (s *jsonSRSerde) Decode(data []byte, dst []any) error {
	return s.decode(s.body, data, dst)
}

func (s *jsonSRSerde) decode(body Serde, data []byte, dst []any) error {
	if data == nil || s.cols == 0 {
		return body.Decode(nil, dst)
	}
	if len(data) == 0 {
		return body.Decode(data, dst)
	}
	_, b, err := splitHeader(data)
	if err != nil {
		return err
	}
	return body.Decode(b, dst)
}

// Reading implements Partial: the JSON body skips the columns.
func (s *jsonSRSerde) Reading(read []bool) Serde {
	return &jsonSRReading{jsonSRSerde: s, body: Reading(s.body, read)}
}

type jsonSRReading struct {
	*jsonSRSerde
	body Serde
}

// Decode implements Serde.
func (r *jsonSRReading) Decode(data []byte, dst []any) error {
	return r.decode(r.body, data, dst)
}

// Encode implements Serde.
func (s *jsonSRSerde) Encode(vals []any) ([]byte, error) {
	b, err := s.body.Encode(vals)
	if err != nil || b == nil {
		return b, err
	}
	if s.id == pendingID {
		if s.id, err = s.sr.writerID(s.id); err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, wireHeader+len(b))
	return append(appendHeader(out, s.id), b...), nil
}

// jsonSchemaFor builds the JSON schema of the columns.
func jsonSchemaFor(cols []types.Column, unwrapped bool) string {
	var b strings.Builder
	if unwrapped {
		writeJSONSchemaNullable(&b, cols[0].Type, -1)
		return b.String()
	}
	b.WriteString(`{"type":"object","properties":{`)
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, c.Name)
		b.WriteByte(':')
		writeJSONSchemaNullable(&b, c.Type, i)
	}
	b.WriteString(`}}`)
	return b.String()
}

func writeJSONSchemaNullable(b *strings.Builder, t *types.Type, index int) {
	b.WriteByte('{')
	if index >= 0 {
		fmt.Fprintf(b, `"connect.index":%d,`, index)
	}
	b.WriteString(`"oneOf":[{"type":"null"},`)
	writeJSONSchemaType(b, t)
	b.WriteString(`]}`)
}

func writeJSONSchemaType(b *strings.Builder, t *types.Type) {
	switch t.Kind {
	case types.Boolean:
		b.WriteString(`{"type":"boolean"}`)
	case types.Int:
		b.WriteString(`{"type":"integer","connect.type":"int32"}`)
	case types.Bigint:
		b.WriteString(`{"type":"integer","connect.type":"int64"}`)
	case types.Double:
		b.WriteString(`{"type":"number","connect.type":"float64"}`)
	case types.String:
		b.WriteString(`{"type":"string"}`)
	case types.Bytes:
		b.WriteString(`{"type":"string","connect.type":"bytes"}`)
	case types.Decimal:
		fmt.Fprintf(b, `{"type":"number","title":"org.apache.kafka.connect.data.Decimal","connect.version":1,"connect.type":"bytes","connect.parameters":{"scale":"%d","connect.decimal.precision":"%d"}}`, t.Scale, t.Precision)
	case types.Date:
		b.WriteString(`{"type":"integer","title":"org.apache.kafka.connect.data.Date","connect.version":1,"connect.type":"int32"}`)
	case types.Time:
		b.WriteString(`{"type":"integer","title":"org.apache.kafka.connect.data.Time","connect.version":1,"connect.type":"int32"}`)
	case types.Timestamp:
		b.WriteString(`{"type":"integer","title":"org.apache.kafka.connect.data.Timestamp","connect.version":1,"connect.type":"int64"}`)
	case types.Array:
		b.WriteString(`{"type":"array","items":`)
		writeJSONSchemaNullable(b, t.Elem, -1)
		b.WriteByte('}')
	case types.Map:
		b.WriteString(`{"type":"object","additionalProperties":`)
		writeJSONSchemaNullable(b, t.Elem, -1)
		b.WriteString(`,"connect.type":"map"}`)
	case types.Struct:
		b.WriteString(`{"type":"object","properties":{`)
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, f.Name)
			b.WriteByte(':')
			writeJSONSchemaNullable(b, f.Type, i)
		}
		b.WriteString(`}}`)
	default:
		b.WriteString(`{"type":"null"}`)
	}
}

// jnode is a parsed JSON value whose objects keep their key order (a JSON
// schema's property order is the column order).
type jnode struct {
	keys []string
	vals []*jnode
	arr  []*jnode
	val  any // string, json.Number, bool, nil for scalars
	obj  bool
	list bool
}

func (n *jnode) get(k string) *jnode {
	if n == nil {
		return nil
	}
	for i, key := range n.keys {
		if key == k {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) str() string {
	if n == nil {
		return ""
	}
	s, _ := n.val.(string)
	return s
}

func parseJNode(text string) (*jnode, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(text)))
	d.UseNumber()
	n, err := readJNode(d)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON schema: %w", err)
	}
	return n, nil
}

func readJNode(d *json.Decoder) (*jnode, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &jnode{obj: true}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := readJNode(d)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.(string))
			n.vals = append(n.vals, v)
		}
		_, err := d.Token()
		return n, err
	case json.Delim('['):
		n := &jnode{list: true}
		for d.More() {
			v, err := readJNode(d)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, v)
		}
		_, err := d.Token()
		return n, err
	}
	return &jnode{val: tok}, nil
}

// jsonSchemaColumns derives columns from a JSON schema.
func jsonSchemaColumns(text string, unwrapped, isKey bool) ([]types.Column, error) {
	n, err := parseJNode(text)
	if err != nil {
		return nil, err
	}
	root := n
	n, expanding, err := jsonDeref(root, n, nil)
	if err != nil {
		return nil, err
	}
	if !unwrapped {
		props := n.get("properties")
		if props == nil || !props.obj {
			return nil, errors.New("the JSON schema is not an object with properties: set WRAP_SINGLE_VALUE=false to read it as one column")
		}
		cols := make([]types.Column, len(props.keys))
		for i, k := range props.keys {
			t, err := sqlTypeOfJSONSchema(root, props.vals[i], expanding)
			if err != nil {
				return nil, fmt.Errorf("property %s: %w", k, err)
			}
			cols[i] = types.Column{Name: k, Type: t}
		}
		return cols, nil
	}
	t, err := sqlTypeOfJSONSchema(root, n, expanding)
	if err != nil {
		return nil, err
	}
	return []types.Column{{Name: unwrapName(isKey), Type: t}}, nil
}

// jsonDeref follows n's local references ("$ref": "#/$defs/Order", as
// generators such as invopop/jsonschema, used by confluent-kafka-go's
// serializer, write them) to the schema they name in root, unwrapping
// nullable unions on the way. expanding holds the references being
// expanded around n: one met again is a recursive type, which no SQL
// type can hold. References to other documents are not followed.
func jsonDeref(root, n *jnode, expanding []string) (*jnode, []string, error) {
	n = jsonNonNull(n)
	for ref := n.get("$ref"); ref != nil; ref = n.get("$ref") {
		r := ref.str()
		if !strings.HasPrefix(r, "#") {
			return nil, nil, fmt.Errorf("$ref %q: only references within the schema (#/...) are supported", r)
		}
		if slices.Contains(expanding, r) {
			return nil, nil, fmt.Errorf("$ref %q is recursive: no SQL type can hold it", r)
		}
		target, err := jsonPointer(root, r[1:])
		if err != nil {
			return nil, nil, fmt.Errorf("$ref %q: %w", r, err)
		}
		expanding = append(expanding[:len(expanding):len(expanding)], r)
		n = jsonNonNull(target)
	}
	return n, expanding, nil
}

// jsonPointer finds the node an RFC 6901 JSON pointer (a URI fragment,
// so percent-encoded) names in root.
func jsonPointer(root *jnode, ptr string) (*jnode, error) {
	ptr, err := url.PathUnescape(ptr)
	if err != nil {
		return nil, err
	}
	if ptr == "" {
		return root, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, errors.New("not a JSON pointer")
	}
	n := root
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		var next *jnode
		switch {
		case n.obj:
			next = n.get(tok)
		case n.list:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.arr) {
				next = n.arr[i]
			}
		}
		if next == nil {
			return nil, fmt.Errorf("the schema has nothing at %q", tok)
		}
		n = next
	}
	return n, nil
}

// jsonNonNull unwraps {"oneOf":[{"type":"null"}, X]} (or anyOf) to X.
func jsonNonNull(n *jnode) *jnode {
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts := n.get(k); alts != nil && alts.list {
			var only *jnode
			count := 0
			for _, a := range alts.arr {
				if a.get("type").str() == "null" {
					continue
				}
				only = a
				count++
			}
			if count == 1 {
				return only
			}
		}
	}
	return n
}

// sqlTypeOfJSONSchema is the SQL type of schema n within root, local
// references followed (expanding: see jsonDeref).
func sqlTypeOfJSONSchema(root, n *jnode, expanding []string) (*types.Type, error) {
	n, expanding, err := jsonDeref(root, n, expanding)
	if err != nil {
		return nil, err
	}
	typ := n.get("type")
	name := typ.str()
	if typ != nil && typ.list { // ["null", "string"]
		for _, a := range typ.arr {
			if a.str() != "null" {
				name = a.str()
			}
		}
	}
	ct := n.get("connect.type").str()
	title := n.get("title").str()
	switch name {
	case "boolean":
		return types.BooleanType, nil
	case "integer":
		switch {
		case strings.HasSuffix(title, ".Date"):
			return types.DateType, nil
		case strings.HasSuffix(title, ".Time"):
			return types.TimeType, nil
		case strings.HasSuffix(title, ".Timestamp"):
			return types.TimestampType, nil
		case ct == "int8" || ct == "int16" || ct == "int32":
			return types.IntType, nil
		}
		return types.BigintType, nil
	case "number":
		if strings.HasSuffix(title, ".Decimal") {
			ps := n.get("connect.parameters")
			p, _ := strconv.Atoi(ps.get("connect.decimal.precision").str())
			sc, _ := strconv.Atoi(ps.get("scale").str())
			if p <= 0 {
				p = 64
			}
			return types.DecimalOf(p, sc), nil
		}
		return types.DoubleType, nil
	case "string":
		if ct == "bytes" {
			return types.BytesType, nil
		}
		return types.StringType, nil
	case "array":
		items := n.get("items")
		if items == nil {
			return nil, errors.New("array schema without items")
		}
		e, err := sqlTypeOfJSONSchema(root, items, expanding)
		if err != nil {
			return nil, err
		}
		return types.ArrayOf(e), nil
	case "object":
		if props := n.get("properties"); props != nil && props.obj && ct != "map" {
			fs := make([]types.Field, len(props.keys))
			for i, k := range props.keys {
				t, err := sqlTypeOfJSONSchema(root, props.vals[i], expanding)
				if err != nil {
					return nil, fmt.Errorf("property %s: %w", k, err)
				}
				fs[i] = types.Field{Name: k, Type: t}
			}
			return types.StructOf(fs...), nil
		}
		if ap := n.get("additionalProperties"); ap != nil && ap.obj {
			e, err := sqlTypeOfJSONSchema(root, ap, expanding)
			if err != nil {
				return nil, err
			}
			return types.MapOf(types.StringType, e), nil
		}
		return nil, errors.New("object schema with neither properties nor additionalProperties")
	}
	return nil, fmt.Errorf("JSON schema type %q is not supported", name)
}
