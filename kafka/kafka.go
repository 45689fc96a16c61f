// Package kafka is eddy's only door to Kafka: a Cluster interface with two
// implementations, a franz-go client for a real or embedded broker and an
// in-memory, synchronous cluster used by the conformance runner, plus the
// embedded Kafka-protocol broker itself.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Header is one Kafka record header. A nil Value is a null header value.
type Header struct {
	Key   string
	Value []byte
}

// Record is one Kafka record. A nil Value is a tombstone; a nil Key is a
// null key.
type Record struct {
	Topic     string
	Partition int32 // on Produce: -1 lets the cluster pick by key hash
	Offset    int64 // set by the cluster
	Key       []byte
	Value     []byte
	Timestamp int64 // milliseconds since the epoch; on Produce 0 is now (see EpochTimestamp)
	Headers   []Header
}

// EpochTimestamp, as a produced Record's Timestamp, stamps it with the
// epoch itself (0): a zero Timestamp is stamped with the current time,
// as a Kafka client stamps a record without one (INSERT VALUES with
// ROWTIME 0 means 0).
const EpochTimestamp int64 = math.MinInt64

// TopicInfo describes one topic.
type TopicInfo struct {
	Name       string
	Partitions int32
	Replicas   int16
	Configs    map[string]string
}

// OffsetReset is where a group without committed offsets starts.
type OffsetReset int

const (
	Latest OffsetReset = iota
	Earliest
)

// Handler processes one batch of records. It returns only after every
// output it produced is acknowledged; then the batch's offsets may be
// committed. An error stops the subscription. The batch slice is the
// handler's only during the call (a subscription fills it again with the
// next batch): it may keep copies of the records, whose bytes stay
// valid, but not the slice nor pointers into it.
type Handler func(ctx context.Context, batch []Record) error

// RecordFailure is implemented by a handler's error that already names the
// record it failed at; the subscription then reports it without the
// position of the batch's first record, which would read as a second,
// different place of failure.
type RecordFailure interface {
	FailedRecord() (topic string, partition int32, offset int64)
}

// handlerError wraps a handler's error for the subscription's Err, at the
// batch's first record unless the error names its own.
func handlerError(group string, first *Record, err error) error {
	var rf RecordFailure
	if first == nil || errors.As(err, &rf) {
		return fmt.Errorf("handler for group %s: %w", group, err)
	}
	return fmt.Errorf("handler for group %s at %s/%d@%d: %w", group, first.Topic, first.Partition, first.Offset, err)
}

