package serde

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/eddysql/eddy/types"
)

// A schema with oneofs at the top and in a nested message, two oneofs in
// one message, and proto3 optional fields (synthetic oneofs) before and
// after them.
const oneofSchema = `syntax = "proto3";
message M {
  optional int32 opt = 1;
  string id = 2;
  oneof payload {
    string text = 3;
    int64 num = 4;
    Sub sub = 5;
  }
  Inner inner = 6;
  oneof extra {
    bool flag = 7;
  }
  optional string note = 8;
}
message Inner {
  string name = 1;
  oneof kind {
    int32 small = 2;
    string big = 3;
  }
}
message Sub { int32 x = 1; }`

// oneofEnv registers oneofSchema as id 1 of t-value.
func oneofEnv(t *testing.T) (Env, protoreflect.MessageDescriptor) {
	t.Helper()
	reg, env := srEnv()
	rs := RegSchema{Type: SchemaProtobuf, Schema: oneofSchema}
	reg.put("t-value", 1, rs)
	fd, err := compileProto(reg, rs)
	if err != nil {
		t.Fatal(err)
	}
	return env, fd.Messages().ByName("M")
}

// oneofFramed frames m as a PROTOBUF record of schema 1, message [0].
func oneofFramed(t *testing.T, m protoreflect.Message) []byte {
	t.Helper()
	body, err := proto.Marshal(m.Interface())
	if err != nil {
		t.Fatal(err)
	}
	return append(appendHeader(nil, 1), append([]byte{0}, body...)...)
}

// oneofCols are the columns ksqlDB infers from oneofSchema, declared
// as a user who copies them from ksqlDB would.
var oneofCols = func() []types.Column {
	f := func(name string, t *types.Type) types.Field { return types.Field{Name: name, Type: t} }
	return []types.Column{
		col("PAYLOAD_0", types.StructOf(f("TEXT", types.StringType), f("NUM", types.BigintType), f("SUB", types.StructOf(f("X", types.IntType))))),
		col("EXTRA_1", types.StructOf(f("FLAG", types.BooleanType))),
		col("OPT", types.IntType),
		col("ID", types.StringType),
		col("INNER", types.StructOf(f("KIND_0", types.StructOf(f("SMALL", types.IntType), f("BIG", types.StringType))), f("NAME", types.StringType))),
		col("NOTE", types.StringType),
	}
}()

func setField(m protoreflect.Message, name string, v protoreflect.Value) {
	m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(name)), v)
}

// A oneof infers as ksqlDB's ProtobufData lays it out: a STRUCT of its
// members named <oneof>_<index>, the oneofs first, then the other fields
// in order; proto3 optional fields stay plain columns.
func TestProtobufOneofInfer(t *testing.T) {
	env, _ := oneofEnv(t)
	cols, _, err := Infer(fmtOf(Protobuf), false, env)
	if err != nil {
		t.Fatal(err)
	}
	want := "`PAYLOAD_0` STRUCT<`TEXT` STRING, `NUM` BIGINT, `SUB` STRUCT<`X` INTEGER>>, " +
		"`EXTRA_1` STRUCT<`FLAG` BOOLEAN>, `OPT` INTEGER, `ID` STRING, " +
		"`INNER` STRUCT<`KIND_0` STRUCT<`SMALL` INTEGER, `BIG` STRING>, `NAME` STRING>, `NOTE` STRING"
	if got := (&types.Schema{Columns: cols}).String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := (&types.Schema{Columns: oneofCols}).String(); got != want {
		t.Errorf("the other tests' oneofCols are %s", got)
	}
}

