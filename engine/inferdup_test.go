package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/eddysql/eddy/serde"
)

// TestInferredColumnsDuplicateNames: inferred names are upper-cased, so a
// producer's schema with fields "id" and "ID" (legal in Avro, Protobuf
// and JSON Schema) would give two columns ID, and a PROTOBUF key message
// whose fields the value message repeats gives key and value columns of
// one name. ksqlDB refuses such a CREATE; before, eddy created a source
// no query could select from. VALUE_SCHEMA_ID keeps the schema's case,
// so the same schema is usable that way. Found with Confluent's Python
// AvroSerializer writing such a schema.
func TestInferredColumnsDuplicateNames(t *testing.T) {
	e, _, reg := registryEngine(t, nil)
	ctx := context.Background()
	register := func(subject string, rs serde.RegSchema) int {
		t.Helper()
		id, err := reg.Register(subject, rs)
		if err != nil {
			t.Fatalf("register under %s: %v", subject, err)
		}
		return id
	}
	fails := func(stmt, want string) {
		t.Helper()
		_, err := e.Execute(ctx, stmt, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", stmt, err, want)
		}
	}

	top := register("top-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"D","fields":[
		{"name":"id","type":"int"},{"name":"ID","type":"string"},{"name":"other","type":"long"}]}`})
	fails("CREATE STREAM top WITH (KAFKA_TOPIC='top', VALUE_FORMAT='AVRO', PARTITIONS=1);", "Duplicate column names: ID")
	// With the schema's id, names keep their case: both columns exist.
	mustExec(t, e, "CREATE STREAM top WITH (KAFKA_TOPIC='top', VALUE_FORMAT='AVRO', PARTITIONS=1, VALUE_SCHEMA_ID="+itoa(top)+");")
	mustExec(t, e, "CREATE STREAM top_out AS SELECT `id`, `ID` FROM top;")

	register("nested-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"D","fields":[
		{"name":"n","type":{"type":"array","items":{"type":"record","name":"N","fields":[{"name":"a","type":"int"},{"name":"A","type":"int"}]}}}]}`})
	fails("CREATE STREAM nested WITH (KAFKA_TOPIC='nested', VALUE_FORMAT='AVRO', PARTITIONS=1);", "Duplicate field names in STRUCT: A")

	register("js-value", serde.RegSchema{Type: serde.SchemaJSON, Schema: `{"type":"object","properties":{"name":{"type":"string"},"Name":{"type":"string"}}}`})
	fails("CREATE STREAM js WITH (KAFKA_TOPIC='js', VALUE_FORMAT='JSON_SR', PARTITIONS=1);", "Duplicate column names: NAME")

	customer := serde.RegSchema{Type: serde.SchemaProtobuf, Schema: `syntax = "proto3"; message Customer { string id = 1; string email = 2; }`}
	register("kv-key", customer)
	register("kv-value", customer)
	fails("CREATE TABLE kv WITH (KAFKA_TOPIC='kv', KEY_FORMAT='PROTOBUF', VALUE_FORMAT='PROTOBUF', PARTITIONS=1);", "Duplicate column names: ID, EMAIL")

	// A declared key column the inferred value repeats (a JDBC source's
	// ValueToKey topic) is accepted, and queries read the key.
	register("users-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"U","fields":[
		{"name":"id","type":"int"},{"name":"name","type":"string"}]}`})
	mustExec(t, e, "CREATE TABLE users (ID INT PRIMARY KEY) WITH (KAFKA_TOPIC='users', KEY_FORMAT='KAFKA', VALUE_FORMAT='AVRO', PARTITIONS=1);")
}

// TestInferredDuplicateNamesReplayed: a source with such columns made
// before they were refused (its command pins the schema ids it inferred
// from, as every inferring CREATE's does) is replayed after a restart,
// not dropped from the catalog with the queries that read it.
func TestInferredDuplicateNamesReplayed(t *testing.T) {
	ctx := context.Background()
	cl, rc := memRegistry(t)
	id, err := rc.Register("old-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"D","fields":[
		{"name":"id","type":"int"},{"name":"ID","type":"string"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	e := newRegistryEngine(t, cl, rc)
	// The command as an older eddy logged it, with its pinned id.
	if _, err := e.Execute(ctx, "CREATE STREAM old WITH (KAFKA_TOPIC='old', VALUE_FORMAT='AVRO', PARTITIONS=1);",
		map[string]string{"eddy.inferred.value.schema.id": itoa(id)}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = newRegistryEngine(t, cl, rc)
	defer e.Close()
	if e.Metastore().Source("OLD") == nil {
		t.Errorf("stream OLD was not replayed; command failures: %+v", e.CommandFailures())
	}
	if _, err := e.Execute(ctx, "CREATE STREAM new WITH (KAFKA_TOPIC='old', VALUE_FORMAT='AVRO');", nil); err == nil || !strings.Contains(err.Error(), "Duplicate column names: ID") {
		t.Errorf("a new CREATE on the same subject: %v, want Duplicate column names", err)
	}
}
