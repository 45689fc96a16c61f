package kafka

import (
	"context"
	"fmt"
)

// StartOffsetLister is implemented by both clusters. With EndOffsets it
// lets a reader that keeps up with a topic (a pull query's materialized
// table) tell whether a partition it has read nothing of still holds
// anything to read.
type StartOffsetLister interface {
	// StartOffsets returns the first offset still in the log of each
	// partition of topic; ErrUnknownTopic when it does not exist.
	StartOffsets(ctx context.Context, topic string) (map[int32]int64, error)
}

var (
	_ StartOffsetLister = (*Client)(nil)
	_ StartOffsetLister = (*MemCluster)(nil)
	_ StableEndLister   = (*Client)(nil)
)

// DecidedReader is implemented by clusters whose topics may hold
// transactions. ReadPartitionsDecided is ReadPartitions up to the high
// watermarks instead of the last stable offsets: it waits for the
// transactions open at the call to commit or abort. A writer that must
// see every append another writer may still commit reads this way (the
// command log's exclusive appender, whose check must not miss a command
// racing it).
type DecidedReader interface {
	ReadPartitionsDecided(ctx context.Context, topic string, from map[int32]int64, fn func(Record) error) (map[int32]int64, error)
}

var _ DecidedReader = (*Client)(nil)

// StableEndLister is implemented by clusters whose topics may hold
// transactions. A partition's last stable offset is where the view of a
// read_committed reader (every eddy reader) ends: below the first open
// transaction, at the high watermark when there is none.
type StableEndLister interface {
	// StableEndOffsets returns the last stable offset of each partition
	// of topic.
	StableEndOffsets(ctx context.Context, topic string) (map[int32]int64, error)
}

// StableEndOffsets returns where a reader of topic can read to now: the
// last stable offsets where c lists them, else the end offsets (a
// cluster without transactions). A reader that waited for the high
// watermark instead would wait on a foreign producer's open transaction
// for as long as it stays open.
func StableEndOffsets(ctx context.Context, c Cluster, topic string) (map[int32]int64, error) {
	if s, ok := c.(StableEndLister); ok {
		return s.StableEndOffsets(ctx, topic)
	}
	return c.EndOffsets(ctx, topic)
}

func (c *Client) StartOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	listed, err := c.adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("start offsets of %s: %w", topic, err)
	}
	if _, ok := listed.Lookup(topic, -1); ok || len(listed[topic]) == 0 {
		return nil, fmt.Errorf("start offsets of %s: %w", topic, ErrUnknownTopic)
	}
	if err := listed.Error(); err != nil {
		return nil, fmt.Errorf("start offsets of %s: %w", topic, err)
	}
	out := make(map[int32]int64, len(listed[topic]))
	for p, o := range listed[topic] {
		out[p] = o.Offset
	}
	return out, nil
}

// StartOffsets returns 0 for every partition: a MemCluster deletes
// nothing.
func (m *MemCluster) StartOffsets(_ context.Context, topic string) (map[int32]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkOpen(); err != nil {
		return nil, fmt.Errorf("start offsets of %s: %w", topic, err)
	}
	mt, ok := m.topics[topic]
	if !ok {
		return nil, fmt.Errorf("start offsets of %s: %w", topic, ErrUnknownTopic)
	}
	out := make(map[int32]int64, len(mt.parts))
	for p := range mt.parts {
		out[int32(p)] = 0
	}
	return out, nil
}

// TopicScanner is a cluster that hands a topic's records over in
// batches, in ReadAll's order and up to the same end offsets, so that a
// reader that wants only the first few (a pull query's LIMIT) neither
// reads nor holds the rest.
type TopicScanner interface {
	// ScanTopic calls fn with batches of topic's records until fn
	// returns false or the records listed at the call are read. Its
	// errors name the topic.
	ScanTopic(ctx context.Context, topic string, fn func([]Record) bool) error
}

var _ TopicScanner = (*Client)(nil)
