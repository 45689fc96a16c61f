package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// TestJSONSchemaTypelessKeywords: JSON Schema lets a schema leave out
// "type" and be typed by its keywords, and hand-written schemas that
// Confluent's Python JSONSerializer registers do: {"enum": [...]} alone,
// an object given only its "properties", an array only its "items".
// Confluent's converter reads an enum as a string and the others by their
// keywords, so ksqlDB infers columns from them; eddy refused the CREATE
// with 'JSON schema type "" is not supported'.
func TestJSONSchemaTypelessKeywords(t *testing.T) {
	e, cl, reg := registryEngine(t, nil)
	id, err := reg.Register("people-value", serde.RegSchema{Type: serde.SchemaJSON, Schema: `{"type":"object","properties":{
		"name":{"type":"string"},
		"level":{"enum":["LOW","HIGH"]},
		"home":{"properties":{"city":{"type":"string"}}},
		"tags":{"items":{"type":"string"}},
		"maybe":{"oneOf":[{"type":"null"},{"enum":["X","Y"]}]}}}`})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM people WITH (KAFKA_TOPIC='people', VALUE_FORMAT='JSON_SR', PARTITIONS=1);")
	if got, want := e.Metastore().Source("PEOPLE").Schema.String(),
		"`NAME` STRING, `LEVEL` STRING, `HOME` STRUCT<`CITY` STRING>, `TAGS` ARRAY<STRING>, `MAYBE` STRING"; got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
	value := append(avroFrame(id, nil), `{"name":"ann","level":"HIGH","home":{"city":"Oslo"},"tags":["a"],"maybe":null}`...)
	if err := cl.Produce(context.Background(), kafka.Record{Topic: "people", Partition: -1, Value: value}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM out WITH (VALUE_FORMAT='JSON') AS SELECT name, level, home->city AS city, tags[1] AS tag, maybe FROM people;")
	var got string
	waitFor(t, "the output record", time.Minute, func() bool {
		recs, err := cl.ReadAll(context.Background(), "OUT")
		if err == nil && len(recs) > 0 {
			got = string(recs[0].Value)
		}
		return got != ""
	})
	if want := `{"NAME":"ann","LEVEL":"HIGH","CITY":"Oslo","TAG":"a","MAYBE":null}`; strings.TrimSpace(got) != want {
		t.Errorf("output %s, want %s", got, want)
	}
}
