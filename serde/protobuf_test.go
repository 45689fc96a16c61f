package serde

import (
	"encoding/binary"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/eddysql/eddy/types"
)

// Protobuf cannot carry null inside lists and maps; use a row without them.
var pbRow = func() []any {
	r := append([]any(nil), allRow...)
	r[10] = []any{"a", "", "c"}
	r[11] = &types.MapVal{Keys: []any{"x", "y"}, Vals: []any{int64(1), int64(0)}}
	return r
}()

func TestProtobufRoundTripAllTypes(t *testing.T) {
	for _, nullable := range []string{"", "OPTIONAL", "WRAPPER"} {
		for _, name := range []string{Protobuf, ProtobufNoSR} {
			reg, env := srEnv()
			f := fmtOf(name)
			if nullable != "" {
				f.Props["VALUE_PROTOBUF_NULLABLE_REPRESENTATION"] = nullable
			}
			s := mustNewFor(t, f, allCols, false, env)
			out := roundTrip(t, s, pbRow)
			if name == Protobuf {
				id, _, err := reg.Latest("t-value")
				if err != nil {
					t.Fatal(err)
				}
				if out[0] != 0 || int(binary.BigEndian.Uint32(out[1:5])) != id || out[5] != 0 {
					t.Errorf("%s: header % x, want magic 0, id %d, message index 0", name, out[:6], id)
				}
			}
			// Each column alone, as key and value.
			for i, c := range allCols {
				for _, isKey := range []bool{false, true} {
					if isKey && c.Type.Kind == types.Map {
						continue
					}
					s := mustNewFor(t, f, []types.Column{c}, isKey, env)
					roundTrip(t, s, []any{pbRow[i]})
				}
			}
		}
	}
}

func TestProtobufNulls(t *testing.T) {
	cols := []types.Column{col("I", types.IntType), col("L", types.BigintType), col("D", types.DoubleType), col("B", types.BooleanType), col("S", types.StringType), col("ST", innerT), col("DEC", types.DecimalOf(4, 2))}
	nulls := make([]any, len(cols))
	for _, tc := range []struct {
		nullable string
		want     []any
	}{
		{"", []any{int32(0), int64(0), 0.0, false, "", nil, nil}},
		{"OPTIONAL", nulls},
		{"WRAPPER", nulls},
	} {
		_, env := srEnv()
		s := mustNewFor(t, fmtOf(ProtobufNoSR, "PROTOBUF_NULLABLE_REPRESENTATION", tc.nullable), cols, false, env)
		out, err := s.Encode(nulls)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]any, len(cols))
		if err := s.Decode(out, dst); err != nil {
			t.Fatal(err)
		}
		for i := range dst {
			if !sameValue(dst[i], tc.want[i]) {
				t.Errorf("%q %s: got %#v want %#v", tc.nullable, cols[i].Name, dst[i], tc.want[i])
			}
		}
	}
}

