package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestProduceAfterForeignRecreate: another client deletes a topic eddy
// writes to and creates it again (kafka-topics --delete, then --create).
// kgo keeps the old topic's id and fails every record with
// UNKNOWN_TOPIC_ID until the topic is purged from producing; eddy's
// produce purges it and writes the records to the new topic, in order.
func TestProduceAfterForeignRecreate(t *testing.T) {
	e, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "orders", Partitions: 2, Replicas: 1})
	write := func(vals ...string) error {
		var recs []Record
		for _, v := range vals {
			recs = append(recs, Record{Topic: "orders", Partition: 1, Value: []byte(v)})
		}
		return c.Produce(ctx, recs...)
	}
	if err := write("a", "b"); err != nil {
		t.Fatal(err)
	}
	foreign := foreignClient(t, e)
	recreate(t, ctx, foreign, "orders", 2)
	if err := write("c", "d", "e"); err != nil {
		t.Fatalf("produce to the topic made again: %v", err)
	}
	recs, err := c.ReadAll(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, r := range recs {
		got += string(r.Value)
	}
	if got != "cde" {
		t.Errorf("the topic made again holds %q, want \"cde\"", got)
	}
}

// foreignClient is a franz-go client of e of its own, as another tool's
// would be, closed when the test ends.
func foreignClient(t *testing.T, e *Embedded) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// recreate deletes topic and creates it again with parts partitions
// through cl, as kafkajs's admin.deleteTopics and createTopics do.
func recreate(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, parts int32) {
	t.Helper()
	adm := kadm.NewClient(cl)
	if resp, err := adm.DeleteTopics(ctx, topic); err != nil || resp.Error() != nil {
		t.Fatalf("delete: %v %v", err, resp.Error())
	}
	if _, err := adm.CreateTopic(ctx, parts, 1, nil, topic); err != nil {
		t.Fatalf("create again: %v", err)
	}
}
