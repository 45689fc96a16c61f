package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/serde"
)

// TestIncompatibleOutputSchemaErrorSaysItOnce: a CSAS, an INSERT and a
// CREATE whose schema the embedded registry refuses as incompatible
// fail with the registry's answer after one prefix: ksqlDB's "Could not
// register schema for topic:" for the CREATEs, eddy's naming the subject
// for the INSERT, not two or three prefixes saying the same.
func TestIncompatibleOutputSchemaErrorSaysItOnce(t *testing.T) {
	ctx := context.Background()
	e, _, rc := registryEngine(t, nil)
	other := serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"X","fields":[{"name":"a","type":"string"}]}`}
	for _, subject := range []string{"OUT-value", "ins-value", "decl-value"} {
		if _, err := rc.Register(subject, other); err != nil {
			t.Fatal(err)
		}
	}
	// A schema of another subject, which a VALUE_SCHEMA_ID claims for
	// decl-value.
	claimed, err := rc.Register("elsewhere-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"Y","fields":[{"name":"b","type":"int"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM src (id INT KEY, v INT) WITH (kafka_topic='src', value_format='AVRO', partitions=1);")
	mustExec(t, e, "CREATE STREAM ins (v INT) WITH (kafka_topic='ins', value_format='AVRO', partitions=1);")
	for _, c := range []struct{ stmt, want string }{
		{"CREATE STREAM out AS SELECT * FROM src;",
			`Could not register schema for topic: Schema being registered is incompatible with an earlier schema for subject "OUT-value"`},
		{"INSERT INTO ins (v) VALUES (1);",
			`registering the schema under subject 'ins-value': Schema being registered is incompatible with an earlier schema for subject "ins-value"`},
		{fmt.Sprintf("CREATE STREAM decl WITH (kafka_topic='decl', value_format='AVRO', partitions=1, value_schema_id=%d);", claimed),
			`Could not register schema for topic: Schema being registered is incompatible with an earlier schema for subject "decl-value"`},
	} {
		_, err := e.Execute(ctx, c.stmt, nil)
		if err == nil {
			t.Errorf("%s: no error", c.stmt)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n%s\nwant it to say\n%s", c.stmt, msg, c.want)
		}
		if strings.Count(msg, "register schema") > 1 || strings.Count(msg, "registering the schema") > 1 ||
			strings.Contains(msg, "register schema under") || strings.Contains(msg, "for topic: registering") {
			t.Errorf("%s: the error repeats its prefix: %s", c.stmt, msg)
		}
	}
}
