package mongodb

import (
	"context"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

// BenchmarkSink measures documents/s into the server at MONGO_URL:
// records of the orders shape, put and flushed 1000 at a time (the
// runtime's batch), written with the default replace-one-by-_id upserts
// and with inserts. FerretDB 1.24 answers each replace-upsert by scanning
// the collection (far slower with non-ObjectId ids), so the figures say
// more about it than about the connector; MongoDB uses its _id index.
func BenchmarkSink(b *testing.B) {
	b.Run("replace", func(b *testing.B) { benchSink(b, "ReplaceOneDefaultStrategy", "BsonOidStrategy") })
	b.Run("insert", func(b *testing.B) { benchSink(b, "InsertOneDefaultStrategy", "BsonOidStrategy") })
}

func benchSink(b *testing.B, writeModel, idStrategy string) {
	uri := testenv.Mongo(b)
	topic := "bench_" + time.Now().Format("150405.000000")
	reg := connect.NewRegistry()
	Register(reg)
	p, _ := reg.Lookup(Class)
	st, err := p.NewSink(connect.Config{"connection.uri": uri, "database": "eddy_bench", "writemodel.strategy": writeModel, "document.id.strategy": idStrategy})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Start(ctx, &testContext{}); err != nil {
		b.Fatal(err)
	}
	defer st.Stop()
	const batch = 1000
	recs := make([]connect.Record, 0, batch)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		recs = append(recs, order(topic, int64(i), int64(i), int16(i%3)))
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
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "docs/s")
}