// The schemas of protobuf.json's post.topics.
func TestProtobufGeneratedSchemas(t *testing.T) {
	cols := []types.Column{col("I", types.IntType), col("L", types.BigintType), col("D", types.DoubleType), col("B", types.BooleanType), col("S", types.StringType)}
	for nullable, want := range map[string]string{
		"":         "syntax = \"proto3\";\n\nmessage ConnectDefault1 {\n  int32 I = 1;\n  int64 L = 2;\n  double D = 3;\n  bool B = 4;\n  string S = 5;\n}\n",
		"OPTIONAL": "syntax = \"proto3\";\n\nmessage ConnectDefault1 {\n  optional int32 I = 1;\n  optional int64 L = 2;\n  optional double D = 3;\n  optional bool B = 4;\n  optional string S = 5;\n}\n",
		"WRAPPER":  "syntax = \"proto3\";\n\nimport \"google/protobuf/wrappers.proto\";\n\nmessage ConnectDefault1 {\n  google.protobuf.Int32Value I = 1;\n  google.protobuf.Int64Value L = 2;\n  google.protobuf.DoubleValue D = 3;\n  google.protobuf.BoolValue B = 4;\n  google.protobuf.StringValue S = 5;\n}\n",
	} {
		reg, env := srEnv()
		mustNewFor(t, fmtOf(Protobuf, "VALUE_PROTOBUF_NULLABLE_REPRESENTATION", nullable), cols, false, env)
		_, got, _ := reg.Latest("t-value")
		if got.Schema != want || got.Type != SchemaProtobuf {
			t.Errorf("%q:\n%s\nwant\n%s", nullable, got.Schema, want)
		}
	}
	// Full names and nested structs.
	reg, env := srEnv()
	mustNewFor(t, fmtOf(Protobuf, "VALUE_SCHEMA_FULL_NAME", "com.acme.ProtobufValue2"), []types.Column{col("S", innerT), col("A", types.ArrayOf(innerT))}, false, env)
	_, got, _ := reg.Latest("t-value")
	for _, want := range []string{"package com.acme;", "message ProtobufValue2 {", "ConnectDefault2 S = 1;", "repeated ConnectDefault3 A = 2;", "  message ConnectDefault2 {\n    string F1 = 1;"} {
		if !strings.Contains(got.Schema, want) {
			t.Errorf("missing %q in\n%s", want, got.Schema)
		}
	}
}

// Columns inferred from the corpus' registered schemas.
func TestProtobufInfer(t *testing.T) {
	for _, tc := range []struct {
		schema, fullName, want string
	}{
		{`syntax = "proto3"; message ConfluentDefault1 {bool c1 = 1; int32 c2 = 2; int64 c3 = 3; double c4 = 4; string c5 = 5;}`, "",
			"`C1` BOOLEAN, `C2` INTEGER, `C3` BIGINT, `C4` DOUBLE, `C5` STRING"},
		{`syntax = "proto3"; import 'google/protobuf/wrappers.proto'; message ConfluentDefault1 {google.protobuf.BoolValue c1 = 1; google.protobuf.Int32Value c2 = 2; google.protobuf.Int64Value c3 = 3; google.protobuf.DoubleValue c4 = 4; google.protobuf.StringValue c5 = 5;}`, "",
			"`C1` BOOLEAN, `C2` INTEGER, `C3` BIGINT, `C4` DOUBLE, `C5` STRING"},
		{`syntax = "proto3"; import "confluent/type/decimal.proto"; message ConfluentDefault1 {bool c1 = 1; confluent.type.Decimal c6 = 6 [(confluent.field_meta) = { params: [{ value: "4", key: "precision" }, { value: "2", key: "scale" }]}];}`, "",
			"`C1` BOOLEAN, `C6` DECIMAL(4, 2)"},
		// Confluent data contracts tag fields and document them.
		{`syntax = "proto3"; import "confluent/meta.proto"; message M {string email = 1 [(confluent.field_meta) = { tags: ["PII"], doc: "who" }]; string name = 2 [(confluent.field_meta).tags = "PRIVATE"];}`, "",
			"`EMAIL` STRING, `NAME` STRING"},
		{`syntax = "proto3"; message ConfluentDefault1 {enum Suit {SPADES = 0; HEARTS = 1;} Suit c1 = 1; message Something {int32 f1 = 1;} Something c2 = 2; repeated string c3 = 3; map<string, int64> c4 = 4;}`, "",
			"`C1` STRING, `C2` STRUCT<`F1` INTEGER>, `C3` ARRAY<STRING>, `C4` MAP<STRING, BIGINT>"},
		{`syntax = "proto3"; message ProtobufValue1 {float c1 = 1; uint32 c2 = 2;} message ProtobufValue2 {uint32 c1 = 1;}`, "ProtobufValue2",
			"`C1` BIGINT"},
	} {
		reg, env := srEnv()
		reg.put("t-value", 1, RegSchema{Type: SchemaProtobuf, Schema: tc.schema})
		f := fmtOf(Protobuf)
		if tc.fullName != "" {
			f.Props["VALUE_SCHEMA_FULL_NAME"] = tc.fullName
		}
		cols, _, err := Infer(f, false, env)
		if err != nil {
			t.Errorf("%s: %v", tc.schema, err)
			continue
		}
		if got := (&types.Schema{Columns: cols}).String(); got != tc.want {
			t.Errorf("got %s\nwant %s", got, tc.want)
		}
	}
	reg, env := srEnv()
	reg.put("t-value", 1, RegSchema{Type: SchemaProtobuf, Schema: `syntax = "proto3"; message ProtobufValue1 {float c1 = 1;}`})
	_, _, err := Infer(fmtOf(Protobuf, "VALUE_SCHEMA_FULL_NAME", "ProtobufValue1000"), false, Env{Topic: "t", Registry: reg})
	if err == nil || err.Error() != "Schema for message values on topic 't' does not exist in the Schema Registry." {
		t.Errorf("unknown message: %v", err)
	}
	_ = env
}

