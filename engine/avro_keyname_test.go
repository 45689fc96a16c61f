package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/serde"
)

// TestAvroSinkKeyRecordNameAsKsqlDB: the Avro key record of a sink with a
// multi-column key is named as ksqlDB names it, the sink's name in upper
// camel case ("T_MULTI_AVRO" gives TMultiAvroKey, not T_multi_avroKey),
// and a downstream reader of the topic decodes its keys with that schema.
func TestAvroSinkKeyRecordNameAsKsqlDB(t *testing.T) {
	e, _, rc := registryEngine(t, nil)
	mustExec(t, e, "CREATE STREAM src (id STRING KEY, b BOOLEAN, n INT) WITH (kafka_topic='src', value_format='JSON', partitions=1);")
	mustExec(t, e, "INSERT INTO src (id, b, n) VALUES ('k1', true, 1);")
	mustExec(t, e, "CREATE TABLE t_multi_avro WITH (key_format='AVRO', value_format='AVRO') AS SELECT id, b, COUNT(*) AS cnt FROM src GROUP BY id, b;")
	var s string
	waitFor(t, "the key schema", 10*time.Second, func() bool {
		_, rs, err := rc.Latest("T_MULTI_AVRO-key")
		s = rs.Schema
		return err == nil
	})
	sch, err := avro.Parse(s)
	if err != nil {
		t.Fatalf("key schema %s: %v", s, err)
	}
	rec, ok := sch.(*avro.RecordSchema)
	if !ok || rec.FullName() != "io.confluent.ksql.avro_schemas.TMultiAvroKey" {
		t.Fatalf("key schema %s, want the record io.confluent.ksql.avro_schemas.TMultiAvroKey", s)
	}
	if !strings.Contains(s, `"connect.name":"io.confluent.ksql.avro_schemas.TMultiAvroKey"`) {
		t.Errorf("key schema %s lacks connect.name TMultiAvroKey", s)
	}
}

// TestAvroSinkKeepsLegacyKeyRecordName: a sink whose key subject already
// holds the record name eddy gave before it named keys as ksqlDB does
// (T_multi_avroKey) keeps that name, so a restart (which replays the
// CREATE) or the sink made again over its topic still registers a
// compatible key schema and runs, writing keys a reader decodes.
func TestAvroSinkKeepsLegacyKeyRecordName(t *testing.T) {
	e, _, rc := registryEngine(t, nil)
	legacy := `{"type":"record","name":"T_multi_avroKey","namespace":"io.confluent.ksql.avro_schemas","fields":[{"name":"ID","type":["null","string"],"default":null},{"name":"B","type":["null","boolean"],"default":null}],"connect.name":"io.confluent.ksql.avro_schemas.T_multi_avroKey"}`
	id, err := rc.Register("T_MULTI_AVRO-key", serde.RegSchema{Type: "AVRO", Schema: legacy})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM src (id STRING KEY, b BOOLEAN, n INT) WITH (kafka_topic='src', value_format='JSON', partitions=1);")
	mustExec(t, e, "INSERT INTO src (id, b, n) VALUES ('k1', true, 1);")
	mustExec(t, e, "CREATE TABLE t_multi_avro WITH (key_format='AVRO', value_format='AVRO') AS SELECT id, b, COUNT(*) AS cnt FROM src GROUP BY id, b;")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rows [][]any
	err = e.Stream(ctx, "SELECT * FROM t_multi_avro EMIT CHANGES LIMIT 1;", nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		return nil
	})
	if err != nil || len(rows) != 1 || rows[0][0] != "k1" || rows[0][1] != true {
		t.Fatalf("rows %v, err %v", rows, err)
	}
	if got, _, err := rc.Latest("T_MULTI_AVRO-key"); err != nil || got != id {
		t.Fatalf("latest key schema id %d (%v), want the legacy one %d", got, err, id)
	}
}
