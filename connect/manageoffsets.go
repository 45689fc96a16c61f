package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/eddysql/eddy/kafka"
)

// Kafka Connect's offsets API (KIP-875): read a connector's offsets, and
// reset or alter them while it is STOPPED. A source's offsets are its
// records in the offsets topic; a sink's are its consumer group's, shown
// in the shapes Kafka Connect gives them.

// Keys of a sink's offsets, as Kafka Connect names them.
const (
	SinkKeyTopic     = "kafka_topic"
	SinkKeyPartition = "kafka_partition"
	SinkKeyOffset    = "kafka_offset"
)

// ConnectorOffset is one source partition (or a sink's topic partition)
// and its offset; a nil Offset in an alteration removes the partition's.
type ConnectorOffset struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}

var (
	// ErrNotStopped refuses an offsets change to a connector that is not
	// STOPPED: its tasks would overwrite it.
	ErrNotStopped = errors.New("the connector is not stopped")
	// ErrBadOffsets marks an alteration the connector cannot take.
	ErrBadOffsets = errors.New("invalid offsets")
)

// connectorNamed returns the connector name runs here.
func (r *Runtime) connectorNamed(name string) (*connector, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.conns[name]
	if !ok {
		return nil, fmt.Errorf("connector %s does not exist", name)
	}
	return c, nil
}

// stoppedConnector returns name's connector when it is STOPPED.
func (r *Runtime) stoppedConnector(name string) (*connector, error) {
	c, err := r.connectorNamed(name)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	stopped := c.stopped
	r.mu.Unlock()
	if !stopped {
		return nil, fmt.Errorf("connector %s: %w", name, ErrNotStopped)
	}
	return c, nil
}

// Offsets returns a connector's offsets, sorted by partition.
func (r *Runtime) Offsets(ctx context.Context, name string) ([]ConnectorOffset, error) {
	c, err := r.connectorNamed(name)
	if err != nil {
		return nil, err
	}
	if c.plugin.Kind == Sink {
		return r.sinkOffsets(ctx, c)
	}
	return r.sourceOffsets(ctx, name)
}

// ResetOffsets forgets a STOPPED connector's offsets, so that it starts
// as a new connector of its name would: a source from scratch, a sink at
// its group's reset policy (the earliest offsets).
func (r *Runtime) ResetOffsets(ctx context.Context, name string) error {
	c, err := r.stoppedConnector(name)
	if err != nil {
		return err
	}
	offs, err := r.Offsets(ctx, name)
	if err != nil {
		return err
	}
	for i := range offs {
		offs[i].Offset = nil
	}
	return r.alter(ctx, c, offs)
}

// AlterOffsets writes offsets of a STOPPED connector; the partitions it
// does not name keep theirs.
func (r *Runtime) AlterOffsets(ctx context.Context, name string, offs []ConnectorOffset) error {
	c, err := r.stoppedConnector(name)
	if err != nil {
		return err
	}
	return r.alter(ctx, c, offs)
}

func (r *Runtime) alter(ctx context.Context, c *connector, offs []ConnectorOffset) error {
	if c.plugin.Kind == Sink {
		return r.alterSinkOffsets(ctx, c, offs)
	}
	return r.alterSourceOffsets(ctx, c.name, offs)
}

// sourceOffsets reads a source's offsets back from the offsets topic.
func (r *Runtime) sourceOffsets(ctx context.Context, name string) ([]ConnectorOffset, error) {
	stored, err := r.offsets.load(ctx, name)
	if err != nil {
		return nil, err
	}
	keys := slices.Sorted(maps.Keys(stored))
	out := make([]ConnectorOffset, 0, len(keys))
	for _, k := range keys {
		partition, err := partitionOfKey(k)
		if err != nil {
			return nil, fmt.Errorf("offsets topic %s: key %s: %w", r.offsets.topic, k, err)
		}
		out = append(out, ConnectorOffset{Partition: partition, Offset: stored[k]})
	}
	return out, nil
}

// partitionOfKey is the source partition of an offsetKey.
func partitionOfKey(key string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(key))
	d.UseNumber()
	var k []any
	if err := d.Decode(&k); err != nil {
		return nil, err
	}
	if len(k) != 2 {
		return nil, errors.New("not [connector, partition]")
	}
	partition, ok := numbers(k[1]).(map[string]any)
	if !ok {
		return nil, errors.New("the partition is not an object")
	}
	return partition, nil
}

