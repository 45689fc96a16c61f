package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SchemaType is the format of a schema.
type SchemaType string

// The schema types the registry accepts.
const (
	Avro     SchemaType = "AVRO"
	JSON     SchemaType = "JSON"
	Protobuf SchemaType = "PROTOBUF"
)

// SchemaTypes lists the supported types, as GET /schemas/types does.
func SchemaTypes() []string { return []string{string(JSON), string(Protobuf), string(Avro)} }

// Reference names another registered schema that a schema uses: an Avro
// named type, a JSON Schema $ref or a Protobuf import.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Schema is a schema's text with its type and references, and the data
// contract clients may attach to it: metadata (properties, tags) and a
// rule set, which the registry stores and returns but does not run.
type Schema struct {
	// Type is AVRO when empty.
	Type       SchemaType
	Schema     string
	References []Reference
	// Metadata and RuleSet are JSON objects, or nil when absent;
	// normalized, their keys are sorted.
	Metadata json.RawMessage
	RuleSet  json.RawMessage
}

// SubjectVersion is one version of a subject.
type SubjectVersion struct {
	Subject string
	Version int
	ID      int
	Schema  Schema
	// Deleted is set for a soft-deleted version.
	Deleted bool
}

// normalize checks a schema's syntax and returns it in the form that is
// stored and compared: the type filled in, JSON texts compacted (object
// member order kept), a Protobuf text trimmed (a base64
// FileDescriptorProto turned into text first). It does not resolve
// references; see parse.
func normalize(s Schema) (Schema, error) {
	t, err := parseSchemaType(string(s.Type))
	if err != nil {
		return Schema{}, err
	}
	s.Type = t
	for i, ref := range s.References {
		if ref.Name == "" || ref.Subject == "" || ref.Version <= 0 {
			return Schema{}, fmt.Errorf("reference %d (%q -> %s/%d): needs a name, a subject and a version >= 1",
				i, ref.Name, ref.Subject, ref.Version)
		}
	}
	if len(s.References) == 0 {
		s.References = nil
	}
	if s.Metadata, err = canonicalObject(s.Metadata); err != nil {
		return Schema{}, fmt.Errorf("metadata: %w", err)
	}
	if s.RuleSet, err = canonicalObject(s.RuleSet); err != nil {
		return Schema{}, fmt.Errorf("ruleSet: %w", err)
	}
	switch t {
	case Avro, JSON:
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(s.Schema)); err != nil {
			return Schema{}, fmt.Errorf("%s schema is not valid JSON: %w", t, err)
		}
		s.Schema = buf.String()
	case Protobuf:
		s.Schema = strings.TrimSpace(s.Schema)
		text, ok, err := descriptorText(s.Schema)
		if err != nil {
			return Schema{}, err
		}
		if ok {
			s.Schema = strings.TrimSpace(text)
		}
	}
	if s.Schema == "" {
		return Schema{}, errors.New("empty schema")
	}
	return s, nil
}

// canonicalObject returns a JSON object with its keys sorted (at every
// level), so that equal metadata or rule sets compare equal as text;
// nil for an absent or null one.
func canonicalObject(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	switch v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		var out bytes.Buffer
		e := json.NewEncoder(&out)
		e.SetEscapeHTML(false) // a rule's "a > 0" stays as written
		if err := e.Encode(v); err != nil {
			return nil, err
		}
		return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
	}
	return nil, errors.New("not a JSON object")
}

func parseSchemaType(t string) (SchemaType, error) {
	switch SchemaType(strings.ToUpper(t)) {
	case "", Avro:
		return Avro, nil
	case JSON:
		return JSON, nil
	case Protobuf:
		return Protobuf, nil
	}
	return "", fmt.Errorf("unknown schema type %q (want AVRO, JSON or PROTOBUF)", t)
}

// contentKey identifies a normalized schema for id assignment: the same
// text, type, references, metadata and rule set always get the same id
// (in Confluent's registry too, other metadata or rules make another
// schema).
func contentKey(s Schema) string {
	var b strings.Builder
	b.WriteString(string(s.Type))
	b.WriteByte(0)
	if s.Type == Avro {
		b.WriteString(avroCanonical(s.Schema))
	} else {
		b.WriteString(s.Schema)
	}
	for _, r := range s.References {
		fmt.Fprintf(&b, "\x00%s\x00%s\x00%d", r.Name, r.Subject, r.Version)
	}
	if s.Metadata != nil || s.RuleSet != nil {
		fmt.Fprintf(&b, "\x01%s\x01%s", s.Metadata, s.RuleSet)
	}
	return b.String()
}

