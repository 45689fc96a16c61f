package kafka

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A topic created with message.timestamp.type=LogAppendTime gives its
// records the time the broker appended them, as Kafka does, whatever
// timestamps the producer set and however it compressed them; a
// CreateTime topic keeps the producer's. kfake kept the producer's
// timestamps in both. The stamped batches keep a valid CRC: a reader
// checks it, and so does the broker when it loads them again after a
// restart.
func TestEmbeddedLogAppendTime(t *testing.T) {
	dir := t.TempDir()
	e, _ := startEmbeddedAt(t, dir)
	ctx := testCtx(t)
	adm := kadm.NewClient(foreignClient(t, e))
	if _, err := adm.CreateTopics(ctx, 1, 1, map[string]*string{"message.timestamp.type": kmsg.StringPtr("LogAppendTime")}, "lat"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopics(ctx, 1, 1, nil, "ct"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour).Truncate(time.Millisecond)
	codecs := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}
	before := time.Now().Truncate(time.Millisecond)
	for name, codec := range codecs {
		cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.ProducerBatchCompression(codec), kgo.ProducerLinger(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for _, topic := range []string{"lat", "ct"} {
			var recs []*kgo.Record
			for i := range 3 {
				// Values that compress, so the batch is sent compressed.
				recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(name), Value: []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), Timestamp: old.Add(time.Duration(i) * time.Minute)})
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				t.Fatalf("%s to %s: %v", name, topic, err)
			}
		}
		cl.Close()
	}
	after := time.Now()
	check := func(when string) {
		t.Helper()
		for _, topic := range []string{"lat", "ct"} {
			cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for n := 0; n < 3*len(codecs); {
				fs := cl.PollFetches(ctx)
				if err := fs.Err(); err != nil {
					t.Fatalf("%s: fetch %s: %v", when, topic, err)
				}
				fs.EachRecord(func(r *kgo.Record) {
					n++
					i := seen[string(r.Key)]
					seen[string(r.Key)]++
					if topic == "lat" {
						if r.Timestamp.Before(before) || r.Timestamp.After(after) {
							t.Errorf("%s: %s record %d (%s): timestamp %v, want the append time, between %v and %v", when, topic, i, r.Key, r.Timestamp, before, after)
						}
					} else if want := old.Add(time.Duration(i) * time.Minute); !r.Timestamp.Equal(want) {
						t.Errorf("%s: %s record %d (%s): timestamp %v, want the producer's %v", when, topic, i, r.Key, r.Timestamp, want)
					}
				})
			}
			cl.Close()
		}
	}
	check("written")
	e.Close()
	e, _ = startEmbeddedAt(t, dir)
	defer e.Close()
	check("after a restart")
}
