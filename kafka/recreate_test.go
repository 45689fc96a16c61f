package kafka

import (
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
	foreign, err := kgo.NewClient(kgo.SeedBrokers(e.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer foreign.Close()
	adm := kadm.NewClient(foreign)
	if resp, err := adm.DeleteTopics(ctx, "orders"); err != nil || resp.Error() != nil {
		t.Fatalf("delete: %v %v", err, resp.Error())
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "orders"); err != nil {
		t.Fatalf("create again: %v", err)
	}
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
