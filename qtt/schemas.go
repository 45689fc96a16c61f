package qtt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// Schema Registry support: the schemas of pre-declared topics are
// registered before the statements run, inputs of the Schema-Registry
// formats are written with the schema registered for their topic, and
// post conditions may check the schemas registered for a topic.

// refSpec is a schema a pre-declared topic's schema imports.
type refSpec struct {
	Name   string          `json:"name"`
	Format string          `json:"format"`
	Schema json.RawMessage `json:"schema"`
}

// schemaType maps a format name to the registry's schema type; the
// format defaults to AVRO, or PROTOBUF for .proto text, as the
// harness's topics do.
func schemaType(format string, raw json.RawMessage) string {
	switch strings.ToUpper(strings.TrimSpace(format)) {
	case "PROTOBUF", "PROTOBUF_NOSR":
		return serde.SchemaProtobuf
	case "JSON_SR", "JSON":
		return serde.SchemaJSON
	case "AVRO":
		return serde.SchemaAvro
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && looksLikeProto(s) {
		return serde.SchemaProtobuf
	}
	return serde.SchemaAvro
}

func looksLikeProto(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "syntax") || strings.HasPrefix(s, "message ") || strings.HasPrefix(s, "package ")
}

// schemaText renders a schema as written in a test (a JSON object, or a
// JSON string holding .proto text, JSON text or an Avro primitive name)
// as the text to register or compare.
func schemaText(typ string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		// An object or array: the schema is the JSON itself.
		b, err := compactJSON(raw)
		if err != nil {
			return "", fmt.Errorf("bad schema %s: %w", raw, err)
		}
		return string(b), nil
	}
	if typ == serde.SchemaProtobuf {
		return s, nil
	}
	// A string: JSON text of a schema, or an Avro primitive type name.
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") || strings.HasPrefix(t, `"`) {
		if b, err := compactJSON(json.RawMessage(t)); err == nil {
			return string(b), nil
		}
	}
	b, _ := json.Marshal(s)
	return string(b), nil
}

// declaredSchema is one pre-declared schema to register.
type declaredSchema struct {
	subject string
	schema  serde.RegSchema
	refs    []refSpec
	id      int // 0: assigned by the runner
}

// registerTopicSchemas registers the schemas of pre-declared topics under
// <topic>-key and <topic>-value: with their given ids, else with ids
// counted in declaration order. Imported schemas are registered
// first, under their name as subject, with ids after those of the
// topics' schemas, so that a test that names its schema by id 1 finds
// it (ksqlDB's mock registry resolves references without registering
// them).
// Ids up to skip are left to the schemas the harness derives from the
// statements (see derivedSchemas). It returns the id registered for each
// subject.
func registerTopicSchemas(ctx context.Context, store schemaStore, topics []topicSpec, skip int) (map[string]int, error) {
	var decls []declaredSchema
	for _, t := range topics {
		for _, side := range []struct {
			isKey  bool
			format string
			raw    json.RawMessage
			id     *int
			refs   []refSpec
		}{
			{true, t.KeyFormat, t.KeySchema, t.KeySchemaID, t.KeySchemaReferences},
			{false, t.ValueFormat, t.ValueSchema, t.ValueSchemaID, t.ValueSchemaReferences},
		} {
			if !isSet(side.raw) {
				continue
			}
			typ := schemaType(side.format, side.raw)
			text, err := schemaText(typ, side.raw)
			if err != nil {
				return nil, fmt.Errorf("topic %s: %w", t.Name, err)
			}
			d := declaredSchema{subject: serde.Subject(t.Name, side.isKey), schema: serde.RegSchema{Type: typ, Schema: text}, refs: side.refs}
			if side.id != nil {
				d.id = *side.id
			}
			decls = append(decls, d)
		}
	}
	if len(decls) == 0 {
		return nil, nil
	}
	used := map[int]bool{}
	for _, d := range decls {
		if d.id > 0 {
			used[d.id] = true
		}
	}
	next := skip
	nextID := func() int {
		for next++; used[next]; next++ {
		}
		used[next] = true
		return next
	}
	byContent := map[string]int{}
	contentOf := func(d declaredSchema) string {
		var b strings.Builder
		b.WriteString(d.schema.Type + "\x00" + d.schema.Schema)
		for _, r := range d.refs {
			b.WriteString("\x00" + r.Name + "\x00" + string(r.Schema))
		}
		return b.String()
	}
	for i := range decls {
		if decls[i].id > 0 {
			continue
		}
		key := contentOf(decls[i])
		if id, ok := byContent[key]; ok {
			decls[i].id = id
			continue
		}
		decls[i].id = nextID()
		byContent[key] = decls[i].id
	}
	// Imported schemas, once per name and content.
	type refKey struct{ name, text string }
	refVersions := map[refKey]int{}
	for i := range decls {
		d := &decls[i]
		for _, r := range d.refs {
			typ := schemaType(r.Format, r.Schema)
			if r.Format == "" {
				typ = d.schema.Type
			}
			text, err := schemaText(typ, r.Schema)
			if err != nil {
				return nil, fmt.Errorf("%s: reference %s: %w", d.subject, r.Name, err)
			}
			k := refKey{r.Name, text}
			version, ok := refVersions[k]
			if !ok {
				rs := serde.RegSchema{Type: typ, Schema: text}
				v, err := store.RegisterWithID(ctx, r.Name, rs, nextID())
				if err != nil {
					return nil, fmt.Errorf("register reference %s of %s: %w", r.Name, d.subject, err)
				}
				version = v
				refVersions[k] = version
			}
			d.schema.References = append(d.schema.References, serde.RegReference{Name: r.Name, Subject: r.Name, Version: version})
		}
	}
	ids := make(map[string]int, len(decls))
	for _, d := range decls {
		if _, err := store.RegisterWithID(ctx, d.subject, d.schema, d.id); err != nil {
			return nil, fmt.Errorf("register the schema of %s with id %d: %w", d.subject, d.id, err)
		}
		ids[d.subject] = d.id
	}
	return ids, nil
}

// sideProp looks up a format property by its side-specific name, then by
// its generic one.
func sideProp(f format, name string, isKey bool) (string, bool) {
	side := "VALUE_"
	if isKey {
		side = "KEY_"
	}
	if v, ok := lookupProp(f.Props, side+name); ok {
		return v, true
	}
	return lookupProp(f.Props, name)
}

// writerFormat is f with its schema id set to id, for a serde that
// writes with that registered schema.
func writerFormat(f format, id int, isKey bool) serde.Format {
	props := make(map[string]string, len(f.Props)+1)
	for k, v := range f.Props {
		if !strings.HasSuffix(strings.ToUpper(k), "SCHEMA_ID") {
			props[k] = v
		}
	}
	side := "VALUE_"
	if isKey {
		side = "KEY_"
	}
	props[side+serde.PropSchemaID] = strconv.Itoa(id)
	return serde.Format{Name: formatName(f), Props: props}
}

// encodeRegistered serializes a node with the writer schema registered
// for one side of src's topic: the schema with the side's configured id,
// else the one the test declared for the topic, else the subject's
// latest. ok is false when there is none.
func encodeRegistered(node any, src *sourceInfo, isKey bool) (out []byte, ok bool, err error) {
	reg := src.Registry
	f := src.ValueFormat
	if isKey {
		f = src.KeyFormat
	}
	var id int
	if v, has := sideProp(f, serde.PropSchemaID, isKey); has {
		if id, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
			return nil, false, fmt.Errorf("bad schema id %q", v)
		}
	} else if declared, has := src.DeclaredIDs[serde.Subject(src.Topic, isKey)]; has {
		id = declared
	} else {
		id, _, err = reg.Latest(serde.Subject(src.Topic, isKey))
		if errors.Is(err, serde.ErrSubjectNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
	wf := writerFormat(f, id, isKey)
	// The harness writes with a schema the test registered: it claims no
	// subject for it (ReadOnly), where a query given a SCHEMA_ID would.
	env := serde.Env{Topic: src.Topic, Registry: reg, ReadOnly: true}
	cols, _, err := serde.Infer(wf, isKey, env)
	if err != nil {
		return nil, true, fmt.Errorf("columns of writer schema %d: %w", id, err)
	}
	sd, err := serde.NewFor(wf, cols, isKey, env)
	if err != nil {
		return nil, true, fmt.Errorf("serde for writer schema %d: %w", id, err)
	}
	row, err := toRow(node, cols)
	if err != nil {
		return nil, true, err
	}
	out, err = sd.Encode(row)
	return out, true, err
}

// decodeRegistered decodes a record side with the columns of its writer
// schema, as ksqlDB's harness reads outputs with the schema a record
// names rather than with the sink's columns. ok is false when the payload
// is not framed or the writer schema cannot be read as columns; the
// caller then decodes with the source's columns.
func decodeRegistered(data []byte, src *sourceInfo, isKey bool) (row []any, cols []types.Column, ok bool) {
	if len(data) < 5 || data[0] != 0 {
		return nil, nil, false
	}
	id := int(binary.BigEndian.Uint32(data[1:5]))
	f := src.ValueFormat
	if isKey {
		f = src.KeyFormat
	}
	wf := writerFormat(f, id, isKey)
	env := serde.Env{Topic: src.Topic, Registry: readOnly{src.Registry}, ReadOnly: true}
	cols, _, err := serde.Infer(wf, isKey, env)
	if err != nil || len(cols) == 0 {
		return nil, nil, false
	}
	sd, err := serde.NewFor(wf, cols, isKey, env)
	if err != nil {
		return nil, nil, false
	}
	row = make([]any, len(cols))
	if err := sd.Decode(data, row); err != nil {
		return nil, nil, false
	}
	return row, cols, true
}

// checkTopicSchema compares the schema registered for one side of a topic
// with the expected one: Avro and JSON schemas as parsed JSON (Avro's
// "connect.name" properties aside, and {"type": T} read as T), PROTOBUF
// text with white space normalized.
func checkTopicSchema(reg serde.Registry, topic string, isKey bool, format string, want json.RawMessage, wantID *int) error {
	side := "valueSchema"
	if isKey {
		side = "keySchema"
	}
	subject := serde.Subject(topic, isKey)
	id, got, err := reg.Latest(subject)
	if errors.Is(err, serde.ErrSubjectNotFound) {
		return fmt.Errorf("topic %s %s: no schema is registered under %s", topic, side, subject)
	}
	if err != nil {
		return fmt.Errorf("topic %s %s: %w", topic, side, err)
	}
	if wantID != nil && *wantID != id {
		return fmt.Errorf("topic %s %s: expected schema id %d but was %d", topic, side, *wantID, id)
	}
	if !isSet(want) {
		return nil
	}
	typ := schemaType(format, want)
	text, err := schemaText(typ, want)
	if err != nil {
		return fmt.Errorf("topic %s %s: %w", topic, side, err)
	}
	gotType := strings.ToUpper(got.Type)
	if gotType == "" {
		gotType = serde.SchemaAvro
	}
	if gotType != typ {
		return fmt.Errorf("topic %s %s: expected a %s schema but %s holds a %s schema: %s", topic, side, typ, subject, gotType, got.Schema)
	}
	if !sameSchema(typ, text, got.Schema) {
		if typ == serde.SchemaProtobuf {
			text, got.Schema = normalizeProto(text), normalizeProto(got.Schema)
		}
		return fmt.Errorf("topic %s %s: expected %s but was %s", topic, side, text, got.Schema)
	}
	return nil
}

// sameSchema compares two schema texts of one type.
func sameSchema(typ, want, got string) bool {
	if typ == serde.SchemaProtobuf {
		return normalizeProto(want) == normalizeProto(got)
	}
	var w, g any
	if json.Unmarshal([]byte(want), &w) != nil || json.Unmarshal([]byte(got), &g) != nil {
		return strings.TrimSpace(want) == strings.TrimSpace(got)
	}
	if typ == serde.SchemaAvro {
		w, g = canonicalAvro(w), canonicalAvro(g)
	}
	return reflect.DeepEqual(w, g)
}

// canonicalAvro drops "connect.name" properties (Kafka Connect's, which
// ksqlDB's expected schemas carry only at times) and reads {"type": T}
// with no other attribute as T.
func canonicalAvro(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "connect.name" {
				continue
			}
			out[k] = canonicalAvro(e)
		}
		if t, ok := out["type"]; ok && len(out) == 1 {
			if _, isStr := t.(string); isStr {
				return t
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonicalAvro(e)
		}
		return out
	}
	return v
}

// normalizeProto removes white space that does not separate words.
func normalizeProto(s string) string {
	fields := strings.Fields(s)
	var b strings.Builder
	for i, f := range fields {
		if i > 0 && isWordEnd(fields[i-1]) && isWordStart(f) {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

func isWordEnd(s string) bool   { return s != "" && isProtoWordByte(s[len(s)-1]) }
func isWordStart(s string) bool { return s != "" && isProtoWordByte(s[0]) }

func isProtoWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '"' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

var (
	reCreateHead = regexp.MustCompile("(?is)^\\s*CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:SOURCE\\s+)?(?:STREAM|TABLE)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:`(?:[^`]|``)*`|\"[^\"]*\"|[^\\s(]+)\\s*\\(")
	reFormatProp = regexp.MustCompile(`(?i)\b(KEY_FORMAT|VALUE_FORMAT|FORMAT)\s*=\s*'([^']*)'`)
)

