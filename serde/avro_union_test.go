package serde

import (
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/eddysql/eddy/types"
)

// avroUnionWriter has unions of several non-null types at the top of the
// record, without null, and inside an array, a map and a record; their
// named branches have namespaces, which the field names drop.
const avroUnionWriter = `{"type":"record","name":"u","namespace":"com.acme","fields":[
	{"name":"v","type":["null","string","long"]},
	{"name":"w","type":["int","boolean"]},
	{"name":"arr","type":{"type":"array","items":["null","string",
		{"type":"record","name":"Point","namespace":"geo","fields":[{"name":"x","type":"int"}]}]}},
	{"name":"m","type":{"type":"map","values":["double",
		{"type":"enum","name":"Color","symbols":["RED","GREEN"]},
		{"type":"fixed","name":"Md5","size":2}]}},
	{"name":"rec","type":{"type":"record","name":"Inner","fields":[
		{"name":"t","type":["null",{"type":"long","logicalType":"timestamp-millis"},"bytes"]}]}}
]}`

var (
	unionV   = types.StructOf(types.Field{Name: "STRING", Type: types.StringType}, types.Field{Name: "LONG", Type: types.BigintType})
	unionW   = types.StructOf(types.Field{Name: "INT", Type: types.IntType}, types.Field{Name: "BOOLEAN", Type: types.BooleanType})
	pointT   = types.StructOf(types.Field{Name: "X", Type: types.IntType})
	unionArr = types.StructOf(types.Field{Name: "STRING", Type: types.StringType}, types.Field{Name: "POINT", Type: pointT})
	unionM   = types.StructOf(types.Field{Name: "DOUBLE", Type: types.DoubleType}, types.Field{Name: "COLOR", Type: types.StringType}, types.Field{Name: "MD5", Type: types.BytesType})
	unionT   = types.StructOf(types.Field{Name: "LONG", Type: types.TimestampType}, types.Field{Name: "BYTES", Type: types.BytesType})

	unionCols = []types.Column{
		col("V", unionV),
		col("W", unionW),
		col("ARR", types.ArrayOf(unionArr)),
		col("M", types.MapOf(types.StringType, unionM)),
		col("REC", types.StructOf(types.Field{Name: "T", Type: unionT})),
	}
)

// unionEnv registers avroUnionWriter as the latest value schema of topic
// "in", id 42.
func unionEnv() (*memRegistry, Env) {
	reg, env := srEnv()
	reg.put("in-value", 42, RegSchema{Type: SchemaAvro, Schema: avroUnionWriter})
	env.Topic = "in"
	return reg, env
}

// goavroUnionRecord writes a record of avroUnionWriter with goavro, an
// independent writer, as the Confluent wire format of schema id 42.
func goavroUnionRecord(t *testing.T, native map[string]any) []byte {
	t.Helper()
	codec, err := goavro.NewCodec(avroUnionWriter)
	if err != nil {
		t.Fatal(err)
	}
	body, err := codec.BinaryFromNative(nil, native)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{0, 0, 0, 0, 42}, body...)
}

// A union of several non-null types is a STRUCT of a field per non-null
// branch, named by the branch's type (or simple name), as ksqlDB infers
// it through Connect's AvroData.
func TestAvroUnionInference(t *testing.T) {
	_, env := unionEnv()
	got, id, err := Infer(Format{Name: Avro}, false, env)
	if err != nil {
		t.Fatal(err)
	}
	if id != 42 || len(got) != len(unionCols) {
		t.Fatalf("inferred id %d, columns %v", id, got)
	}
	for i, c := range unionCols {
		if got[i].Name != c.Name || !got[i].Type.Equal(c.Type) {
			t.Errorf("column %d: got %s %s, want %s %s", i, got[i].Name, got[i].Type, c.Name, c.Type)
		}
	}
	if s := got[0].Type.String(); s != "STRUCT<`STRING` STRING, `LONG` BIGINT>" {
		t.Errorf("V renders as %s", s)
	}
}

