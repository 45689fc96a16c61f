package kafka

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicsWith remembers which topics have a setting (has: compaction,
// LogAppendTime), so that a Produce asks kfake about each topic once,
// not at every request. Any request that creates or deletes topics or
// changes their settings forgets it all: its control runs, on the
// broker's loop, just before kfake applies it, so no Produce reads a
// setting in between.
type topicsWith struct {
	has   func(configs map[string]*string) bool
	mu    sync.Mutex
	names map[string]bool
	ids   map[[16]byte]bool
}

func newTopicsWith(has func(configs map[string]*string) bool) *topicsWith {
	return &topicsWith{has: has, names: map[string]bool{}, ids: map[[16]byte]bool{}}
}

// compacts tells whether topic settings compact (cleanup.policy including
// compact).
func compacts(configs map[string]*string) bool {
	p := configs["cleanup.policy"]
	return p != nil && strings.Contains(*p, "compact") // as kfake compacts
}

func (ct *topicsWith) forget() func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(kmsg.Request) (kmsg.Response, error, bool) {
		ct.mu.Lock()
		clear(ct.names)
		clear(ct.ids)
		ct.mu.Unlock()
		return nil, nil, false
	}
}

// holds tells whether topic t of a Produce (named, or by its ID from
// v13: byID) has the setting.
func (ct *topicsWith) holds(c *kfake.Cluster, t *kmsg.ProduceRequestTopic, byID bool) bool {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if !byID {
		if v, ok := ct.names[t.Topic]; ok {
			return v
		}
	} else if v, ok := ct.ids[t.TopicID]; ok {
		return v
	}
	// TopicInfo runs on the broker's loop, which serves it while a
	// control runs.
	var ti *kfake.TopicInfo
	if !byID {
		ti = c.TopicInfo(t.Topic)
	} else {
		ti = c.TopicIDInfo(t.TopicID)
	}
	v := ti != nil && ct.has(ti.Configs)
	if !byID {
		ct.names[t.Topic] = v
	} else {
		ct.ids[t.TopicID] = v
	}
	return v
}

// refuseNullKeysToCompacted refuses, as Kafka does, a Produce of a
// record without a key to a compacted topic: INVALID_RECORD, "Compacted
// topic cannot accept message without key in topic partition t-0.".
// kfake stored such records, and its compaction then dropped them
// without a word. Only batches to compacted topics are read, and only
// each record's key length, in place: about 12 ns a record (a ~200-byte
// record costs eddy's producer and the broker 0.5-1 µs), and 35 ns a
// request to topics that do not compact (BenchmarkNullKeyCheck).
//
// Compressed batches are let through unread: reading their keys means
// decompressing them, which kfake does not otherwise do on produce, and
// costs 0.23-0.36 µs a record with snappy, 0.85-0.98 µs with zstd, about
// what the whole produce costs, on every changelog of a server run with
// --kafka-config compression.type=zstd. eddy's producers do not
// compress unless told to, and nor do Java's, librdkafka's or kafkajs's;
// franz-go's compress with snappy by default.
//
// The refused partitions are answered INVALID_RECORD. Kafka writes the
// request's other partitions; a control can only answer a request whole
// or let kfake answer it whole, so they are answered NOT_ENOUGH_REPLICAS,
// which producers retry, and written with their next request.
func refuseNullKeysToCompacted(c *kfake.Cluster, ct *topicsWith) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		r, ok := req.(*kmsg.ProduceRequest)
		if !ok {
			return nil, nil, false
		}
		type refusal struct {
			msg   string
			index int
		}
		var refused map[[2]int]refusal // topic, partition indexes
		for i := range r.Topics {
			t := &r.Topics[i]
			if !ct.holds(c, t, r.Version >= 13) {
				continue
			}
			for j, p := range t.Partitions {
				if at := firstNullKey(p.Records); at >= 0 {
					if refused == nil {
						refused = map[[2]int]refusal{}
					}
					name := t.Topic
					if r.Version >= 13 {
						if ti := c.TopicIDInfo(t.TopicID); ti != nil {
							name = ti.Topic
						}
					}
					refused[[2]int{i, j}] = refusal{fmt.Sprintf("Compacted topic cannot accept message without key in topic partition %s-%d.", name, p.Partition), at}
				}
			}
		}
		if refused == nil {
			return nil, nil, false
		}
		if r.Acks == 0 {
			return nil, nil, true // no answer, as to any acks=0 Produce
		}
		resp := r.ResponseKind().(*kmsg.ProduceResponse)
		const others = "Not written: another partition of the request has a record without a key for a compacted topic; send it again."
		for i, t := range r.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = t.Topic, t.TopicID
			for j, p := range t.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = p.Partition
				msg, code := others, kerr.NotEnoughReplicas.Code
				if why, ok := refused[[2]int{i, j}]; ok {
					msg, code = why.msg, kerr.InvalidRecord.Code
					re := kmsg.NewProduceResponseTopicPartitionErrorRecord()
					re.RelativeOffset = int32(why.index)
					sp.ErrorRecords = append(sp.ErrorRecords, re)
				}
				sp.ErrorCode = code
				sp.ErrorMessage = &msg
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	}
}

// firstNullKey returns the index, in its batch, of the first record of
// records (record batches of magic 2) without a key, or -1. It reads
// the key length of each record of uncompressed batches and nothing
// else. Bytes it cannot read are kfake's to refuse: -1.
func firstNullKey(records []byte) int {
	for len(records) >= 61 {
		size := 12 + int(int32(binary.BigEndian.Uint32(records[8:])))
		if size < 61 || size > len(records) || records[16] != 2 {
			return -1
		}
		batch := records[:size]
		records = records[size:]
		attrs := binary.BigEndian.Uint16(batch[21:])
		if attrs&0x20 != 0 {
			continue // a control batch (a transaction marker) has keys of its own
		}
		if attrs&0x07 != 0 {
			continue // compressed: not read (see refuseNullKeysToCompacted)
		}
		n := int(int32(binary.BigEndian.Uint32(batch[57:])))
		body := batch[61:]
		for i := 0; i < n; i++ {
			length, w := binary.Varint(body)
			if w <= 0 || length < 0 || int64(len(body)-w) < length {
				return -1
			}
			rec := body[w : w+int(length)]
			body = body[w+int(length):]
			// attributes (1 byte), timestampDelta, offsetDelta, keyLength
			if len(rec) < 1 {
				return -1
			}
			rec = rec[1:]
			for range 2 {
				_, w := binary.Varint(rec)
				if w <= 0 {
					return -1
				}
				rec = rec[w:]
			}
			keyLen, w := binary.Varint(rec)
			if w <= 0 {
				return -1
			}
			if keyLen < 0 {
				return i
			}
		}
	}
	return -1
}
