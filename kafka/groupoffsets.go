package kafka

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
)

// GroupOffsetWriter is implemented by clusters that can change a
// consumer group's committed offsets from outside the group, as Kafka
// Connect's offsets API changes a stopped sink's. The group must have
// no members: the broker refuses a commit from a non-member otherwise.
type GroupOffsetWriter interface {
	// CommitGroupOffsets sets the next offset to read of each partition
	// named (topic -> partition -> offset).
	CommitGroupOffsets(ctx context.Context, group string, offsets map[string]map[int32]int64) error
	// DeleteGroupOffsets forgets the committed offsets of the partitions
	// named (topic -> partitions), so the group starts them at its reset
	// policy.
	DeleteGroupOffsets(ctx context.Context, group string, partitions map[string][]int32) error
}

var (
	_ GroupOffsetWriter = (*Client)(nil)
	_ GroupOffsetWriter = (*MemCluster)(nil)
)

// CommitGroupOffsets implements GroupOffsetWriter.
func (c *Client) CommitGroupOffsets(ctx context.Context, group string, offsets map[string]map[int32]int64) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var commits kadm.Offsets
	for topic, parts := range offsets {
		for p, at := range parts {
			commits.AddOffset(topic, p, at, -1)
		}
	}
	resp, err := c.adm.CommitOffsets(ctx, group, commits)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("commit offsets of group %s: %w", group, err)
	}
	return nil
}

// DeleteGroupOffsets implements GroupOffsetWriter.
func (c *Client) DeleteGroupOffsets(ctx context.Context, group string, partitions map[string][]int32) error {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	ts := make(kadm.TopicsSet)
	for topic, parts := range partitions {
		ts.Add(topic, parts...)
	}
	if len(ts) == 0 {
		return nil
	}
	resp, err := c.adm.DeleteOffsets(ctx, group, ts)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("delete offsets of group %s: %w", group, err)
	}
	return nil
}

// CommitGroupOffsets implements GroupOffsetWriter.
func (m *MemCluster) CommitGroupOffsets(_ context.Context, group string, offsets map[string]map[int32]int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[group]
	if g == nil {
		g = make(map[string]map[int32]int64)
		m.groups[group] = g
	}
	for topic, parts := range offsets {
		if g[topic] == nil {
			g[topic] = make(map[int32]int64)
		}
		for p, at := range parts {
			g[topic][p] = at
		}
	}
	return nil
}

// DeleteGroupOffsets implements GroupOffsetWriter.
func (m *MemCluster) DeleteGroupOffsets(_ context.Context, group string, partitions map[string][]int32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for topic, parts := range partitions {
		for _, p := range parts {
			delete(m.groups[group][topic], p)
		}
	}
	return nil
}