// Two branches that give one field name (records of one name in two
// namespaces) are refused, as AvroData refuses them.
func TestAvroUnionInferenceDuplicateNames(t *testing.T) {
	_, err := avroColumns(`{"type":"record","name":"r","fields":[{"name":"v","type":[
		{"type":"record","name":"a.X","fields":[]},{"type":"record","name":"b.X","fields":[]}]}]}`, false, false)
	if err == nil || !strings.Contains(err.Error(), "two branches of the union map to the STRUCT field X") {
		t.Errorf("got %v", err)
	}
	if _, err := avroColumns(`{"type":"record","name":"r","fields":[{"name":"v","type":["null"]}]}`, false, false); err == nil {
		t.Error("a union of only null has no SQL type")
	}
}

// Each branch of a union sets its field of the STRUCT, and only it; a null
// is a NULL STRUCT. Read into the inferred columns and into the same
// columns declared, of records goavro writes.
func TestAvroUnionDecode(t *testing.T) {
	_, env := unionEnv()
	inferred, _, err := Infer(Format{Name: Avro}, false, env)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		native map[string]any
		want   []any
	}{
		{
			"string branches",
			map[string]any{
				"v": goavro.Union("string", "hi"), "w": goavro.Union("int", 7),
				"arr": []any{goavro.Union("string", "a"), nil, goavro.Union("geo.Point", map[string]any{"x": 3})},
				"m":   map[string]any{"k": goavro.Union("com.acme.Color", "GREEN")},
				"rec": map[string]any{"t": goavro.Union("long.timestamp-millis", int64(1500))},
			},
			[]any{
				types.StructVal{"hi", nil}, types.StructVal{int32(7), nil},
				[]any{types.StructVal{"a", nil}, nil, types.StructVal{nil, types.StructVal{int32(3)}}},
				&types.MapVal{Keys: []any{"k"}, Vals: []any{types.StructVal{nil, "GREEN", nil}}},
				types.StructVal{types.StructVal{types.TimestampVal(1500), nil}},
			},
		},
		{
			"other branches",
			map[string]any{
				"v": goavro.Union("long", int64(-5)), "w": goavro.Union("boolean", true),
				"arr": []any{},
				"m":   map[string]any{"d": goavro.Union("double", 2.5), "f": goavro.Union("com.acme.Md5", []byte{1, 2})},
				"rec": map[string]any{"t": goavro.Union("bytes", []byte{9})},
			},
			[]any{
				types.StructVal{nil, int64(-5)}, types.StructVal{nil, true},
				[]any{},
				nil, // map order: checked below
				types.StructVal{types.StructVal{nil, []byte{9}}},
			},
		},
		{
			"null",
			map[string]any{
				"v": nil, "w": goavro.Union("int", 0), "arr": []any{}, "m": map[string]any{},
				"rec": map[string]any{"t": nil},
			},
			[]any{nil, types.StructVal{int32(0), nil}, []any{}, &types.MapVal{}, types.StructVal{nil}},
		},
	}
	for _, cols := range [][]types.Column{inferred, unionCols} {
		s := mustNewFor(t, Format{Name: Avro}, cols, false, env)
		for _, c := range cases {
			dst := make([]any, len(cols))
			if err := s.Decode(goavroUnionRecord(t, c.native), dst); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for i, w := range c.want {
				if w == nil && i == 3 {
					m := dst[3].(*types.MapVal)
					d, _ := m.Get("d")
					f, _ := m.Get("f")
					if m.Len() != 2 || !sameValue(d, types.StructVal{2.5, nil, nil}) || !sameValue(f, types.StructVal{nil, nil, []byte{1, 2}}) {
						t.Errorf("%s: M = %#v", c.name, m)
					}
					continue
				}
				if !sameValue(dst[i], w) {
					t.Errorf("%s: %s = %#v, want %#v", c.name, cols[i].Name, dst[i], w)
				}
			}
		}
	}
}

// A column of a union the query does not read is checked as Decode reads
// it: a branch index out of range fails all the same.
func TestAvroUnionUnreadCheck(t *testing.T) {
	_, env := unionEnv()
	s := mustNewFor(t, Format{Name: Avro}, unionCols, false, env).(Partial).Reading([]bool{false, true})
	data := goavroUnionRecord(t, map[string]any{
		"v": goavro.Union("long", int64(1)), "w": goavro.Union("boolean", false),
		"arr": []any{goavro.Union("geo.Point", map[string]any{"x": 1})},
		"m":   map[string]any{"k": goavro.Union("com.acme.Md5", []byte{1, 2})},
		"rec": map[string]any{"t": nil},
	})
	dst := make([]any, len(unionCols))
	if err := s.Decode(data, dst); err != nil {
		t.Fatal(err)
	}
	if dst[0] != nil || !sameValue(dst[1], types.StructVal{nil, false}) {
		t.Errorf("read %#v", dst)
	}
	bad := append([]byte(nil), data...)
	bad[5] = 2 << 1 // v's branch index 2 of 3: "long"; 3 is out of range
	if err := s.Decode(bad, dst); err != nil {
		t.Fatalf("branch 2: %v", err)
	}
	bad[5] = 3 << 1
	if err := s.Decode(bad, dst); err == nil || !strings.Contains(err.Error(), "union index 3 out of range") {
		t.Errorf("branch 3: %v", err)
	}
}

