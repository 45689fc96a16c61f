package qtt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// newTestStore starts an embedded registry on a private cluster.
func newTestStore(t *testing.T) registryStore {
	t.Helper()
	cluster := kafka.NewMemCluster(kafka.MemOptions{})
	t.Cleanup(func() { cluster.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reg, err := registry.New(ctx, registry.Config{Cluster: cluster})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return registryStore{Registry: reg.Client(), reg: reg}
}

func topicsFrom(t *testing.T, s string) []topicSpec {
	t.Helper()
	var ts []topicSpec
	if err := json.Unmarshal([]byte(s), &ts); err != nil {
		t.Fatal(err)
	}
	return ts
}

const avroRec = `{"type": "record", "name": "Rec", "namespace": "ex", "fields": [
  {"name": "id", "type": "long"},
  {"name": "data", "type": ["null", "bytes"], "default": null},
  {"name": "tag", "type": {"type": "enum", "name": "Tag", "symbols": ["A", "B"]}}]}`

func TestRegisterTopicSchemas(t *testing.T) {
	store := newTestStore(t)
	ctx := context.Background()
	topics := topicsFrom(t, `[
	  {"name": "a", "valueFormat": "AVRO", "valueSchemaId": 7, "valueSchema": `+avroRec+`},
	  {"name": "b", "keySchema": "int", "valueSchema": {"type": "record", "name": "V", "fields": [{"name": "x", "type": "int"}]}},
	  {"name": "p", "valueFormat": "PROTOBUF",
	   "valueSchema": "syntax = \"proto3\"; import \"event.proto\"; message Logistics { Event event = 1; }",
	   "valueSchemaReferences": [{"name": "event.proto", "format": "PROTOBUF", "schema": "syntax = \"proto3\"; message Event { int64 ts = 1; }"}]},
	  {"name": "j", "keyFormat": "JSON_SR", "keySchema": {"type": "integer"}},
	  {"name": "plain"}
	]`)
	ids, err := registerTopicSchemas(ctx, store, topics, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Id 1 is left to a schema derived from the statements; 7 is taken.
	want := map[string]int{"a-value": 7, "b-key": 2, "b-value": 3, "p-value": 4, "j-key": 5}
	for subject, id := range want {
		if ids[subject] != id {
			t.Errorf("%s: id %d, want %d (all %v)", subject, ids[subject], id, ids)
		}
		got, rs, err := store.Latest(subject)
		if err != nil || got != id {
			t.Errorf("Latest(%s) = %d, %v", subject, got, err)
		}
		if subject == "b-key" && rs.Schema != `"int"` {
			t.Errorf("b-key schema %q", rs.Schema)
		}
		if subject == "j-key" && rs.Type != serde.SchemaJSON {
			t.Errorf("j-key type %q", rs.Type)
		}
	}
	// The import is registered under its name, after the topics' ids.
	id, rs, err := store.Latest("event.proto")
	if err != nil || id != 6 || !strings.Contains(rs.Schema, "message Event") {
		t.Errorf("event.proto = %d %+v %v", id, rs, err)
	}
	if _, rs, _ := store.Latest("p-value"); len(rs.References) != 1 || rs.References[0].Subject != "event.proto" {
		t.Errorf("p-value references %+v", rs.References)
	}

	// An id that belongs to another schema is an error.
	if _, err := registerTopicSchemas(ctx, store, topicsFrom(t, `[{"name": "c", "valueSchemaId": 7, "valueSchema": "string"}]`), 0); err == nil {
		t.Error("reused id accepted")
	}
}

// avroSource is a stream over topic "a" whose value columns are those
// ksqlDB infers from avroRec.
func avroSource(reg serde.Registry, declared map[string]int) *sourceInfo {
	schema := &types.Schema{Columns: []types.Column{
		{Name: "id", Type: types.BigintType},
		{Name: "data", Type: types.BytesType},
		{Name: "tag", Type: types.StringType},
	}}
	return &sourceInfo{Name: "A", Topic: "a", Schema: schema, KeyFormat: format{Name: "KAFKA"},
		ValueFormat: format{Name: "AVRO", Props: map[string]string{}}, Registry: reg, DeclaredIDs: declared}
}

func TestEncodeWithDeclaredSchema(t *testing.T) {
	store := newTestStore(t)
	ids, err := registerTopicSchemas(context.Background(), store, topicsFrom(t, `[
	  {"name": "a", "valueFormat": "AVRO", "valueSchemaId": 7, "valueSchema": `+avroRec+`}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	src := avroSource(store, ids)
	// BYTES input fields are base64; the enum is written by symbol.
	rec, err := encodeInput(spec(t, `{"topic": "a", "value": {"id": 1, "data": "AQI=", "tag": "B"}}`), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Value) < 5 || rec.Value[0] != 0 || binary.BigEndian.Uint32(rec.Value[1:5]) != 7 {
		t.Fatalf("value not written with schema 7: %x", rec.Value)
	}
	// id 1 (zigzag 2), union branch 1 (2), 2 bytes, enum index 1 (2).
	if got, want := rec.Value[5:], []byte{2, 2, 4, 1, 2, 2}; string(got) != string(want) {
		t.Errorf("body %x, want %x", got, want)
	}
	// Outputs decode with the writer schema's columns.
	row, cols, ok := decodeRegistered(rec.Value, src, false)
	if !ok || len(cols) != 3 {
		t.Fatalf("decodeRegistered: %v %v %v", row, cols, ok)
	}
	exp, _ := parseNode(json.RawMessage(`{"id": 1, "data": "AQI=", "tag": "B"}`))
	if err := compareRow("value", exp, row, cols); err != nil {
		t.Error(err)
	}
	if err := compareSide("value", exp, rec.Value, src, false); err != nil {
		t.Error(err)
	}
	exp, _ = parseNode(json.RawMessage(`{"id": 2, "data": "AQI=", "tag": "B"}`))
	if err := compareSide("value", exp, rec.Value, src, false); err == nil {
		t.Error("a wrong id compared equal")
	}

	// Without a declared schema the subject's latest is used, and
	// without any the source's columns register one.
	src = avroSource(store, nil)
	src.Topic = "fresh"
	src.NewWriter = func(isKey bool) (codec, error) {
		sd, err := serde.NewFor(serde.Format{Name: "AVRO"}, src.Schema.Value(), false, serde.Env{Topic: "fresh", Registry: store})
		return sd, err
	}
	rec, err = encodeInput(spec(t, `{"topic": "fresh", "value": {"id": 1, "data": null, "tag": "A"}}`), src)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := store.Latest("fresh-value")
	if err != nil || binary.BigEndian.Uint32(rec.Value[1:5]) != uint32(id) {
		t.Errorf("fresh: id %d (%v), record %x", id, err, rec.Value)
	}
}

func TestCheckTopicSchema(t *testing.T) {
	store := newTestStore(t)
	ids, err := registerTopicSchemas(context.Background(), store, topicsFrom(t, `[
	  {"name": "a", "valueFormat": "AVRO", "valueSchema": `+avroRec+`},
	  {"name": "p", "keyFormat": "PROTOBUF", "keySchema": "syntax = \"proto3\";\n\nmessage K {\n  int32 I = 1;\n}\n"}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	sameAvro := `{"namespace": "ex", "type": "record", "name": "Rec", "connect.name": "ex.Rec", "fields": [
	  {"name": "id", "type": {"type": "long"}},
	  {"name": "data", "default": null, "type": ["null", "bytes"]},
	  {"name": "tag", "type": {"type": "enum", "name": "Tag", "symbols": ["A", "B"]}}]}`
	id := ids["a-value"]
	ok := []struct {
		topic  string
		isKey  bool
		format string
		schema string
		id     *int
	}{
		{"a", false, "AVRO", sameAvro, &id},
		{"a", false, "", sameAvro, nil},
		{"p", true, "PROTOBUF", `"syntax = \"proto3\"; message K { int32 I = 1; }"`, nil},
	}
	for _, c := range ok {
		if err := checkTopicSchema(store, c.topic, c.isKey, c.format, json.RawMessage(c.schema), c.id); err != nil {
			t.Errorf("%s: %v", c.topic, err)
		}
	}
	wrongID := id + 1
	bad := []struct {
		topic  string
		isKey  bool
		format string
		schema string
		id     *int
	}{
		{"a", false, "AVRO", strings.Replace(sameAvro, `"long"`, `"int"`, 1), nil},
		{"a", false, "AVRO", sameAvro, &wrongID},
		{"a", true, "AVRO", `"int"`, nil},
		{"a", false, "PROTOBUF", `"syntax = \"proto3\"; message K { int32 I = 1; }"`, nil},
		{"p", true, "PROTOBUF", `"syntax = \"proto3\"; message K { int64 I = 1; }"`, nil},
	}
	for _, c := range bad {
		if err := checkTopicSchema(store, c.topic, c.isKey, c.format, json.RawMessage(c.schema), c.id); err == nil {
			t.Errorf("%s %s: no error", c.topic, c.schema)
		}
	}
}

func TestDerivedSchemas(t *testing.T) {
	v := &Variant{Case: &testCase{Topics: topicsFrom(t, `[{"name": "declared", "valueSchema": "int"}]`)}, Statements: []string{
		"CREATE STREAM A (`id` INT KEY, `c1` INT) WITH (kafka_topic='a', value_format='avro');",          // value
		"CREATE STREAM B (K STRUCT<X INT, Y INT> KEY, V INT) WITH (kafka_topic='b', format='PROTOBUF');", // key and value
		"CREATE STREAM C WITH (kafka_topic='c', value_format='AVRO');",                                   // no columns
		"CREATE STREAM D (V INT) WITH (kafka_topic='declared', value_format='AVRO');",                    // declared
		"CREATE STREAM E (V INT) WITH (kafka_topic='e', value_format='JSON');",                           // not SR
		"CREATE STREAM F WITH (kafka_topic='f') AS SELECT * FROM A;",                                     // a query
		"CREATE TABLE G (ID INT PRIMARY KEY, H BYTES HEADERS) WITH (kafka_topic='g', format='JSON_SR');", // key only
	}}
	if n := derivedSchemas(v, map[string]string{}); n != 4 {
		t.Errorf("derivedSchemas = %d, want 4", n)
	}
	v.Statements = []string{"CREATE STREAM X (K INT KEY, V INT) WITH (kafka_topic='x');"}
	props := map[string]string{"ksql.persistence.default.format.key": "AVRO", "ksql.persistence.default.format.value": "PROTOBUF"}
	if n := derivedSchemas(v, props); n != 2 {
		t.Errorf("derivedSchemas with default formats = %d, want 2", n)
	}
}

func TestSchemaTextAndNormalizing(t *testing.T) {
	cases := []struct{ typ, raw, want string }{
		{serde.SchemaAvro, `"int"`, `"int"`},
		{serde.SchemaAvro, `{"type": "array", "items": "int"}`, `{"type":"array","items":"int"}`},
		{serde.SchemaAvro, `"{\"type\": \"string\"}"`, `{"type":"string"}`},
		{serde.SchemaProtobuf, `"syntax = \"proto3\"; message M {}"`, `syntax = "proto3"; message M {}`},
		{serde.SchemaJSON, `{"type": "integer"}`, `{"type":"integer"}`},
	}
	for _, c := range cases {
		got, err := schemaText(c.typ, json.RawMessage(c.raw))
		if err != nil || got != c.want {
			t.Errorf("schemaText(%s, %s) = %q, %v; want %q", c.typ, c.raw, got, err, c.want)
		}
	}
	if schemaType("", json.RawMessage(`"syntax = \"proto3\"; message M {}"`)) != serde.SchemaProtobuf ||
		schemaType("", json.RawMessage(`"int"`)) != serde.SchemaAvro ||
		schemaType("JSON_SR", nil) != serde.SchemaJSON {
		t.Error("schemaType")
	}
	a := "syntax = \"proto3\";\n\nmessage M {\n  int32 I = 1;\n  repeated string S = 2 [packed = true];\n}\n"
	b := `syntax="proto3"; message M { int32 I=1; repeated string S = 2 [ packed = true ]; }`
	if normalizeProto(a) != normalizeProto(b) {
		t.Errorf("%q != %q", normalizeProto(a), normalizeProto(b))
	}
	if normalizeProto("message M { int32 I = 1; }") == normalizeProto("message M { int32 I = 2; }") {
		t.Error("different field numbers normalize equal")
	}
}

// TestRunnerDeclaredAvroSchema runs a case with a pre-declared Avro
// schema on the production engine: the input is written with the
// declared schema (its id, field names and enum), read by a stream that
// infers its columns, and checked after a round trip through a sink.
func TestRunnerDeclaredAvroSchema(t *testing.T) {
	const file = `{"tests": [
	  {"name": "declared avro",
	   "statements": [
	     "CREATE STREAM INPUT WITH (kafka_topic='input', value_format='AVRO', value_schema_id=7);",
	     "CREATE STREAM OUTPUT AS SELECT * FROM INPUT;"],
	   "topics": [{"name": "input", "valueFormat": "AVRO", "valueSchemaId": 7, "valueSchema": ` + avroRec + `}],
	   "inputs": [{"topic": "input", "value": {"id": 1, "data": "AQI=", "tag": "B"}},
	              {"topic": "input", "value": {"id": 2, "tag": "A"}}],
	   "outputs": [{"topic": "OUTPUT", "value": {"id": 1, "data": "AQI=", "tag": "B"}},
	               {"topic": "OUTPUT", "value": {"id": 2, "data": null, "tag": "A"}}],
	   "post": {"sources": [{"name": "OUTPUT", "schema": "` + "`id` BIGINT, `data` BYTES, `tag` STRING" + `"}],
	            "topics": {"topics": [{"name": "input", "valueFormat": "AVRO", "valueSchemaId": 7, "valueSchema": ` + avroRec + `}]}}},
	  {"name": "wrong post schema",
	   "statements": [
	     "CREATE STREAM INPUT WITH (kafka_topic='input', value_format='AVRO');",
	     "CREATE STREAM OUTPUT AS SELECT * FROM INPUT;"],
	   "topics": [{"name": "input", "valueFormat": "AVRO", "valueSchema": ` + avroRec + `}],
	   "post": {"topics": {"topics": [{"name": "input", "valueFormat": "AVRO", "valueSchema": "string"}]}}},
	  {"name": "wrong output",
	   "statements": [
	     "CREATE STREAM INPUT WITH (kafka_topic='input', value_format='AVRO');",
	     "CREATE STREAM OUTPUT AS SELECT * FROM INPUT;"],
	   "topics": [{"name": "input", "valueFormat": "AVRO", "valueSchema": ` + avroRec + `}],
	   "inputs": [{"topic": "input", "value": {"id": 1, "data": "AQI=", "tag": "B"}}],
	   "outputs": [{"topic": "OUTPUT", "value": {"id": 1, "data": "AQI=", "tag": "A"}}]}
	]}`
	vs, err := parseFile("sr.json", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{newBackend: newEngineBackend, timeout: 30 * time.Second}
	want := []Status{StatusPass, StatusFail, StatusFail}
	for i := range vs {
		res := r.run(context.Background(), &vs[i])
		if res.Status != want[i] {
			t.Errorf("%s: %s %s\n%s", res.Name, res.Status, res.Message, res.Details)
		}
	}
}
