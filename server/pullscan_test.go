package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
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
	produceNumbered(b, ts, "t", rows)
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

// produceNumbered writes n records to topic: keys k0000000 on, values
// {"V":i,"S":"s<i>"}.
func produceNumbered(t testing.TB, ts *testServer, topic string, n int) {
	t.Helper()
	recs := make([]kafka.Record, 0, n)
	for i := range n {
		recs = append(recs, kafka.Record{Topic: topic, Partition: -1, Key: fmt.Appendf(nil, "k%07d", i), Value: fmt.Appendf(nil, `{"V":%d,"S":"s%d"}`, i, i)})
	}
	if err := ts.cluster.Produce(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPushQueryResponse times a push query that streams 100k rows
// read from earliest (LIMIT 100000) over /query (HTTP/1.1) and
// /query-stream (HTTP/2, delimited; one stream, and four at once on one
// connection), the client reading the whole response.
func BenchmarkPushQueryResponse(b *testing.B) {
	ts := startMem(b, nil)
	ts.ksql(b, "CREATE STREAM s (k STRING KEY, v BIGINT, s STRING) WITH (kafka_topic='s', key_format='KAFKA', value_format='JSON', partitions=1);")
	const rows = 100_000
	produceNumbered(b, ts, "s", rows)
	query := fmt.Sprintf("SELECT * FROM s EMIT CHANGES LIMIT %d;", rows)
	legacy, _ := json.Marshal(map[string]any{"ksql": query, "streamsProperties": map[string]any{"auto.offset.reset": "earliest"}})
	for _, c := range []struct {
		name, path, accept string
		client             *http.Client
		body               string
		streams            int
	}{
		{"query", "/query", "", ts.http, string(legacy), 1},
		{"query-stream-h2c", "/query-stream", "application/vnd.ksqlapi.delimited.v1", ts.h2c, streamBody(query), 1},
		{"query-stream-h2c-x4", "/query-stream", "application/vnd.ksqlapi.delimited.v1", ts.h2c, streamBody(query), 4},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				var wg sync.WaitGroup
				for range c.streams {
					wg.Go(func() {
						code, _, body := ts.do(b, c.client, "POST", c.path, c.accept, c.body)
						if code != http.StatusOK || strings.Count(body, "\n") < rows {
							b.Errorf("%d, %d lines: %.300s", code, strings.Count(body, "\n"), body)
						}
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.streams*rows), "ns/row")
		})
	}
}
