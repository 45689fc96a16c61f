package engine

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
	"github.com/eddysql/eddy/serde"
)

// TestProducerEvolvesSchemaUnderRunningQueries: another producer writes
// Avro records (bytes made here, not by eddy's serializer) while a stream
// inferred from its first schema feeds a CSAS and a windowed CTAS. It
// adds a field with a default (ignored: the columns were fixed at
// CREATE), drops an optional one (NULL), has an incompatible change
// refused by the registry (409), and by mistake writes a record of an
// unrelated type (NULL columns, as ksqlDB reads fields by name) and one
// whose field has another type (processing log). The queries go on
// and every good record is counted once. Checked by hand with
// Confluent's Python serializers against eddy server.
func TestProducerEvolvesSchemaUnderRunningQueries(t *testing.T) {
	e, cl, reg := registryEngine(t, nil)
	register := func(subject, fields string) int {
		t.Helper()
		id, err := reg.Register(subject, serde.RegSchema{Type: serde.SchemaAvro,
			Schema: `{"type":"record","name":"Order","namespace":"com.acme","fields":[` + fields + `]}`})
		if err != nil {
			t.Fatalf("register under %s: %v", subject, err)
		}
		return id
	}
	const (
		id       = `{"name":"id","type":"long"}`
		customer = `{"name":"customer","type":"string"}`
		amount   = `{"name":"amount","type":"double"}`
		note     = `{"name":"note","type":["null","string"],"default":null}`
		region   = `{"name":"region","type":"string","default":"EU"}`
	)
	str := func(b []byte, s string) []byte { return append(binary.AppendVarint(b, int64(len(s))), s...) }
	dbl := func(b []byte, f float64) []byte { return binary.LittleEndian.AppendUint64(b, math.Float64bits(f)) }
	produce := func(schemaID int, ts int64, body []byte) {
		t.Helper()
		if err := cl.Produce(context.Background(), kafka.Record{Topic: "orders", Partition: -1, Value: avroFrame(schemaID, body), Timestamp: ts}); err != nil {
			t.Fatal(err)
		}
	}
	const hour = int64(3600_000)
	v1 := register("orders-value", strings.Join([]string{id, customer, amount, note}, ","))
	order := func(n int64, cust string) []byte { return dbl(str(binary.AppendVarint(nil, n), cust), 1.5) }
	produce(v1, 0, append(order(1, "a"), 2, 4, 'n', '1')) // note: union branch 1, "n1"
	produce(v1, 1, append(order(2, "b"), 0))              // note null

	mustExec(t, e, "CREATE STREAM s WITH (kafka_topic='orders', value_format='AVRO', partitions=1);")
	mustExec(t, e, "CREATE STREAM out WITH (value_format='JSON') AS SELECT id, customer, note FROM s;")
	mustExec(t, e, "CREATE TABLE agg WITH (value_format='JSON') AS SELECT customer, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY customer EMIT CHANGES;")

	v2 := register("orders-value", strings.Join([]string{id, customer, amount, note, region}, ","))
	produce(v2, hour, str(append(order(3, "a"), 2, 4, 'n', '3'), "US"))
	v3 := register("orders-value", strings.Join([]string{id, customer, amount, region}, ","))
	produce(v3, hour+1, str(order(4, "b"), "APAC"))

	_, err := reg.Register("orders-value", serde.RegSchema{Type: serde.SchemaAvro,
		Schema: `{"type":"record","name":"Order","namespace":"com.acme","fields":[` + id + `,` + customer + `,{"name":"amount","type":"string"},` + region + `]}`})
	if registry.ErrorCode(err) != registry.CodeIncompatible {
		t.Errorf("amount double to string under BACKWARD: %v, want error code 409", err)
	}

	// Mistakes: another record type (its own subject, as with
	// RecordNameStrategy), then a field of another type.
	payment, err := reg.Register("com.other.Payment", serde.RegSchema{Type: serde.SchemaAvro,
		Schema: `{"type":"record","name":"Payment","namespace":"com.other","fields":[{"name":"payment_id","type":"string"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	produce(payment, hour+2, str(nil, "p1"))
	clash := register("com.other.OrderV9", `{"name":"id","type":"string"},`+customer)
	produce(clash, hour+3, str(str(nil, "x9"), "a"))
	produce(v3, hour+4, str(order(5, "a"), "APAC"))

	want := `|{"ID":1,"CUSTOMER":"a","NOTE":"n1"} |{"ID":2,"CUSTOMER":"b","NOTE":null} |{"ID":3,"CUSTOMER":"a","NOTE":"n3"} ` +
		`|{"ID":4,"CUSTOMER":"b","NOTE":null} |{"ID":null,"CUSTOMER":null,"NOTE":null} |{"ID":5,"CUSTOMER":"a","NOTE":null}`
	recs := waitRecords(t, cl, "OUT", func(r []kafka.Record) bool { return len(r) >= 6 })
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Key)+"|"+string(r.Value))
	}
	if strings.Join(got, " ") != want {
		t.Errorf("OUT:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	// Five good records counted, the one without a customer left out.
	waitRecords(t, cl, "AGG", func(r []kafka.Record) bool { return latestCountSum(t, r, "N") == 5 })
	logged := strings.Join(values(t, cl, "default_ksql_processing_log"), "\n")
	if n := strings.Count(logged, "cannot convert string \\\"x9\\\" to BIGINT"); n != 2 {
		t.Errorf("processing log has %d entries for the clashing record, want one per query:\n%s", n, logged)
	}
	if n := strings.Count(logged, `"type":0`); n != 2 {
		t.Errorf("processing log has %d deserialization errors, want 2:\n%s", n, logged)
	}
	if errs := e.QueryErrors(); len(errs) != 0 {
		t.Errorf("query errors: %v", errs)
	}
}
