package serde

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// RenderWithRegistry renders a Schema-Registry-framed record (magic byte
// 0, a 4-byte schema id, the body) as JSON text using its writer schema,
// for PRINT. ok is false when b is not such a record or its schema cannot
// be read (format then names the schema's type when the registry knows the
// id); PRINT then falls back to the plain detectors. PRINT is not a
// hot path, so the general-purpose decoders are good enough here.
func RenderWithRegistry(b []byte, reg Registry) (format, text string, ok bool) {
	if reg == nil || len(b) < 5 || b[0] != 0 {
		return "", "", false
	}
	id := int(binary.BigEndian.Uint32(b[1:5]))
	rs, err := reg.ByID(id)
	if err != nil {
		return "", "", false
	}
	format = formatOfRegType(rs.Type)
	text, ok = renderWithSchema(format, rs, id, b, reg)
	return format, text, ok
}

// renderWithSchema renders the framed record b with its writer schema rs,
// of format.
func renderWithSchema(format string, rs RegSchema, id int, b []byte, reg Registry) (string, bool) {
	body := b[5:]
	switch format {
	case Avro:
		// Decode with eddy's own Avro serde over columns read from the
		// writer schema, then render those columns as JSON in order.
		wrapped := strings.HasPrefix(strings.TrimSpace(rs.Schema), "{") && strings.Contains(rs.Schema, `"record"`)
		sch, err := parseAvroSchema(reg, rs)
		if err != nil {
			return "", false
		}
		cols, err := avroColumnsOf(sch, !wrapped, false)
		if err != nil {
			return "", false
		}
		props := map[string]string{PropSchemaID: fmt.Sprint(id)}
		jsonProps := map[string]string{}
		if !wrapped {
			props["WRAP_SINGLE_VALUE"] = "false"
			jsonProps["WRAP_SINGLE_VALUE"] = "false"
		}
		dec, err := NewFor(Format{Name: Avro, Props: props}, cols, false, Env{Registry: reg, ReadOnly: true})
		if err != nil {
			return "", false
		}
		row := make([]any, len(cols))
		if err := dec.Decode(b, row); err != nil {
			return "", false
		}
		enc, err := New(Format{Name: JSON, Props: jsonProps}, cols, false)
		if err != nil {
			return "", false
		}
		out, err := enc.Encode(row)
		if err != nil {
			return "", false
		}
		return string(out), true
	case JSONSR:
		if !json.Valid(body) {
			return "", false
		}
		return string(body), true
	case Protobuf:
		fd, err := compileProto(reg, rs)
		if err != nil {
			return "", false
		}
		var msg protoreflect.Message
		exact := false
		path, rest, err := readMsgIndexes(body)
		if err == nil {
			var md protoreflect.MessageDescriptor
			if md, err = messageAt(fd, path); err == nil {
				msg, exact, err = readMessage(md, rest)
			}
		}
		if err != nil || !exact {
			_, m, ok := nonstandardFraming(fd, body, "")
			switch {
			case ok:
				msg = m
			case err != nil:
				return "", false
			}
		}
		out, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg.Interface())
		if err != nil {
			return "", false
		}
		return string(out), true
	}
	return "", false
}
