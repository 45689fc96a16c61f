package serde

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/eddysql/eddy/types"
)

// PROTOBUF and PROTOBUF_NOSR. The .proto text (generated from the columns,
// or read from the registry) is compiled at run time with protocompile;
// records go through dynamicpb messages. PROTOBUF frames the body with the
// magic byte, the schema id and the message indexes.

var errNoSuchMessage = errors.New("no such message")

// Nullable representations (PROTOBUF_NULLABLE_REPRESENTATION).
const (
	pbNullDefault  = ""
	pbNullOptional = "OPTIONAL"
	pbNullWrapper  = "WRAPPER"
)

func pbNullable(f Format, isKey bool) (string, error) {
	v, ok := sideProp(f, PropPbNullable, isKey)
	if !ok {
		return pbNullDefault, nil
	}
	switch u := strings.ToUpper(strings.TrimSpace(v)); u {
	case pbNullDefault, pbNullOptional, pbNullWrapper:
		return u, nil
	}
	return "", fmt.Errorf("invalid value for PROTOBUF_NULLABLE_REPRESENTATION: '%s' (expected OPTIONAL or WRAPPER)", v)
}

// checkProtobuf validates that PROTOBUF can carry the columns.
func checkProtobuf(f Format, cols []types.Column, isKey bool) error {
	if _, err := pbNullable(f, isKey); err != nil {
		return err
	}
	if _, _, err := fullNameOf(f, isKey); err != nil {
		return err
	}
	var walk func(t *types.Type, inList bool) error
	walk = func(t *types.Type, inList bool) error {
		switch t.Kind {
		case types.Map:
			if t.Key.Kind != types.String {
				return errors.New("PROTOBUF format only supports MAP types with STRING keys")
			}
			if inList || t.Elem.Kind == types.Array || t.Elem.Kind == types.Map {
				return fmt.Errorf("PROTOBUF format does not support %s nested in an ARRAY or MAP", t)
			}
			return walk(t.Elem, true)
		case types.Array:
			if inList {
				return fmt.Errorf("PROTOBUF format does not support %s nested in an ARRAY or MAP", t)
			}
			return walk(t.Elem, true)
		case types.Struct:
			for _, fl := range t.Fields {
				if err := walk(fl.Type, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, c := range cols {
		if err := walk(c.Type, false); err != nil {
			return err
		}
	}
	return nil
}

// ---- schema text from columns ----

// pbGen writes proto3 schema text for columns, naming messages
// ConnectDefaultN as ksqlDB does. A MAP is declared as ksqlDB declares it
// (Confluent's ProtobufData): a repeated ConnectDefaultNEntry message of
// key and value, the value field carrying any options (a DECIMAL's
// precision and scale; a map<string, V> field's options are the map's,
// not its values'). maps keeps an earlier eddy's map<string, V> where a
// subject already holds it (pbMapShape).
type pbGen struct {
	nullable string
	maps     pbMapShape
	next     int
	imports  map[string]bool
}

// pbMapShape is how a schema declares its maps. Entry messages are
// ksqlDB's; eddy declared map<string, V> before 2026-12-07, and that day
// map<string, V> except for DECIMAL values. The shapes are not BACKWARD
// compatible with each other (the field's type names differ, and an
// entry message takes a ConnectDefaultN number a map<string, V> does not,
// renaming the structs after it), so a sink over a subject keeps the
// shape the subject holds.
type pbMapShape int

const (
	pbMapEntries          pbMapShape = iota // every map as entry messages, as ksqlDB
	pbMapNativeButDecimal                   // map<string, V>, entries for DECIMAL values
	pbMapNative                             // map<string, V> for every map
)

// entries reports whether a map of elem values is declared as entries.
func (m pbMapShape) entries(elem *types.Type) bool {
	switch m {
	case pbMapNativeButDecimal:
		return elem.Kind == types.Decimal
	case pbMapNative:
		return false
	}
	return true
}

// file wraps message text in the proto3 header, package and the imports
// the messages used.
func (g *pbGen) file(pkg, body string) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\n\n")
	if pkg != "" {
		b.WriteString("package " + pkg + ";\n\n")
	}
	for _, imp := range []string{"confluent/meta.proto", "confluent/type/decimal.proto", "google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto", "google/type/date.proto", "google/type/timeofday.proto"} {
		if g.imports[imp] {
			b.WriteString("import \"" + imp + "\";\n")
		}
	}
	if len(g.imports) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(body)
	return b.String()
}

// protoSchemaFor writes the proto3 schema ksqlDB generates for columns:
// message ConnectDefault1 (or the configured full name), one field per
// column numbered from 1, nested structs as nested ConnectDefaultN, maps
// declared as maps says.
func protoSchemaFor(cols []types.Column, fullName, nullable string, maps pbMapShape) string {
	g := &pbGen{nullable: nullable, maps: maps, next: 1, imports: map[string]bool{}}
	pkg, name := "", fullName
	if i := strings.LastIndexByte(fullName, '.'); i >= 0 {
		pkg, name = fullName[:i], fullName[i+1:]
	}
	if name == "" {
		name = g.newName()
	} else {
		g.next++
	}
	fs := make([]types.Field, len(cols))
	for i, c := range cols {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	var body strings.Builder
	g.message(&body, name, fs, "")
	return g.file(pkg, body.String())
}

func (g *pbGen) newName() string {
	n := "ConnectDefault" + strconv.Itoa(g.next)
	g.next++
	return n
}

func (g *pbGen) message(b *strings.Builder, name string, fs []types.Field, indent string) {
	b.WriteString(indent + "message " + name + " {\n")
	var nested []string
	for i, f := range fs {
		typ, opts, label := g.fieldType(f.Type, &nested, indent+"  ")
		fmt.Fprintf(b, "%s  %s%s %s = %d%s;\n", indent, label, typ, f.Name, i+1, opts)
	}
	for _, n := range nested {
		b.WriteString("\n" + n)
	}
	b.WriteString(indent + "}\n")
}

// fieldType returns the proto type of t, its field options and label.
func (g *pbGen) fieldType(t *types.Type, nested *[]string, indent string) (typ, opts, label string) {
	switch t.Kind {
	case types.Array:
		et, eo, _ := g.scalarOrMessage(t.Elem, nested, indent, false)
		return et, eo, "repeated "
	case types.Map:
		if g.maps.entries(t.Elem) {
			// As Confluent's ProtobufData writes a map: key and value are
			// never wrapped or optional.
			name := g.newName() + "Entry"
			var b, inner strings.Builder
			var entryNested []string
			kt, _, _ := g.scalarOrMessage(t.Key, &entryNested, indent+"  ", false)
			vt, vo, _ := g.scalarOrMessage(t.Elem, &entryNested, indent+"  ", false)
			fmt.Fprintf(&inner, "%s  %s key = 1;\n%s  %s value = 2%s;\n", indent, kt, indent, vt, vo)
			b.WriteString(indent + "message " + name + " {\n" + inner.String())
			for _, n := range entryNested {
				b.WriteString("\n" + n)
			}
			b.WriteString(indent + "}\n")
			*nested = append(*nested, b.String())
			return name, "", "repeated "
		}
		vt, vo, _ := g.scalarOrMessage(t.Elem, nested, indent, false)
		return "map<string, " + vt + ">", vo, ""
	}
	return g.scalarOrMessage(t, nested, indent, true)
}

func (g *pbGen) scalarOrMessage(t *types.Type, nested *[]string, indent string, top bool) (typ, opts, label string) {
	wrapper := func(scalar, w string) (string, string, string) {
		switch {
		case top && g.nullable == pbNullWrapper:
			g.imports["google/protobuf/wrappers.proto"] = true
			return "google.protobuf." + w, "", ""
		case top && g.nullable == pbNullOptional:
			return scalar, "", "optional "
		}
		return scalar, "", ""
	}
	switch t.Kind {
	case types.Boolean:
		return wrapper("bool", "BoolValue")
	case types.Int:
		return wrapper("int32", "Int32Value")
	case types.Bigint:
		return wrapper("int64", "Int64Value")
	case types.Double:
		return wrapper("double", "DoubleValue")
	case types.String:
		return wrapper("string", "StringValue")
	case types.Bytes:
		return wrapper("bytes", "BytesValue")
	case types.Decimal:
		g.imports["confluent/meta.proto"] = true
		g.imports["confluent/type/decimal.proto"] = true
		return "confluent.type.Decimal", fmt.Sprintf(` [(confluent.field_meta) = { params: [{ key: "precision", value: "%d" }, { key: "scale", value: "%d" }] }]`, t.Precision, t.Scale), ""
	case types.Date:
		g.imports["google/type/date.proto"] = true
		return "google.type.Date", "", ""
	case types.Time:
		g.imports["google/type/timeofday.proto"] = true
		return "google.type.TimeOfDay", "", ""
	case types.Timestamp:
		g.imports["google/protobuf/timestamp.proto"] = true
		return "google.protobuf.Timestamp", "", ""
	case types.Struct:
		name := g.newName()
		var b strings.Builder
		g.message(&b, name, t.Fields, indent)
		*nested = append(*nested, b.String())
		return name, "", ""
	}
	return "bytes", "", ""
}

// Well-known imports the registry's schemas use that protocompile does not
// ship (google/protobuf/* it does). Written from the published message
// layouts.
var pbExtraImports = map[string]string{
	// As Confluent's: data contracts tag fields ({ tags: ["PII"] }), and
	// descriptors clients send carry the options under number 1088.
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
	// Imports meta publicly: schemas use (confluent.field_meta) with only
	// this file imported.
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
import public "confluent/meta.proto";
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	"google/type/date.proto": `syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
	"google/type/timeofday.proto": `syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
}

const pbMainFile = "eddy_schema.proto"

// compileProto compiles a registered schema and its references.
func compileProto(reg Registry, rs RegSchema) (protoreflect.FileDescriptor, error) {
	srcs := map[string]string{pbMainFile: rs.Schema}
	if err := addProtoRefs(reg, rs.References, srcs, 0); err != nil {
		return nil, err
	}
	for k, v := range pbExtraImports {
		if _, ok := srcs[k]; !ok {
			srcs[k] = v
		}
	}
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(srcs)})}
	files, err := c.Compile(context.Background(), pbMainFile)
	if err != nil {
		return nil, fmt.Errorf("invalid PROTOBUF schema: %w", err)
	}
	return files[0], nil
}

// ProtoDescriptor compiles a PROTOBUF schema with its references into
// the serialized FileDescriptorProto a registry serves when asked for
// format=serialized, which Confluent's Python deserializer (2.x) asks
// for; its imports are named as the schema's text names them.
func ProtoDescriptor(reg Registry, rs RegSchema) ([]byte, error) {
	fd, err := compileProto(reg, rs)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(protodesc.ToFileDescriptorProto(fd))
}

func addProtoRefs(reg Registry, refs []RegReference, srcs map[string]string, depth int) error {
	if depth > 32 {
		return errors.New("PROTOBUF schema references nest too deeply")
	}
	for _, ref := range refs {
		if _, ok := srcs[ref.Name]; ok {
			continue
		}
		s, err := referenced(reg, ref)
		if err != nil {
			return err
		}
		srcs[ref.Name] = s.Schema
		if err := addProtoRefs(reg, s.References, srcs, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// pickMessage selects the message named fullName (full or simple name), or
// the file's first message; it returns its message-index path too.
func pickMessage(fd protoreflect.FileDescriptor, fullName string) (protoreflect.MessageDescriptor, []int, error) {
	if fd.Messages().Len() == 0 {
		return nil, nil, errors.New("the PROTOBUF schema defines no message")
	}
	if fullName == "" {
		return fd.Messages().Get(0), []int{0}, nil
	}
	var found protoreflect.MessageDescriptor
	var path []int
	var walk func(ms protoreflect.MessageDescriptors, prefix []int)
	walk = func(ms protoreflect.MessageDescriptors, prefix []int) {
		for i := 0; i < ms.Len() && found == nil; i++ {
			m := ms.Get(i)
			p := append(append([]int(nil), prefix...), i)
			if string(m.FullName()) == fullName || string(m.Name()) == fullName {
				found, path = m, p
				return
			}
			walk(m.Messages(), p)
		}
	}
	walk(fd.Messages(), nil)
	if found == nil {
		return nil, nil, fmt.Errorf("message %s: %w", fullName, errNoSuchMessage)
	}
	return found, path, nil
}

// messageAt resolves a message-index path.
func messageAt(fd protoreflect.FileDescriptor, path []int) (protoreflect.MessageDescriptor, error) {
	ms := fd.Messages()
	var m protoreflect.MessageDescriptor
	for _, i := range path {
		if i < 0 || i >= ms.Len() {
			return nil, fmt.Errorf("message index %v does not exist in the schema", path)
		}
		m = ms.Get(i)
		ms = m.Messages()
	}
	if m == nil {
		return nil, errors.New("empty message index")
	}
	return m, nil
}

// nonstandardFraming reads body, the bytes after a record's schema id, when
// its message indexes are not as Confluent's format writes them, in the two
// ways clients are known to write them: as unsigned varints
// (confluent-kafka-python before 1.8.2; its deserializer's
// use.deprecated.format reads them) and not at all
// (@kafkajs/confluent-schema-registry, meaning the message it was told to
// write: the stream's declared one, by default the schema's first, as
// Confluent's own JavaScript deserializer assumes). A reading counts only
// if the rest parses as its message with every field known, so a record
// whose indexes are simply wrong still fails.
func nonstandardFraming(fd protoreflect.FileDescriptor, body []byte, declared string) (path []int, msg protoreflect.Message, ok bool) {
	if p, rest, err := readUnsignedMsgIndexes(body); err == nil {
		if md, err := messageAt(fd, p); err == nil {
			if m, err := strictMessage(md, rest); err == nil {
				return p, m, true
			}
		}
	}
	if len(body) == 0 {
		return nil, nil, false
	}
	md, p, err := pickMessage(fd, declared)
	if err != nil {
		return nil, nil, false
	}
	m, err := strictMessage(md, body)
	if err != nil {
		return nil, nil, false
	}
	return p, m, true
}

// strictMessage parses body as message md, refusing fields md does not
// have.
func strictMessage(md protoreflect.MessageDescriptor, body []byte) (protoreflect.Message, error) {
	m, exact, err := readMessage(md, body)
	if err == nil && !exact {
		err = fmt.Errorf("fields unknown to %s", md.FullName())
	}
	return m, err
}

// readUnsignedMsgIndexes reads message indexes written as unsigned
// varints (see nonstandardFraming).
func readUnsignedMsgIndexes(b []byte) ([]int, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > 100 {
		return nil, nil, errors.New("invalid PROTOBUF message indexes")
	}
	b = b[k:]
	if n == 0 {
		return []int{0}, b, nil
	}
	path := make([]int, n)
	for i := range path {
		v, k := binary.Uvarint(b)
		if k <= 0 || v > 1<<20 {
			return nil, nil, errors.New("invalid PROTOBUF message indexes")
		}
		path[i], b = int(v), b[k:]
	}
	return path, b, nil
}

// Message indexes are zigzag varints: a count, then the path; the common
// path [0] is written as the single count 0.
func appendMsgIndexes(dst []byte, path []int) []byte {
	if len(path) == 1 && path[0] == 0 {
		return append(dst, 0)
	}
	dst = binary.AppendVarint(dst, int64(len(path)))
	for _, i := range path {
		dst = binary.AppendVarint(dst, int64(i))
	}
	return dst
}

func readMsgIndexes(b []byte) ([]int, []byte, error) {
	n, k := binary.Varint(b)
	if k <= 0 {
		return nil, nil, errors.New("truncated PROTOBUF message indexes")
	}
	b = b[k:]
	if n == 0 {
		return []int{0}, b, nil
	}
	if n < 0 || n > 100 {
		return nil, nil, fmt.Errorf("invalid PROTOBUF message index count %d", n)
	}
	path := make([]int, n)
	for i := range path {
		v, k := binary.Varint(b)
		if k <= 0 {
			return nil, nil, errors.New("truncated PROTOBUF message indexes")
		}
		path[i], b = int(v), b[k:]
	}
	return path, b, nil
}

// ---- column inference ----

// protobufColumns derives columns from the fields of the schema's message.
func protobufColumns(reg Registry, rs RegSchema, fullName string, _ bool) ([]types.Column, error) {
	fd, err := compileProto(reg, rs)
	if err != nil {
		return nil, err
	}
	md, _, err := pickMessage(fd, fullName)
	if err != nil {
		return nil, err
	}
	inferred := 0
	fs, err := sqlFieldsOfProto(md, []protoreflect.FullName{md.FullName()}, &inferred)
	if err != nil {
		return nil, err
	}
	cols := make([]types.Column, len(fs))
	for i, f := range fs {
		cols[i] = types.Column{Name: f.Name, Type: f.Type}
	}
	return cols, nil
}

// sqlFieldsOfProto infers the SQL fields of message md as Confluent's
// ProtobufData (ksqlDB's converter) lays them out: first each oneof, a
// STRUCT of its members named as oneofColumnName says, then the fields
// outside oneofs in declaration order. A proto3 optional field's
// synthetic oneof is no oneof here: the field stays a field.
func sqlFieldsOfProto(md protoreflect.MessageDescriptor, open []protoreflect.FullName, inferred *int) ([]types.Field, error) {
	fs, ods := md.Fields(), md.Oneofs()
	out := make([]types.Field, 0, fs.Len())
	for i := 0; i < ods.Len(); i++ {
		od := ods.Get(i)
		if od.IsSynthetic() {
			continue
		}
		members := make([]types.Field, 0, od.Fields().Len())
		for j := 0; j < od.Fields().Len(); j++ {
			f, err := sqlFieldOfProto(od.Fields().Get(j), open, inferred)
			if err != nil {
				return nil, fmt.Errorf("oneof %s: %w", od.Name(), err)
			}
			members = append(members, f)
		}
		out = append(out, types.Field{Name: oneofColumnName(od), Type: types.StructOf(members...)})
	}
	for i := 0; i < fs.Len(); i++ {
		if realOneof(fs.Get(i)) != nil {
			continue
		}
		f, err := sqlFieldOfProto(fs.Get(i), open, inferred)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func sqlFieldOfProto(f protoreflect.FieldDescriptor, open []protoreflect.FullName, inferred *int) (types.Field, error) {
	t, err := sqlTypeOfProto(f, open, inferred)
	if err != nil {
		return types.Field{}, fmt.Errorf("field %s: %w", f.Name(), err)
	}
	return types.Field{Name: string(f.Name()), Type: t}, nil
}

// oneofColumnName is the name ksqlDB gives a oneof's STRUCT: the oneof's
// name, an underscore and its index among the message's oneofs
// (ProtobufData's generate.index.for.unions, on by default).
func oneofColumnName(od protoreflect.OneofDescriptor) string {
	return string(od.Name()) + "_" + strconv.Itoa(od.Index())
}

// realOneof returns the oneof f is a member of, unless that is the
// synthetic oneof of a proto3 optional field, or nil.
func realOneof(f protoreflect.FieldDescriptor) protoreflect.OneofDescriptor {
	if od := f.ContainingOneof(); od != nil && !od.IsSynthetic() {
		return od
	}
	return nil
}

// sqlTypeOfProto infers the SQL type of a field of the innermost of
// the messages open (the ones it is nested in, outermost first);
// inferred counts the types inferred from the schema so far, up to
// maxInferredTypes.
func sqlTypeOfProto(f protoreflect.FieldDescriptor, open []protoreflect.FullName, inferred *int) (*types.Type, error) {
	if *inferred++; *inferred > maxInferredTypes {
		return nil, fmt.Errorf("the PROTOBUF schema expands to more than %d SQL types (messages reused at many levels)", maxInferredTypes)
	}
	if f.IsMap() {
		if f.MapKey().Kind() != protoreflect.StringKind {
			return nil, errors.New("PROTOBUF format only supports MAP types with STRING keys")
		}
		v, err := sqlTypeOfProtoValue(f.MapValue(), open, inferred)
		if err != nil {
			return nil, err
		}
		if v.Kind == types.Decimal {
			// A map<string, confluent.type.Decimal> field's options (as
			// eddy registered a MAP of DECIMAL values) are its values'.
			v = types.DecimalOf(decimalMeta(f))
		}
		return types.MapOf(types.StringType, v), nil
	}
	if pbEntryList(f) && f.Message().Fields().Get(0).Kind() == protoreflect.StringKind {
		// A repeated key-value entry message is a MAP (ProtobufData's
		// reading); its value field carries its own options.
		v, err := sqlTypeOfProtoValue(f.Message().Fields().Get(1), open, inferred)
		if err != nil {
			return nil, err
		}
		return types.MapOf(types.StringType, v), nil
	}
	t, err := sqlTypeOfProtoValue(f, open, inferred)
	if err != nil {
		return nil, err
	}
	if f.IsList() {
		return types.ArrayOf(t), nil
	}
	return t, nil
}

func sqlTypeOfProtoValue(f protoreflect.FieldDescriptor, open []protoreflect.FullName, inferred *int) (*types.Type, error) {
	switch f.Kind() {
	case protoreflect.BoolKind:
		return types.BooleanType, nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return types.IntType, nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind,
		protoreflect.Sfixed64Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return types.BigintType, nil
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return types.DoubleType, nil
	case protoreflect.StringKind, protoreflect.EnumKind:
		return types.StringType, nil
	case protoreflect.BytesKind:
		return types.BytesType, nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		m := f.Message()
		switch m.FullName() {
		case "google.protobuf.BoolValue":
			return types.BooleanType, nil
		case "google.protobuf.Int32Value":
			return types.IntType, nil
		case "google.protobuf.Int64Value", "google.protobuf.UInt32Value", "google.protobuf.UInt64Value":
			return types.BigintType, nil
		case "google.protobuf.FloatValue", "google.protobuf.DoubleValue":
			return types.DoubleType, nil
		case "google.protobuf.StringValue":
			return types.StringType, nil
		case "google.protobuf.BytesValue":
			return types.BytesType, nil
		case "google.protobuf.Timestamp":
			return types.TimestampType, nil
		case "google.type.Date":
			return types.DateType, nil
		case "google.type.TimeOfDay":
			return types.TimeType, nil
		case "confluent.type.Decimal":
			p, s := decimalMeta(f)
			return types.DecimalOf(p, s), nil
		}
		if slices.Contains(open, m.FullName()) {
			return nil, fmt.Errorf("recursive PROTOBUF messages are not supported: the message %s holds itself, and a recursive type has no SQL type (declare the columns to read the fields that are not recursive)", m.FullName())
		}
		out, err := sqlFieldsOfProto(m, append(open[:len(open):len(open)], m.FullName()), inferred)
		if err != nil {
			return nil, err
		}
		return types.StructOf(out...), nil
	}
	return nil, fmt.Errorf("PROTOBUF type %s is not supported", f.Kind())
}

// confluentMetaField is the extension number of confluent/meta.proto's
// options (field_meta and the others).
const confluentMetaField = 1088

// decimalMeta reads precision and scale from the field's
// (confluent.field_meta) params; precision defaults to 64, scale to 0.
func decimalMeta(f protoreflect.FieldDescriptor) (precision, scale int) {
	precision = 64
	opts := f.Options()
	if opts == nil {
		return
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(opts)
	if err != nil {
		return
	}
	for meta := range protoFields(b, confluentMetaField) {
		for entry := range protoFields(meta, 2) {
			var k, v string
			for x := range protoFields(entry, 1) {
				k = string(x)
			}
			for x := range protoFields(entry, 2) {
				v = string(x)
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				continue
			}
			switch k {
			case "precision":
				precision = n
			case "scale":
				scale = n
			}
		}
	}
	return
}

// protoFields yields the length-delimited payloads of field num in b.
func protoFields(b []byte, num protowire.Number) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			n, typ, k := protowire.ConsumeTag(b)
			if k < 0 {
				return
			}
			b = b[k:]
			if n == num && typ == protowire.BytesType {
				v, k := protowire.ConsumeBytes(b)
				if k < 0 {
					return
				}
				if !yield(v) {
					return
				}
				b = b[k:]
				continue
			}
			k = protowire.ConsumeFieldValue(n, typ, b)
			if k < 0 {
				return
			}
			b = b[k:]
		}
	}
}

// ---- serde ----

type pbSerde struct {
	cols  []types.Column
	isKey bool
	sr    *srContext // nil for PROTOBUF_NOSR

	id    int
	index []byte // encoded message indexes of the writer message
	w     *pbMsgMap

	decs idCache[*pbFile]
}

// pbMsgMap ties a message to the columns: where each column lives.
type pbMsgMap struct {
	md   protoreflect.MessageDescriptor
	cols []pbSlot
}

// pbFile is a compiled writer schema; message maps are built per message
// index path on first use.
type pbFile struct {
	fd   protoreflect.FileDescriptor
	msgs sync.Map // path key → *pbMsgMap
}

func newProtobufSerde(f Format, cols []types.Column, isKey bool, sr *srContext) (Serde, error) {
	s := &pbSerde{cols: cols, isKey: isKey, sr: sr}
	if len(cols) == 0 {
		return s, nil
	}
	nullable, err := pbNullable(f, isKey)
	if err != nil {
		return nil, err
	}
	full, _, err := fullNameOf(f, isKey)
	if err != nil {
		return nil, err
	}
	var (
		rs              RegSchema
		reg             Registry
		id              int
		fixed, inferred bool
	)
	if sr != nil {
		reg = sr.env.Registry
		if id, fixed, inferred, err = writerSchemaID(f, isKey); err != nil {
			return nil, err
		}
	}
	if fixed {
		if rs, err = sr.byID(id); err != nil {
			return nil, err
		}
		if !strings.EqualFold(rs.Type, SchemaProtobuf) {
			return nil, fmt.Errorf("schema id %d is %s schema, not PROTOBUF", id, aKind(rs.Type))
		}
	} else {
		rs = RegSchema{Type: SchemaProtobuf, Schema: protoSchemaFor(cols, full, nullable, sr.mapShape())}
		if sr != nil {
			if id, err = sr.register(rs); err != nil {
				return nil, err
			}
		}
	}
	fd, err := compileProto(reg, rs)
	if err != nil {
		return nil, err
	}
	md, path, err := pickMessage(fd, full)
	if err != nil {
		return nil, err
	}
	if fixed {
		if err := sr.claim(id, rs, !inferred); err != nil {
			return nil, err
		}
	}
	s.id, s.index = id, appendMsgIndexes(nil, path)
	s.w = &pbMsgMap{md: md, cols: mapFields(md, cols)}
	return s, nil
}

// mapShape is how a sink writing to the subject declares its maps: as
// the subject's latest PROTOBUF schema does when it holds a
// map<string, V> field (an earlier eddy registered it), else as ksqlDB
// does. A map<string, confluent.type.Decimal> field is the shape of eddy
// before 2026-12-07, any other map<string, V> that of that day, which
// declared maps of DECIMAL values as entries. Kept, the replayed
// CREATE ... AS SELECT of a restart, or a sink made again over its
// topic, registers what the subject holds instead of being refused.
func (c *srContext) mapShape() pbMapShape {
	if c == nil {
		return pbMapEntries
	}
	_, rs, err := c.env.Registry.Latest(c.subject)
	if err != nil || !strings.EqualFold(rs.Type, SchemaProtobuf) {
		return pbMapEntries
	}
	fd, err := compileProto(c.env.Registry, rs)
	if err != nil {
		return pbMapEntries
	}
	shape := pbMapEntries
	seen := map[protoreflect.FullName]bool{}
	var walk func(ms protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if seen[m.FullName()] {
				continue
			}
			seen[m.FullName()] = true
			for j := 0; j < m.Fields().Len(); j++ {
				f := m.Fields().Get(j)
				if !f.IsMap() {
					continue
				}
				if v := f.MapValue().Message(); v != nil && v.FullName() == "confluent.type.Decimal" {
					shape = pbMapNative
				} else if shape == pbMapEntries {
					shape = pbMapNativeButDecimal
				}
			}
			walk(m.Messages())
		}
	}
	walk(fd.Messages())
	return shape
}

// pbEntryList reports whether fd is a MAP declared as ksqlDB and
// Confluent's ProtobufData declare one: a repeated message named
// ...Entry whose two fields are key and value, neither repeated (not a
// map<K, V> field, which IsMap reports).
func pbEntryList(fd protoreflect.FieldDescriptor) bool {
	if !fd.IsList() || fd.Message() == nil {
		return false
	}
	md := fd.Message()
	fs := md.Fields()
	return strings.HasSuffix(string(md.Name()), "Entry") && fs.Len() == 2 &&
		fs.Get(0).Name() == "key" && fs.Get(1).Name() == "value" &&
		!fs.Get(0).IsList() && !fs.Get(0).IsMap() && !fs.Get(1).IsList() && !fs.Get(1).IsMap()
}

// pbSlot is where a column (or a STRUCT's field) lives in a message: a
// field, or a oneof, read and written as a STRUCT of its members; neither
// when the message has nothing of that name.
type pbSlot struct {
	fd protoreflect.FieldDescriptor
	od protoreflect.OneofDescriptor
}

func (sl pbSlot) none() bool { return sl.fd == nil && sl.od == nil }

// mapFields finds each column's field by name, exactly then ignoring
// case, or else the oneof ksqlDB names so (oneofColumnName). A oneof's
// members stay fields of their own too: columns inferred before oneofs
// were read as STRUCTs name them.
func mapFields(md protoreflect.MessageDescriptor, cols []types.Column) []pbSlot {
	fs, ods := md.Fields(), md.Oneofs()
	names := make([]string, fs.Len(), fs.Len()+ods.Len())
	for i := range names {
		names[i] = string(fs.Get(i).Name())
	}
	var oneofs []protoreflect.OneofDescriptor
	for i := 0; i < ods.Len(); i++ {
		if od := ods.Get(i); !od.IsSynthetic() {
			names = append(names, oneofColumnName(od))
			oneofs = append(oneofs, od)
		}
	}
	out := make([]pbSlot, len(cols))
	for i, c := range cols {
		switch j := fieldIndex(names, c.Name); {
		case j >= fs.Len():
			out[i].od = oneofs[j-fs.Len()]
		case j >= 0:
			out[i].fd = fs.Get(j)
		}
	}
	return out
}

func (s *pbSerde) buildFile(id int) (*pbFile, error) {
	rs, err := s.sr.byID(id)
	if err != nil {
		return nil, fmt.Errorf("cannot read PROTOBUF record: %w", err)
	}
	if !strings.EqualFold(rs.Type, SchemaProtobuf) {
		return nil, fmt.Errorf("cannot read PROTOBUF record: schema id %d is %s schema", id, aKind(rs.Type))
	}
	fd, err := compileProto(s.sr.env.Registry, rs)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	return &pbFile{fd: fd}, nil
}

func (f *pbFile) message(path []int, cols []types.Column) (*pbMsgMap, error) {
	key := fmt.Sprint(path)
	if v, ok := f.msgs.Load(key); ok {
		return v.(*pbMsgMap), nil
	}
	md, err := messageAt(f.fd, path)
	if err != nil {
		return nil, err
	}
	m := &pbMsgMap{md: md, cols: mapFields(md, cols)}
	f.msgs.Store(key, m)
	return m, nil
}

// Encode implements Serde.
func (s *pbSerde) Encode(vals []any) ([]byte, error) {
	if len(s.cols) == 0 {
		return nil, nil
	}
	m := dynamicpb.NewMessage(s.w.md)
	for i, sl := range s.w.cols {
		if sl.none() || vals[i] == nil {
			continue
		}
		if err := setProtoSlot(m, sl, vals[i], s.cols[i].Type); err != nil {
			return nil, colErr(s.cols[i], err)
		}
	}
	var out []byte
	if s.sr != nil {
		if s.id == pendingID {
			id, err := s.sr.writerID(s.id)
			if err != nil {
				return nil, err
			}
			s.id = id
		}
		out = append(appendHeader(make([]byte, 0, 64), s.id), s.index...)
	}
	out, err := proto.MarshalOptions{Deterministic: true}.MarshalAppend(out, m)
	if err != nil {
		return nil, fmt.Errorf("writing PROTOBUF: %w", err)
	}
	if out == nil {
		out = []byte{} // an all-default message is empty, not a null record
	}
	return out, nil
}

// Decode implements Serde.
func (s *pbSerde) Decode(data []byte, dst []any) error {
	n := len(s.cols)
	clear(dst[:n])
	if data == nil || n == 0 {
		return nil
	}
	mm := s.w
	body := data
	if s.sr != nil {
		if len(data) == 0 {
			if s.isKey {
				return nil
			}
			return ErrNull
		}
		id, rest, err := splitHeader(data)
		if err != nil {
			return err
		}
		f, err := s.decs.get(id, s.buildFile)
		if err != nil {
			return err
		}
		path, after, err := readMsgIndexes(rest)
		if err == nil {
			mm, err = f.message(path, s.cols)
		}
		var m protoreflect.Message
		exact := false
		if err == nil {
			m, exact, err = readMessage(mm.md, after)
		}
		if err != nil || !exact {
			// Indexes that name no message, or a message the rest does
			// not read as (exactly): another client's framing?
			declared := ""
			if s.w != nil {
				declared = string(s.w.md.FullName())
			}
			p, alt, ok := nonstandardFraming(f.fd, rest, declared)
			switch {
			case ok:
				if mm, err = f.message(p, s.cols); err != nil {
					return fmt.Errorf("schema id %d: %w", id, err)
				}
				m = alt
			case err != nil:
				return fmt.Errorf("schema id %d: %w", id, err)
			}
		}
		return s.columns(mm, m, dst)
	}
	m := dynamicpb.NewMessage(mm.md)
	if err := proto.Unmarshal(body, m); err != nil {
		return fmt.Errorf("cannot read PROTOBUF message %s: %w", mm.md.FullName(), err)
	}
	return s.columns(mm, m, dst)
}

// readMessage reads body as message md; exact says every field was md's
// (md comes from the writer's schema, so a field it lacks suggests the
// body is not md: a misread framing).
func readMessage(md protoreflect.MessageDescriptor, body []byte) (m protoreflect.Message, exact bool, err error) {
	dm := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(body, dm); err != nil {
		return nil, false, fmt.Errorf("cannot read PROTOBUF message %s: %w", md.FullName(), err)
	}
	return dm, len(dm.GetUnknown()) == 0, nil
}

// columns fills dst with the columns' values from message m.
func (s *pbSerde) columns(mm *pbMsgMap, m protoreflect.Message, dst []any) error {
	for i, sl := range mm.cols {
		if sl.none() {
			continue
		}
		v, err := getProtoSlot(m, sl, s.cols[i].Type)
		if err != nil {
			return colErr(s.cols[i], err)
		}
		dst[i] = v
	}
	return nil
}

// ---- values: SQL → protobuf ----

// setProtoSlot writes a non-null SQL value into a field or a oneof.
func setProtoSlot(m protoreflect.Message, sl pbSlot, v any, t *types.Type) error {
	if sl.od != nil {
		return setOneof(m, sl.od, v, t)
	}
	return setProtoField(m, sl.fd, v, t)
}

// setOneof writes a oneof's STRUCT: the member its one non-null field
// names. A STRUCT of nulls leaves the oneof unset, as a NULL one does;
// two non-null fields are an error, as a oneof holds one value
// (Confluent's converter would keep the first and drop the other).
// Fields that name no member are skipped, as fillMessage skips them.
func setOneof(m protoreflect.Message, od protoreflect.OneofDescriptor, v any, t *types.Type) error {
	sv, ok := v.(types.StructVal)
	if !ok || t.Kind != types.Struct || len(sv) != len(t.Fields) {
		return typeErr(v, t)
	}
	members := od.Fields()
	memberName := func(i int) string { return string(members.Get(i).Name()) }
	set := -1
	var fd protoreflect.FieldDescriptor
	for i, f := range t.Fields {
		j := nameIndex(members.Len(), memberName, f.Name)
		if j < 0 || sv[i] == nil {
			continue
		}
		if set >= 0 {
			return fmt.Errorf("oneof %s holds one value, but fields %s and %s are both set",
				od.Name(), types.QuoteIdent(t.Fields[set].Name), types.QuoteIdent(f.Name))
		}
		set, fd = i, members.Get(j)
	}
	if set < 0 {
		return nil
	}
	if err := setProtoField(m, fd, sv[set], t.Fields[set].Type); err != nil {
		return fmt.Errorf("field %s: %w", types.QuoteIdent(t.Fields[set].Name), err)
	}
	return nil
}

func setProtoField(m protoreflect.Message, fd protoreflect.FieldDescriptor, v any, t *types.Type) error {
	switch {
	case fd.IsMap():
		mv, ok := v.(*types.MapVal)
		if !ok || t.Kind != types.Map {
			return typeErr(v, t)
		}
		pm := m.Mutable(fd).Map()
		for i, k := range mv.Keys {
			ks, ok := k.(string)
			if !ok {
				return fmt.Errorf("map key of Go type %T is not a string", k)
			}
			pv, err := protoValue(pm.NewValue, fd.MapValue(), mv.Vals[i], t.Elem)
			if err != nil {
				return fmt.Errorf("map value of %q: %w", ks, err)
			}
			pm.Set(protoreflect.ValueOfString(ks).MapKey(), pv)
		}
		return nil
	case t.Kind == types.Map && pbEntryList(fd):
		mv, ok := v.(*types.MapVal)
		if !ok {
			return typeErr(v, t)
		}
		l := m.Mutable(fd).List()
		kf, vf := fd.Message().Fields().Get(0), fd.Message().Fields().Get(1)
		for i, k := range mv.Keys {
			e := l.NewElement()
			em := e.Message()
			kv, err := protoValue(func() protoreflect.Value { return em.NewField(kf) }, kf, k, t.Key)
			if err != nil {
				return fmt.Errorf("map key: %w", err)
			}
			em.Set(kf, kv)
			if mv.Vals[i] != nil {
				pv, err := protoValue(func() protoreflect.Value { return em.NewField(vf) }, vf, mv.Vals[i], t.Elem)
				if err != nil {
					return fmt.Errorf("map value of %v: %w", k, err)
				}
				em.Set(vf, pv)
			}
			l.Append(e)
		}
		return nil
	case fd.IsList():
		arr, ok := v.([]any)
		if !ok || t.Kind != types.Array {
			return typeErr(v, t)
		}
		l := m.Mutable(fd).List()
		for i, x := range arr {
			pv, err := protoValue(l.NewElement, fd, x, t.Elem)
			if err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
			l.Append(pv)
		}
		return nil
	}
	pv, err := protoValue(func() protoreflect.Value { return m.NewField(fd) }, fd, v, t)
	if err != nil {
		return err
	}
	m.Set(fd, pv)
	return nil
}

// protoValue converts one SQL value to a protobuf value of fd's kind; a
// null becomes the zero value (proto3 has no null inside lists and maps).
func protoValue(newMsg func() protoreflect.Value, fd protoreflect.FieldDescriptor, v any, t *types.Type) (protoreflect.Value, error) {
	bad := func() (protoreflect.Value, error) { return protoreflect.Value{}, typeErr(v, t) }
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		pv := newMsg()
		if v == nil {
			return pv, nil
		}
		return pv, fillMessage(pv.Message(), v, t)
	}
	if v == nil {
		// newMsg gives the zero value of a list's element or a map's
		// value too, where fd.Default() (a repeated field's) is invalid.
		return newMsg(), nil
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		if b, ok := v.(bool); ok {
			return protoreflect.ValueOfBool(b), nil
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if i, ok := asInt64(v); ok && i >= math.MinInt32 && i <= math.MaxInt32 {
			return protoreflect.ValueOfInt32(int32(i)), nil
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if i, ok := asInt64(v); ok {
			return protoreflect.ValueOfInt64(i), nil
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if i, ok := asInt64(v); ok && i >= 0 && i <= math.MaxUint32 {
			return protoreflect.ValueOfUint32(uint32(i)), nil
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if i, ok := asInt64(v); ok && i >= 0 {
			return protoreflect.ValueOfUint64(uint64(i)), nil
		}
	case protoreflect.FloatKind:
		if f, ok := asFloat64(v); ok {
			return protoreflect.ValueOfFloat32(float32(f)), nil
		}
	case protoreflect.DoubleKind:
		if f, ok := asFloat64(v); ok {
			return protoreflect.ValueOfFloat64(f), nil
		}
	case protoreflect.StringKind:
		if s, ok := v.(string); ok {
			return protoreflect.ValueOfString(s), nil
		}
		if t.IsPrimitive() {
			s, err := textOf(v, t)
			return protoreflect.ValueOfString(s), err
		}
	case protoreflect.BytesKind:
		if b, ok := v.([]byte); ok {
			return protoreflect.ValueOfBytes(b), nil
		}
	case protoreflect.EnumKind:
		if s, ok := v.(string); ok {
			ev := fd.Enum().Values().ByName(protoreflect.Name(s))
			if ev == nil {
				return protoreflect.Value{}, fmt.Errorf("%q is not a value of enum %s", s, fd.Enum().FullName())
			}
			return protoreflect.ValueOfEnum(ev.Number()), nil
		}
	}
	return bad()
}

// fillMessage writes a non-null SQL value into a message: a wrapper, a
// well-known type, or the fields of a STRUCT.
func fillMessage(m protoreflect.Message, v any, t *types.Type) error {
	md := m.Descriptor()
	field := func(name string) protoreflect.FieldDescriptor { return md.Fields().ByName(protoreflect.Name(name)) }
	switch md.FullName() {
	case "google.protobuf.BoolValue", "google.protobuf.Int32Value", "google.protobuf.Int64Value",
		"google.protobuf.UInt32Value", "google.protobuf.UInt64Value", "google.protobuf.FloatValue",
		"google.protobuf.DoubleValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
		fd := field("value")
		pv, err := protoValue(nil, fd, v, t)
		if err != nil {
			return err
		}
		m.Set(fd, pv)
		return nil
	case "google.protobuf.Timestamp":
		ms, ok := asInt64(v)
		if !ok {
			return typeErr(v, t)
		}
		sec, rem := ms/1000, ms%1000
		if rem < 0 {
			sec, rem = sec-1, rem+1000
		}
		m.Set(field("seconds"), protoreflect.ValueOfInt64(sec))
		m.Set(field("nanos"), protoreflect.ValueOfInt32(int32(rem*1e6)))
		return nil
	case "google.type.Date":
		days, ok := asInt64(v)
		if !ok {
			return typeErr(v, t)
		}
		y, mo, d := time.Unix(days*86400, 0).UTC().Date()
		m.Set(field("year"), protoreflect.ValueOfInt32(int32(y)))
		m.Set(field("month"), protoreflect.ValueOfInt32(int32(mo)))
		m.Set(field("day"), protoreflect.ValueOfInt32(int32(d)))
		return nil
	case "google.type.TimeOfDay":
		ms, ok := asInt64(v)
		if !ok {
			return typeErr(v, t)
		}
		m.Set(field("hours"), protoreflect.ValueOfInt32(int32(ms/3600000)))
		m.Set(field("minutes"), protoreflect.ValueOfInt32(int32(ms/60000%60)))
		m.Set(field("seconds"), protoreflect.ValueOfInt32(int32(ms/1000%60)))
		m.Set(field("nanos"), protoreflect.ValueOfInt32(int32(ms%1000*1e6)))
		return nil
	case "confluent.type.Decimal":
		d, ok := asDecimal(v)
		if !ok {
			return typeErr(v, t)
		}
		scale := int32(t.Scale)
		if t.Kind != types.Decimal {
			scale = -d.Exponent()
			if scale < 0 {
				scale = 0
			}
		}
		m.Set(field("value"), protoreflect.ValueOfBytes(toTwos(d.Round(scale).Coefficient())))
		if t.Kind == types.Decimal {
			m.Set(field("precision"), protoreflect.ValueOfUint32(uint32(t.Precision)))
		}
		m.Set(field("scale"), protoreflect.ValueOfInt32(scale))
		return nil
	}
	sv, ok := v.(types.StructVal)
	if !ok || t.Kind != types.Struct || len(sv) != len(t.Fields) {
		return typeErr(v, t)
	}
	cols := make([]types.Column, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = types.Column{Name: f.Name, Type: f.Type}
	}
	for i, sl := range mapFields(md, cols) {
		if sl.none() || sv[i] == nil {
			continue
		}
		if err := setProtoSlot(m, sl, sv[i], t.Fields[i].Type); err != nil {
			return fmt.Errorf("field %s: %w", types.QuoteIdent(t.Fields[i].Name), err)
		}
	}
	return nil
}

// ---- values: protobuf → SQL ----

// getProtoSlot reads a field or a oneof as SQL type t.
func getProtoSlot(m protoreflect.Message, sl pbSlot, t *types.Type) (any, error) {
	if sl.od != nil {
		return getOneof(m, sl.od, t)
	}
	return getProtoField(m, sl.fd, t)
}

// getOneof reads a oneof as ksqlDB does: a STRUCT whose field for the
// member that is set holds its value and whose others are null; NULL
// when no member is set.
func getOneof(m protoreflect.Message, od protoreflect.OneofDescriptor, t *types.Type) (any, error) {
	if t.Kind != types.Struct {
		return nil, fmt.Errorf("cannot read PROTOBUF oneof %s into %s", od.Name(), t)
	}
	fd := m.WhichOneof(od)
	if fd == nil {
		return nil, nil
	}
	sv := make(types.StructVal, len(t.Fields))
	if i := nameIndex(len(t.Fields), func(i int) string { return t.Fields[i].Name }, string(fd.Name())); i >= 0 {
		v, err := getProtoField(m, fd, t.Fields[i].Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", t.Fields[i].Name, err)
		}
		sv[i] = v
	}
	return sv, nil
}

func getProtoField(m protoreflect.Message, fd protoreflect.FieldDescriptor, t *types.Type) (any, error) {
	switch {
	case fd.IsMap():
		if t.Kind != types.Map {
			return nil, fmt.Errorf("cannot read a PROTOBUF map into %s", t)
		}
		pm := m.Get(fd).Map()
		out := types.NewMapBuilder(pm.Len())
		var err error
		// protobuf maps have no order: sort keys for stable output.
		keys := make([]string, 0, pm.Len())
		pm.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
			keys = append(keys, k.String())
			return true
		})
		slices.Sort(keys)
		for _, k := range keys {
			var v any
			if v, err = fromProto(fd.MapValue(), pm.Get(protoreflect.ValueOfString(k).MapKey()), t.Elem); err != nil {
				return nil, fmt.Errorf("map value of %q: %w", k, err)
			}
			out.Put(k, v)
		}
		return out.Map(), nil
	case t.Kind == types.Map && pbEntryList(fd):
		l := m.Get(fd).List()
		out := types.NewMapBuilder(l.Len())
		kf, vf := fd.Message().Fields().Get(0), fd.Message().Fields().Get(1)
		for i := 0; i < l.Len(); i++ {
			em := l.Get(i).Message()
			k, err := fromProto(kf, em.Get(kf), t.Key)
			if err != nil {
				return nil, fmt.Errorf("map key %d: %w", i, err)
			}
			var v any
			if !vf.HasPresence() || em.Has(vf) {
				if v, err = fromProto(vf, em.Get(vf), t.Elem); err != nil {
					return nil, fmt.Errorf("map value of %v: %w", k, err)
				}
			}
			out.Put(k, v)
		}
		return out.Map(), nil
	case fd.IsList():
		if t.Kind != types.Array {
			return nil, fmt.Errorf("cannot read a PROTOBUF repeated field into %s", t)
		}
		l := m.Get(fd).List()
		out := make([]any, l.Len())
		for i := range out {
			v, err := fromProto(fd, l.Get(i), t.Elem)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = v
		}
		return out, nil
	}
	if fd.HasPresence() && !m.Has(fd) {
		return nil, nil
	}
	if fd.Kind() == protoreflect.BytesKind && !m.Has(fd) {
		// An unset proto3 bytes field reads as null, not as empty bytes
		// (ksqlDB's reading); other scalars take their default (0, "").
		return nil, nil
	}
	return fromProto(fd, m.Get(fd), t)
}

// fromProto converts one protobuf value of fd's kind to SQL type t.
func fromProto(fd protoreflect.FieldDescriptor, v protoreflect.Value, t *types.Type) (any, error) {
	var nat any
	switch fd.Kind() {
	case protoreflect.BoolKind:
		nat = v.Bool()
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		nat = v.Int()
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		nat = int64(v.Uint())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		nat = v.Float()
	case protoreflect.StringKind:
		nat = v.String()
	case protoreflect.BytesKind:
		nat = append([]byte(nil), v.Bytes()...)
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			nat = string(ev.Name())
		} else {
			nat = strconv.Itoa(int(v.Enum()))
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return fromProtoMessage(v.Message(), t)
	}
	return coerceNatural(nat, t)
}

func fromProtoMessage(m protoreflect.Message, t *types.Type) (any, error) {
	md := m.Descriptor()
	get := func(name string) protoreflect.Value { return m.Get(md.Fields().ByName(protoreflect.Name(name))) }
	switch md.FullName() {
	case "google.protobuf.BoolValue", "google.protobuf.Int32Value", "google.protobuf.Int64Value",
		"google.protobuf.UInt32Value", "google.protobuf.UInt64Value", "google.protobuf.FloatValue",
		"google.protobuf.DoubleValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
		fd := md.Fields().ByName("value")
		return fromProto(fd, m.Get(fd), t)
	case "google.protobuf.Timestamp":
		return coerceNatural(types.TimestampVal(get("seconds").Int()*1000+get("nanos").Int()/1e6), t)
	case "google.type.Date":
		d := time.Date(int(get("year").Int()), time.Month(get("month").Int()), int(get("day").Int()), 0, 0, 0, 0, time.UTC)
		return coerceNatural(types.DateVal(d.Unix()/86400), t)
	case "google.type.TimeOfDay":
		ms := get("hours").Int()*3600000 + get("minutes").Int()*60000 + get("seconds").Int()*1000 + get("nanos").Int()/1e6
		return coerceNatural(types.TimeVal(ms), t)
	case "confluent.type.Decimal":
		d := decimal.NewFromBigInt(fromTwos(get("value").Bytes()), -int32(get("scale").Int()))
		return coerceNatural(d, t)
	}
	if t.Kind != types.Struct {
		return nil, fmt.Errorf("cannot read PROTOBUF message %s into %s", md.FullName(), t)
	}
	cols := make([]types.Column, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = types.Column{Name: f.Name, Type: f.Type}
	}
	sv := make(types.StructVal, len(t.Fields))
	for i, sl := range mapFields(md, cols) {
		if sl.none() {
			continue
		}
		v, err := getProtoSlot(m, sl, t.Fields[i].Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", t.Fields[i].Name, err)
		}
		sv[i] = v
	}
	return sv, nil
}

// coerceNatural converts a decoded primitive (bool, int64, float64, string,
// []byte, decimal, or a date/time value) to SQL type t.
func coerceNatural(v any, t *types.Type) (any, error) {
	if s, ok := v.(string); ok {
		return fromText(s, t)
	}
	switch t.Kind {
	case types.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case types.Int:
		if i, ok := asInt64(v); ok && i >= math.MinInt32 && i <= math.MaxInt32 {
			return int32(i), nil
		}
	case types.Bigint:
		if i, ok := asInt64(v); ok {
			return i, nil
		}
	case types.Double:
		if f, ok := asFloat64(v); ok {
			return f, nil
		}
	case types.Decimal:
		if f, ok := v.(float64); ok {
			d, err := decimalFromFloat(f, t)
			if err != nil {
				return nil, err
			}
			return fitDecimal(d, t)
		}
		if d, ok := asDecimal(v); ok {
			return fitDecimal(d, t)
		}
	case types.String:
		switch x := v.(type) {
		case float64:
			return types.FormatDouble(x), nil
		case decimal.Decimal:
			return plainDecimal(x), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		if i, ok := asInt64(v); ok {
			return strconv.FormatInt(i, 10), nil
		}
	case types.Bytes:
		if b, ok := v.([]byte); ok {
			return b, nil
		}
	case types.Date:
		if i, ok := asInt64(v); ok {
			return types.DateVal(i), nil
		}
	case types.Time:
		if i, ok := asInt64(v); ok {
			return types.TimeVal(i), nil
		}
	case types.Timestamp:
		if i, ok := asInt64(v); ok {
			return types.TimestampVal(i), nil
		}
	}
	return nil, fmt.Errorf("cannot convert PROTOBUF value of Go type %T to %s", v, t)
}
