package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestProducersCompressAsConfigured reads back, with a plain franz-go
// consumer, the batches eddy's shared and transactional producers write:
// uncompressed by default, as Java producers (and so ksqlDB) write them,
// and in the codec compression.type names otherwise.
func TestProducersCompressAsConfigured(t *testing.T) {
	e, _ := startBroker(t)
	ctx := testCtx(t)
	for _, tc := range []struct {
		setting string
		want    uint8 // the batch attributes' codec: 0 none … 4 zstd
	}{{"", 0}, {"none", 0}, {"gzip", 1}, {"snappy", 2}, {"LZ4", 3}, {" zstd ", 4}} {
		t.Run(fmt.Sprintf("%q", tc.setting), func(t *testing.T) {
			c, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, Compression: tc.setting})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			topic := "compressed_" + strings.TrimSpace(tc.setting)
			if err := c.CreateTopic(ctx, TopicInfo{Name: topic, Partitions: 1}); err != nil {
				t.Fatal(err)
			}
			recs := make([]Record, 20)
			for i := range recs {
				recs[i] = Record{Topic: topic, Partition: -1, Value: []byte(strings.Repeat("compressible ", 20))}
			}
			if err := c.Produce(ctx, recs...); err != nil {
				t.Fatal(err)
			}
			err = c.WriteExclusive(ctx, "txn_"+topic, func(context.Context) ([]Record, error) {
				return recs[:5], nil
			})
			if err != nil {
				t.Fatal(err)
			}
			codecs := batchCodecs(t, e.Addr(), topic, 25)
			for i, got := range codecs {
				if got != tc.want {
					t.Fatalf("record %d was written with codec %d, want %d", i, got, tc.want)
				}
			}
		})
	}
	if _, err := Dial(ctx, Config{Brokers: []string{e.Addr()}, Compression: "brotli"}); err == nil || !strings.Contains(err.Error(), `"brotli"`) {
		t.Fatalf("Dial with compression brotli: %v, want an error naming it", err)
	}
}

// batchCodecs reads n records of topic and returns each one's batch codec.
func batchCodecs(t *testing.T, addr, topic string, n int) []uint8 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var codecs []uint8
	for len(codecs) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d of %d records of %s: %v", len(codecs), n, topic, err)
		}
		fs.EachRecord(func(r *kgo.Record) { codecs = append(codecs, r.Attrs.CompressionType()) })
	}
	return codecs
}
