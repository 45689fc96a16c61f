package kafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TestEmbeddedRefusesExcessivePartitions: a request for more partitions
// than Kafka's controller accepts in one go is refused with Kafka's
// error, and the broker goes on serving: a topic of a hundred million
// partitions used to be built in memory, stalling every client.
func TestEmbeddedRefusesExcessivePartitions(t *testing.T) {
	_, c := startBroker(t)
	ctx := testCtx(t)
	err := c.CreateTopic(ctx, TopicInfo{Name: "huge", Partitions: 100_000_000})
	if !errors.Is(err, kerr.PolicyViolation) || !strings.Contains(err.Error(), excessivePartitions) {
		t.Fatalf("create a topic of 100,000,000 partitions: %v, want POLICY_VIOLATION (%s)", err, excessivePartitions)
	}
	if n := topicPartitions(t, c, "huge"); n != 0 {
		t.Errorf("the refused topic exists with %d partitions", n)
	}
	// At the bound it is created.
	if err := c.CreateTopic(ctx, TopicInfo{Name: "wide", Partitions: maxPartitionsPerRequest}); err != nil {
		t.Fatalf("create a topic of %d partitions: %v", maxPartitionsPerRequest, err)
	}
	if n := topicPartitions(t, c, "wide"); n != maxPartitionsPerRequest {
		t.Errorf("topic wide has %d partitions, want %d", n, maxPartitionsPerRequest)
	}
	// Adding partitions is bounded the same way.
	if err := c.CreateTopic(ctx, TopicInfo{Name: "grows", Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	resp, err := c.adm.CreatePartitions(ctx, 50_000_000, "grows")
	if err == nil {
		err = resp["grows"].Err
	}
	if !errors.Is(err, kerr.PolicyViolation) {
		t.Errorf("add 50,000,000 partitions: %v, want POLICY_VIOLATION", err)
	}
	resp, err = c.adm.CreatePartitions(ctx, 3, "grows")
	if err == nil {
		err = resp["grows"].Err
	}
	if err != nil {
		t.Errorf("add 3 partitions: %v", err)
	}
	if n := topicPartitions(t, c, "grows"); n != 5 {
		t.Errorf("topic grows has %d partitions, want 5", n)
	}
	// The broker still serves records.
	if err := c.Produce(ctx, Record{Topic: "grows", Partition: 4, Value: []byte("v")}); err != nil {
		t.Fatalf("produce after the refusals: %v", err)
	}
	recs, err := c.ReadAll(ctx, "grows")
	if err != nil || len(recs) != 1 {
		t.Errorf("read back: %d records, %v", len(recs), err)
	}
}

// TestMemRefusesExcessivePartitions: the in-memory cluster of `eddy test`
// refuses what the embedded broker refuses, instead of allocating it.
func TestMemRefusesExcessivePartitions(t *testing.T) {
	m := NewMemCluster(MemOptions{})
	defer m.Close()
	ctx := testCtx(t)
	err := m.CreateTopic(ctx, TopicInfo{Name: "huge", Partitions: 100_000_000})
	if !errors.Is(err, kerr.PolicyViolation) || !strings.Contains(err.Error(), excessivePartitions) {
		t.Fatalf("create a topic of 100,000,000 partitions: %v, want POLICY_VIOLATION (%s)", err, excessivePartitions)
	}
	if _, ok, _ := m.Topic(ctx, "huge"); ok {
		t.Error("the refused topic exists")
	}
	if err := m.CreateTopic(ctx, TopicInfo{Name: "wide", Partitions: maxPartitionsPerRequest}); err != nil {
		t.Fatalf("create a topic of %d partitions: %v", maxPartitionsPerRequest, err)
	}
}