// SubscribeOptions configures a subscription.
type SubscribeOptions struct {
	// Group is the consumer group; servers sharing it share partitions.
	Group string
	// Topics to read.
	Topics []string
	// Reset applies when the group has no committed offset.
	Reset OffsetReset
	// NoCommit reads without committing offsets (PRINT, push queries).
	NoCommit bool
	// From, for a NoCommit subscription to one topic, gives the offset
	// each listed partition is read from (a reader resuming where its
	// own store says it stopped); the others start per Reset.
	From map[int32]int64
	// LatestAt, for a committing subscription under Latest, gives the
	// offsets partitions without a committed offset start at, in place
	// of the end offsets of now: a query started again after a failure
	// passes those its first subscription listed (LatestAt of
	// ResetPositioner), so records that arrived before the failure and
	// were never committed are read, not skipped. Partitions it does not
	// list start at the end offsets of now.
	LatestAt map[string]map[int32]int64
	// EarliestTopics are read from their start when the group has no
	// committed offset for them, whatever Reset says (a table a query
	// joins must be read whole).
	EarliestTopics []string
	// OnRevoke is told of partitions taken away from this subscriber (by
	// a rebalance), after their offsets are committed and while no batch
	// is being handled, so a stateful consumer can drop their state.
	OnRevoke func(topic string, partitions []int32)
	// OnAssign is told of partitions newly assigned to this subscriber,
	// before any of their records reach the handler, so a stateful
	// consumer can restore their state first. A broker-backed cluster
	// calls it from the consumer's goroutine between batches.
	OnAssign func(topic string, partitions []int32)
	// OnAssigned, when set, is called once a rebalance's assignment is
	// complete, after its OnAssign calls (also when nothing was
	// assigned), from the same goroutine.
	OnAssigned func()
	// BeforeRevoke, when set, is called when a rebalance starts taking
	// partitions away from a committing subscription that is not
	// transactional, while no batch is being handled and before the
	// processed offsets are committed: a handler deferring its commits
	// may make them now, so that the offsets committed (asked of Held
	// again) cover everything it processed.
	BeforeRevoke func()
	// Held, when set, lets the handler keep records for later (a task
	// waiting for a lagging input, to process records in time order):
	// after each call the subscription commits a partition only up to the
	// offset of its first held record. The handler is then called
	// again, with an empty batch when nothing new arrived, once the
	// wait Tick returns (asked before each poll) has passed, so it can
	// release them; a handler with nothing that time alone can release
	// may ask for a long wait, which a new assignment cuts short. A
	// MemCluster delivers synchronously and never needs holding; it
	// ignores both.
	// firstOffset is the first offset not to commit yet, -1 when the
	// handler holds nothing of the partition (it may hold records it has
	// processed but not committed, as a query deferring its commits
	// does). Count is how many records it keeps unprocessed; a partition
	// holding MaxHeld or more is paused (not fetched) until the handler
	// catches up.
	// TransactionalID makes a committing subscription exactly-once: it
	// implements Transactor, and offsets commit only through Transact
	// (see txn.go). It must be stable across restarts of the same member
	// and distinct between members.
	TransactionalID string
	Held            func(topic string, partition int32) (firstOffset int64, count int)
	Tick            func() time.Duration
	MaxHeld         int
	// OnEnd is told, before the handler sees a fetch, where each fetched
	// partition's readable data ends (its last stable offset: the high
	// watermark, or the start of the first open transaction), so a
	// consumer knows whether an input it has drained has more data
	// waiting.
	OnEnd func(topic string, partition int32, end int64)
	// OnMarker is told, before the handler sees a fetch, of each
	// transaction marker read from a partition (with the offset after
	// it): markers take offsets but are never delivered, so without
	// them a consumer that drained a transactional partition would
	// believe data still waits below the high watermark. The handler
	// is called for a fetch that held markers even when it holds no
	// record, so a consumer can wait to act on a marker until the
	// records before it are handled.
	OnMarker func(topic string, partition int32, next int64)
	// MaxBatch bounds the records of one handler call (0: DefaultMaxBatch). A
	// handler whose records each fan out into much work (a hopping
	// window updates every window holding the record) takes fewer, so
	// what one batch holds until its commit stays bounded.
	MaxBatch int
	// Paused starts the subscription paused (see Pauser): it joins its
	// group and takes its partitions, but delivers nothing until Resume.
	Paused bool
	// InstanceID, when set, makes a committing subscription a static
	// member of its group (Kafka's group.instance.id): a member started
	// again after a crash takes its dead predecessor's place at once,
	// where a new member would wait for the group to time the dead one
	// out. Close still leaves the group, so the others take a stopped
	// member's partitions at once. It must be stable across restarts of
	// the same member and distinct between members of the group.
	InstanceID string
	// SessionTimeout and RebalanceTimeout override the group's defaults
	// (10 s and 20 s; Kafka's session.timeout.ms and the
	// max.poll.interval.ms that Kafka's consumer sends as its rebalance
	// timeout): how long a silent member keeps its partitions, and how
	// long a rebalance waits for members to rejoin.
	SessionTimeout, RebalanceTimeout time.Duration
	// FetchMaxWait bounds how long one fetch waits for data (kgo's
	// default, 5 s, when zero). A reader of a transactionally written
	// topic sets it short: a broker may not answer a waiting fetch when
	// only a transaction's commit marker lands, which makes the records
	// before it readable.
	FetchMaxWait time.Duration
	// OnIdle, when set, is called once the subscription has had no
	// records for a while (30 s), on the goroutine that calls the
	// handler and never during a call: the handler's owner may let go of
	// what it keeps between batches. It is called again only after
	// records came and went.
	OnIdle func()
}

// RecordDeleter is implemented by clusters that can delete the start of a
// partition (Kafka's DeleteRecords); the in-memory cluster cannot.
type RecordDeleter interface {
	DeleteRecordsBefore(ctx context.Context, topic string, offsets map[int32]int64) error
}

// Subscription is a running consumer owned by whoever subscribed.
type Subscription interface {
	// Close stops delivery, waits for an in-flight batch, commits what was
	// processed (unless NoCommit) and releases the consumer.
	Close() error
	// Done is closed when the subscription stops on its own (an error).
	Done() <-chan struct{}
	// Err returns the error that stopped it, if any.
	Err() error
}

// ResetPositioner is implemented by subscriptions that know where a
// partition without a committed offset is read from when it is not the
// log's start: under Latest, the end offset listed when the subscription
// started. ok is false where reading starts at the log's start.
type ResetPositioner interface {
	ResetPosition(topic string, partition int32) (offset int64, ok bool)
	// LatestAt returns every such end offset, for SubscribeOptions.LatestAt.
	LatestAt() map[string]map[int32]int64
}

// Pauser is implemented by subscriptions that can stop and restart
// delivery while keeping their place in the group and their partitions
// (PAUSE and RESUME of a persistent query). A batch being handled when
// Pause is called is finished; no later one starts until Resume.
type Pauser interface {
	Pause()
	Resume()
}

// TopicConfigSetter is a Cluster that can change an existing topic's
// settings.
type TopicConfigSetter interface {
	SetTopicConfigs(ctx context.Context, topic string, configs map[string]string) error
}

