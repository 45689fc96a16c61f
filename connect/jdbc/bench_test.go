package jdbc

import (
	"context"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
)

// BenchmarkSinkPostgres measures rows/s into the PostgreSQL at PG_DSN:
// order records (5 columns) put 1000 at a time (a consumer batch, one
// transaction each), multi-row upserts of batch.size 3000 (the default).
func BenchmarkSinkPostgres(b *testing.B) { benchSink(b, pgDB(b)) }

// BenchmarkSinkMariaDB is the same into the MariaDB at MYSQL_DSN.
func BenchmarkSinkMariaDB(b *testing.B) { benchSink(b, myDB(b)) }

func benchSink(b *testing.B, d *testDB) {
	st := startSink(b, sinkConfig(d, "insert.mode", "upsert", "pk.mode", "record_key", "auto.create", "true"))
	ctx := context.Background()
	putFlush(b, st, []connect.Record{order("orders", 0, 0, 1)}) // creates the table
	const batch = 1000
	recs := make([]connect.Record, 0, batch)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		recs = append(recs, order("orders", int64(i+1), int64(i+1), int32(i%7)))
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
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
}
