package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// BenchmarkPullScanResponse times a pull query that returns a table of
// 100k rows over /query (HTTP/1.1) and /query-stream (HTTP/2, delimited),
// the client reading the whole response.
func BenchmarkPullScanResponse(b *testing.B) {
	ts := startMem(b, nil)
	ts.ksql(b, "CREATE SOURCE TABLE t (k STRING PRIMARY KEY, v BIGINT, s STRING) WITH (kafka_topic='t', key_format='KAFKA', value_format='JSON', partitions=1);")
	const rows = 100_000
	recs := make([]kafka.Record, 0, rows)
	for i := range rows {
		recs = append(recs, kafka.Record{Topic: "t", Partition: -1, Key: fmt.Appendf(nil, "k%07d", i), Value: fmt.Appendf(nil, `{"V":%d,"S":"s%d"}`, i, i)})
	}
	if err := ts.cluster.Produce(context.Background(), recs...); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, path, accept string
		client             *http.Client
		body               string
	}{
		{"query", "/query", "", ts.http, ksqlBody("SELECT * FROM t;")},
		{"query-stream-h2c", "/query-stream", "application/vnd.ksqlapi.delimited.v1", ts.h2c, streamBody("SELECT * FROM t;")},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				code, _, body := ts.do(b, c.client, "POST", c.path, c.accept, c.body)
				if code != http.StatusOK || strings.Count(body, "\n") < rows {
					b.Fatalf("%d, %d lines: %.300s", code, strings.Count(body, "\n"), body)
				}
			}
		})
	}
}
