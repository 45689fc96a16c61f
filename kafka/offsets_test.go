package kafka

import (
	"context"
	"errors"
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
		OffsetLister
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
			got, err := c.ListOffsets(ctx, "lo")
			if err != nil {
				t.Fatal(err)
			}
			want := map[int32]PartitionOffsets{0: {0, 0}, 1: {0, 3}}
			if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("ListOffsets = %v, want %v", got, want)
			}
			if _, err := c.ListOffsets(ctx, "missing"); !errors.Is(err, ErrUnknownTopic) {
				t.Fatalf("missing topic: %v", err)
			}
		})
	}
}
