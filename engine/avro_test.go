package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
)

// TestAvroInferenceAndPrint writes Avro through one stream (which
// registers the schema), declares a second stream on the topic without
// columns (inferred from the registry), queries it, and PRINTs the sink.
func TestAvroInferenceAndPrint(t *testing.T) {
	ctx := context.Background()
	cl := kafka.NewMemCluster(kafka.MemOptions{DefaultPartitions: 1})
	reg, err := registry.New(ctx, registry.Config{Cluster: cl})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	e, err := New(ctx, Options{Cluster: cl, Registry: reg.Client(), Config: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
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
	err = e.Print(pctx, "PRINT 'OUT' FROM BEGINNING LIMIT 1;", nil, func(l string) error {
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