// (confluent.field_meta) is extension 1088, as in Confluent's meta.proto:
// a descriptor a client sends carries a decimal's precision and scale
// under that number.
func TestProtobufConfluentMetaNumber(t *testing.T) {
	fd, err := compileProto(nil, RegSchema{Schema: `syntax = "proto3"; import "confluent/type/decimal.proto";
message M { confluent.type.Decimal d = 1 [(confluent.field_meta) = { params: [{ key: "precision", value: "9" }, { key: "scale", value: "3" }] }]; }`})
	if err != nil {
		t.Fatal(err)
	}
	f := fd.Messages().ByName("M").Fields().ByName("d")
	b, err := proto.Marshal(f.Options())
	if err != nil {
		t.Fatal(err)
	}
	if num, typ, n := protowire.ConsumeTag(b); n < 0 || num != 1088 || typ != protowire.BytesType {
		t.Fatalf("options % x: field %d, want 1088", b, num)
	}
	if p, s := decimalMeta(f); p != 9 || s != 3 {
		t.Fatalf("decimal(%d, %d), want (9, 3)", p, s)
	}
}

// Records written by another producer: a second message (index path [1]),
// schema references, other scalar kinds.
func TestProtobufDecodeForeign(t *testing.T) {
	reg, env := srEnv()
	reg.put("event.proto", 5, RegSchema{Type: SchemaProtobuf, Schema: "syntax = \"proto3\";\n\nmessage Event {\n int64 timestamp = 1;\n}"})
	schema := "syntax = \"proto3\";\nimport \"event.proto\";\nmessage Other { string x = 1; }\nmessage Logistics {\n Event event = 1;\n sint32 s = 2;\n float f = 3;\n}"
	reg.put("t-value", 10, RegSchema{Type: SchemaProtobuf, Schema: schema, References: []RegReference{{Name: "event.proto", Subject: "event.proto", Version: 1}}})
	rs, _ := reg.ByID(10)
	fd, err := compileProto(reg, rs)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().ByName("Logistics")
	m := dynamicpb.NewMessage(md)
	ev := m.Mutable(md.Fields().ByName("event")).Message()
	ev.Set(ev.Descriptor().Fields().ByName("timestamp"), protoreflect.ValueOfInt64(1))
	m.Set(md.Fields().ByName("s"), protoreflect.ValueOfInt32(-3))
	m.Set(md.Fields().ByName("f"), protoreflect.ValueOfFloat32(1.1234))
	body, _ := proto.Marshal(m)
	data := append([]byte{0, 0, 0, 0, 10, 2, 2}, body...) // indexes: count 1, index 1 (zigzag)
	cols, _, err := Infer(fmtOf(Protobuf, "VALUE_SCHEMA_ID", "10", "VALUE_SCHEMA_FULL_NAME", "Logistics"), false, env)
	if err != nil {
		t.Fatal(err)
	}
	if got := (&types.Schema{Columns: cols}).String(); got != "`event` STRUCT<`timestamp` BIGINT>, `s` INTEGER, `f` DOUBLE" {
		t.Errorf("inferred %s", got)
	}
	s := mustNewFor(t, fmtOf(Protobuf, "VALUE_SCHEMA_ID", "10", "VALUE_SCHEMA_FULL_NAME", "Logistics"), cols, false, env)
	dst := make([]any, 3)
	if err := s.Decode(data, dst); err != nil {
		t.Fatal(err)
	}
	if !sameValue(dst[0], types.StructVal{int64(1)}) || dst[1] != int32(-3) || types.FormatDouble(dst[2].(float64)) != "1.1233999729156494" {
		t.Errorf("got %#v", dst)
	}
	// And eddy writes with the same id and the [1] index path.
	out, err := s.Encode(dst)
	if err != nil {
		t.Fatal(err)
	}
	if string(out[:7]) != string(data[:7]) {
		t.Errorf("header % x, want % x", out[:7], data[:7])
	}
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{[]byte{0, 0, 0, 0, 10, 2, 8}, "message index [4] does not exist"},
		{[]byte{0, 0, 0, 0, 10}, "truncated PROTOBUF message indexes"},
		{[]byte{0, 0, 0, 0, 10, 2, 2, 0xff}, "cannot read PROTOBUF message"},
		{[]byte{3, 0, 0, 0, 10, 0}, "unknown magic byte 3"},
	} {
		if err := s.Decode(tc.data, dst); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("% x: got %v want %q", tc.data, err, tc.want)
		}
	}
}