// derivedSchemas counts the schemas ksqlDB's harness derives from the
// statements before registering the declared ones: one per side, in a
// Schema-Registry format, of each CREATE that declares columns for that
// side on a topic the test does not declare a schema for. The declared
// schemas' ids are counted after them, so that a test naming a declared
// schema by id finds it.
func derivedSchemas(v *Variant, props map[string]string) int {
	declared := map[string]bool{}
	for _, t := range v.Case.Topics {
		if isSet(t.KeySchema) {
			declared[serde.Subject(t.Name, true)] = true
		}
		if isSet(t.ValueSchema) {
			declared[serde.Subject(t.Name, false)] = true
		}
	}
	n := 0
	for _, s := range v.Statements {
		if reAsSelect.MatchString(s) {
			continue
		}
		head := reCreateHead.FindStringIndex(s)
		if head == nil {
			continue
		}
		elems, rest, ok := splitElements(s[head[1]:])
		if !ok {
			continue
		}
		m := reKafkaTopic.FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		topic := strings.ReplaceAll(m[1], "''", "'")
		keyFmt, valFmt := props["ksql.persistence.default.format.key"], props["ksql.persistence.default.format.value"]
		if keyFmt == "" {
			keyFmt = "KAFKA"
		}
		for _, fm := range reFormatProp.FindAllStringSubmatch(rest, -1) {
			switch strings.ToUpper(fm[1]) {
			case "FORMAT":
				keyFmt, valFmt = fm[2], fm[2]
			case "KEY_FORMAT":
				keyFmt = fm[2]
			case "VALUE_FORMAT":
				valFmt = fm[2]
			}
		}
		hasKey, hasValue := false, false
		for _, e := range elems {
			words := strings.Fields(strings.ToUpper(e))
			if len(words) == 0 {
				continue
			}
			switch last := words[len(words)-1]; {
			case last == "KEY":
				hasKey = true
			case last == "HEADERS" || strings.Contains(strings.ToUpper(e), " HEADER("):
			default:
				hasValue = true
			}
		}
		if hasKey && serde.IsSchemaRegistryFormat(keyFmt) && !declared[serde.Subject(topic, true)] {
			n++
		}
		if hasValue && serde.IsSchemaRegistryFormat(valFmt) && !declared[serde.Subject(topic, false)] {
			n++
		}
	}
	return n
}

// splitElements splits a CREATE's column list, read from just after its
// '(', at top-level commas; rest is the text after the closing ')'.
func splitElements(s string) (elems []string, rest string, ok bool) {
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '`', '\'', '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, "", false
			}
			i += j + 1
		case '(', '<':
			depth++
		case '>':
			depth--
		case ')':
			if depth == 0 {
				return append(elems, s[start:i]), s[i+1:], true
			}
			depth--
		case ',':
			if depth == 0 {
				elems = append(elems, s[start:i])
				start = i + 1
			}
		}
	}
	return nil, "", false
}
