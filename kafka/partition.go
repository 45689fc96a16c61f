package kafka

import (
	"github.com/twmb/franz-go/pkg/kgo"
)

// Murmur2 is Kafka's murmur2 hash (Utils.murmur2 in the Java client), the
// same algorithm franz-go's kgo uses; kgo does not export it, so it is
// repeated here for the MemCluster and for callers that need to predict a
// key's partition.
func Murmur2(b []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	h := seed ^ uint32(len(b))
	for len(b) >= 4 {
		k := uint32(b[3])<<24 | uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0])
		b = b[4:]
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// KeyPartition is the partition Java's default partitioner picks for a
// non-null key: toPositive(murmur2(key)) % n.
func KeyPartition(key []byte, n int32) int32 {
	return int32(Murmur2(key)&0x7fffffff) % n
}

// producerPartitioner places a record on its explicit partition when it has
// one (Partition >= 0) and otherwise defers to kgo's sticky key
// partitioner, which is murmur2-compatible with Java for keyed records and
// sticky for null keys. One kgo producer thus serves both kinds of records.
type producerPartitioner struct{ keyed kgo.Partitioner }

func newProducerPartitioner() kgo.Partitioner {
	return producerPartitioner{kgo.StickyKeyPartitioner(nil)}
}

func (p producerPartitioner) ForTopic(t string) kgo.TopicPartitioner {
	inner := p.keyed.ForTopic(t)
	nb, _ := inner.(kgo.TopicPartitionerOnNewBatch)
	return &topicPartitioner{inner: inner, onNewBatch: nb}
}

type topicPartitioner struct {
	inner      kgo.TopicPartitioner
	onNewBatch kgo.TopicPartitionerOnNewBatch

	// kgo sets Record.Partition before it may abort a buffering and ask
	// again after OnNewBatch; these remember whether the first ask was an
	// explicit partition so the second ask is answered the same way. kgo
	// holds a per-topic lock across that sequence.
	repick       bool
	lastExplicit bool
}

// RequiresConsistency is true for explicit partitions too, so that kgo
// indexes among all partitions (index == partition id), not only the
// writable ones.
func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || p.inner.RequiresConsistency(r)
}

func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	explicit := r.Partition >= 0
	if p.repick {
		p.repick = false
		explicit = p.lastExplicit
	}
	p.lastExplicit = explicit
	if explicit {
		return int(r.Partition)
	}
	return p.inner.Partition(r, n)
}

// OnNewBatch keeps the inner sticky partitioner's batch switching.
func (p *topicPartitioner) OnNewBatch() {
	p.repick = true
	if p.onNewBatch != nil {
		p.onNewBatch.OnNewBatch()
	}
}
