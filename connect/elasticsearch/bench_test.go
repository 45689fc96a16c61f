package elasticsearch

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

// BenchmarkSink measures documents/s into the server at ES_URL: records
// of the ratings shape, put and flushed 1000 at a time (the runtime's
// batch), bulk requests of batch.size 2000 (the default).
func BenchmarkSink(b *testing.B) {
	url := testenv.ES(b)
	topic := "eddy_bench_" + strings.ToLower(time.Now().Format("150405.000000"))
	reg := connect.NewRegistry()
	Register(reg)
	p, _ := reg.Lookup(Class)
	st, err := p.NewSink(connect.Config{"connection.url": url})
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
		recs = append(recs, rating(topic, int64(i), int64(i), int32(i%5)+1))
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

// BenchmarkEncode measures turning one record into its JSON document.
func BenchmarkEncode(b *testing.B) {
	rec := rating("t", 1, 1, 3)
	e := encoder{compactMaps: true}
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = e.appendValue(buf[:0], rec.ValueSchema, rec.Value); err != nil {
			b.Fatal(err)
		}
	}
}
