package clickhouse

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

// BenchmarkSink measures rows/s into the server at CLICKHOUSE_URL:
// records of a pageviews-like shape with a schema, put and flushed 5,000
// at a time (one INSERT each), into a MergeTree table.
func BenchmarkSink(b *testing.B) {
	base := testenv.ClickHouse(b)
	c := ch{b, base}
	table := fmt.Sprintf("eddy_bench_%d", time.Now().UnixNano())
	c.exec("CREATE TABLE " + table + " (viewtime DateTime, userid String, pageid String, views UInt64, ratio Float64) ENGINE = MergeTree ORDER BY (pageid, viewtime)")
	defer c.try("DROP TABLE IF EXISTS " + table)
	host, port := hostPort(b, base)
	st, err := newTask(connect.Config{"hostname": host, "port": port, "ssl": "false"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Start(ctx, &testContext{}); err != nil {
		b.Fatal(err)
	}
	defer st.Stop()
	s := &connect.Schema{Type: connect.StructT, Fields: []connect.Field{
		{Name: "viewtime", Schema: &connect.Schema{Type: connect.Int64, Name: connect.LogicalTimestamp}},
		{Name: "userid", Schema: &connect.Schema{Type: connect.String}},
		{Name: "pageid", Schema: &connect.Schema{Type: connect.String}},
		{Name: "views", Schema: &connect.Schema{Type: connect.Int64}},
		{Name: "ratio", Schema: &connect.Schema{Type: connect.Float64}},
	}}
	start := time.Unix(1715941800, 0)
	const batch = 5000
	recs := make([]connect.Record, 0, batch)
	b.ResetTimer()
	began := time.Now()
	for i := 0; i < b.N; i++ {
		v := (&connect.Struct{Schema: s}).Put("viewtime", start.Add(time.Duration(i)*time.Millisecond)).
			Put("userid", fmt.Sprint("User_", i%100)).Put("pageid", fmt.Sprint("Page_", i%1000)).Put("views", int64(i)).Put("ratio", float64(i)/7)
		recs = append(recs, connect.Record{Topic: table, Offset: int64(i), ValueSchema: s, Value: v})
		if len(recs) == batch || i == b.N-1 {
			if err := st.Put(ctx, recs); err != nil {
				b.Fatal(err)
			}
			if err := st.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "rows/s")
	b.StopTimer()
	if got := c.exec("SELECT count() FROM " + table); got != fmt.Sprint(b.N, "\n") {
		b.Fatalf("%s rows in the table, want %d", got, b.N)
	}
}

// BenchmarkEncodeRow measures turning one record (17 fields, most types)
// into its JSONEachRow line.
func BenchmarkEncodeRow(b *testing.B) {
	var cols []column
	for _, c := range [][2]string{{"id", "Int64"}, {"small", "Int8"}, {"count", "UInt32"}, {"ratio", "Float64"}, {"ok", "UInt8"},
		{"name", "String"}, {"note", "Nullable(String)"}, {"price", "Decimal(10, 2)"}, {"ts", "DateTime"}, {"ts_ms", "Int64"},
		{"day", "Date"}, {"tags", "Array(String)"}, {"scores", "Array(Int32)"}, {"kind", "Enum8('click' = 1, 'view' = 2)"},
		{"blob", "String"}, {"address", "String"}} {
		cols = append(cols, column{name: c[0], typ: parseType(c[1])})
	}
	cols = append(cols, column{name: "added", typ: parseType("Int32"), hasDefault: true})
	rec := event("t", 1, 3)
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = appendRow(buf[:0], cols, &rec); err != nil {
			b.Fatal(err)
		}
	}
}
