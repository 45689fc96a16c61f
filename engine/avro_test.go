package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/serde"
)

// registryEngine starts an engine reading from earliest, with config
// added, on an in-memory cluster beside an embedded registry; both stop
// with the test.
func registryEngine(t *testing.T, config map[string]string) (*Engine, *kafka.MemCluster, serde.Registry) {
	t.Helper()
	cl, rc := memRegistry(t)
	cfg := map[string]string{"auto.offset.reset": "earliest"}
	maps.Copy(cfg, config)
	e, err := New(context.Background(), Options{Cluster: cl, Registry: rc, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, cl, rc
}

// memRegistry is an in-memory cluster with an embedded registry on it,
// which stops with the test.
// newRegistryEngine starts an engine over cl and the registry rc that
// reads inputs from their start; the caller closes it.
func newRegistryEngine(t *testing.T, cl kafka.Cluster, rc serde.Registry) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Cluster: cl, Registry: rc, Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func memRegistry(t *testing.T) (*kafka.MemCluster, serde.Registry) {
	t.Helper()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	reg, err := registry.New(context.Background(), registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return cl, reg.Client()
}

// TestAvroInferenceAndPrint writes Avro through one stream (which
// registers the schema), declares a second stream on the topic without
// columns (inferred from the registry), queries it, and PRINTs the sink.
func TestAvroInferenceAndPrint(t *testing.T) {
	ctx := context.Background()
	e, _, _ := registryEngine(t, nil)
	mustExec(t, e, "CREATE STREAM w (id BIGINT KEY, user_id INT, price DECIMAL(6,2)) WITH (kafka_topic='ratings', value_format='AVRO', partitions=1);")
	mustExec(t, e, "INSERT INTO w (id, user_id, price) VALUES (1, 7, 12.30);")
	mustExec(t, e, "CREATE STREAM r WITH (kafka_topic='ratings', value_format='AVRO');")
	src := e.Metastore().Source("R")
	if got := src.Schema.String(); got != "`USER_ID` INTEGER, `PRICE` DECIMAL(6, 2)" {
		t.Fatalf("inferred schema %s", got)
	}
	mustExec(t, e, "CREATE STREAM out AS SELECT user_id, price FROM r;")

	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var lines []string
	err := e.Print(pctx, "PRINT 'OUT' FROM BEGINNING LIMIT 1;", nil, func(l string) error {
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "Value format: AVRO") || !strings.Contains(text, `{"USER_ID":7,"PRICE":12.30}`) {
		t.Fatalf("PRINT output:\n%s", text)
	}

	var rows [][]any
	err = e.Stream(pctx, "SELECT * FROM out EMIT CHANGES LIMIT 1;", nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		return nil
	})
	if err != nil || len(rows) != 1 || rows[0][0] != int32(7) {
		t.Fatalf("rows %v, err %v", rows, err)
	}
}

// TestInsertIntoInferredAvroSource: a producer registered its own schema
// (its record name, lower-case fields, no nulls allowed); a stream
// declared over the topic takes its columns from it. INSERT … VALUES
// writes with that registered schema, so the producer's readers still
// read the topic and the subject gets no new version.
func TestInsertIntoInferredAvroSource(t *testing.T) {
	ctx := context.Background()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	reg, err := registry.New(ctx, registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	rc := reg.Client()
	const producerSchema = `{"type":"record","name":"Rating","namespace":"io.seeds","fields":[` +
		`{"name":"user_id","type":"int"},{"name":"stars","type":"int"},{"name":"channel","type":"string"}]}`
	id, err := rc.Register("ratings-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: producerSchema})
	if err != nil {
		t.Fatal(err)
	}
	e := newRegistryEngine(t, cl, rc)
	defer e.Close()
	mustExec(t, e, "CREATE STREAM ratings_in (id INT KEY) WITH (kafka_topic='ratings', value_format='JSON', partitions=1);") // only creates the topic
	mustExec(t, e, "DROP STREAM ratings_in;")
	mustExec(t, e, "CREATE STREAM RATINGS WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='AVRO');")
	mustExec(t, e, "INSERT INTO RATINGS (USER_ID, STARS, CHANNEL) VALUES (7, 2, 'iOS');")

	if latest, _, err := rc.Latest("ratings-value"); err != nil || latest != id {
		t.Fatalf("latest schema of ratings-value is %d (%v), want the producer's %d: INSERT registered a schema of its own", latest, err, id)
	}
	recs, err := cl.ReadAll(ctx, "ratings")
	if err != nil || len(recs) != 1 {
		t.Fatalf("records: %d, %v", len(recs), err)
	}
	v := recs[0].Value
	if len(v) < 5 || v[0] != 0 || int(binary.BigEndian.Uint32(v[1:5])) != id {
		t.Fatalf("record not framed with schema id %d: % x", id, v)
	}
	var got struct {
		UserID  int32  `avro:"user_id"`
		Stars   int32  `avro:"stars"`
		Channel string `avro:"channel"`
	}
	if err := avro.Unmarshal(avro.MustParse(producerSchema), v[5:], &got); err != nil {
		t.Fatalf("the producer's schema cannot read the record: %v", err)
	}
	if got.UserID != 7 || got.Stars != 2 || got.Channel != "iOS" {
		t.Fatalf("read back %+v", got)
	}
	// A value the registered schema cannot hold is a clear error.
	if _, err := e.Execute(ctx, "INSERT INTO RATINGS (USER_ID, STARS) VALUES (8, 3);", nil); err == nil || !strings.Contains(err.Error(), "CHANNEL") && !strings.Contains(err.Error(), "channel") {
		t.Errorf("insert without the required channel: %v", err)
	}
}

// TestSinkSerializationErrorStopsTheQuery: a row the sink cannot
// serialize (its VALUE_SCHEMA_ID requires a field no column fills) stops
// the query with Kafka Streams' error, as ksqlDB's default
// ksql.fail.on.production.error does, so no output is silently missing;
// with the property false the row goes to the processing log and the
// query goes on.
func TestSinkSerializationErrorStopsTheQuery(t *testing.T) {
	for _, failOn := range []bool{true, false} {
		e, _, reg := registryEngine(t, map[string]string{"ksql.fail.on.production.error": fmt.Sprint(failOn)})
		id, err := reg.Register("OUT-value", serde.RegSchema{Type: serde.SchemaAvro,
			Schema: `{"type":"record","name":"r","fields":[{"name":"C1","type":"int"},{"name":"C2","type":"double"}]}`})
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, e, "CREATE STREAM IN1 (ID INT KEY, C1 INT) WITH (KAFKA_TOPIC='in1', VALUE_FORMAT='AVRO', PARTITIONS=1);")
		mustExec(t, e, fmt.Sprintf("CREATE STREAM OUT WITH (VALUE_SCHEMA_ID=%d) AS SELECT * FROM IN1;", id))
		mustExec(t, e, "INSERT INTO IN1 (ID, C1) VALUES (1, 4);")
		errs := e.QueryErrors()
		stopped := len(errs) == 1 && strings.Contains(errs[0].Error(), "Exception caught in process") && strings.Contains(errs[0].Error(), "Unable to serialize record")
		if stopped != failOn {
			t.Errorf("ksql.fail.on.production.error=%v: query errors %v", failOn, errs)
		}
	}
}

// TestReplayKeepsInferredColumnsAfterSchemaEvolves: a stream whose
// columns came from the registry keeps them across a restart after its
// subject gained a version without one of them, and the query reading
// that column is replayed, not dropped. (The replay used to infer from
// the latest version again: "SELECT column 'CITY' cannot be resolved".)
func TestReplayKeepsInferredColumnsAfterSchemaEvolves(t *testing.T) {
	cl, rc := memRegistry(t)
	register := func(fields string) {
		t.Helper()
		if _, err := rc.Register("pays-value", serde.RegSchema{Schema: `{"type":"record","name":"Pay","fields":[` + fields + `]}`}); err != nil {
			t.Fatal(err)
		}
	}
	register(`{"name":"id","type":"long"},{"name":"city","type":"string"}`)
	e := newRegistryEngine(t, cl, rc)
	mustExec(t, e, "CREATE STREAM P WITH (KAFKA_TOPIC='pays', VALUE_FORMAT='AVRO', PARTITIONS=1);")
	mustExec(t, e, "CREATE STREAM Q AS SELECT ID, CITY FROM P;")
	e.Close()
	register(`{"name":"id","type":"long"},{"name":"channel","type":"string","default":"web"}`)
	e = newRegistryEngine(t, cl, rc)
	defer e.Close()
	if got := e.Metastore().Source("P").Schema.String(); got != "`ID` BIGINT, `CITY` STRING" {
		t.Errorf("after the restart P has columns %s, want those inferred at CREATE", got)
	}
	if e.Metastore().Query("CSAS_Q_0") == nil {
		var ids []string
		for _, q := range e.Metastore().Queries() {
			ids = append(ids, q.ID)
		}
		t.Errorf("query CSAS_Q_0 was not replayed; queries %v, command failures: %+v", ids, e.CommandFailures())
	}
	// A new CREATE infers from the latest version.
	mustExec(t, e, "CREATE STREAM P2 WITH (KAFKA_TOPIC='pays', VALUE_FORMAT='AVRO');")
	if got := e.Metastore().Source("P2").Schema.String(); got != "`ID` BIGINT, `CHANNEL` STRING" {
		t.Errorf("a new stream on the evolved subject has columns %s", got)
	}
}

// A source declared with columns in a Schema-Registry format registers
// their schema at CREATE, as ksqlDB does, under a subject that has none;
// a subject that has one keeps it, and a side in a format without the
// registry registers nothing.
func TestCreateSourceRegistersDeclaredSchemas(t *testing.T) {
	cl, rc := memRegistry(t)
	e, err := New(context.Background(), Options{Cluster: cl, Registry: rc})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mustExec(t, e, "CREATE STREAM orders (id INT KEY, item STRING, qty INT) WITH (kafka_topic='orders', value_format='AVRO', partitions=1);")
	id, s, err := rc.Latest("orders-value")
	if err != nil {
		t.Fatalf("no schema under orders-value after CREATE: %v", err)
	}
	if !strings.Contains(s.Schema, `"ITEM"`) || !strings.Contains(s.Schema, `"QTY"`) {
		t.Errorf("orders-value holds %s", s.Schema)
	}
	if _, _, err := rc.Latest("orders-key"); !errors.Is(err, serde.ErrSubjectNotFound) {
		t.Errorf("a KAFKA key registered a schema: %v", err)
	}
	mustExec(t, e, "CREATE TABLE users (uid STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', format='PROTOBUF', partitions=1);")
	if _, _, err := rc.Latest("users-key"); err != nil {
		t.Errorf("no schema under users-key: %v", err)
	}
	// A second source on the topic, declared otherwise, leaves the
	// subject as it was.
	mustExec(t, e, "CREATE STREAM orders2 (id INT KEY, other STRING) WITH (kafka_topic='orders', value_format='AVRO');")
	if id2, _, err := rc.Latest("orders-value"); err != nil || id2 != id {
		t.Errorf("orders-value moved from id %d to %d (%v)", id, id2, err)
	}
}

// DROP … DELETE TOPIC deletes the topic's subjects too, as ksqlDB does; a
// DROP that keeps the topic keeps them.
func TestDropDeleteTopicDeletesSubjects(t *testing.T) {
	cl, rc := memRegistry(t)
	e, err := New(context.Background(), Options{Cluster: cl, Registry: rc})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mustExec(t, e, "CREATE STREAM kept (id INT KEY, v STRING) WITH (kafka_topic='kept', format='AVRO', partitions=1);")
	mustExec(t, e, "CREATE STREAM gone (id INT KEY, v STRING) WITH (kafka_topic='gone', format='AVRO', partitions=1);")
	mustExec(t, e, "DROP STREAM kept;")
	mustExec(t, e, "DROP STREAM gone DELETE TOPIC;")
	for subject, want := range map[string]bool{"kept-key": true, "kept-value": true, "gone-key": false, "gone-value": false} {
		_, _, err := rc.Latest(subject)
		if got := err == nil; got != want {
			t.Errorf("%s present %v, want %v (%v)", subject, got, want, err)
		}
	}
	// A stream made again on the topic with other columns is not held to
	// the old schema's compatibility.
	mustExec(t, e, "CREATE STREAM gone (id INT KEY, n BIGINT) WITH (kafka_topic='gone', format='AVRO', partitions=1);")
	if _, s, err := rc.Latest("gone-value"); err != nil || !strings.Contains(s.Schema, `"N"`) {
		t.Errorf("gone-value after the new CREATE: %v %s", err, s.Schema)
	}
}
