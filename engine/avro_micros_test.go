package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// TestAvroMicrosAsBigint: a producer's schema with timestamp-micros,
// time-micros and the local-timestamp types, registered in the embedded
// registry, read through columns declared BIGINT gives the numbers the
// producer wrote, as ksqlDB (whose Avro converter knows no micros type)
// reads them, and INSERT writes them back unscaled; inferred, the micros
// types stay TIMESTAMP and TIME (in milliseconds), as eddy inferred them
// before, and read and write scaled.
func TestAvroMicrosAsBigint(t *testing.T) {
	ctx := context.Background()
	e, cl, rc := registryEngine(t, nil)
	const schema = `{"type":"record","name":"Ev","namespace":"io.prod","fields":[` +
		`{"name":"id","type":"int"},` +
		`{"name":"ms","type":{"type":"long","logicalType":"timestamp-millis"}},` +
		`{"name":"us","type":{"type":"long","logicalType":"timestamp-micros"}},` +
		`{"name":"tu","type":{"type":"long","logicalType":"time-micros"}},` +
		`{"name":"lms","type":{"type":"long","logicalType":"local-timestamp-millis"}},` +
		`{"name":"lus","type":{"type":"long","logicalType":"local-timestamp-micros"}}]}`
	id, err := rc.Register("ev-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	// Written as a foreign producer writes it: the raw longs under the
	// registered schema (Avro's zig-zag varints, which encoding/binary's
	// are), framed with its id.
	frame := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
	for _, v := range []int64{1, 1796605200123, 1796605200123456, 3723123456, 1796605200124, 1796605200124567} {
		frame = binary.AppendVarint(frame, v)
	}
	if err := cl.Produce(ctx, kafka.Record{Topic: "ev", Partition: -1, Value: frame}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, "CREATE STREAM inferred WITH (kafka_topic='ev', value_format='AVRO');")
	if got, want := e.Metastore().Source("INFERRED").Schema.String(),
		"`ID` INTEGER, `MS` TIMESTAMP, `US` TIMESTAMP, `TU` TIME, `LMS` BIGINT, `LUS` BIGINT"; got != want {
		t.Fatalf("inferred %s, want %s", got, want)
	}
	// Inferred: TIMESTAMP and TIME in milliseconds, written back in
	// microseconds.
	mustExec(t, e, "INSERT INTO inferred (id, ms, us, tu, lms, lus) VALUES (2, FROM_UNIXTIME(1796605200999), FROM_UNIXTIME(1796605200998), PARSE_TIME('23:59:59.999', 'HH:mm:ss.SSS'), 5, 6);")
	res := mustPull(t, e, "SELECT id, UNIX_TIMESTAMP(us) FROM inferred;", nil)
	if got, want := strings.Join(res.rows, "; "), "1 1796605200123; 2 1796605200998"; got != want {
		t.Errorf("inferred rows %s, want %s", got, want)
	}
	// Declared BIGINT: the producer's numbers.
	mustExec(t, e, "CREATE STREAM ev (id INT, ms TIMESTAMP, us BIGINT, tu BIGINT, lms BIGINT, lus BIGINT) WITH (kafka_topic='ev', value_format='AVRO');")
	res = mustPull(t, e, "SELECT id, UNIX_TIMESTAMP(ms), us, tu, lms, lus FROM ev;", nil)
	if got, want := strings.Join(res.rows, "; "),
		"1 1796605200123 1796605200123456 3723123456 1796605200124 1796605200124567; "+
			"2 1796605200999 1796605200998000 86399999000 5 6"; got != want {
		t.Errorf("rows\n%s\nwant\n%s", got, want)
	}
	recs, err := cl.ReadAll(ctx, "ev")
	if err != nil || len(recs) != 2 {
		t.Fatalf("records: %d, %v", len(recs), err)
	}
	// The producer's readers read what was inserted.
	var out []int64
	for b := recs[1].Value[5:]; len(b) > 0; {
		v, n := binary.Varint(b)
		if n <= 0 {
			t.Fatalf("bad varint in % x", recs[1].Value)
		}
		out, b = append(out, v), b[n:]
	}
	if got, want := fmt.Sprint(out), "[2 1796605200999 1796605200998000 86399999000 5 6]"; got != want {
		t.Errorf("the inserted record holds %s, want %s", got, want)
	}
}