// avroCanonical is an Avro schema text in a form that equal schemas
// share, as Confluent's registry compares Avro's own rendering of them:
// object members in one order, and a primitive written as {"type": "long"}
// as "long". Text that does not parse is left as it is.
func avroCanonical(text string) string {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return text
	}
	var out bytes.Buffer
	e := json.NewEncoder(&out)
	e.SetEscapeHTML(false)
	if err := e.Encode(collapsePrimitives(v)); err != nil { // maps encode with sorted keys
		return text
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// collapsePrimitives replaces, at every level, an object holding only a
// primitive type name by that name.
func collapsePrimitives(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["type"].(string); ok && len(x) == 1 && avroPrimitive[t] {
			return t
		}
		for k, e := range x {
			x[k] = collapsePrimitives(e)
		}
	case []any:
		for i, e := range x {
			x[i] = collapsePrimitives(e)
		}
	}
	return v
}

var avroPrimitive = map[string]bool{
	"null": true, "boolean": true, "int": true, "long": true, "float": true, "double": true, "bytes": true, "string": true,
}

// withContract returns s with the metadata and rule set it lacks taken
// from prev, as Confluent's registry does when a version is registered
// or looked up without them (its defaultMetadata, overrideMetadata,
// defaultRuleSet and overrideRuleSet configs are not implemented).
func withContract(s Schema, prev *SubjectVersion) Schema {
	if prev != nil {
		if s.Metadata == nil {
			s.Metadata = prev.Schema.Metadata
		}
		if s.RuleSet == nil {
			s.RuleSet = prev.Schema.RuleSet
		}
	}
	return s
}

// metadataHas reports whether a normalized metadata object's properties
// include every one of props.
func metadataHas(metadata json.RawMessage, props map[string]string) bool {
	if metadata == nil {
		return false
	}
	var m struct {
		Properties map[string]string `json:"properties"`
	}
	if err := json.Unmarshal(metadata, &m); err != nil || m.Properties == nil {
		return false // as Confluent: metadata without properties matches nothing
	}
	for k, v := range props {
		if got, ok := m.Properties[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// parsedSchema is a schema parsed for compatibility checks; exactly one
// of the type-specific fields is set.
type parsedSchema struct {
	typ   SchemaType
	avro  avroSchema
	json  *jsonDoc
	proto *protoFile
}

// resolver finds referenced schemas; state implements it.
type resolver interface {
	lookupVersion(subject string, version int) (*SubjectVersion, bool)
}

// parse parses a normalized schema, resolving its references through res.
func parse(s Schema, res resolver) (*parsedSchema, error) {
	switch s.Type {
	case Avro:
		a, err := parseAvro(s, res)
		if err != nil {
			return nil, err
		}
		return &parsedSchema{typ: Avro, avro: a}, nil
	case JSON:
		j, err := parseJSON(s, res)
		if err != nil {
			return nil, err
		}
		return &parsedSchema{typ: JSON, json: j}, nil
	case Protobuf:
		if err := checkReferences(s, res, 0); err != nil {
			return nil, err
		}
		p, err := parseProto(s.Schema)
		if err != nil {
			return nil, err
		}
		if err := checkImports(p.imports, s.References); err != nil {
			return nil, err
		}
		return &parsedSchema{typ: Protobuf, proto: p}, nil
	}
	return nil, fmt.Errorf("unknown schema type %q", s.Type)
}

// checkImports refuses a Protobuf schema importing a file that is
// neither one of its references (by name) nor one of the well-known
// files Confluent's registry provides itself (google/protobuf/*,
// google/type/*, confluent/*): its types could never resolve, and a
// serializer of it would fail later, where Confluent's registry refuses
// it at once.
func checkImports(imports []string, refs []Reference) error {
	for _, imp := range imports {
		known := strings.HasPrefix(imp, "google/protobuf/") || strings.HasPrefix(imp, "google/type/") || strings.HasPrefix(imp, "confluent/")
		if known || slices.ContainsFunc(refs, func(r Reference) bool { return r.Name == imp }) {
			continue
		}
		return fmt.Errorf("protobuf schema: import %q is not one of the schema's references", imp)
	}
	return nil
}

// maxReferenceDepth bounds reference chains (and so reference cycles).
const maxReferenceDepth = 32

// checkReferences checks that every reference, transitively, names a
// registered version.
func checkReferences(s Schema, res resolver, depth int) error {
	if depth > maxReferenceDepth {
		return fmt.Errorf("references nested deeper than %d (a cycle?)", maxReferenceDepth)
	}
	for _, ref := range s.References {
		sv, ok := res.lookupVersion(ref.Subject, ref.Version)
		if !ok {
			return noReference(ref)
		}
		if err := checkReferences(sv.Schema, res, depth+1); err != nil {
			return fmt.Errorf("reference %q: %w", ref.Name, err)
		}
	}
	return nil
}

// noReference is the error for a reference to a version that does not
// exist, worded as Confluent's registry words it.
func noReference(ref Reference) error {
	return fmt.Errorf("No schema reference found for subject %q and version %d", ref.Subject, ref.Version)
}
