package serde

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/eddysql/eddy/types"
)

var decMapCols = []types.Column{
	col("ID", types.BigintType),
	col("M", types.MapOf(types.StringType, types.DecimalOf(4, 2))),
	col("S", types.StructOf(types.Field{Name: "N", Type: types.MapOf(types.StringType, types.DecimalOf(6, 3))})),
}

func decMapRow() []any {
	return []any{
		int64(7),
		&types.MapVal{Keys: []any{"a", "b"}, Vals: []any{decimal.RequireFromString("1.50"), decimal.RequireFromString("-12.34")}},
		types.StructVal{&types.MapVal{Keys: []any{"x"}, Vals: []any{decimal.RequireFromString("123.456")}}},
	}
}

// inferString infers the columns of t-value as SQL text.
func inferString(t *testing.T, env Env) string {
	t.Helper()
	cols, _, err := Infer(fmtOf(Protobuf), false, env)
	if err != nil {
		t.Fatal(err)
	}
	return (&types.Schema{Columns: cols}).String()
}

const decMapInferred = "`ID` BIGINT, `M` MAP<STRING, DECIMAL(4, 2)>, `S` STRUCT<`N` MAP<STRING, DECIMAL(6, 3)>>"

// TestProtobufDecimalMapRegistersEntries: a MAP of DECIMAL values is
// registered as ksqlDB registers a map, a repeated entry message whose
// value field carries the precision and scale, so that a reader
// inferring the columns from the subject finds DECIMAL(4, 2), not the
// DECIMAL(64, 0) of a confluent.type.Decimal without options, and reads
// the values exactly.
func TestProtobufDecimalMapRegistersEntries(t *testing.T) {
	reg, env := srEnv()
	w := mustNewFor(t, fmtOf(Protobuf), decMapCols, false, env)
	_, rs, err := reg.Latest("t-value")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"repeated ConnectDefault2Entry M = 2;",
		"message ConnectDefault2Entry {\n    string key = 1;\n    confluent.type.Decimal value = 2 [(confluent.field_meta) = { params: [{ key: \"precision\", value: \"4\" }, { key: \"scale\", value: \"2\" }] }];\n  }",
	} {
		if !strings.Contains(rs.Schema, want) {
			t.Errorf("registered schema lacks %q:\n%s", want, rs.Schema)
		}
	}
	if got := inferString(t, env); got != decMapInferred {
		t.Fatalf("inferred %s\nwant     %s", got, decMapInferred)
	}
	data, err := w.Encode(decMapRow())
	if err != nil {
		t.Fatal(err)
	}
	r := mustNewFor(t, fmtOf(Protobuf), decMapCols, false, Env{Topic: "t", Registry: reg, ReadOnly: true})
	got := make([]any, len(decMapCols))
	if err := r.Decode(data, got); err != nil {
		t.Fatal(err)
	}
	for i, want := range decMapRow() {
		if !sameValue(want, got[i]) {
			t.Errorf("column %d: read %v, want %v", i, got[i], want)
		}
	}
}

// legacyDecMapSchema is what eddy registered for decMapCols before: the
// decimal's options on the map<string, ...> field itself.
const legacyDecMapSchema = `syntax = "proto3";

import "confluent/meta.proto";
import "confluent/type/decimal.proto";

message ConnectDefault1 {
  int64 ID = 1;
  map<string, confluent.type.Decimal> M = 2 [(confluent.field_meta) = { params: [{ key: "precision", value: "4" }, { key: "scale", value: "2" }] }];
  ConnectDefault2 S = 3;

  message ConnectDefault2 {
    map<string, confluent.type.Decimal> N = 1 [(confluent.field_meta) = { params: [{ key: "precision", value: "6" }, { key: "scale", value: "3" }] }];
  }
}
`

