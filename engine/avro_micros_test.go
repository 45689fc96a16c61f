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
// registry, is inferred as ksqlDB (whose Avro converter knows no micros
// type) infers it: the micros and local types BIGINT, read as the numbers
// the producer wrote, and INSERT writes them back unscaled. Columns
// declared TIMESTAMP and TIME over the micros fields (as earlier builds
// inferred them) read and write them scaled to milliseconds.
func TestAvroMicrosAsBigint(t *testing.T) {
	ctx := context.Background()
	e, cl, rc := registryEngine(t, nil)
	id, err := rc.Register("ev-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: microsSchema})
	if err != nil {
		t.Fatal(err)
	}
	produceMicros(t, cl, id, 1, 1796605200123, 1796605200123456, 3723123456, 1796605200124, 1796605200124567)
	mustExec(t, e, "CREATE STREAM inferred WITH (kafka_topic='ev', value_format='AVRO');")
	if got, want := e.Metastore().Source("INFERRED").Schema.String(),
		"`ID` INTEGER, `MS` TIMESTAMP, `US` BIGINT, `TU` BIGINT, `LMS` BIGINT, `LUS` BIGINT"; got != want {
		t.Fatalf("inferred %s, want %s", got, want)
	}
	mustExec(t, e, "INSERT INTO inferred (id, ms, us, tu, lms, lus) VALUES (2, FROM_UNIXTIME(1796605200999), 1796605200998000, 86399999000, 5, 6);")
	const rows = "1 1796605200123 1796605200123456 3723123456 1796605200124 1796605200124567; " +
		"2 1796605200999 1796605200998000 86399999000 5 6"
	res := mustPull(t, e, "SELECT id, UNIX_TIMESTAMP(ms), us, tu, lms, lus FROM inferred;", nil)
	if got := strings.Join(res.rows, "; "); got != rows {
		t.Errorf("inferred rows\n%s\nwant\n%s", got, rows)
	}
	// Declared BIGINT: the same.
	mustExec(t, e, "CREATE STREAM ev (id INT, ms TIMESTAMP, us BIGINT, tu BIGINT, lms BIGINT, lus BIGINT) WITH (kafka_topic='ev', value_format='AVRO');")
	res = mustPull(t, e, "SELECT id, UNIX_TIMESTAMP(ms), us, tu, lms, lus FROM ev;", nil)
	if got := strings.Join(res.rows, "; "); got != rows {
		t.Errorf("rows\n%s\nwant\n%s", got, rows)
	}
	// Declared TIMESTAMP and TIME: milliseconds.
	mustExec(t, e, "CREATE STREAM scaled (id INT, us TIMESTAMP, tu TIME) WITH (kafka_topic='ev', value_format='AVRO');")
	res = mustPull(t, e, "SELECT id, UNIX_TIMESTAMP(us), FORMAT_TIME(tu, 'HH:mm:ss.SSS') FROM scaled;", nil)
	if got, want := strings.Join(res.rows, "; "), "1 1796605200123 01:02:03.123; 2 1796605200998 23:59:59.999"; got != want {
		t.Errorf("scaled rows %s, want %s", got, want)
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

// microsSchema is a producer's schema with the Avro timestamp types.
const microsSchema = `{"type":"record","name":"Ev","namespace":"io.prod","fields":[` +
	`{"name":"id","type":"int"},` +
	`{"name":"ms","type":{"type":"long","logicalType":"timestamp-millis"}},` +
	`{"name":"us","type":{"type":"long","logicalType":"timestamp-micros"}},` +
	`{"name":"tu","type":{"type":"long","logicalType":"time-micros"}},` +
	`{"name":"lms","type":{"type":"long","logicalType":"local-timestamp-millis"}},` +
	`{"name":"lus","type":{"type":"long","logicalType":"local-timestamp-micros"}}]}`

// produceMicros writes a record of microsSchema (registered as id) to
// topic ev as a foreign producer writes it: the raw longs (Avro's zig-zag
// varints, which encoding/binary's are), framed with the id.
func produceMicros(t *testing.T, cl kafka.Cluster, id int, vals ...int64) {
	t.Helper()
	frame := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
	for _, v := range vals {
		frame = binary.AppendVarint(frame, v)
	}
	if err := cl.Produce(context.Background(), kafka.Record{Topic: "ev", Partition: -1, Value: frame}); err != nil {
		t.Fatal(err)
	}
}
