package serde

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/linkedin/goavro/v2"

	"github.com/eddysql/eddy/types"
)

var (
	innerT = types.StructOf(types.Field{Name: "F1", Type: types.StringType}, types.Field{Name: "F2", Type: types.IntType})
	// One column of every type.
	allCols = []types.Column{
		col("B", types.BooleanType),
		col("I", types.IntType),
		col("L", types.BigintType),
		col("D", types.DoubleType),
		col("DEC", types.DecimalOf(6, 2)),
		col("S", types.StringType),
		col("BY", types.BytesType),
		col("DT", types.DateType),
		col("TM", types.TimeType),
		col("TS", types.TimestampType),
		col("ARR", types.ArrayOf(types.StringType)),
		col("M", types.MapOf(types.StringType, types.BigintType)),
		col("ST", innerT),
	}
	allRow = []any{
		true, int32(-7), int64(1) << 40, 3.25, dec("-1234.50"), "héllo", []byte{0, 1, 0xff},
		types.DateVal(19000), types.TimeVal(3723004), types.TimestampVal(1700000000123),
		[]any{"a", nil, "c"},
		&types.MapVal{Keys: []any{"x", "y"}, Vals: []any{int64(1), nil}},
		types.StructVal{"in", int32(5)},
	}
)

func srEnv() (*memRegistry, Env) {
	reg := newMemRegistry()
	return reg, Env{Topic: "t", Registry: reg}
}

func mustNewFor(t testing.TB, f Format, cols []types.Column, isKey bool, env Env) Serde {
	t.Helper()
	s, err := NewFor(f, cols, isKey, env)
	if err != nil {
		t.Fatalf("NewFor(%s): %v", f.Name, err)
	}
	return s
}

func roundTrip(t *testing.T, s Serde, row []any) []byte {
	t.Helper()
	out, err := s.Encode(row)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	dst := make([]any, len(row))
	if err := s.Decode(out, dst); err != nil {
		t.Fatalf("decode: %v", err)
	}
	for i := range row {
		if !sameValue(row[i], dst[i]) {
			t.Errorf("column %d: wrote %#v, read %#v", i, row[i], dst[i])
		}
	}
	return out
}

func TestAvroRoundTripAllTypes(t *testing.T) {
	reg, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, allCols, false, env)
	out := roundTrip(t, s, allRow)
	// All nulls too.
	roundTrip(t, s, make([]any, len(allCols)))
	// Wire format: magic 0, id big-endian.
	id, rs, err := reg.Latest("t-value")
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != 0 || int(binary.BigEndian.Uint32(out[1:5])) != id {
		t.Errorf("header % x, want magic 0 and id %d", out[:5], id)
	}
	if rs.Type != SchemaAvro {
		t.Errorf("registered type %q", rs.Type)
	}
	// Each type alone, wrapped and unwrapped (value and key).
	for i, c := range allCols {
		for _, tc := range []struct {
			f     Format
			isKey bool
		}{{fmtOf(Avro), false}, {fmtOf(Avro, "WRAP_SINGLE_VALUE", "false"), false}, {fmtOf(Avro), true}} {
			if tc.isKey && strings.HasPrefix(c.Name, "M") {
				continue // maps are not allowed in keys
			}
			s := mustNewFor(t, tc.f, []types.Column{c}, tc.isKey, env)
			roundTrip(t, s, []any{allRow[i]})
			if out, err := s.Encode([]any{nil}); err != nil {
				t.Errorf("%s null: %v", c.Name, err)
			} else if unwrapped := tc.isKey || tc.f.Props["WRAP_SINGLE_VALUE"] == "false"; unwrapped != (out == nil) {
				t.Errorf("%s null (unwrapped=%v): got % x", c.Name, unwrapped, out)
			}
		}
	}
}

func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("schema\n got: %s\nwant: %s", got, want)
	}
}

