package registry

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Confluent's Schema Registry takes a PROTOBUF schema either as .proto
// text or as a base64-encoded FileDescriptorProto, which is what
// Confluent's Python serializer sends, and answers with the text. So does
// this registry: descriptorText turns such a descriptor into .proto text,
// which is then stored, compared and served like any other.

// descriptorText returns the .proto text of schema when schema is a
// base64-encoded FileDescriptorProto, and ok false when it is not one.
func descriptorText(schema string) (text string, ok bool, err error) {
	if strings.ContainsAny(schema, " \t\r\n{;") {
		return "", false, nil // .proto text (or nothing base64 could hold)
	}
	raw, err := base64.StdEncoding.DecodeString(schema)
	if err != nil {
		return "", false, nil
	}
	var fd descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(raw, &fd); err != nil {
		return "", false, nil
	}
	if len(fd.GetMessageType()) == 0 && len(fd.GetEnumType()) == 0 {
		return "", false, nil
	}
	text, err = printProtoFile(&fd)
	if err != nil {
		return "", true, fmt.Errorf("protobuf schema (a base64 FileDescriptorProto): %w", err)
	}
	return text, true, nil
}

// protoPrinter writes a FileDescriptorProto as .proto text.
type protoPrinter struct {
	b      strings.Builder
	proto3 bool
}

func printProtoFile(fd *descriptorpb.FileDescriptorProto) (string, error) {
	p := &protoPrinter{}
	switch fd.GetSyntax() {
	case "", "proto2":
		p.line(0, `syntax = "proto2";`)
	case "proto3":
		p.proto3 = true
		p.line(0, `syntax = "proto3";`)
	default:
		return "", fmt.Errorf("syntax %q is not supported (want proto2 or proto3)", fd.GetSyntax())
	}
	if fd.GetPackage() != "" {
		p.line(0, "package %s;", fd.GetPackage())
	}
	public := map[int32]bool{}
	for _, i := range fd.GetPublicDependency() {
		public[i] = true
	}
	for i, dep := range fd.GetDependency() {
		kind := ""
		if public[int32(i)] {
			kind = "public "
		}
		p.line(0, "import %s%s;", kind, strconv.Quote(dep))
	}
	for _, e := range fd.GetEnumType() {
		p.enum(0, e)
	}
	for _, m := range fd.GetMessageType() {
		if err := p.message(0, m); err != nil {
			return "", err
		}
	}
	if len(fd.GetExtension()) > 0 {
		return "", errors.New("extensions are not supported")
	}
	return p.b.String(), nil
}

func (p *protoPrinter) line(depth int, format string, args ...any) {
	p.b.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&p.b, format, args...)
	p.b.WriteByte('\n')
}

func (p *protoPrinter) enum(depth int, e *descriptorpb.EnumDescriptorProto) {
	p.line(depth, "enum %s {", e.GetName())
	if e.GetOptions().GetAllowAlias() {
		p.line(depth+1, "option allow_alias = true;")
	}
	for _, v := range e.GetValue() {
		p.line(depth+1, "%s = %d;", v.GetName(), v.GetNumber())
	}
	p.reserved(depth+1, e.GetReservedName(), len(e.GetReservedRange()), func(i int) (int32, int32) {
		r := e.GetReservedRange()[i]
		return r.GetStart(), r.GetEnd() + 1 // enum ranges are inclusive
	})
	p.line(depth, "}")
}

