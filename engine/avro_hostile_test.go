package engine

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/eddysql/eddy/internal/testchild"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// TestAvroHostileRecordsAreLogged: a persistent query over a topic whose
// writers use a recursive schema (a linked list, legal Avro) reads the
// levels its columns declare. A list nested deeper than the nesting
// limit, and a record whose few bytes declare 2^62 nulls, each go to the
// processing log, and the query goes on to the next good record. In a
// child process: before the fix the recursive schema overflowed the
// stack, killing the server, and the nulls exhausted its memory.
func TestAvroHostileRecordsAreLogged(t *testing.T) {
	testchild.Run(t, func(t *testing.T) {
		e, cl, reg := registryEngine(t, map[string]string{"ksql.logging.processing.stream.auto.create": "true"})
		listID, err := reg.Register("producer-list-value", serde.RegSchema{Type: serde.SchemaAvro,
			Schema: `{"type":"record","name":"Node","fields":[{"name":"id","type":"int"},{"name":"next","type":["null","Node"]}]}`})
		if err != nil {
			t.Fatal(err)
		}
		padID, err := reg.Register("producer-pad-value", serde.RegSchema{Type: serde.SchemaAvro,
			Schema: `{"type":"record","name":"Pad","fields":[{"name":"id","type":"int"},{"name":"pad","type":{"type":"array","items":"null"}}]}`})
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, e, "CREATE STREAM nodes (id INT, next STRUCT<id INT>, pad ARRAY<INT>) WITH (kafka_topic='nodes', value_format='AVRO', partitions=1);")
		mustExec(t, e, "CREATE STREAM out WITH (value_format='JSON') AS SELECT id, next->id AS next_id, ARRAY_LENGTH(pad) AS pads FROM nodes;")

		list := func(first, n int) []byte { // n nodes, ids from first
			var b []byte
			for i := range n {
				b = binary.AppendVarint(b, int64(first+i))
				b = binary.AppendVarint(b, int64(min(1, n-1-i))) // Node, or null for the last
			}
			return b
		}
		pad := func(id int, count int64) []byte {
			return append(binary.AppendVarint(binary.AppendVarint(nil, int64(id)), count), 0)
		}
		bodies := [][]byte{
			avroFrame(listID, list(1, 3)),
			avroFrame(listID, list(100, 5000)), // nested deeper than 512
			avroFrame(padID, pad(5, 1<<62)),    // 2^62 nulls in 11 bytes
			avroFrame(padID, pad(6, 3)),
			avroFrame(listID, list(7, 1)),
		}
		var recs []kafka.Record
		for _, v := range bodies {
			recs = append(recs, kafka.Record{Topic: "nodes", Partition: -1, Value: v})
		}
		if err := cl.Produce(context.Background(), recs...); err != nil {
			t.Fatal(err)
		}
		want := `|{"ID":1,"NEXT_ID":2,"PADS":null} |{"ID":6,"NEXT_ID":null,"PADS":3} |{"ID":7,"NEXT_ID":null,"PADS":null}`
		if got := strings.Join(values(t, cl, "OUT"), " "); got != want {
			t.Errorf("output %s, want %s", got, want)
		}
		logged := strings.Join(values(t, cl, "default_ksql_processing_log"), "\n")
		for _, msg := range []string{"nests a recursive record more than 512 levels deep", "`PAD`: Avro arrays of items that take no bytes"} {
			if !strings.Contains(logged, msg) {
				t.Errorf("processing log lacks %q:\n%s", msg, logged)
			}
		}
		if errs := e.QueryErrors(); len(errs) != 0 {
			t.Errorf("query errors: %v", errs)
		}
	})
}

// TestUnknownSchemaIDIsLogged: a record framed with a schema id the
// embedded registry does not hold goes to the processing log naming the
// id once (it was named twice, once by the registry's client and once
// by the decoder), and the query goes on to the next record.
func TestUnknownSchemaIDIsLogged(t *testing.T) {
	e, cl, reg := registryEngine(t, map[string]string{"ksql.logging.processing.stream.auto.create": "true"})
	id, err := reg.Register("producer-value", serde.RegSchema{Type: serde.SchemaAvro,
		Schema: `{"type":"record","name":"R","fields":[{"name":"id","type":"int"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM ins (id INT) WITH (kafka_topic='ins', value_format='AVRO', partitions=1);")
	mustExec(t, e, "CREATE STREAM outs WITH (value_format='JSON') AS SELECT id FROM ins;")
	if err := cl.Produce(context.Background(),
		kafka.Record{Topic: "ins", Partition: -1, Value: avroFrame(9999, binary.AppendVarint(nil, 1))},
		kafka.Record{Topic: "ins", Partition: -1, Value: avroFrame(id, binary.AppendVarint(nil, 2))}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(values(t, cl, "OUTS"), " "); got != `|{"ID":2}` {
		t.Errorf("output %s, want only the readable record", got)
	}
	logged := strings.Join(values(t, cl, "default_ksql_processing_log"), "\n")
	if n := strings.Count(logged, "schema id 9999"); n != 1 {
		t.Errorf("the processing log names schema id 9999 %d times, want once:\n%s", n, logged)
	}
}

// avroFrame is body in the Schema Registry wire format of schema id.
func avroFrame(id int, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), body...)
}