// The schemas ksqlDB registers for sinks (post.topics in the corpus).
func TestAvroGeneratedSchemas(t *testing.T) {
	reg, env := srEnv()
	env.Topic = "OUTPUT"
	keyF := fmtOf(Avro, "KEY_SCHEMA_FULL_NAME", AvroKeyFullName("OUTPUT"))
	mustNewFor(t, keyF, []types.Column{keyCol("ROWKEY", types.StructOf(types.Field{Name: "F1", Type: types.StringType}))}, true, env)
	mustNewFor(t, fmtOf(Avro), []types.Column{col("FOO", types.IntType)}, false, env)
	_, k, _ := reg.Latest("OUTPUT-key")
	_, v, _ := reg.Latest("OUTPUT-value")
	jsonEqual(t, k.Schema, `{"type": "record", "name": "OutputKey", "namespace": "io.confluent.ksql.avro_schemas", "fields": [{"name": "F1", "type": ["null", "string"], "default": null}], "connect.name": "io.confluent.ksql.avro_schemas.OutputKey"}`)
	jsonEqual(t, v.Schema, `{"type": "record", "name": "KsqlDataSourceSchema", "namespace": "io.confluent.ksql.avro_schemas", "fields": [{"name": "FOO", "type": ["null", "int"], "default": null}], "connect.name": "io.confluent.ksql.avro_schemas.KsqlDataSourceSchema"}`)

	// partition-by.json: nested struct records are named Parent_FIELD.
	got := avroSchemaFor([]types.Column{col("F1", innerT)}, false, AvroKeyFullName("OUTPUT"))
	jsonEqual(t, got, `{"type":"record","name":"OutputKey","namespace":"io.confluent.ksql.avro_schemas","fields":[{"name":"F1","type":["null",{"type":"record","name":"OutputKey_F1","fields":[{"name":"F1","type":["null","string"],"default":null},{"name":"F2","type":["null","int"],"default":null}],"connect.name":"io.confluent.ksql.avro_schemas.OutputKey_F1"}],"default":null}],"connect.name":"io.confluent.ksql.avro_schemas.OutputKey"}`)
	// avro.json DECIMAL key: an unwrapped primitive is not a union.
	jsonEqual(t, avroSchemaFor([]types.Column{keyCol("K", types.DecimalOf(64, 2))}, true, DefaultAvroFullName),
		`{"type": "bytes", "logicalType": "decimal", "scale": 2, "precision": 64}`)
	// Every generated schema parses in two other implementations.
	text := avroSchemaFor(allCols, false, DefaultAvroFullName)
	if _, err := avro.Parse(text); err != nil {
		t.Errorf("hamba rejects %s: %v", text, err)
	}
	if _, err := goavro.NewCodec(text); err != nil {
		t.Errorf("goavro rejects %s: %v", text, err)
	}
	// Custom full name.
	f := fmtOf(Avro, "VALUE_AVRO_SCHEMA_FULL_NAME", "com.acme.Thing")
	env.Topic = "custom"
	mustNewFor(t, f, []types.Column{col("A", types.IntType)}, false, env)
	_, c, _ := reg.Latest("custom-value")
	if !strings.Contains(c.Schema, `"name":"Thing","namespace":"com.acme"`) {
		t.Errorf("full name ignored: %s", c.Schema)
	}
}

