package kafka

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
)

// OffsetLister is implemented by both clusters; it lets a reader that
// keeps up with a topic (a pull query's materialized table) tell when it
// has read everything written before a point in time. Both return, per
// partition of topic, the first offset still in the log (StartOffsets) or
// the offset the next record will get (EndOffsets); ErrUnknownTopic when
// the topic does not exist. They are separate because the end offsets are
// on every pull query's path and the start offsets rarely are.
type OffsetLister interface {
	StartOffsets(ctx context.Context, topic string) (map[int32]int64, error)
	EndOffsets(ctx context.Context, topic string) (map[int32]int64, error)
}

var (
	_ OffsetLister = (*Client)(nil)
	_ OffsetLister = (*MemCluster)(nil)
)

func (c *Client) StartOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.listOffsets(ctx, topic, c.adm.ListStartOffsets)
}

func (c *Client) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.listOffsets(ctx, topic, c.adm.ListEndOffsets)
}

func (c *Client) listOffsets(ctx context.Context, topic string, list func(context.Context, ...string) (kadm.ListedOffsets, error)) (map[int32]int64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	listed, err := list(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	if _, ok := listed.Lookup(topic, -1); ok || len(listed[topic]) == 0 {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, ErrUnknownTopic)
	}
	if err := listed.Error(); err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	out := make(map[int32]int64, len(listed[topic]))
	for p, o := range listed[topic] {
		out[p] = o.Offset
	}
	return out, nil
}

// StartOffsets returns 0 for every partition: a MemCluster deletes
// nothing.
func (m *MemCluster) StartOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return m.offsets(topic, false)
}

func (m *MemCluster) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return m.offsets(topic, true)
}

func (m *MemCluster) offsets(topic string, end bool) (map[int32]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkOpen(); err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	mt, ok := m.topics[topic]
	if !ok {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, ErrUnknownTopic)
	}
	out := make(map[int32]int64, len(mt.parts))
	for p, recs := range mt.parts {
		out[int32(p)] = 0
		if end {
			out[int32(p)] = int64(len(recs))
		}
	}
	return out, nil
}
