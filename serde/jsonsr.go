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

	"github.com/eddysql/eddy/internal/jsonref"
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
	id, fixed, inferred, err := writerSchemaID(f, isKey)
	if err != nil {
		return nil, err
	}
	if fixed {
		rs, err := sr.byID(id)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(rs.Type, SchemaJSON) {
			return nil, fmt.Errorf("schema id %d is %s schema, not JSON", id, aKind(rs.Type))
		}
		if err := sr.claim(id, rs, !inferred); err != nil {
			return nil, err
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

// jsonDoc is a parsed JSON schema document: its root, where it is filed
// among its schema's documents, the base URI its relative "$ref"s resolve
// against (its "$id", else where it is filed), and the documents of its
// schema's references, shared by all of them.
type jsonDoc struct {
	root *jnode
	key  string // "" for the registered schema itself, else its URI
	base string
	refs *jsonref.Docs[*jsonDoc]
}

// parseJSONDocs parses a registered JSON schema with the documents its
// references name, each at the version it pins (see referenced), as
// Confluent's serdes resolve them: depth first, transitively, into one
// set by name, the first of a name winning.
func parseJSONDocs(reg Registry, rs RegSchema) (*jsonDoc, error) {
	n, err := parseJNode(rs.Schema)
	if err != nil {
		return nil, err
	}
	root := &jsonDoc{root: n, base: jsonref.Base("", n.get("$id").str()), refs: &jsonref.Docs[*jsonDoc]{}}
	if root.base != "" {
		root.refs.Add(root.base, root.base, root) // an absolute "$ref" to itself
	}
	if err := addJSONRefs(reg, root, rs.References, map[string]bool{}, 0); err != nil {
		return nil, err
	}
	return root, nil
}

func addJSONRefs(reg Registry, root *jsonDoc, refs []RegReference, seen map[string]bool, depth int) error {
	if depth > 32 {
		return errors.New("JSON schema references nest too deeply")
	}
	for _, ref := range refs {
		if seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		s, err := referenced(reg, ref)
		if err != nil {
			return err
		}
		if !strings.EqualFold(s.Type, SchemaJSON) {
			return fmt.Errorf("reference %s (subject %s): the schema is of type %s, not JSON", ref.Name, ref.Subject, orAvro(s.Type))
		}
		if err := addJSONRefs(reg, root, s.References, seen, depth+1); err != nil {
			return err
		}
		n, err := parseJNode(s.Schema)
		if err != nil {
			return fmt.Errorf("reference %s (subject %s): %w", ref.Name, ref.Subject, err)
		}
		key := jsonref.Resolve(root.base, ref.Name)
		root.refs.Add(root.base, ref.Name, &jsonDoc{root: n, key: key, base: jsonref.Base(key, n.get("$id").str()), refs: root.refs})
	}
	return nil
}

// jsonSchemaColumns derives columns from a registered JSON schema, its
// references read from reg.
func jsonSchemaColumns(reg Registry, rs RegSchema, unwrapped, isKey bool) ([]types.Column, error) {
	root, err := parseJSONDocs(reg, rs)
	if err != nil {
		return nil, err
	}
	doc, n, expanding, err := jsonDeref(root, root.root, nil)
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
			t, err := sqlTypeOfJSONSchema(doc, props.vals[i], expanding)
			if err != nil {
				return nil, fmt.Errorf("property %s: %w", k, err)
			}
			cols[i] = types.Column{Name: k, Type: t}
		}
		return cols, nil
	}
	t, err := sqlTypeOfJSONSchema(doc, n, expanding)
	if err != nil {
		return nil, err
	}
	return []types.Column{{Name: unwrapName(isKey), Type: t}}, nil
}

// jsonDeref follows n's references, n being a schema within doc, to the
// schema they name, unwrapping nullable unions on the way: local ones
// ("$ref": "#/$defs/Order", as generators such as invopop/jsonschema,
// used by confluent-kafka-go's serializer, write them) and ones into the
// documents of schema references ("address.json", or with a fragment,
// "address.json#/$defs/Zip"). It returns the schema reached and its
// document. expanding holds the references being expanded around n: one
// met again is a recursive type, which no SQL type can hold.
func jsonDeref(doc *jsonDoc, n *jnode, expanding []string) (*jsonDoc, *jnode, []string, error) {
	n = jsonNonNull(n)
	for ref := n.get("$ref"); ref != nil; ref = n.get("$ref") {
		r := ref.str()
		uri, frag := jsonref.Split(r)
		to := doc
		if uri != "" {
			var ok bool
			if to, ok = doc.refs.Find(doc.base, uri); !ok {
				return nil, nil, nil, fmt.Errorf("$ref %q: the schema has no reference named %q (a reference's name is what a $ref to it says)", r, uri)
			}
		}
		key := to.key + "#" + frag
		if slices.Contains(expanding, key) {
			return nil, nil, nil, fmt.Errorf("$ref %q is recursive: no SQL type can hold it", r)
		}
		target, err := jsonPointer(to.root, frag)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("$ref %q: %w", r, err)
		}
		expanding = append(expanding[:len(expanding):len(expanding)], key)
		doc, n = to, jsonNonNull(target)
	}
	return doc, n, expanding, nil
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

// sqlTypeOfJSONSchema is the SQL type of schema n within doc, references
// followed (expanding: see jsonDeref).
func sqlTypeOfJSONSchema(doc *jsonDoc, n *jnode, expanding []string) (*types.Type, error) {
	doc, n, expanding, err := jsonDeref(doc, n, expanding)
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
	if name == "" {
		// Without "type" a schema is typed by its keywords, as the JSON
		// Schema library of Confluent's converter types it; an enum reads
		// as a string, as that converter reads it.
		switch {
		case n.get("enum") != nil:
			name = "string"
		case n.get("properties") != nil || n.get("additionalProperties") != nil:
			name = "object"
		case n.get("items") != nil:
			name = "array"
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
		e, err := sqlTypeOfJSONSchema(doc, items, expanding)
		if err != nil {
			return nil, err
		}
		return types.ArrayOf(e), nil
	case "object":
		if props := n.get("properties"); props != nil && props.obj && ct != "map" {
			fs := make([]types.Field, len(props.keys))
			for i, k := range props.keys {
				t, err := sqlTypeOfJSONSchema(doc, props.vals[i], expanding)
				if err != nil {
					return nil, fmt.Errorf("property %s: %w", k, err)
				}
				fs[i] = types.Field{Name: k, Type: t}
			}
			return types.StructOf(fs...), nil
		}
		if ap := n.get("additionalProperties"); ap != nil && ap.obj {
			e, err := sqlTypeOfJSONSchema(doc, ap, expanding)
			if err != nil {
				return nil, err
			}
			return types.MapOf(types.StringType, e), nil
		}
		return nil, errors.New("object schema with neither properties nor additionalProperties")
	}
	return nil, fmt.Errorf("JSON schema type %q is not supported", name)
}