func (p *protoPrinter) message(depth int, m *descriptorpb.DescriptorProto) error {
	if len(m.GetExtension()) > 0 || len(m.GetExtensionRange()) > 0 {
		return fmt.Errorf("message %s: extensions are not supported", m.GetName())
	}
	p.line(depth, "message %s {", m.GetName())
	// Map fields are repeated fields of a nested entry message, which
	// the text writes as map<K, V> instead. Nested messages go between
	// the fields so that, compiled again, the nested types (entries
	// included) come in the descriptor's order: message indexes count
	// them.
	entries := map[string]*descriptorpb.DescriptorProto{}
	for _, n := range m.GetNestedType() {
		if n.GetOptions().GetMapEntry() {
			entries[n.GetName()] = n
		}
	}
	nested, j := m.GetNestedType(), 0
	flushNested := func() error {
		for ; j < len(nested) && !nested[j].GetOptions().GetMapEntry(); j++ {
			if err := p.message(depth+1, nested[j]); err != nil {
				return err
			}
		}
		return nil
	}
	fields := m.GetField()
	for i := 0; i < len(fields); {
		if err := flushNested(); err != nil {
			return err
		}
		f := fields[i]
		if f.OneofIndex != nil && !f.GetProto3Optional() {
			// A oneof's fields are declared together, in its block.
			p.line(depth+1, "oneof %s {", m.GetOneofDecl()[f.GetOneofIndex()].GetName())
			for ; i < len(fields) && fields[i].OneofIndex != nil && fields[i].GetOneofIndex() == f.GetOneofIndex() && !fields[i].GetProto3Optional(); i++ {
				p.field(depth+2, fields[i], entries, true)
			}
			p.line(depth+1, "}")
			continue
		}
		if j < len(nested) && lastName(f.GetTypeName()) == nested[j].GetName() {
			j++ // this map field's entry
		}
		p.field(depth+1, f, entries, false)
		i++
	}
	if err := flushNested(); err != nil {
		return err
	}
	for _, e := range m.GetEnumType() {
		p.enum(depth+1, e)
	}
	p.reserved(depth+1, m.GetReservedName(), len(m.GetReservedRange()), func(i int) (int32, int32) {
		r := m.GetReservedRange()[i]
		return r.GetStart(), r.GetEnd() // message ranges are exclusive
	})
	p.line(depth, "}")
	return nil
}

func (p *protoPrinter) field(depth int, f *descriptorpb.FieldDescriptorProto, entries map[string]*descriptorpb.DescriptorProto, inOneof bool) {
	if f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED && f.GetType() == descriptorpb.FieldDescriptorProto_TYPE_MESSAGE {
		if e := entries[lastName(f.GetTypeName())]; e != nil && len(e.GetField()) == 2 {
			p.line(depth, "map<%s, %s> %s = %d;", fieldType(e.GetField()[0]), fieldType(e.GetField()[1]), f.GetName(), f.GetNumber())
			return
		}
	}
	label := ""
	switch {
	case inOneof:
	case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED:
		label = "repeated "
	case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REQUIRED:
		label = "required "
	case !p.proto3 || f.GetProto3Optional():
		label = "optional "
	}
	var opts []string
	if f.DefaultValue != nil {
		opts = append(opts, "default = "+defaultLiteral(f))
	}
	if f.GetOptions() != nil && f.GetOptions().Packed != nil {
		opts = append(opts, "packed = "+strconv.FormatBool(f.GetOptions().GetPacked()))
	}
	if f.GetOptions() != nil {
		if meta, ok := fieldMeta(f.GetOptions().ProtoReflect().GetUnknown()); ok {
			opts = append(opts, "(confluent.field_meta) = "+meta)
		}
	}
	suffix := ""
	if len(opts) > 0 {
		suffix = " [" + strings.Join(opts, ", ") + "]"
	}
	p.line(depth, "%s%s %s = %d%s;", label, fieldType(f), f.GetName(), f.GetNumber(), suffix)
}

func (p *protoPrinter) reserved(depth int, names []string, ranges int, bounds func(int) (start, end int32)) {
	var parts []string
	for i := range ranges {
		start, end := bounds(i) // end exclusive
		switch {
		case end-1 == start:
			parts = append(parts, strconv.Itoa(int(start)))
		case end > maxProtoField:
			parts = append(parts, fmt.Sprintf("%d to max", start))
		default:
			parts = append(parts, fmt.Sprintf("%d to %d", start, end-1))
		}
	}
	if len(parts) > 0 {
		p.line(depth, "reserved %s;", strings.Join(parts, ", "))
	}
	if len(names) > 0 {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = strconv.Quote(n)
		}
		p.line(depth, "reserved %s;", strings.Join(quoted, ", "))
	}
}

