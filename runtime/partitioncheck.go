package runtime

import (
	"context"
	"fmt"
	"strconv"

	"github.com/eddysql/eddy/kafka"
)

// A join matches a key's rows within one partition number, where Kafka's
// Java client and eddy's own writes (murmur2 of the key bytes) put the
// key. A producer with another partitioner, such as librdkafka's default
// (CRC32) in kcat, Python or Go clients, Sarama's (FNV-1a) or kafka-go's
// (round-robin, whatever the key), spreads keys elsewhere, and a
// join with a topic written the other way silently misses them, in
// ksqlDB as here. An aggregation grouped by its source's key does not
// repartition either (ksqlDB's neither), so a key the producer spread
// over partitions is aggregated in each apart, and the table's rows for
// it overwrite each other. partitionCheck looks at the first records of
// each partition of the source topics that feed a join or such an
// aggregation directly and says so, once per topic, through warn (the
// server log, and the query's errors that EXPLAIN lists).
type partitionCheck struct {
	query string
	// parts is the partition count of each topic still checked; a topic
	// leaves once it was warned about or all its partitions passed.
	parts map[string]int32
	// aggregated marks the topics that feed an aggregation rather than
	// a join, for the warning's words.
	aggregated map[string]bool
	seen       map[tp]int
	left       map[string]int32 // partitions of each topic still checked
	warn       func(message string)
}

// partitionCheckRecords bounds the records looked at per partition, so
// the check costs nothing once a query is under way.
const partitionCheckRecords = 1000

// newPartitionCheck returns the check for topo's source topics that are
// joined or aggregated by their key, or nil when there are none (or all partitions run in one task, where
// placement does not matter).
func newPartitionCheck(ctx context.Context, cluster kafka.Cluster, topo *Topology, warn func(string)) *partitionCheck {
	if topo.singleTask() {
		return nil
	}
	c := &partitionCheck{query: topo.ID, parts: map[string]int32{}, aggregated: map[string]bool{}, seen: map[tp]int{}, left: map[string]int32{}, warn: warn}
	for _, in := range topo.Inputs {
		// Windowed keys are placed by their key without the window,
		// which the check does not split off.
		if in.Internal != nil || in.Source == nil || in.Source.Window != "" {
			continue
		}
		joins, aggregates := in.joins(), in.aggregatesByKey()
		if !joins && !aggregates {
			continue
		}
		info, ok, err := cluster.Topic(ctx, in.Source.Topic)
		if err != nil || !ok || info.Partitions < 2 {
			continue
		}
		c.parts[in.Source.Topic] = info.Partitions
		c.left[in.Source.Topic] = info.Partitions
		c.aggregated[in.Source.Topic] = !joins
	}
	if len(c.parts) == 0 {
		return nil
	}
	return c
}

// observe checks r's partition against its key's murmur2 partition. It
// reports whether any topic is still checked, so the owner can drop the
// check once none is.
func (c *partitionCheck) observe(r *kafka.Record) bool {
	n, ok := c.parts[r.Topic]
	if !ok || r.Key == nil {
		return len(c.parts) > 0
	}
	at := tp{r.Topic, r.Partition}
	if c.seen[at] >= partitionCheckRecords {
		return true
	}
	if c.seen[at]++; c.seen[at] == partitionCheckRecords {
		if c.left[r.Topic]--; c.left[r.Topic] == 0 {
			delete(c.parts, r.Topic)
		}
	}
	if want := kafka.KeyPartition(r.Key, n); want != r.Partition {
		delete(c.parts, r.Topic)
		effect := fmt.Sprintf("the join matches it only with rows the other side holds in partition %d, so unless every topic of the join was written with the same key-hashing partitioner, rows keyed like it will not match", r.Partition)
		if c.aggregated[r.Topic] {
			effect = "the aggregation groups by the topic's key without repartitioning, so a key written to more than one partition is aggregated in each apart, and its rows in the result overwrite each other"
		}
		c.warn(fmt.Sprintf("query %s: topic %s holds key %s in partition %d, but Kafka's Java partitioner (murmur2), which eddy's own writes use too, puts that key in partition %d: %s. "+
			"Write the topic with the murmur2 partitioner (librdkafka and kcat: partitioner=murmur2_random; "+
			"Sarama 1.50 or later: Config.Producer.Partitioner = sarama.NewMurmur2Partitioner, where its default hashes with FNV-1a; "+
			"kafka-go: Writer.Balancer = &kafka.Murmur2Balancer{}, where its default, round-robin, ignores the key) or repartition it with PARTITION BY",
			c.query, r.Topic, strconv.Quote(string(r.Key)), r.Partition, want, effect))
	}
	return len(c.parts) > 0
}