func TestProtobufCheck(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		cols []types.Column
		want string
	}{
		{fmtOf(Protobuf), []types.Column{col("FOO", types.MapOf(types.IntType, types.DoubleType))}, "PROTOBUF format only supports MAP types with STRING keys"},
		{fmtOf(Protobuf, "WRAP_SINGLE_VALUE", "false"), []types.Column{col("FOO", types.IntType)}, "Format 'PROTOBUF' does not support 'WRAP_SINGLE_VALUE' set to 'false'."},
		{fmtOf(Protobuf, "VALUE_PROTOBUF_NULLABLE_REPRESENTATION", "maybe"), []types.Column{col("FOO", types.IntType)}, "PROTOBUF_NULLABLE_REPRESENTATION"},
	} {
		if err := Check(tc.f, tc.cols, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v want %q", err, tc.want)
		}
	}
}

// An unset proto3 bytes field reads as null, at the top level and in a
// nested message; other unset scalars read as their defaults.
func TestProtobufUnsetBytesIsNull(t *testing.T) {
	inner := types.StructOf(types.Field{Name: "X", Type: types.IntType}, types.Field{Name: "BS", Type: types.BytesType})
	cols := []types.Column{col("I", types.IntType), col("B", types.BytesType), col("ST", inner)}
	for _, name := range []string{Protobuf, ProtobufNoSR} {
		_, env := srEnv()
		s := mustNewFor(t, fmtOf(name), cols, false, env)
		for _, b := range [][]byte{nil, {}} {
			out, err := s.Encode([]any{int32(1), b, types.StructVal{nil, b}})
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]any, len(cols))
			if err := s.Decode(out, dst); err != nil {
				t.Fatal(err)
			}
			if dst[0] != int32(1) || dst[1] != nil {
				t.Errorf("%s %#v: got %#v, want 1 and null bytes", name, b, dst[:2])
			}
			if sv, ok := dst[2].(types.StructVal); !ok || sv[0] != int32(0) || sv[1] != nil {
				t.Errorf("%s %#v: struct got %#v, want {0, null}", name, b, dst[2])
			}
		}
		out := roundTrip(t, s, []any{int32(1), []byte{0}, types.StructVal{int32(2), []byte("x")}})
		if len(out) == 0 {
			t.Errorf("%s: empty encoding", name)
		}
	}
}

