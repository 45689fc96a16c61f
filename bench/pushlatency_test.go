package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/kafka"
)

// BenchmarkPushLatency measures a push query's latency, from a
// single-record produce request to the row reaching the query's client,
// while six persistent queries read the same topic: first the peak rate
// of single-record produce requests (each sent alone and acknowledged
// before the next), then the push query's p50 and p99 with records
// produced one per request at half that rate.
func BenchmarkPushLatency(b *testing.B) {
	ctx, cancel := context.WithTimeout(b.Context(), runTimeout)
	defer cancel()
	emb, err := kafka.StartEmbedded(kafka.EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Close()
	cl, err := kafka.Dial(ctx, kafka.Config{Brokers: []string{emb.Addr()}})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	e, err := engine.New(ctx, engine.Options{Cluster: cl, ServiceID: "latency_"})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	exec(ctx, b, e, "CREATE STREAM ev (id STRING KEY, sent BIGINT, pad STRING) WITH (kafka_topic='ev', value_format='JSON', partitions=1);")
	for i := range 6 {
		exec(ctx, b, e, fmt.Sprintf("CREATE STREAM ev_out%d AS SELECT id, sent, UCASE(pad) AS pad FROM ev WHERE sent %% 6 <> %d EMIT CHANGES;", i, i))
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(emb.Addr()), kgo.ProducerLinger(0), kgo.DefaultProduceTopic("ev"))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	record := func(i int) *kgo.Record {
		return &kgo.Record{Key: []byte(strconv.Itoa(i)),
			Value: fmt.Appendf(nil, `{"SENT":%d,"PAD":"%0150d"}`, time.Now().UnixNano(), i)}
	}
	// Peak: sequential single-record produce requests for two seconds.
	peakStart, n := time.Now(), 0
	for time.Since(peakStart) < 2*time.Second {
		if err := prod.ProduceSync(ctx, record(n)).FirstErr(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	peak := float64(n) / time.Since(peakStart).Seconds()

	const samples = 3000
	var mu sync.Mutex
	var lat []time.Duration
	got := make(chan struct{})
	qctx, qcancel := context.WithCancel(ctx)
	defer qcancel()
	ready := make(chan struct{})
	go func() {
		_ = e.Stream(qctx, "SELECT sent FROM ev EMIT CHANGES;", nil, func(r api.StreamedRow) error {
			if r.Header != nil {
				close(ready)
				return nil
			}
			if r.Row == nil || len(r.Row.Columns) == 0 {
				return nil
			}
			sent, ok := r.Row.Columns[0].(int64)
			if !ok {
				if f, isF := r.Row.Columns[0].(float64); isF {
					sent, ok = int64(f), true
				}
			}
			if !ok {
				return nil
			}
			mu.Lock()
			lat = append(lat, time.Since(time.Unix(0, sent)))
			done := len(lat) == samples
			mu.Unlock()
			if done {
				close(got)
			}
			return nil
		})
	}()
	<-ready
	time.Sleep(time.Second) // the push query's consumer joins and fetches
	interval := time.Duration(float64(time.Second) / (peak / 2))
	b.ResetTimer()
	tick := time.NewTicker(interval)
	for i := range samples {
		<-tick.C
		prod.Produce(ctx, record(n+i), func(_ *kgo.Record, err error) {
			if err != nil {
				b.Error(err)
			}
		})
	}
	tick.Stop()
	select {
	case <-got:
	case <-time.After(time.Minute):
		mu.Lock()
		b.Fatalf("push query delivered %d of %d rows", len(lat), samples)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(peak, "peak-produce/s")
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.Logf("single-record produce peak %.0f/s; push query at %.0f records/s with 6 persistent queries on the topic: p50 %v, p99 %v",
		peak, peak/2, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
}