// Decode what eddy writes with hamba/avro, and check the bytes.
func TestAvroCrossDecodeHamba(t *testing.T) {
	reg, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, allCols, false, env)
	out, err := s.Encode(allRow)
	if err != nil {
		t.Fatal(err)
	}
	id := int(binary.BigEndian.Uint32(out[1:5]))
	rs, _ := reg.ByID(id)
	sch := avro.MustParse(rs.Schema)
	var got map[string]any
	if err := avro.Unmarshal(sch, out[5:], &got); err != nil {
		t.Fatalf("hamba cannot read eddy's body: %v", err)
	}
	check := func(name string, want any) {
		t.Helper()
		v := got[name]
		if m, ok := v.(map[string]any); ok && len(m) == 1 { // hamba names complex union branches
			for k, x := range m {
				if k == "array" || k == "map" || strings.Contains(k, ".") {
					v = x
				}
			}
		}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("%s: hamba read %#v (%T), want %#v", name, v, v, want)
		}
	}
	check("B", true)
	check("I", int(-7))
	check("L", int64(1)<<40)
	check("D", 3.25)
	check("S", "héllo")
	check("BY", []byte{0, 1, 0xff})
	check("DT", time.Unix(19000*86400, 0).UTC())
	check("TM", 3723004*time.Millisecond)
	check("TS", time.UnixMilli(1700000000123).UTC())
	check("ARR", []any{"a", nil, "c"})
	check("M", map[string]any{"x": int64(1), "y": nil})
	check("ST", map[string]any{"F1": "in", "F2": int(5)})
	if r, ok := got["DEC"].(*big.Rat); !ok || r.Cmp(big.NewRat(-123450, 100)) != 0 {
		t.Errorf("DEC: hamba read %#v", got["DEC"])
	}
	// goavro agrees too.
	codec, err := goavro.NewCodec(rs.Schema)
	if err != nil {
		t.Fatal(err)
	}
	native, rest, err := codec.NativeFromBinary(out[5:])
	if err != nil || len(rest) != 0 {
		t.Fatalf("goavro cannot read eddy's body: %v (%d left)", err, len(rest))
	}
	if m := native.(map[string]any); !reflect.DeepEqual(m["S"], map[string]any{"string": "héllo"}) {
		t.Errorf("goavro S: %#v", m["S"])
	}
}

// Decode what hamba/avro writes, with a schema eddy did not generate.
func TestAvroDecodeForeignWriter(t *testing.T) {
	reg, env := srEnv()
	writer := `{"type":"record","name":"blah","fields":[
		{"name":"c1","type":"int"},
		{"name":"extra","type":{"type":"array","items":{"type":"map","values":"string"}}},
		{"name":"c2","type":{"type":"enum","name":"Suit","symbols":["SPADES","HEARTS"]}},
		{"name":"c3","type":"float"},
		{"name":"c4","type":["null",{"type":"fixed","size":4,"name":"md5"}]},
		{"name":"c5","type":{"type":"long","logicalType":"timestamp-micros"}},
		{"name":"c6","type":{"type":"fixed","name":"dec","size":8,"logicalType":"decimal","precision":10,"scale":3}},
		{"name":"skipme","type":{"type":"record","name":"R","fields":[{"name":"x","type":"string"}]}}
	]}`
	reg.put("in-value", 42, RegSchema{Type: SchemaAvro, Schema: writer})
	sch := avro.MustParse(writer)
	rec := map[string]any{
		"c1": 10, "extra": []any{map[string]any{"k": "v"}}, "c2": "HEARTS", "c3": float32(1.1234),
		"c4": map[string]any{"md5": [4]byte{1, 2, 3, 4}}, "c5": time.UnixMilli(1500).UTC(),
		"c6": big.NewRat(-12345, 1000), "skipme": map[string]any{"x": "zzz"},
	}
	body, err := avro.Marshal(sch, rec)
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte{0, 0, 0, 0, 42}, body...)
	cols := []types.Column{
		col("C1", types.StringType), // int → string coercion
		col("C2", types.StringType), // enum → string
		col("C3", types.DoubleType), // float → double
		col("C4", types.BytesType),  // fixed → bytes
		col("C5", types.TimestampType),
		col("C6", types.DecimalOf(10, 3)),
		col("MISSING", types.IntType),
	}
	env.Topic = "in"
	// Infer upper-cases names from the latest schema, keeps them by id.
	inf, _, err := Infer(Format{Name: Avro}, false, env)
	if err != nil {
		t.Fatal(err)
	}
	if inf[0].Name != "C1" || !inf[0].Type.Equal(types.IntType) || !inf[2].Type.Equal(types.StringType) || !inf[4].Type.Equal(types.BytesType) || !inf[6].Type.Equal(types.DecimalOf(10, 3)) {
		t.Errorf("inferred %v", inf)
	}
	s := mustNewFor(t, Format{Name: Avro}, cols, false, env)
	dst := make([]any, len(cols))
	if err := s.Decode(data, dst); err != nil {
		t.Fatal(err)
	}
	want := []any{"10", "HEARTS", float64(float32(1.1234)), []byte{1, 2, 3, 4}, types.TimestampVal(1500), dec("-12.345"), nil}
	for i := range want {
		if !sameValue(dst[i], want[i]) {
			t.Errorf("%s: got %#v want %#v", cols[i].Name, dst[i], want[i])
		}
	}
	if got := types.FormatDouble(dst[2].(float64)); got != "1.1233999729156494" {
		t.Errorf("float widening: %s", got)
	}
	byID, _, err := Infer(fmtOf(Avro, "VALUE_SCHEMA_ID", "42"), false, env)
	if err != nil || byID[0].Name != "c1" {
		t.Errorf("by id: %v %v", byID, err)
	}
}