// Each member of a oneof reads into its field of the STRUCT, the others
// null, a member set to its default value included; no member set reads
// as a NULL STRUCT. Proto3 optional fields read as before.
func TestProtobufOneofDecode(t *testing.T) {
	env, md := oneofEnv(t)
	cols := oneofCols
	s := mustNewFor(t, fmtOf(Protobuf), cols, false, env)
	sub := func() protoreflect.Value {
		m := dynamicpb.NewMessage(md.Fields().ByName("sub").Message())
		setField(m, "x", protoreflect.ValueOfInt32(7))
		return protoreflect.ValueOfMessage(m)
	}
	inner := func(member string, v protoreflect.Value) protoreflect.Value {
		m := dynamicpb.NewMessage(md.Fields().ByName("inner").Message())
		setField(m, "name", protoreflect.ValueOfString("n"))
		if member != "" {
			setField(m, member, v)
		}
		return protoreflect.ValueOfMessage(m)
	}
	for _, tc := range []struct {
		name   string
		fields map[string]protoreflect.Value
		want   []any // PAYLOAD_0, EXTRA_1, OPT, ID, INNER, NOTE
	}{
		{"text", map[string]protoreflect.Value{"id": protoreflect.ValueOfString("a"), "text": protoreflect.ValueOfString("hi")},
			[]any{types.StructVal{"hi", nil, nil}, nil, nil, "a", nil, nil}},
		{"num", map[string]protoreflect.Value{"num": protoreflect.ValueOfInt64(42), "flag": protoreflect.ValueOfBool(true)},
			[]any{types.StructVal{nil, int64(42), nil}, types.StructVal{true}, nil, "", nil, nil}},
		{"num zero", map[string]protoreflect.Value{"num": protoreflect.ValueOfInt64(0), "flag": protoreflect.ValueOfBool(false)},
			[]any{types.StructVal{nil, int64(0), nil}, types.StructVal{false}, nil, "", nil, nil}},
		{"sub", map[string]protoreflect.Value{"sub": sub(), "opt": protoreflect.ValueOfInt32(0), "note": protoreflect.ValueOfString("x")},
			[]any{types.StructVal{nil, nil, types.StructVal{int32(7)}}, nil, int32(0), "", nil, "x"}},
		{"none", map[string]protoreflect.Value{"id": protoreflect.ValueOfString("b"), "inner": inner("", protoreflect.Value{})},
			[]any{nil, nil, nil, "b", types.StructVal{nil, "n"}, nil}},
		{"nested", map[string]protoreflect.Value{"inner": inner("big", protoreflect.ValueOfString("B"))},
			[]any{nil, nil, nil, "", types.StructVal{types.StructVal{nil, "B"}, "n"}, nil}},
	} {
		m := dynamicpb.NewMessage(md)
		for k, v := range tc.fields {
			setField(m, k, v)
		}
		dst := make([]any, len(cols))
		if err := s.Decode(oneofFramed(t, m), dst); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i := range dst {
			if !sameValue(dst[i], tc.want[i]) {
				t.Errorf("%s: %s got %#v want %#v", tc.name, cols[i].Name, dst[i], tc.want[i])
			}
		}
	}

	// Columns named after the members themselves, as eddy inferred them
	// before, still read the members.
	flat := mustNewFor(t, fmtOf(Protobuf), []types.Column{col("TEXT", types.StringType), col("NUM", types.BigintType)}, false, env)
	m := dynamicpb.NewMessage(md)
	setField(m, "num", protoreflect.ValueOfInt64(5))
	dst := make([]any, 2)
	if err := flat.Decode(oneofFramed(t, m), dst); err != nil || dst[0] != nil || dst[1] != int64(5) {
		t.Errorf("member columns: got %#v (%v)", dst, err)
	}
}

// Rows written through a registered schema with oneofs set the member
// whose STRUCT field is non-null and read back the same; a STRUCT with
// two non-null members is refused, one of nulls leaves the oneof unset.
func TestProtobufOneofRoundTrip(t *testing.T) {
	env, md := oneofEnv(t)
	cols := oneofCols
	s := mustNewFor(t, fmtOf(Protobuf, "VALUE_SCHEMA_ID", "1"), cols, false, env)
	for _, tc := range []struct {
		row    []any
		member string // the payload member set on the wire
	}{
		{[]any{types.StructVal{"hi", nil, nil}, nil, int32(3), "a", types.StructVal{types.StructVal{int32(1), nil}, "n"}, "x"}, "text"},
		{[]any{types.StructVal{nil, int64(0), nil}, types.StructVal{false}, nil, "", nil, nil}, "num"},
		{[]any{types.StructVal{nil, nil, types.StructVal{int32(7)}}, nil, nil, "", nil, nil}, "sub"},
		{[]any{nil, nil, nil, "b", nil, nil}, ""},
	} {
		out := roundTrip(t, s, tc.row)
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(out[6:], m); err != nil {
			t.Fatal(err)
		}
		got := ""
		if fd := m.WhichOneof(md.Oneofs().ByName("payload")); fd != nil {
			got = string(fd.Name())
		}
		if got != tc.member {
			t.Errorf("%#v: payload member %q on the wire, want %q", tc.row, got, tc.member)
		}
	}

	// A STRUCT of nulls writes no member: it reads back as NULL.
	out, err := s.Encode([]any{types.StructVal{nil, nil, nil}, nil, nil, "c", nil, nil})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]any, len(cols))
	if err := s.Decode(out, dst); err != nil || dst[0] != nil || dst[3] != "c" {
		t.Errorf("all-null oneof struct: got %#v (%v)", dst, err)
	}
}

func TestProtobufOneofTwoMembersRefused(t *testing.T) {
	env, _ := oneofEnv(t)
	cols := oneofCols
	s := mustNewFor(t, fmtOf(Protobuf, "VALUE_SCHEMA_ID", "1"), cols, false, env)
	for _, row := range [][]any{
		{types.StructVal{"hi", int64(1), nil}, nil, nil, "", nil, nil},
		{nil, nil, nil, "", types.StructVal{types.StructVal{int32(1), "B"}, "n"}, nil},
	} {
		_, err := s.Encode(row)
		if err == nil || !strings.Contains(err.Error(), "holds one value") {
			t.Errorf("%#v: got %v, want a refusal of two oneof members", row, err)
		}
	}
}
