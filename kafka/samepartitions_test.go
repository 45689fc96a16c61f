package kafka

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TestEmbeddedRefusesUnchangedPartitionCount: asking a topic for the
// partitions it already has fails with INVALID_PARTITIONS, as Kafka's
// controller answers it (kafkajs admin.createPartitions({count: 2}) of a
// topic of 2 partitions succeeded, reporting a change that never
// happened), while a real increase of another topic in the same request
// still goes through.
func TestEmbeddedRefusesUnchangedPartitionCount(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "two", Partitions: 2})
	if err := c.CreateTopic(ctx, TopicInfo{Name: "grows", Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	for _, validate := range []bool{true, false} {
		update := c.adm.UpdatePartitions
		if validate {
			update = c.adm.ValidateUpdatePartitions
		}
		resp, err := update(ctx, 2, "two")
		if err != nil {
			t.Fatal(err)
		}
		if err := resp["two"].Err; !errors.Is(err, kerr.InvalidPartitions) {
			t.Errorf("validate only %v: set topic two (2 partitions) to 2: %v, want INVALID_PARTITIONS", validate, err)
		}
	}
	resp, err := c.adm.UpdatePartitions(ctx, 3, "two", "grows")
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"two", "grows"} {
		if err := resp[topic].Err; err != nil {
			t.Errorf("set topic %s to 3 partitions: %v", topic, err)
		}
		if n := topicPartitions(t, c, topic); n != 3 {
			t.Errorf("topic %s has %d partitions, want 3", topic, n)
		}
	}
	// One unchanged and one increased topic in one request: each answered
	// for itself.
	resp, err = c.adm.UpdatePartitions(ctx, 4, "grows")
	if err != nil || resp["grows"].Err != nil {
		t.Fatalf("set topic grows to 4: %v %v", err, resp["grows"].Err)
	}
	resp, err = c.adm.UpdatePartitions(ctx, 4, "two", "grows")
	if err != nil {
		t.Fatal(err)
	}
	if err := resp["two"].Err; err != nil {
		t.Errorf("set topic two from 3 to 4 partitions: %v", err)
	}
	if err := resp["grows"].Err; !errors.Is(err, kerr.InvalidPartitions) {
		t.Errorf("set topic grows (4 partitions) to 4: %v, want INVALID_PARTITIONS", err)
	}
	if n := topicPartitions(t, c, "two"); n != 4 {
		t.Errorf("topic two has %d partitions, want 4", n)
	}
	// An unknown topic is still kfake's UNKNOWN_TOPIC_OR_PARTITION.
	resp, err = c.adm.UpdatePartitions(ctx, 2, "absent")
	if err != nil {
		t.Fatal(err)
	}
	if err := resp["absent"].Err; !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Errorf("set an unknown topic to 2 partitions: %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
}