// Cluster is everything the engine needs from Kafka.
type Cluster interface {
	// CreateTopic creates a topic; it is not an error if it exists with
	// the same partition count.
	CreateTopic(ctx context.Context, t TopicInfo) error
	// DeleteTopic deletes a topic.
	DeleteTopic(ctx context.Context, name string) error
	// Topic describes one topic; ok is false when it does not exist.
	Topic(ctx context.Context, name string) (info TopicInfo, ok bool, err error)
	// Topics lists every topic, internal ones included, sorted by name.
	Topics(ctx context.Context) ([]TopicInfo, error)
	// Produce writes records and waits until all are acknowledged. A
	// record with Partition -1 is placed by key hash (murmur2, as Java
	// clients do; round robin for a null key). It fills in Partition and
	// Offset on the passed records, and keeps no reference to recs, nor
	// to their keys, values or headers, once it returns, failed or not:
	// callers reuse the slice, and persistent queries write over the
	// bytes (an implementation that keeps records copies them).
	Produce(ctx context.Context, recs ...Record) error
	// Subscribe starts delivering records to h. On a MemCluster delivery is
	// synchronous: records already in the topics (per Reset) are delivered
	// before Subscribe returns, and later ones from inside Produce.
	Subscribe(ctx context.Context, opts SubscribeOptions, h Handler) (Subscription, error)
	// ReadAll returns every record currently in topic, stopping at the end
	// offsets seen at the call. A MemCluster returns them in the order they
	// were produced; a broker-backed cluster partition by partition. Its
	// errors name the topic.
	ReadAll(ctx context.Context, topic string) ([]Record, error)
	// ReadPartitions reads the given partitions of topic from the given
	// offsets (clamped to the partitions' start) up to their end offsets
	// at the call, calling fn for each record in offset order within a
	// partition, and returns the end offsets it read to. Restores read
	// changelogs this way.
	ReadPartitions(ctx context.Context, topic string, from map[int32]int64, fn func(Record) error) (ends map[int32]int64, err error)
	// EndOffsets returns the next offset to be written in each partition.
	EndOffsets(ctx context.Context, topic string) (map[int32]int64, error)
	// GroupOffsets returns a consumer group's committed offsets (the next
	// offset to read) for topic; partitions without one are absent.
	GroupOffsets(ctx context.Context, group, topic string) (map[int32]int64, error)
	// Close releases clients.
	Close() error
}

// DefaultTimeout bounds admin calls that have no deadline of their own.
const DefaultTimeout = 30 * time.Second

// PartsProducer is a Cluster that writes several slices of records as
// one produce, in order, without their being copied into one slice: a
// query writes the outputs of each of its tasks.
type PartsProducer interface {
	ProduceParts(ctx context.Context, parts ...[]Record) error
}

// AsyncProducer is a Cluster that can start a produce and be waited on
// later: a query hands over its outputs while it still processes the
// rest of its batch, instead of gathering the whole batch's first.
type AsyncProducer interface {
	// StartProduce starts writing recs, in order after every produce
	// started before it, and returns wait, which blocks until every
	// record is acknowledged (filling in Partition and Offset as Produce
	// does) and returns the produce's error. recs and their keys, values
	// and headers are the cluster's until wait returns; wait must be
	// called once.
	StartProduce(ctx context.Context, recs []Record) (wait func() error)
}

// Batcher is a Cluster that opens producers of their own whose records
// wait for more of their partition's (see BatchProducer).
type Batcher interface {
	// OpenBatching opens a BatchProducer whose records wait up to
	// linger for a fuller batch.
	OpenBatching(linger time.Duration) (BatchProducer, error)
}

// BatchProducer is an AsyncProducer of its own, for one goroutine: a
// started record waits up to the producer's linger, or until its
// partition's batch is full, before it is sent, so that outputs started
// a thousand at a time go out in a few large produce requests rather
// than a request each. Flush sends what waits.
type BatchProducer interface {
	AsyncProducer
	// Flush sends every record started and waits until all are
	// acknowledged or ctx ends.
	Flush(ctx context.Context) error
	// Close drops what was never flushed and closes the connections.
	Close()
}

// ProduceParts writes the records of parts, in order, through c: as one
// produce where c is a PartsProducer, else copied into one slice.
func ProduceParts(ctx context.Context, c Cluster, parts ...[]Record) error {
	if p, ok := c.(PartsProducer); ok {
		return p.ProduceParts(ctx, parts...)
	}
	if len(parts) == 1 {
		return c.Produce(ctx, parts[0]...)
	}
	n := 0
	for _, part := range parts {
		n += len(part)
	}
	all := make([]Record, 0, n)
	for _, part := range parts {
		all = append(all, part...)
	}
	if err := c.Produce(ctx, all...); err != nil {
		return err
	}
	// Where each record went, as Produce reports it.
	for _, part := range parts {
		copy(part, all[:len(part)])
		all = all[len(part):]
	}
	return nil
}
