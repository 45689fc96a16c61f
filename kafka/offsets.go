package kafka

import (
	"context"
	"errors"
	"fmt"
)

// PartitionOffsets is one partition's log start offset and end offset
// (the offset the next record will get).
type PartitionOffsets struct{ Start, End int64 }

// OffsetLister is implemented by both clusters; it lets a reader that
// keeps up with a topic (a pull query's materialized table) tell when it
// has read everything written before a point in time.
type OffsetLister interface {
	ListOffsets(ctx context.Context, topic string) (map[int32]PartitionOffsets, error)
}

var (
	_ OffsetLister = (*Client)(nil)
	_ OffsetLister = (*MemCluster)(nil)
)

// ListOffsets returns the start and end offsets of every partition of
// topic; ErrUnknownTopic when it does not exist.
func (c *Client) ListOffsets(ctx context.Context, topic string) (map[int32]PartitionOffsets, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	ends, err := c.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	if _, ok := ends.Lookup(topic, -1); ok || len(ends[topic]) == 0 {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, ErrUnknownTopic)
	}
	starts, err := c.adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	if err := errors.Join(starts.Error(), ends.Error()); err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	out := make(map[int32]PartitionOffsets, len(ends[topic]))
	for p, end := range ends[topic] {
		out[p] = PartitionOffsets{Start: starts[topic][p].Offset, End: end.Offset}
	}
	return out, nil
}

// ListOffsets returns the start (always 0: nothing is deleted) and end
// offsets of every partition of topic.
func (m *MemCluster) ListOffsets(_ context.Context, topic string) (map[int32]PartitionOffsets, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkOpen(); err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	mt, ok := m.topics[topic]
	if !ok {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, ErrUnknownTopic)
	}
	out := make(map[int32]PartitionOffsets, len(mt.parts))
	for p, recs := range mt.parts {
		out[int32(p)] = PartitionOffsets{End: int64(len(recs))}
	}
	return out, nil
}
