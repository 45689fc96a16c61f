package engine

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// avroLong appends v in Avro's zig-zag varint.
func avroLong(dst []byte, v int64) []byte {
	return binary.AppendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

// TestUnreadAvroColumnStillChecked is TestUnreadColumnStillChecked over
// Avro: a query reading one column of a stream walks the others and
// still rejects a record with a bad value in one of them (a union index
// out of range, an INT out of range, a NaN for a DECIMAL, a bad array
// element, a cut body) into the processing log, with the errors of a
// query reading every column, and keeps running.
func TestUnreadAvroColumnStillChecked(t *testing.T) {
	e, cl, reg := registryEngine(t, map[string]string{"ksql.logging.processing.stream.auto.create": "true"})
	mustExec(t, e, "CREATE STREAM s (k STRING KEY, id BIGINT, url STRING, extra INT, tags ARRAY<INT>, price DECIMAL(6,2), ts BIGINT) "+
		"WITH (kafka_topic='s_in', value_format='AVRO', timestamp='ts', partitions=1);")
	mustExec(t, e, "CREATE STREAM some WITH (value_format='JSON') AS SELECT k, id FROM s WHERE id > 0;")
	mustExec(t, e, "CREATE TABLE counts WITH (value_format='JSON') AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;")
	mustExec(t, e, "CREATE STREAM every WITH (value_format='JSON') AS SELECT * FROM s;")

	// A producer's schema: the columns by name, with other Avro types.
	id, err := reg.Register("producer-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: `{"type":"record","name":"P","fields":[
		{"name":"id","type":"long"},{"name":"url","type":"string"},{"name":"extra","type":["null","long"]},
		{"name":"tags","type":{"type":"array","items":["null","int"]}},{"name":"price","type":"double"},{"name":"ts","type":"long"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		id           int64
		extra, tags  []byte // encoded
		price        float64
		ts           int64
		cut          int // bytes cut off the end
		key, comment string
	}
	long := func(v int64) []byte { return avroLong(avroLong(nil, 1), v) } // the union's long branch
	build := func(r rec) []byte {
		b := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
		b = avroLong(b, r.id)
		b = append(avroLong(b, 1), 'u')
		b = append(b, r.extra...)
		b = append(b, r.tags...)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.price))
		b = avroLong(b, r.ts)
		return b[:len(b)-r.cut]
	}
	tags := append(avroLong(avroLong(avroLong(nil, 1), 1), 3), 0) // [3]
	recs := []rec{
		{key: "a", id: 1, extra: long(5), tags: tags, price: 1.5, ts: 1000},
		{key: "b", id: 2, extra: long(1 << 40), tags: tags, price: 1.5, ts: 1000, comment: "INT out of range"},
		{key: "c", id: 3, extra: avroLong(nil, 5), tags: tags, price: 1.5, ts: 1000, comment: "union index"},
		{key: "d", id: 4, extra: avroLong(nil, 0), tags: tags, price: math.NaN(), ts: 1000, comment: "NaN"},
		{key: "g", id: 6, extra: avroLong(nil, 0), tags: append(avroLong(avroLong(nil, 1), 2), 0), price: 1, ts: 1000, comment: "element index"},
		{key: "h", id: 7, extra: avroLong(nil, 0), tags: tags, price: 1, ts: 1000, cut: 12, comment: "cut in TAGS"},
		{key: "e", id: 5, extra: avroLong(nil, 0), tags: avroLong(nil, 0), price: 12.25, ts: 2000},
	}
	var krecs []kafka.Record
	for _, r := range recs {
		krecs = append(krecs, kafka.Record{Topic: "s_in", Partition: -1, Key: []byte(r.key), Value: build(r)})
	}
	if err := cl.Produce(context.Background(), krecs...); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(values(t, cl, "SOME"), " "), `a|{"ID":1} e|{"ID":5}`; got != want {
		t.Errorf("SOME: %q, want %q", got, want)
	}
	if got, want := strings.Join(values(t, cl, "COUNTS"), " "), `a|{"N":1} e|{"N":1}`; got != want {
		t.Errorf("COUNTS: %q, want %q", got, want)
	}
	want := `a|{"ID":1,"URL":"u","EXTRA":5,"TAGS":[3],"PRICE":1.50,"TS":1000} e|{"ID":5,"URL":"u","EXTRA":null,"TAGS":[],"PRICE":12.25,"TS":2000}`
	if got := strings.Join(values(t, cl, "EVERY"), " "); got != want {
		t.Errorf("EVERY: %q, want %q", got, want)
	}
	checkSkippedAlike(t, e, cl, 5, []string{"`EXTRA`: value 1099511627776 is out of range for INTEGER", "`EXTRA`: Avro union index 5 out of range",
		"`PRICE`: cannot convert NaN", "`TAGS`: Avro union index 2 out of range", "truncated Avro body"})
}
