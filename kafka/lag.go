package kafka

import (
	"context"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kadm"
)

// PartitionLag is a consumer group's position on one partition.
type PartitionLag struct {
	Topic     string
	Partition int32
	Committed int64 // -1: nothing committed yet
	End       int64 // the partition's end offset
	Lag       int64 // records between the committed offset and the end
}

// LagReporter is implemented by clusters that can report a consumer
// group's lag (a broker-backed Client does; the in-memory cluster does not).
type LagReporter interface {
	// GroupLag returns the group's lag on every partition of topics.
	GroupLag(ctx context.Context, group string, topics []string) ([]PartitionLag, error)
}

var _ LagReporter = (*Client)(nil)

// GroupLag implements LagReporter.
func (c *Client) GroupLag(ctx context.Context, group string, topics []string) ([]PartitionLag, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if len(topics) == 0 {
		return nil, nil
	}
	ends, err := c.adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("end offsets of %v: %w", topics, err)
	}
	committed, err := c.adm.FetchOffsetsForTopics(ctx, group, topics...)
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s: %w", group, err)
	}
	var out []PartitionLag
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			return
		}
		l := PartitionLag{Topic: o.Topic, Partition: o.Partition, Committed: -1, End: o.Offset}
		if r, ok := committed.Lookup(o.Topic, o.Partition); ok && r.Err == nil && r.At >= 0 {
			l.Committed = r.At
		}
		if l.Committed >= 0 {
			l.Lag = l.End - l.Committed
		} else {
			l.Lag = l.End // from the start, as a new group reads it
		}
		out = append(out, l)
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out, nil
}
