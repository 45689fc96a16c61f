package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/serde"
)

// TestSchemaIDRegisteredUnderSubject: a query or source given a
// VALUE_SCHEMA_ID (or KEY_SCHEMA_ID) registers that schema under its
// topic's subject, as ksqlDB does, so that whoever infers the topic's
// columns from the subject (a stream declared over the output, a
// consumer's latest-version lookup) finds the schema its records are
// framed with. The output topic's subject used to stay empty: "Schema
// for message values on topic 'out_avro' does not exist in the Schema
// Registry."
func TestSchemaIDRegisteredUnderSubject(t *testing.T) {
	e, _, reg := registryEngine(t, nil)
	mustExec(t, e, "CREATE STREAM IN1 (ID INT KEY, C1 INT, C2 STRING) WITH (KAFKA_TOPIC='in1', VALUE_FORMAT='AVRO', PARTITIONS=1);")
	schemas := map[string]serde.RegSchema{
		"AVRO": {Type: serde.SchemaAvro, Schema: `{"type":"record","name":"Out","namespace":"my","fields":[{"name":"c1","type":["null","int"],"default":null},{"name":"c2","type":["null","string"],"default":null}]}`},
		"PROTOBUF": {Type: serde.SchemaProtobuf, Schema: `syntax = "proto3";
message Out { int32 c1 = 1; string c2 = 2; }`},
		"JSON_SR": {Type: serde.SchemaJSON, Schema: `{"type":"object","properties":{"c1":{"type":"integer","connect.type":"int32"},"c2":{"type":"string"}}}`},
	}
	for _, format := range []string{"AVRO", "PROTOBUF", "JSON_SR"} {
		lower := strings.ToLower(format)
		id, err := reg.Register("shared_"+lower+"-value", schemas[format])
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, e, fmt.Sprintf("CREATE STREAM OUT_%s WITH (KAFKA_TOPIC='out_%s', VALUE_FORMAT='%s', VALUE_SCHEMA_ID=%d) AS SELECT ID, C1 AS `c1`, C2 AS `c2` FROM IN1;", format, lower, format, id))
		latest, _, err := reg.Latest("out_" + lower + "-value")
		if err != nil || latest != id {
			t.Errorf("%s: latest schema of out_%s-value is %d (%v), want the VALUE_SCHEMA_ID %d", format, lower, latest, err, id)
			continue
		}
		mustExec(t, e, fmt.Sprintf("CREATE STREAM BACK_%s WITH (KAFKA_TOPIC='out_%s', VALUE_FORMAT='%s');", format, lower, format))
		if got := e.Metastore().Source("BACK_" + format).Schema.String(); got != "`C1` INTEGER, `C2` STRING" {
			t.Errorf("%s: a stream over the output infers %s", format, got)
		}
	}

	// A source given a schema id on a new topic registers it too.
	id, err := reg.Register("elsewhere-value", schemas["AVRO"])
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, fmt.Sprintf("CREATE STREAM SRC WITH (KAFKA_TOPIC='src', VALUE_FORMAT='AVRO', PARTITIONS=1, VALUE_SCHEMA_ID=%d);", id))
	if latest, _, err := reg.Latest("src-value"); err != nil || latest != id {
		t.Errorf("latest schema of src-value is %d (%v), want the VALUE_SCHEMA_ID %d", latest, err, id)
	}

	// A subject whose latest schema cannot read the one named refuses it,
	// and the statement says why.
	if _, err := reg.Register("clash-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"Out","namespace":"my","fields":[{"name":"c1","type":"string"}]}`}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Execute(t.Context(), fmt.Sprintf("CREATE STREAM CLASH WITH (KAFKA_TOPIC='clash', VALUE_FORMAT='AVRO', VALUE_SCHEMA_ID=%d) AS SELECT ID, C1 AS `c1`, C2 AS `c2` FROM IN1;", id), nil)
	if err == nil || !strings.Contains(err.Error(), "clash-value") || !strings.Contains(err.Error(), "incompatible") {
		t.Errorf("CSAS into a subject that refuses the schema: %v", err)
	}
}
