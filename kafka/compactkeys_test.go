package kafka

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A record without a key to a compacted topic is refused with Kafka's
// INVALID_RECORD, and nothing of its batch is written (uncompressed
// batches: compressed ones are not read, see refuseNullKeysToCompacted); kfake stored it and compaction then dropped it silently.
// Keyed records, and records without a key to other topics, are written.
// A topic switched to compact (or back) is judged by its new policy.
func TestEmbeddedRefusesNullKeysToCompactedTopics(t *testing.T) {
	e, _ := startBroker(t)
	ctx := testCtx(t)
	admCl := foreignClient(t, e)
	adm := kadm.NewClient(admCl)
	if _, err := adm.CreateTopics(ctx, 1, 1, map[string]*string{"cleanup.policy": kmsg.StringPtr("compact")}, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopics(ctx, 1, 1, map[string]*string{"cleanup.policy": kmsg.StringPtr("compact,delete")}, "cd"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopics(ctx, 1, 1, nil, "d"); err != nil {
		t.Fatal(err)
	}

	// franz-go compresses with snappy unless told not to.
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	{
		produce := func(topic string, key []byte) error {
			return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: key, Value: []byte("v")}).FirstErr()
		}
		for _, topic := range []string{"c", "cd"} {
			err := produce(topic, nil)
			var ke *kerr.Error
			if !errors.As(err, &ke) || ke != kerr.InvalidRecord {
				t.Errorf("no key to %s: %v, want INVALID_RECORD", topic, err)
			}
			if err := produce(topic, []byte("k")); err != nil {
				t.Errorf("keyed to %s: %v", topic, err)
			}
			if err := produce(topic, []byte{}); err != nil {
				t.Errorf("empty key to %s: %v (an empty key is a key)", topic, err)
			}
		}
		if err := produce("d", nil); err != nil {
			t.Errorf("no key to a delete topic: %v", err)
		}
	}

	// Kafka's message, with a raw request.
	req := kmsg.NewPtrProduceRequest()
	req.Acks, req.TimeoutMillis = -1, 5000
	rt := kmsg.NewProduceRequestTopic()
	md, err := adm.Metadata(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	rt.Topic, rt.TopicID = "c", md.Topics["c"].ID
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = rawBatch([][]byte{[]byte("k1"), nil, []byte("k3")})
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	p := resp.Topics[0].Partitions[0]
	if p.ErrorCode != kerr.InvalidRecord.Code || p.ErrorMessage == nil || *p.ErrorMessage != "Compacted topic cannot accept message without key in topic partition c-0." {
		t.Errorf("raw produce: %v %v, want INVALID_RECORD with Kafka's message", kerr.ErrorForCode(p.ErrorCode), p.ErrorMessage)
	}
	if len(p.ErrorRecords) != 1 || p.ErrorRecords[0].RelativeOffset != 1 {
		t.Errorf("raw produce: record errors %+v, want the second record", p.ErrorRecords)
	}

	// What was written: the keyed records only.
	offsets, err := adm.ListEndOffsets(ctx, "c", "d")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := offsets.Lookup("c", 0); o.Offset != 2 {
		t.Errorf("c holds %d records, want 2", o.Offset)
	}

	// Policies changed after creation count.
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "cleanup.policy", Value: kmsg.StringPtr("compact")}}, "d"); err != nil {
		t.Fatal(err)
	}
	err = cl.ProduceSync(ctx, &kgo.Record{Topic: "d", Value: []byte("v")}).FirstErr()
	if !errors.Is(err, kerr.InvalidRecord) {
		t.Errorf("no key to a topic switched to compact: %v, want INVALID_RECORD", err)
	}
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "cleanup.policy", Value: kmsg.StringPtr("delete")}}, "c"); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "c", Value: []byte("v")}).FirstErr(); err != nil {
		t.Errorf("no key to a topic switched to delete: %v", err)
	}
}

