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
// repartition either (ksqlDB's neither): it needs each key in one
// partition, whichever, and a key the producer spread over partitions
// (kafka-go's round-robin default) is aggregated in each apart, the
// table's rows for it overwriting each other. partitionCheck looks at
// the first records of each partition of the source topics that feed a
// join or such an aggregation directly and says so, once per topic,
// through warn (the server log, and the query's errors that EXPLAIN
// lists).
type partitionCheck struct {
	query string
	// parts is the partition count of each topic still checked; a topic
	// leaves once it was warned about or all its partitions passed.
	parts map[string]int32
	// keyAt, for each topic that feeds an aggregation rather than a
	// join, is the partition each key checked so far was seen in.
	keyAt map[string]map[string]int32
	seen  map[tp]int
	left  map[string]int32 // partitions of each topic still checked
	warn  func(message string)
}

// partitionCheckRecords bounds the records looked at per partition, so
// the check costs nothing once a query is under way.
const partitionCheckRecords = 1000

// newPartitionCheck returns the check for topo's source topics that are
// joined or aggregated by their key, or nil when there are none (or all
// partitions run in one task, where placement does not matter).
func newPartitionCheck(ctx context.Context, cluster kafka.Cluster, topo *Topology, warn func(string)) *partitionCheck {
	if topo.singleTask() {
		return nil
	}
	c := &partitionCheck{query: topo.ID, parts: map[string]int32{}, keyAt: map[string]map[string]int32{}, seen: map[tp]int{}, left: map[string]int32{}, warn: warn}
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
		if !joins {
			c.keyAt[in.Source.Topic] = map[string]int32{}
		}
	}
	if len(c.parts) == 0 {
		return nil
	}
	return c
}

// observe checks r's partition: against the partition its key was seen
// in before, for a topic aggregated, else against its key's murmur2
// partition. It reports whether any topic is still checked, so the owner
// can drop the check once none is.
func (c *partitionCheck) observe(r *kafka.Record) bool {
	n, ok := c.parts[r.Topic]
	if !ok || r.Key == nil {
		return len(c.parts) > 0
	}
	keys, aggregated := c.keyAt[r.Topic]
	at := tp{r.Topic, r.Partition}
	if c.seen[at] >= partitionCheckRecords {
		return true
	}
	if c.seen[at]++; c.seen[at] == partitionCheckRecords {
		if c.left[r.Topic]--; c.left[r.Topic] == 0 {
			c.done(r.Topic)
		}
	}
	if aggregated {
		if p, seen := keys[string(r.Key)]; !seen {
			keys[string(r.Key)] = r.Partition
		} else if p != r.Partition {
			c.done(r.Topic)
			c.warn(fmt.Sprintf("query %s: topic %s holds key %s in partitions %d and %d: the aggregation groups by the topic's key without repartitioning, "+
				"so the key is aggregated in each partition apart, and its rows in the result overwrite each other. "+
				"Write each key to one partition, best with the murmur2 partitioner, Kafka's Java client's (%s), or repartition the topic with PARTITION BY",
				c.query, r.Topic, strconv.Quote(string(r.Key)), p, r.Partition, murmur2Settings))
		}
	} else if want := kafka.KeyPartition(r.Key, n); want != r.Partition {
		c.done(r.Topic)
		c.warn(fmt.Sprintf("query %s: topic %s holds key %s in partition %d, but Kafka's Java partitioner (murmur2), which eddy's own writes use too, puts that key in partition %d: "+
			"the join matches it only with rows the other side holds in partition %d, so unless every topic of the join was written with the same key-hashing partitioner, rows keyed like it will not match. "+
			"Write the topic with the murmur2 partitioner (%s) or repartition it with PARTITION BY",
			c.query, r.Topic, strconv.Quote(string(r.Key)), r.Partition, want, r.Partition, murmur2Settings))
	}
	return len(c.parts) > 0
}

// done stops checking topic.
func (c *partitionCheck) done(topic string) {
	delete(c.parts, topic)
	delete(c.keyAt, topic)
}

// murmur2Settings are the producer settings that partition as Kafka's
// Java client does.
const murmur2Settings = "librdkafka and kcat: partitioner=murmur2_random; " +
	"Sarama 1.50 or later: Config.Producer.Partitioner = sarama.NewMurmur2Partitioner, where its default hashes with FNV-1a; " +
	"kafka-go: Writer.Balancer = &kafka.Murmur2Balancer{}, where its default, round-robin, ignores the key"