// alterSourceOffsets writes each offset under its partition's key, a
// tombstone for a nil one.
func (r *Runtime) alterSourceOffsets(ctx context.Context, name string, offs []ConnectorOffset) error {
	entries := make(map[string]map[string]any, len(offs))
	for _, o := range offs {
		if o.Partition == nil {
			return fmt.Errorf("%w: a source partition may not be null", ErrBadOffsets)
		}
		k, err := offsetKey(name, canonicalJSON(o.Partition))
		if err != nil {
			return fmt.Errorf("%w: source partition %v: %v", ErrBadOffsets, o.Partition, err)
		}
		entries[string(k)] = canonicalJSON(o.Offset)
	}
	if err := r.offsets.ensure(ctx); err != nil {
		return err
	}
	return r.offsets.write(ctx, entries)
}

// canonicalJSON returns m with its numbers as a task stores them (int64
// where integral), so that a partition sent over HTTP keys the same
// record a task wrote, and an offset reads back as the task's own.
func canonicalJSON(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return m
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out map[string]any
	if err := d.Decode(&out); err != nil {
		return m
	}
	return numbers(out).(map[string]any)
}

// sinkOffsets are a sink group's committed offsets on its topics.
func (r *Runtime) sinkOffsets(ctx context.Context, c *connector) ([]ConnectorOffset, error) {
	out := []ConnectorOffset{}
	for _, topic := range r.sinkTopics(ctx, c.cfg) {
		committed, err := r.opts.Cluster.GroupOffsets(ctx, GroupID(c.name), topic)
		if err != nil {
			return nil, err
		}
		for _, p := range slices.Sorted(maps.Keys(committed)) {
			out = append(out, ConnectorOffset{
				Partition: map[string]any{SinkKeyTopic: topic, SinkKeyPartition: int64(p)},
				Offset:    map[string]any{SinkKeyOffset: committed[p]},
			})
		}
	}
	return out, nil
}

// alterSinkOffsets commits a sink group's offsets, and deletes those
// given as nil.
func (r *Runtime) alterSinkOffsets(ctx context.Context, c *connector, offs []ConnectorOffset) error {
	w, ok := r.opts.Cluster.(kafka.GroupOffsetWriter)
	if !ok {
		return errors.New("this cluster cannot change a consumer group's offsets")
	}
	commits := map[string]map[int32]int64{}
	deletes := map[string][]int32{}
	for _, o := range offs {
		topic, partition, err := sinkPartition(o.Partition)
		if err != nil {
			return err
		}
		if o.Offset == nil {
			deletes[topic] = append(deletes[topic], partition)
			continue
		}
		at, err := sinkOffset(o.Offset)
		if err != nil {
			return err
		}
		if commits[topic] == nil {
			commits[topic] = map[int32]int64{}
		}
		commits[topic][partition] = at
	}
	group := GroupID(c.name)
	if len(deletes) > 0 {
		if err := w.DeleteGroupOffsets(ctx, group, deletes); err != nil {
			return err
		}
	}
	if len(commits) > 0 {
		return w.CommitGroupOffsets(ctx, group, commits)
	}
	return nil
}

// sinkPartition reads {"kafka_topic": t, "kafka_partition": p}.
func sinkPartition(m map[string]any) (string, int32, error) {
	topic, ok := m[SinkKeyTopic].(string)
	if !ok || topic == "" {
		return "", 0, fmt.Errorf("%w: a sink's partition needs a string %q, got %v", ErrBadOffsets, SinkKeyTopic, m)
	}
	p, ok := jsonInt(m[SinkKeyPartition])
	if !ok || p < 0 || p > 1<<31-1 {
		return "", 0, fmt.Errorf("%w: a sink's partition needs an integer %q, got %v", ErrBadOffsets, SinkKeyPartition, m)
	}
	return topic, int32(p), nil
}

// sinkOffset reads {"kafka_offset": n}.
func sinkOffset(m map[string]any) (int64, error) {
	at, ok := jsonInt(m[SinkKeyOffset])
	if !ok || at < 0 {
		return 0, fmt.Errorf("%w: a sink's offset needs a non-negative integer %q, got %v", ErrBadOffsets, SinkKeyOffset, m)
	}
	return at, nil
}

// jsonInt reads an integer decoded from JSON, as float64, json.Number
// or int64.
func jsonInt(v any) (int64, bool) {
	switch v := v.(type) {
	case float64:
		return int64(v), v == float64(int64(v))
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	}
	return AsInt64(v)
}