// rawBatch is an uncompressed record batch of one record per key (nil:
// no key), as kgo would write it.
func rawBatch(keys [][]byte) []byte {
	var records []byte
	for i, k := range keys {
		r := kmsg.NewRecord()
		r.Key, r.Value, r.OffsetDelta = k, []byte(fmt.Sprint("v", i)), int32(i)
		r.Length = int32(len(r.AppendTo(nil)) - 1) // the body after a one-byte length of 0
		records = r.AppendTo(records)
	}
	b := kmsg.NewRecordBatch()
	b.Magic, b.ProducerID, b.ProducerEpoch, b.FirstSequence = 2, -1, -1, -1
	b.LastOffsetDelta, b.NumRecords, b.Records = int32(len(keys)-1), int32(len(keys)), records
	raw := b.AppendTo(nil)
	b.Length = int32(len(raw) - 12)
	raw = b.AppendTo(nil)
	b.CRC = int32(crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b.AppendTo(nil)
}

// BenchmarkNullKeyCheck is what refuseNullKeysToCompacted costs a
// Produce: reading the key lengths of a batch of 1,000 ~200-byte records
// bound for a compacted topic (ns/record), and the per-request look-up
// for a topic that does not compact (ns/op of "other-topic"). The
// decompress-* runs time what reading a compressed batch's keys would
// add, the reason it is not done.
func BenchmarkNullKeyCheck(b *testing.B) {
	keys := make([][]byte, 1000)
	var records []byte
	for i := range keys {
		r := kmsg.NewRecord()
		r.Key, r.Value, r.OffsetDelta = fmt.Appendf(nil, "%d", i), benchValue(i), int32(i)
		body := r.AppendTo(nil)[1:] // after a one-byte length of 0
		r.Length = int32(len(body))
		records = r.AppendTo(records)
	}
	batch := kmsg.NewRecordBatch()
	batch.Magic, batch.LastOffsetDelta, batch.NumRecords, batch.Records = 2, 999, 1000, records
	raw := batch.AppendTo(nil)
	batch.Length = int32(len(raw) - 12)
	raw = batch.AppendTo(nil)
	b.Run("compacted-1000-records", func(b *testing.B) {
		for b.Loop() {
			if firstNullKey(raw) != -1 {
				b.Fatal("a null key found")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/record")
	})
	for name, codec := range map[string]kgo.CompressionCodec{"snappy": kgo.SnappyCompression(), "zstd": kgo.ZstdCompression()} {
		comp, err := kgo.DefaultCompressor(codec)
		if err != nil {
			b.Fatal(err)
		}
		compressed := batch
		var typ kgo.CompressionCodecType
		compressed.Records, typ = comp.Compress(new(bytes.Buffer), records)
		compressed.Attributes = int16(typ)
		b.Run("decompress-1000-records-"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := kgo.DefaultDecompressor().Decompress(compressed.Records, typ); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/record")
		})
	}
	b.Run("other-topic", func(b *testing.B) {
		e, _ := startBroker(b)
		ct := newTopicsWith(compacts)
		control := refuseNullKeysToCompacted(e.c, ct)
		req := kmsg.NewPtrProduceRequest()
		req.Version = 12
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "other"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = raw
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		for b.Loop() {
			if _, _, handled := control(req); handled {
				b.Fatal("handled")
			}
		}
	})
}

// BenchmarkProduceCompacted produces 100k ~200-byte keyed records to a
// compacted topic (a changelog's load) through eddy's producer: the
// whole produce path that refuseNullKeysToCompacted reads.
func BenchmarkProduceCompacted(b *testing.B) {
	_, c := startBroker(b)
	ctx := testCtx(b)
	recs := make([]Record, benchRecords)
	for i := range recs {
		recs[i] = Record{Topic: "", Partition: -1, Key: fmt.Appendf(nil, "%d", i%5000), Value: benchValue(i)}
	}
	run := 0
	for b.Loop() {
		b.StopTimer()
		run++
		topic := fmt.Sprintf("changelog-%d", run)
		if err := c.CreateTopic(ctx, TopicInfo{Name: topic, Partitions: 1, Configs: map[string]string{"cleanup.policy": "compact"}}); err != nil {
			b.Fatal(err)
		}
		for i := range recs {
			recs[i].Topic = topic
		}
		b.StartTimer()
		if err := c.Produce(ctx, recs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