// Rows written to the union schema (the inferred one, as a stream created
// without columns writes) read back the same, and goavro reads them as
// the branches the set fields name.
func TestAvroUnionRoundTrip(t *testing.T) {
	_, env := unionEnv()
	inferred, id, err := Infer(Format{Name: Avro}, false, env)
	if err != nil {
		t.Fatal(err)
	}
	f := fmtOf(Avro, "VALUE_"+PropInferredSchemaID, "42")
	if id != 42 {
		t.Fatalf("id %d", id)
	}
	s := mustNewFor(t, f, inferred, false, env)
	row := []any{
		types.StructVal{nil, int64(1) << 40},
		types.StructVal{nil, false},
		[]any{types.StructVal{nil, types.StructVal{int32(-1)}}, nil, types.StructVal{"s", nil}},
		&types.MapVal{Keys: []any{"k"}, Vals: []any{types.StructVal{nil, "RED", nil}}},
		types.StructVal{types.StructVal{nil, []byte{7, 8}}},
	}
	out := roundTrip(t, s, row)
	codec, err := goavro.NewCodec(avroUnionWriter)
	if err != nil {
		t.Fatal(err)
	}
	native, _, err := codec.NativeFromBinary(out[5:])
	if err != nil {
		t.Fatal(err)
	}
	rec := native.(map[string]any)
	if v := rec["v"].(map[string]any); v["long"] != int64(1)<<40 {
		t.Errorf("v = %#v", v)
	}
	if arr := rec["arr"].([]any); arr[0].(map[string]any)["geo.Point"] == nil || arr[1] != nil || arr[2].(map[string]any)["string"] != "s" {
		t.Errorf("arr = %#v", arr)
	}
	if m := rec["m"].(map[string]any); m["k"].(map[string]any)["com.acme.Color"] != "RED" {
		t.Errorf("m = %#v", m)
	}

	// A NULL struct, or one of only NULL fields, is the union's null.
	for _, v := range []any{nil, types.StructVal{nil, nil}} {
		out, err := s.Encode([]any{v, types.StructVal{int32(1), nil}, []any{}, &types.MapVal{}, types.StructVal{nil}})
		if err != nil {
			t.Fatal(err)
		}
		if out[5] != 0 { // branch 0: null
			t.Errorf("%#v written as branch %d", v, out[5]>>1)
		}
	}
	// A union without null takes no NULL.
	if _, err := s.Encode([]any{nil, types.StructVal{nil, nil}, []any{}, &types.MapVal{}, nil}); err == nil || !strings.Contains(err.Error(), "null value for a non-nullable Avro union") {
		t.Errorf("W of no branch: %v", err)
	}
}

// A struct with two fields set cannot be written to a union, which holds
// one value.
func TestAvroUnionEncodeTwoBranches(t *testing.T) {
	_, env := unionEnv()
	s := mustNewFor(t, fmtOf(Avro, "VALUE_"+PropInferredSchemaID, "42"), unionCols, false, env)
	_, err := s.Encode([]any{types.StructVal{"a", int64(1)}, types.StructVal{int32(1), nil}, []any{}, &types.MapVal{}, nil})
	if err == nil || !strings.Contains(err.Error(), "struct fields `STRING` and `LONG` are both set, but an Avro union value takes one branch") {
		t.Errorf("got %v", err)
	}
	_, err = s.Encode([]any{nil, types.StructVal{int32(1), nil}, []any{types.StructVal{"a", types.StructVal{int32(1)}}}, &types.MapVal{}, nil})
	if err == nil || !strings.Contains(err.Error(), "element 0: struct fields `STRING` and `POINT` are both set") {
		t.Errorf("nested: %v", err)
	}
}
