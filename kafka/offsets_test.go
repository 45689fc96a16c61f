package kafka

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// Both clusters list each partition's start and end offsets, and report
// a missing topic as ErrUnknownTopic.
func TestListOffsets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	emb, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	cl, err := Dial(ctx, Config{Brokers: []string{emb.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	mem := NewMemCluster(MemOptions{})
	defer mem.Close()
	for name, c := range map[string]interface {
		Cluster
		StartOffsetLister
	}{"mem": mem, "client": cl} {
		t.Run(name, func(t *testing.T) {
			if err := c.CreateTopic(ctx, TopicInfo{Name: "lo", Partitions: 2, Replicas: 1}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if err := c.Produce(ctx, Record{Topic: "lo", Partition: 1, Value: []byte("v")}); err != nil {
					t.Fatal(err)
				}
			}
			starts, err := c.StartOffsets(ctx, "lo")
			if err != nil {
				t.Fatal(err)
			}
			ends, err := c.EndOffsets(ctx, "lo")
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(starts) != "map[0:0 1:0]" || fmt.Sprint(ends) != "map[0:0 1:3]" {
				t.Fatalf("offsets: start %v, end %v", starts, ends)
			}
			if _, err := c.EndOffsets(ctx, "missing"); !errors.Is(err, ErrUnknownTopic) {
				t.Fatalf("missing topic: %v", err)
			}
			if _, err := c.StartOffsets(ctx, "missing"); !errors.Is(err, ErrUnknownTopic) {
				t.Fatalf("missing topic: %v", err)
			}
		})
	}
}