// TestProtobufDecimalMapLegacyShape: a subject holding eddy's earlier
// shape (params on the map field) is read as DECIMAL(p, s) values, and a
// writer over it keeps that shape (registers the same schema again, which
// a BACKWARD check between the two shapes would refuse) and writes
// records read back exactly.
func TestProtobufDecimalMapLegacyShape(t *testing.T) {
	reg, env := srEnv()
	reg.put("t-value", 1, RegSchema{Type: SchemaProtobuf, Schema: legacyDecMapSchema})
	if got := inferString(t, env); got != decMapInferred {
		t.Fatalf("inferred %s\nwant     %s", got, decMapInferred)
	}
	w := mustNewFor(t, fmtOf(Protobuf), decMapCols, false, env)
	if _, rs, _ := reg.Latest("t-value"); rs.Schema != legacyDecMapSchema {
		t.Fatalf("writer registered\n%s\nover the legacy\n%s", rs.Schema, legacyDecMapSchema)
	}
	roundTrip(t, w, decMapRow())
}

// TestProtobufDecimalMapConfluentShape: a schema declaring the map as
// Confluent's ProtobufData does (a repeated ...Entry message, the
// options on its value) infers MAP<STRING, DECIMAL(p, s)>, and a record
// a client wrote with it reads exactly, in the entries' order.
func TestProtobufDecimalMapConfluentShape(t *testing.T) {
	const schema = `syntax = "proto3";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
message KsqlDataSourceSchema {
  int64 ID = 1;
  repeated MEntry M = 2;
  message MEntry {
    string key = 1;
    confluent.type.Decimal value = 2 [(confluent.field_meta) = { params: [{ key: "precision", value: "4" }, { key: "scale", value: "2" }] }];
  }
}
`
	reg, env := srEnv()
	rs := RegSchema{Type: SchemaProtobuf, Schema: schema}
	reg.put("t-value", 1, rs)
	const want = "`ID` BIGINT, `M` MAP<STRING, DECIMAL(4, 2)>"
	if got := inferString(t, env); got != want {
		t.Fatalf("inferred %s\nwant     %s", got, want)
	}
	fd, err := compileProto(reg, rs)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().Get(0)
	m := dynamicpb.NewMessage(md)
	setField(m, "ID", protoreflect.ValueOfInt64(3))
	mf := md.Fields().ByName("M")
	l := m.Mutable(mf).List()
	for _, kv := range []struct {
		k        string
		unscaled []byte
	}{{"z", []byte{0x00, 0x96}}, {"a", []byte{0xfb, 0x2e}}} { // 1.50, -12.34
		e := l.NewElement()
		setField(e.Message(), "key", protoreflect.ValueOfString(kv.k))
		d := dynamicpb.NewMessage(mf.Message().Fields().ByName("value").Message())
		setField(d, "value", protoreflect.ValueOfBytes(kv.unscaled))
		setField(d, "precision", protoreflect.ValueOfUint32(4))
		setField(d, "scale", protoreflect.ValueOfInt32(2))
		setField(e.Message(), "value", protoreflect.ValueOfMessage(d))
		l.Append(e)
	}
	cols := []types.Column{col("ID", types.BigintType), col("M", types.MapOf(types.StringType, types.DecimalOf(4, 2)))}
	r := mustNewFor(t, fmtOf(Protobuf), cols, false, Env{Topic: "t", Registry: reg, ReadOnly: true})
	got := make([]any, 2)
	if err := r.Decode(oneofFramed(t, m), got); err != nil {
		t.Fatal(err)
	}
	wantM := &types.MapVal{Keys: []any{"z", "a"}, Vals: []any{decimal.RequireFromString("1.50"), decimal.RequireFromString("-12.34")}}
	if got[0] != int64(3) || !sameValue(wantM, got[1]) {
		t.Errorf("read %v %v, want 3 %v", got[0], got[1], wantM)
	}
}

// TestProtobufNullInListIsZero: a null element of an ARRAY of a scalar
// (COLLECT_LIST over a column with nulls) is written as the element
// type's zero value, as the map values' nulls are; it panicked
// ("assigning invalid type <nil>": a repeated field has no default) and
// stopped the query.
func TestProtobufNullInListIsZero(t *testing.T) {
	_, env := srEnv()
	cols := []types.Column{col("S", types.ArrayOf(types.StringType)), col("I", types.ArrayOf(types.BigintType)), col("D", types.ArrayOf(types.DecimalOf(4, 2)))}
	s := mustNewFor(t, fmtOf(Protobuf), cols, false, env)
	data, err := s.Encode([]any{[]any{"a", nil}, []any{nil, int64(2)}, []any{nil}})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]any, 3)
	if err := s.Decode(data, got); err != nil {
		t.Fatal(err)
	}
	want := []any{[]any{"a", ""}, []any{int64(0), int64(2)}, []any{decimal.RequireFromString("0.00")}}
	for i := range want {
		if !sameValue(want[i], got[i]) {
			t.Errorf("column %d: read %#v, want %#v", i, got[i], want[i])
		}
	}
}