func TestAvroDecodeErrors(t *testing.T) {
	_, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, []types.Column{col("A", types.StringType), col("B", types.IntType)}, false, env)
	good, _ := s.Encode([]any{"hello", int32(1)})
	dst := make([]any, 2)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"magic", append([]byte{1}, good[1:]...), "unknown magic byte 1"},
		{"short", []byte{0, 0, 1}, "too short"},
		{"unknown id", []byte{0, 0, 0, 0x30, 0x39, 2}, "schema id 12345"},
		{"truncated", good[:len(good)-3], "truncated Avro body"},
		{"trailing", append(append([]byte{}, good...), 7), "left over"},
	} {
		err := s.Decode(tc.data, dst)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := s.Decode([]byte{}, dst); err != ErrNull {
		t.Errorf("empty value: %v", err)
	}
}

func TestAvroCheckErrors(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		cols []types.Column
		want string
	}{
		{fmtOf(Avro), []types.Column{col("FOO", types.MapOf(types.IntType, types.DoubleType))}, "Avro only supports MAPs with STRING keys"},
		{fmtOf(Avro), []types.Column{col("1AvroDoesNotLikeFieldsThatStartWithNumbers", types.DoubleType)},
			"Schema is not compatible with Avro: Illegal initial character: 1AvroDoesNotLikeFieldsThatStartWithNumbers"},
		{fmtOf(Avro, "VALUE_AVRO_SCHEMA_FULL_NAME", " "), []types.Column{col("A", types.IntType)},
			"fullSchemaName cannot be empty. Format configuration: {fullSchemaName=}"},
		{fmtOf(JSON, "VALUE_AVRO_SCHEMA_FULL_NAME", "com.custom.schema"), []types.Column{col("A", types.IntType)},
			"JSON does not support the following configs: [fullSchemaName]"},
		{fmtOf(Avro, "WRAP_SINGLE_VALUE", "false"), []types.Column{col("A", types.IntType), col("B", types.IntType)},
			"'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
	} {
		err := Check(tc.f, tc.cols, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// VALUE_SCHEMA_ID: write with the given schema, filling defaults.
func TestAvroFixedSchemaID(t *testing.T) {
	reg, env := srEnv()
	env.Topic = "model-transaction"
	schema := `{"fields": [{"name": "eventID", "type": "string"}, {"name": "transaction", "type": {"fields": [{"name": "num_shares", "type": "int", "default": 0}, {"name": "amount", "type": ["null", "int"]}, {"name": "customer", "type": {"fields": [{"name": "first_name", "type": "string"}], "name": "customer", "type": "record"}}], "name": "transaction", "type": "record"}}, {"name": "optField", "type": "string", "default": "foo"}], "name": "Transaction", "namespace": "com.acme.namespace", "type": "record"}`
	reg.put("model-transaction-value", 102, RegSchema{Type: SchemaAvro, Schema: schema})
	custT := types.StructOf(types.Field{Name: "first_name", Type: types.StringType})
	txT := types.StructOf(types.Field{Name: "num_shares", Type: types.IntType}, types.Field{Name: "amount", Type: types.IntType}, types.Field{Name: "customer", Type: custT})
	cols := []types.Column{col("eventID", types.StringType), col("transaction", txT)}
	s := mustNewFor(t, fmtOf(Avro, "VALUE_SCHEMA_ID", "102"), cols, false, env)
	out, err := s.Encode([]any{"1", types.StructVal{nil, nil, types.StructVal{"Jill"}}})
	if err != nil {
		t.Fatal(err)
	}
	if id := binary.BigEndian.Uint32(out[1:5]); id != 102 {
		t.Errorf("id %d, want 102", id)
	}
	var got map[string]any
	if err := avro.Unmarshal(avro.MustParse(schema), out[5:], &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"eventID": "1", "optField": "foo", "transaction": map[string]any{"num_shares": 0, "amount": nil, "customer": map[string]any{"first_name": "Jill"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
	// Columns that differ from the schema are rejected (elements.json).
	reg.put("", 2, RegSchema{Type: SchemaAvro, Schema: `{"name":"blah","type":"record","fields":[{"name":"c2","type":"double"},{"name":"c1","type":"int"}]}`})
	_, err = NewFor(fmtOf(Avro, "VALUE_SCHEMA_ID", "2"), []types.Column{col("c1", types.IntType)}, false, env)
	if err == nil || err.Error() != "The following value columns are changed, missing or reordered: [`c1` INTEGER]. Schema from schema registry is [`c2` DOUBLE, `c1` INTEGER]" {
		t.Errorf("reordered: %v", err)
	}
	// A required field no column fills fails at write time.
	reg.put("", 3, RegSchema{Type: SchemaAvro, Schema: `{"name":"blah","type":"record","fields":[{"name":"c1","type":"int"},{"name":"c2","type":"double"}]}`})
	s = mustNewFor(t, fmtOf(Avro, "VALUE_SCHEMA_ID", "3"), []types.Column{col("c1", types.IntType)}, false, env)
	if _, err := s.Encode([]any{int32(4)}); err == nil {
		t.Error("missing required field should fail to serialize")
	}
}

// The registry is asked once per writer schema id, not per record.
func TestAvroDecoderCache(t *testing.T) {
	reg, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, benchCols, false, env)
	out, _ := s.Encode([]any{int64(1), "a", 1.5, types.TimestampVal(5), "b", int32(3)})
	before := reg.callCount()
	dst := make([]any, len(benchCols))
	for range 50 {
		if err := s.Decode(out, dst); err != nil {
			t.Fatal(err)
		}
	}
	if n := reg.callCount() - before; n != 1 {
		t.Errorf("%d registry calls for 50 records of one schema", n)
	}
}

func TestAvroUnwrappedInference(t *testing.T) {
	reg, env := srEnv()
	reg.put("t-key", 1, RegSchema{Schema: `{"type":"int"}`})
	reg.put("t-value", 2, RegSchema{Schema: `{"type":"record","name":"x","fields":[{"name":"F0","type":["null","int"]}]}`})
	k, _, err := Infer(fmtOf(Avro), true, env)
	if err != nil || len(k) != 1 || k[0].Name != "ROWKEY" || !k[0].Type.Equal(types.IntType) || k[0].Namespace != types.KeyColumn {
		t.Errorf("key: %v %v", k, err)
	}
	v, _, err := Infer(fmtOf(Avro, "WRAP_SINGLE_VALUE", "false"), false, env)
	if err != nil || len(v) != 1 || v[0].Name != "ROWVAL" || v[0].Type.Kind != types.Struct {
		t.Errorf("value: %v %v", v, err)
	}
	// And decode them.
	ks := mustNewFor(t, fmtOf(Avro, "KEY_SCHEMA_ID", "1"), k, true, env)
	dst := make([]any, 1)
	if err := ks.Decode([]byte{0, 0, 0, 0, 1, 20}, dst); err != nil || dst[0] != int32(10) {
		t.Errorf("key decode: %v %v", dst, err)
	}
	vs := mustNewFor(t, fmtOf(Avro, "WRAP_SINGLE_VALUE", "false"), v, false, env)
	if err := vs.Decode([]byte{0, 0, 0, 0, 2, 2, 4}, dst); err != nil || !sameValue(dst[0], types.StructVal{int32(2)}) {
		t.Errorf("value decode: %v %v", dst, err)
	}
}

func TestAvroConcurrent(t *testing.T) {
	_, env := srEnv()
	s := mustNewFor(t, Format{Name: Avro}, allCols, false, env)
	out, _ := s.Encode(allRow)
	done := make(chan error, 8)
	for range 8 {
		go func() {
			dst := make([]any, len(allCols))
			for range 200 {
				if err := s.Decode(out, dst); err != nil {
					done <- err
					return
				}
				if b, err := s.Encode(dst); err != nil || !bytes.Equal(b, out) {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestAvroSchemaReferences: a writer schema whose field's type is a record
// registered under another subject (a schema reference, as Confluent's
// clients register shared types) infers its columns, decodes and prints;
// the reference is read at the version it pins, though that subject has
// moved on to a version without the type.
func TestAvroSchemaReferences(t *testing.T) {
	reg, env := srEnv()
	const address = `{"type":"record","name":"Address","namespace":"shop","fields":[{"name":"city","type":"string"}]}`
	reg.put("shop.Address", 3, RegSchema{Type: SchemaAvro, Schema: address})
	reg.put("shop.Address", 4, RegSchema{Type: SchemaAvro, Schema: `{"type":"record","name":"Place","namespace":"shop","fields":[{"name":"town","type":"string"}]}`})
	const order = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},{"name":"ship","type":["null","shop.Address"],"default":null}]}`
	reg.put("t-value", 10, RegSchema{Type: SchemaAvro, Schema: order, References: []RegReference{{Name: "shop.Address", Subject: "shop.Address", Version: 1}}})

	// The record as a client writes it, with both types parsed together.
	cache := &avro.SchemaCache{}
	if _, err := avro.ParseWithCache(address, "", cache); err != nil {
		t.Fatal(err)
	}
	writer, err := avro.ParseWithCache(order, "", cache)
	if err != nil {
		t.Fatal(err)
	}
	type addr struct {
		City string `avro:"city"`
	}
	body, err := avro.Marshal(writer, struct {
		ID   int64 `avro:"id"`
		Ship *addr `avro:"ship"`
	}{7, &addr{"Lyon"}})
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte{0, 0, 0, 0, 10}, body...)

	f := fmtOf(Avro)
	cols, _, err := Infer(f, false, env)
	if err != nil {
		t.Fatalf("inferring columns from a schema with a reference: %v", err)
	}
	if got := (&types.Schema{Columns: cols}).String(); got != "`ID` BIGINT, `SHIP` STRUCT<`CITY` STRING>" {
		t.Fatalf("inferred %s", got)
	}
	s := mustNewFor(t, f, cols, false, env)
	dst := make([]any, 2)
	if err := s.Decode(data, dst); err != nil {
		t.Fatal(err)
	}
	if dst[0] != int64(7) || !sameValue(dst[1], types.StructVal{"Lyon"}) {
		t.Errorf("decoded %#v", dst)
	}
	// Or from the schema id.
	fid := fmtOf(Avro, "VALUE_SCHEMA_ID", "10")
	if cols, _, err = Infer(fid, false, env); err != nil {
		t.Fatalf("inferring columns from schema id 10: %v", err)
	}
	byID := mustNewFor(t, fid, cols, false, env)
	if err := byID.Decode(data, dst); err != nil || dst[0] != int64(7) {
		t.Errorf("with VALUE_SCHEMA_ID: %#v, %v", dst, err)
	}
	// And PRINT renders it.
	if format, text, ok := RenderWithRegistry(data, reg); !ok || format != Avro || !strings.Contains(text, `"Lyon"`) {
		t.Errorf("PRINT: %s %q (ok %v)", format, text, ok)
	}
}

// TestAvroKeyFullName: ksqlDB's sink key record names (its AvroFormatTest).
func TestAvroKeyFullName(t *testing.T) {
	for in, want := range map[string]string{
		"foo": "FooKey", "Foo": "FooKey", "FOO": "FooKey", "FOO_BAR": "FooBarKey",
		"Foo_Bar": "FooBarKey", "foo_bar": "FooBarKey", "fOoBaR": "FoobarKey",
		"T_MULTI_AVRO": "TMultiAvroKey", "_A__B_": "ABKey", "OUT2_X": "Out2XKey",
	} {
		if got := AvroKeyFullName(in); got != "io.confluent.ksql.avro_schemas."+want {
			t.Errorf("AvroKeyFullName(%q) = %s, want …%s", in, got, want)
		}
	}
}