// fieldType is a field's type as .proto text writes it: a scalar's name,
// or the fully qualified (leading-dot) name of a message or enum.
func fieldType(f *descriptorpb.FieldDescriptorProto) string {
	switch f.GetType() {
	case descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, descriptorpb.FieldDescriptorProto_TYPE_ENUM,
		descriptorpb.FieldDescriptorProto_TYPE_GROUP:
		return f.GetTypeName()
	}
	return strings.ToLower(strings.TrimPrefix(f.GetType().String(), "TYPE_"))
}

func lastName(typeName string) string {
	return typeName[strings.LastIndexByte(typeName, '.')+1:]
}

// defaultLiteral writes a proto2 default value: descriptors hold strings
// and bytes unquoted (bytes C-escaped), enums by value name.
func defaultLiteral(f *descriptorpb.FieldDescriptorProto) string {
	v := f.GetDefaultValue()
	switch f.GetType() {
	case descriptorpb.FieldDescriptorProto_TYPE_STRING:
		return strconv.Quote(v)
	case descriptorpb.FieldDescriptorProto_TYPE_BYTES:
		return `"` + v + `"` // already escaped as .proto text escapes it
	}
	return v
}

// confluentMetaField is the number of confluent/meta.proto's field_meta
// option, which a descriptor carries as an unknown field of its
// FieldOptions: a decimal's precision and scale, a field's tags.
const confluentMetaField = 1088

// fieldMeta prints the field_meta option in raw (FieldOptions' unknown
// fields) as a text-format message literal: doc, params and tags
// (Meta's fields 1, 2 and 3), the parts the text can be compiled back
// from; ok false when raw holds none.
func fieldMeta(raw []byte) (literal string, ok bool) {
	var parts []string
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return "", false
		}
		raw = raw[n:]
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return "", false
		}
		if num == confluentMetaField && typ == protowire.BytesType {
			meta, _ := protowire.ConsumeBytes(raw[:m])
			parts = append(parts, metaFields(meta)...)
			ok = true
		}
		raw = raw[m:]
	}
	return "{ " + strings.Join(parts, ", ") + " }", ok
}

func metaFields(meta []byte) []string {
	var doc *string
	var params, tags []string
	for len(meta) > 0 {
		num, typ, n := protowire.ConsumeTag(meta)
		if n < 0 {
			break
		}
		meta = meta[n:]
		m := protowire.ConsumeFieldValue(num, typ, meta)
		if m < 0 {
			break
		}
		if typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(meta[:m])
			switch num {
			case 1:
				d := string(v)
				doc = &d
			case 2:
				key, value := mapEntry(v)
				params = append(params, fmt.Sprintf("{ key: %s, value: %s }", strconv.Quote(key), strconv.Quote(value)))
			case 3:
				tags = append(tags, strconv.Quote(string(v)))
			}
		}
		meta = meta[m:]
	}
	var out []string
	if doc != nil {
		out = append(out, "doc: "+strconv.Quote(*doc))
	}
	if len(params) > 0 {
		// A map's entries come in any order; sorted, the same
		// descriptor always prints as the same text.
		slices.Sort(params)
		out = append(out, "params: ["+strings.Join(params, ", ")+"]")
	}
	if len(tags) > 0 {
		out = append(out, "tags: ["+strings.Join(tags, ", ")+"]")
	}
	return out
}

// mapEntry reads a map<string, string> entry: key 1, value 2.
func mapEntry(b []byte) (key, value string) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return
		}
		x, l := protowire.ConsumeBytes(b[n:])
		if l < 0 {
			return
		}
		switch num {
		case 1:
			key = string(x)
		case 2:
			value = string(x)
		}
		b = b[n+l:]
	}
	return
}