// TestProtobufMapsRegisterAsKsqlDB: every MAP is registered as ksqlDB
// registers it, a repeated ConnectDefaultNEntry message that takes its
// number before the structs after it; a subject holding an earlier
// eddy's map<string, V> fields keeps them (pbMapShape).
func TestProtobufMapsRegisterAsKsqlDB(t *testing.T) {
	cols := []types.Column{
		col("ID", types.BigintType),
		col("M", types.MapOf(types.StringType, types.StringType)),
		col("S", types.StructOf(types.Field{Name: "N", Type: types.IntType})),
	}
	const want = `syntax = "proto3";

message ConnectDefault1 {
  int64 ID = 1;
  repeated ConnectDefault2Entry M = 2;
  ConnectDefault3 S = 3;

  message ConnectDefault2Entry {
    string key = 1;
    string value = 2;
  }

  message ConnectDefault3 {
    int32 N = 1;
  }
}
`
	reg, env := srEnv()
	w := mustNewFor(t, fmtOf(Protobuf), cols, false, env)
	if _, rs, err := reg.Latest("t-value"); err != nil || rs.Schema != want {
		t.Fatalf("registered (%v)\n%s\nwant\n%s", err, rs.Schema, want)
	}
	row := []any{int64(1), &types.MapVal{Keys: []any{"k"}, Vals: []any{"v"}}, types.StructVal{int32(2)}}
	roundTrip(t, w, row)

	const earlier = `syntax = "proto3";

message ConnectDefault1 {
  int64 ID = 1;
  map<string, string> M = 2;
  ConnectDefault2 S = 3;

  message ConnectDefault2 {
    int32 N = 1;
  }
}
`
	reg, env = srEnv()
	reg.put("t-value", 1, RegSchema{Type: SchemaProtobuf, Schema: earlier})
	w = mustNewFor(t, fmtOf(Protobuf), cols, false, env)
	if _, rs, _ := reg.Latest("t-value"); rs.Schema != earlier {
		t.Fatalf("writer registered\n%s\nover the earlier\n%s", rs.Schema, earlier)
	}
	roundTrip(t, w, row)
}

// TestProtobufMapShapeOfDecimalEntriesKept: a subject holding the shape
// eddy registered on 2026-12-07 (map<string, V>, entries for DECIMAL
// values) keeps it too.
func TestProtobufMapShapeOfDecimalEntriesKept(t *testing.T) {
	cols := []types.Column{
		col("M", types.MapOf(types.StringType, types.StringType)),
		col("D", types.MapOf(types.StringType, types.DecimalOf(4, 2))),
		col("S", types.StructOf(types.Field{Name: "N", Type: types.IntType})),
	}
	that := protoSchemaFor(cols, "", pbNullDefault, pbMapNativeButDecimal)
	if !strings.Contains(that, "map<string, string> M = 1;") || !strings.Contains(that, "repeated ConnectDefault2Entry D = 2;") {
		t.Fatalf("not that day's shape:\n%s", that)
	}
	reg, env := srEnv()
	reg.put("t-value", 1, RegSchema{Type: SchemaProtobuf, Schema: that})
	w := mustNewFor(t, fmtOf(Protobuf), cols, false, env)
	if _, rs, _ := reg.Latest("t-value"); rs.Schema != that {
		t.Fatalf("writer registered\n%s\nover\n%s", rs.Schema, that)
	}
	roundTrip(t, w, []any{
		&types.MapVal{Keys: []any{"k"}, Vals: []any{"v"}},
		&types.MapVal{Keys: []any{"d"}, Vals: []any{decimal.RequireFromString("1.25")}},
		types.StructVal{int32(3)},
	})
}
