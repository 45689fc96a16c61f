package engine

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/hamba/avro/v2"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// TestAvroStringBytesPromotion: a producer's second schema turns a
// string field into bytes and a bytes field into a string, which Avro
// allows (each is promotable to the other) and the registry accepts as
// BACKWARD compatible. A stream inferred from the latest schema reads the
// records the first schema wrote: the string's UTF-8 as BYTES, the bytes
// as a STRING. They used to go to the processing log ("cannot decode
// BYTES from base64", "cannot convert Avro bytes to STRING").
func TestAvroStringBytesPromotion(t *testing.T) {
	e, cl, reg := registryEngine(t, nil)
	ctx := context.Background()
	produce := func(schema string, rec map[string]any) {
		t.Helper()
		id, err := reg.Register("promo-value", serde.RegSchema{Type: serde.SchemaAvro, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		body, err := avro.Marshal(avro.MustParse(schema), rec)
		if err != nil {
			t.Fatal(err)
		}
		v := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
		if err := cl.Produce(ctx, kafka.Record{Topic: "promo", Value: append(v, body...)}); err != nil {
			t.Fatal(err)
		}
	}
	produce(`{"type":"record","name":"P","fields":[{"name":"id","type":"long"},{"name":"s","type":"string"},{"name":"b","type":"bytes"}]}`,
		map[string]any{"id": int64(1), "s": "héllo", "b": []byte("raw")})
	produce(`{"type":"record","name":"P","fields":[{"name":"id","type":"long"},{"name":"s","type":"bytes"},{"name":"b","type":"string"}]}`,
		map[string]any{"id": int64(2), "s": []byte{0, 1}, "b": "text"})
	mustExec(t, e, "CREATE STREAM P WITH (KAFKA_TOPIC='promo', VALUE_FORMAT='AVRO');")
	if got := e.Metastore().Source("P").Schema.String(); got != "`ID` BIGINT, `S` BYTES, `B` STRING" {
		t.Fatalf("inferred %s", got)
	}
	var rows [][]any
	err := e.Stream(ctx, "SELECT * FROM P;", nil, func(r api.StreamedRow) error {
		if r.Row != nil {
			rows = append(rows, r.Row.Columns)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
	// Rows show BYTES in base64, as ksqlDB's do.
	if rows[0][1] != base64.StdEncoding.EncodeToString([]byte("héllo")) || rows[0][2] != "raw" {
		t.Errorf("the first schema's record reads %v, want S the bytes of héllo and B raw", rows[0])
	}
	if rows[1][1] != base64.StdEncoding.EncodeToString([]byte{0, 1}) || rows[1][2] != "text" {
		t.Errorf("the second schema's record reads %v", rows[1])
	}
}
