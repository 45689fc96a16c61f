package kafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestEmbeddedRefusesInvalidTopicNames: the embedded broker refuses the
// topic names Kafka refuses, with Kafka's error and message (it created
// 'bad topic!'), creates valid ones, and refuses a request mixing both
// whole.
func TestEmbeddedRefusesInvalidTopicNames(t *testing.T) {
	_, c := startBroker(t)
	ctx := testCtx(t)
	for name, want := range map[string]string{
		"bad topic!":             `Topic name "bad topic!" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
		"${topic_${env}}":        `contains a character other than ASCII alphanumerics`,
		"..":                     `Topic name cannot be "." or ".."`,
		strings.Repeat("t", 250): `it can't be longer than 249 characters`,
	} {
		err := c.CreateTopic(ctx, TopicInfo{Name: name, Partitions: 1})
		if !errors.Is(err, kerr.InvalidTopicException) || !strings.Contains(err.Error(), want) {
			t.Errorf("create %.20q: %v, want INVALID_TOPIC_EXCEPTION (%s)", name, err, want)
		}
		if n := topicPartitions(t, c, name); n != 0 {
			t.Errorf("the refused topic %.20q exists with %d partitions", name, n)
		}
	}
	for _, name := range []string{"ok.topic-1_A", strings.Repeat("t", 249)} {
		if err := c.CreateTopic(ctx, TopicInfo{Name: name, Partitions: 1}); err != nil {
			t.Errorf("create %.20q: %v", name, err)
		}
	}
	resp, err := c.adm.CreateTopics(ctx, 1, 1, nil, "fine", "not fine")
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(resp["fine"].Err, kerr.InvalidRequest) || !errors.Is(resp["not fine"].Err, kerr.InvalidTopicException) {
		t.Errorf("mixed request: fine %v, not fine %v", resp["fine"].Err, resp["not fine"].Err)
	}
	if n := topicPartitions(t, c, "fine"); n != 0 {
		t.Errorf("a topic of the refused request was created")
	}
}

// TestEmbeddedRefusesReplicationFactorZero: a CreateTopics with
// replication factor 0, what sarama.TopicDetail{NumPartitions: 3} and
// kafka-go's TopicConfig without ReplicationFactor send, is refused with
// Kafka's INVALID_REPLICATION_FACTOR (kfake created the topic); -1 takes
// the default, and a manual assignment with -1 is taken.
func TestEmbeddedRefusesReplicationFactorZero(t *testing.T) {
	_, c := startBroker(t)
	ctx := testCtx(t)
	for _, rf := range []int16{0, -2} {
		resp, err := c.adm.CreateTopics(ctx, 3, rf, nil, "rf")
		if err != nil {
			t.Fatal(err)
		}
		if err := resp["rf"].Err; !errors.Is(err, kerr.InvalidReplicationFactor) || resp["rf"].ErrMessage != invalidReplicationFactor {
			t.Errorf("replication factor %d: %v (%q), want INVALID_REPLICATION_FACTOR", rf, err, resp["rf"].ErrMessage)
		}
		if n := topicPartitions(t, c, "rf"); n != 0 {
			t.Errorf("replication factor %d: the topic was created with %d partitions", rf, n)
		}
	}
	resp, err := c.adm.CreateTopics(ctx, 3, -1, nil, "rf")
	if err == nil {
		err = resp["rf"].Err
	}
	if err != nil {
		t.Errorf("replication factor -1: %v", err)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "assigned", -1, -1
	for p := range int32(2) {
		ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		ra.Partition, ra.Replicas = p, []int32{0}
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, ra)
	}
	req.Topics = append(req.Topics, rt)
	kresp, err := req.RequestWith(ctx, c.prod)
	if err != nil {
		t.Fatal(err)
	}
	if code := kresp.Topics[0].ErrorCode; code != 0 {
		t.Errorf("manual assignment: %v", kerr.ErrorForCode(code))
	}
}