// A key message that is present but empty (a key struct whose fields were
// null when written) reads as the proto3 defaults; no key bytes read as
// null key columns.
func TestProtobufKeyPresence(t *testing.T) {
	for _, tc := range []struct {
		typ  *types.Type
		want any
	}{
		{types.IntType, int32(0)},
		{types.BigintType, int64(0)},
		{types.DoubleType, 0.0},
		{types.BooleanType, false},
		{types.StringType, ""},
		{types.ArrayOf(types.StringType), []any{}},
	} {
		_, env := srEnv()
		s := mustNewFor(t, fmtOf(Protobuf), []types.Column{col("F1", tc.typ)}, true, env)
		// Frame an empty message with the writer's header.
		framed, err := s.Encode([]any{tc.want})
		if err != nil {
			t.Fatal(err)
		}
		if len(framed) != 6 {
			t.Fatalf("%s: default key encodes as % x, want a 6-byte header and an empty body", tc.typ, framed)
		}
		dst := []any{"x"}
		if err := s.Decode(framed, dst); err != nil {
			t.Fatal(err)
		}
		if !sameValue(dst[0], tc.want) {
			t.Errorf("%s: empty key message read as %#v, want %#v", tc.typ, dst[0], tc.want)
		}
		dst[0] = "x"
		if err := s.Decode(nil, dst); err != nil || dst[0] != nil {
			t.Errorf("%s: no key bytes read as %#v (%v), want null", tc.typ, dst[0], err)
		}
	}
}

