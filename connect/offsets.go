package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// offsetStore keeps source offsets in a compacted topic, keyed as Kafka
// Connect keys them: ["<connector>", {<source partition>}] in JSON, with
// the offset as a JSON object value.
type offsetStore struct {
	cluster kafka.Cluster
	topic   string

	mu      sync.Mutex
	created bool
}

func (s *offsetStore) ensure(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.created {
		return nil
	}
	err := s.cluster.CreateTopic(ctx, kafka.TopicInfo{Name: s.topic, Partitions: 1, Replicas: 1,
		Configs: map[string]string{"cleanup.policy": "compact"}})
	if err != nil {
		return fmt.Errorf("create offsets topic %s: %w", s.topic, err)
	}
	s.created = true
	return nil
}

// offsetKey renders the record key of one source partition. encoding/json
// sorts map keys, so equal partitions give equal keys.
func offsetKey(connector string, partition map[string]any) ([]byte, error) {
	if partition == nil {
		partition = map[string]any{}
	}
	return json.Marshal([]any{connector, partition})
}

// load returns the latest stored offset of each source partition of a
// connector, by offsetKey.
func (s *offsetStore) load(ctx context.Context, connector string) (map[string]map[string]any, error) {
	if err := s.ensure(ctx); err != nil {
		return nil, err
	}
	recs, err := s.cluster.ReadAll(ctx, s.topic)
	if err != nil {
		return nil, fmt.Errorf("read offsets topic %s: %w", s.topic, err)
	}
	out := map[string]map[string]any{}
	for _, r := range recs {
		var key []any
		if err := json.Unmarshal(r.Key, &key); err != nil || len(key) != 2 || key[0] != connector {
			continue // another connector's, or not ours to read
		}
		if r.Value == nil {
			delete(out, string(r.Key))
			continue
		}
		d := json.NewDecoder(bytes.NewReader(r.Value))
		d.UseNumber()
		var off map[string]any
		if err := d.Decode(&off); err != nil {
			return nil, fmt.Errorf("offsets topic %s offset %d: %w", s.topic, r.Offset, err)
		}
		out[string(r.Key)] = numbers(off).(map[string]any)
	}
	return out, nil
}

// numbers turns json.Number into int64 where integral, else float64, so
// a task gets back the integers it stored without float rounding.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
	}
	return v
}

// write stores offsets (offsetKey -> offset) and waits for the ack; a
// nil offset is a tombstone, which forgets the partition's.
func (s *offsetStore) write(ctx context.Context, entries map[string]map[string]any) error {
	if len(entries) == 0 {
		return nil
	}
	now := time.Now().UnixMilli()
	recs := make([]kafka.Record, 0, len(entries))
	for k, off := range entries {
		var v []byte
		if off != nil {
			var err error
			if v, err = json.Marshal(off); err != nil {
				return fmt.Errorf("encode source offset %v: %w", off, err)
			}
		}
		recs = append(recs, kafka.Record{Topic: s.topic, Partition: 0, Key: []byte(k), Value: v, Timestamp: now})
	}
	if err := s.cluster.Produce(ctx, recs...); err != nil {
		return fmt.Errorf("store source offsets: %w", err)
	}
	return nil
}