// Records framed with the schema id but no message indexes, as
// @kafkajs/confluent-schema-registry writes PROTOBUF, read as the message
// the stream declares, and records whose indexes are unsigned varints, as
// confluent-kafka-python before 1.8.2 wrote them, as the message they
// name; bytes that do not read as that message with every field known
// still fail with the index error, and PRINT renders each kind of record.
func TestProtobufNonstandardFraming(t *testing.T) {
	reg, env := srEnv()
	schema := "syntax = \"proto3\";\nmessage Order {\n int64 id = 1;\n string customer = 2;\n repeated Item items = 3;\n}\nmessage Item { string sku = 1; int32 qty = 2; }"
	reg.put("t-value", 7, RegSchema{Type: SchemaProtobuf, Schema: schema})
	rs, _ := reg.ByID(7)
	fd, err := compileProto(reg, rs)
	if err != nil {
		t.Fatal(err)
	}
	order, item := fd.Messages().ByName("Order"), fd.Messages().ByName("Item")
	m := dynamicpb.NewMessage(order)
	m.Set(order.Fields().ByName("id"), protoreflect.ValueOfInt64(42))
	m.Set(order.Fields().ByName("customer"), protoreflect.ValueOfString("ann"))
	it := m.Mutable(order.Fields().ByName("items")).List().NewElement()
	it.Message().Set(item.Fields().ByName("sku"), protoreflect.ValueOfString("s1"))
	it.Message().Set(item.Fields().ByName("qty"), protoreflect.ValueOfInt32(3))
	m.Mutable(order.Fields().ByName("items")).List().Append(it)
	body, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	header := []byte{0, 0, 0, 0, 7}
	for _, name := range []string{"", "Order"} { // the first message, and named
		props := []string{"VALUE_SCHEMA_ID", "7"}
		if name != "" {
			props = append(props, "VALUE_SCHEMA_FULL_NAME", name)
		}
		cols, _, err := Infer(fmtOf(Protobuf, props...), false, env)
		if err != nil {
			t.Fatal(err)
		}
		s := mustNewFor(t, fmtOf(Protobuf, props...), cols, false, env)
		dst := make([]any, len(cols))
		for _, framed := range [][]byte{
			append(append(append([]byte(nil), header...), 0), body...), // Confluent's framing
			append(append([]byte(nil), header...), body...),            // no message indexes
		} {
			clear(dst)
			if err := s.Decode(framed, dst); err != nil {
				t.Fatalf("full name %q, % x…: %v", name, framed[:6], err)
			}
			want := []any{int64(42), "ann", []any{types.StructVal{"s1", int32(3)}}}
			for i := range want {
				if !sameValue(dst[i], want[i]) {
					t.Fatalf("full name %q, % x…: column %s = %#v, want %#v", name, framed[:6], cols[i].Name, dst[i], want[i])
				}
			}
			if format, text, ok := RenderWithRegistry(framed, reg); !ok || format != Protobuf || !strings.Contains(text, `"customer":"ann"`) {
				t.Errorf("PRINT of % x…: %s %s %v", framed[:6], format, text, ok)
			}
		}
		// confluent-kafka-python 1.7 wrote Item's index path [1] as 01 01
		// (zigzag: count -1).
		itemCols, _, err := Infer(fmtOf(Protobuf, "VALUE_SCHEMA_ID", "7", "VALUE_SCHEMA_FULL_NAME", "Item"), false, env)
		if err != nil {
			t.Fatal(err)
		}
		items := mustNewFor(t, fmtOf(Protobuf, "VALUE_SCHEMA_ID", "7", "VALUE_SCHEMA_FULL_NAME", "Item"), itemCols, false, env)
		itemBody, err := proto.Marshal(it.Message().Interface())
		if err != nil {
			t.Fatal(err)
		}
		oldPython := append(append(append([]byte(nil), header...), 1, 1), itemBody...)
		got := make([]any, len(itemCols))
		if err := items.Decode(oldPython, got); err != nil || got[0] != "s1" || got[1] != int32(3) {
			t.Errorf("unsigned index path [1]: %#v, %v", got, err)
		}
		if format, text, ok := RenderWithRegistry(oldPython, reg); !ok || format != Protobuf || !strings.Contains(text, `"sku":"s1"`) {
			t.Errorf("PRINT of unsigned index path [1]: %s %s %v", format, text, ok)
		}
		for _, tc := range []struct {
			body []byte
			want string
		}{
			{[]byte{0x08}, "truncated PROTOBUF message indexes"},               // count 4, nothing after; not an Order either
			{[]byte{0x48, 0x01}, "truncated PROTOBUF message indexes"},         // field 9 is not Order's
			{[]byte{0x03, 0x02, 0x02, 0x02}, "invalid PROTOBUF message index"}, // count -2; not protobuf
			{nil, "truncated PROTOBUF message indexes"},
		} {
			framed := append(append([]byte(nil), header...), tc.body...)
			if err := s.Decode(framed, dst); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("body % x: %v, want %q", tc.body, err, tc.want)
			}
			// PRINT cannot render it, but names the schema's format.
			if format, text, ok := RenderWithRegistry(framed, reg); ok || format != Protobuf {
				t.Errorf("PRINT of body % x: %s %q %v, want format %s and no text", tc.body, format, text, ok, Protobuf)
			}
		}
	}
}

// TestProtobufReferencePinsItsVersion: a schema imports version 1 of a
// shared file whose version 2 renamed its message. The schema compiles
// against the version its reference names, not the latest, so records
// written with it still decode.
func TestProtobufReferencePinsItsVersion(t *testing.T) {
	reg, env := srEnv()
	reg.put("shared.proto", 5, RegSchema{Type: SchemaProtobuf, Schema: "syntax = \"proto3\";\nmessage Place { string city = 1; }"})
	reg.put("shared.proto", 6, RegSchema{Type: SchemaProtobuf, Schema: "syntax = \"proto3\";\nmessage Location { string town = 1; }"})
	schema := "syntax = \"proto3\";\nimport \"shared.proto\";\nmessage Visit { Place at = 1; int32 n = 2; }"
	reg.put("v-value", 10, RegSchema{Type: SchemaProtobuf, Schema: schema, References: []RegReference{{Name: "shared.proto", Subject: "shared.proto", Version: 1}}})
	f := fmtOf(Protobuf, "VALUE_SCHEMA_ID", "10")
	cols, _, err := Infer(f, false, env)
	if err != nil {
		t.Fatalf("a schema importing version 1 of shared.proto: %v", err)
	}
	if got := (&types.Schema{Columns: cols}).String(); got != "`at` STRUCT<`city` STRING>, `n` INTEGER" {
		t.Fatalf("inferred %s", got)
	}
	rs, _ := reg.ByID(10)
	fd, err := compileProto(reg, rs)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().ByName("Visit")
	m := dynamicpb.NewMessage(md)
	at := m.Mutable(md.Fields().ByName("at")).Message()
	at.Set(at.Descriptor().Fields().ByName("city"), protoreflect.ValueOfString("Lyon"))
	m.Set(md.Fields().ByName("n"), protoreflect.ValueOfInt32(3))
	body, _ := proto.Marshal(m)
	s := mustNewFor(t, f, cols, false, env)
	dst := make([]any, 2)
	if err := s.Decode(append([]byte{0, 0, 0, 0, 10, 0}, body...), dst); err != nil {
		t.Fatal(err)
	}
	if !sameValue(dst[0], types.StructVal{"Lyon"}) || dst[1] != int32(3) {
		t.Errorf("decoded %#v", dst)
	}
}

// TestProtobufOldPythonNestedMessage: confluent-kafka-python before 1.8.2
// wrote a nested message's index path [0, 1] as unsigned varints,
// 02 00 01, which Confluent's zigzag reading takes for [0] followed by a
// body that is not that message; it is read as the nested message it
// names (every such record went to the processing log).
func TestProtobufOldPythonNestedMessage(t *testing.T) {
	reg, env := srEnv()
	schema := "syntax = \"proto3\";\nmessage Reading {\n string device = 1;\n message Meta { string k = 1; }\n message Location { double lat = 1; double lon = 2; }\n}"
	reg.put("r-value", 9, RegSchema{Type: SchemaProtobuf, Schema: schema})
	rs, _ := reg.ByID(9)
	fd, err := compileProto(reg, rs)
	if err != nil {
		t.Fatal(err)
	}
	loc := fd.Messages().ByName("Reading").Messages().ByName("Location")
	m := dynamicpb.NewMessage(loc)
	m.Set(loc.Fields().ByName("lat"), protoreflect.ValueOfFloat64(52.5))
	m.Set(loc.Fields().ByName("lon"), protoreflect.ValueOfFloat64(13.25))
	body, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	f := fmtOf(Protobuf, "VALUE_SCHEMA_ID", "9", "VALUE_SCHEMA_FULL_NAME", "Reading.Location")
	cols, _, err := Infer(f, false, env)
	if err != nil {
		t.Fatal(err)
	}
	s := mustNewFor(t, f, cols, false, env)
	for _, indexes := range [][]byte{{0x04, 0x00, 0x02}, {0x02, 0x00, 0x01}} { // Confluent's zigzag, old Python's unsigned
		framed := append(append([]byte{0, 0, 0, 0, 9}, indexes...), body...)
		got := make([]any, len(cols))
		if err := s.Decode(framed, got); err != nil || got[0] != 52.5 || got[1] != 13.25 {
			t.Errorf("indexes % x: %#v, %v", indexes, got, err)
		}
		if _, text, ok := RenderWithRegistry(framed, reg); !ok || !strings.Contains(text, `"lon":13.25`) {
			t.Errorf("PRINT with indexes % x: %s %v", indexes, text, ok)
		}
	}
}
