package kafka

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSubscriptionEndsWhenItsTopicIsRecreated: another client deletes a
// topic a group reads and creates it again (kafkajs admin.deleteTopics,
// then createTopics). kgo keeps the old topic's id and every fetch fails
// with UNKNOWN_TOPIC_ID; the subscription polled and logged that in a
// loop for good (15,000 log lines a second) and never read the new
// topic. It now ends with an error saying so, so that a query fails and
// its retry reads the topic made again.
func TestSubscriptionEndsWhenItsTopicIsRecreated(t *testing.T) {
	e, sub, ctx := readingOrders(t)
	foreign := foreignClient(t, e)
	recreate(t, ctx, foreign, "orders", 2)
	if err := foreign.ProduceSync(ctx, &kgo.Record{Topic: "orders", Partition: 0, Value: []byte("b")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.Done():
	case <-ctx.Done():
		t.Fatal("the subscription went on after its topic was deleted and created again")
	}
	if err := sub.Err(); err == nil || !strings.Contains(err.Error(), "topic orders was deleted and created again") {
		t.Fatalf("subscription ended with %v, want the topic's recreation named", err)
	}
}

// TestSubscriptionEndsWhenItsTopicIsDeleted: another client deletes a
// topic a group reads (kafkajs admin.deleteTopics) and does not create it
// again. The subscription ends as for a topic made again, but its error
// says the topic was deleted: it said "deleted and created again (its
// topic ID changed …)" of a topic that no longer existed, sending the
// reader of the server log after a topic that was not there.
//
// Beside another topic (a query's repartition topic, a join's other
// side) no fetch of the deleted topic failed: kgo stopped fetching it
// once its metadata dropped the topic, and the subscription read the
// other topic on, for good, its query RUNNING with nothing of its source.
// It now ends once the broker's metadata has lacked the topic for a while
// (watchTopics).
func TestSubscriptionEndsWhenItsTopicIsDeleted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		others []string
	}{{"alone", nil}, {"beside another", []string{"other"}}} {
		t.Run(tc.name, func(t *testing.T) {
			e, sub, ctx := readingOrders(t, tc.others...)
			if resp, err := kadm.NewClient(foreignClient(t, e)).DeleteTopics(ctx, "orders"); err != nil || resp.Error() != nil {
				t.Fatalf("delete: %v %v", err, resp.Error())
			}
			select {
			case <-sub.Done():
			case <-ctx.Done():
				t.Fatal("the subscription went on after its topic was deleted")
			}
			err := sub.Err()
			if err == nil || !strings.Contains(err.Error(), "topic orders was deleted (it no longer exists;") {
				t.Fatalf("subscription ended with %v, want the topic's deletion named", err)
			}
			if strings.Contains(err.Error(), "created again") {
				t.Errorf("subscription ended with %v, which says the deleted topic was created again", err)
			}
		})
	}
}

// readingOrders starts an embedded broker with a topic orders of two
// partitions holding one record (and the others, empty), and a group
// subscription of eddy's client to them all that has read it; the
// subscription closes when the test ends.
func readingOrders(t *testing.T, others ...string) (*Embedded, Subscription, context.Context) {
	t.Helper()
	e, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "orders", Partitions: 2, Replicas: 1})
	for _, o := range others {
		if err := c.CreateTopic(ctx, TopicInfo{Name: o, Partitions: 2, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Produce(ctx, Record{Topic: "orders", Partition: 0, Value: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{}, 1)
	sub, err := c.Subscribe(ctx, SubscribeOptions{Group: "g", Topics: append([]string{"orders"}, others...), Reset: Earliest},
		func(_ context.Context, recs []Record) error {
			if len(recs) > 0 {
				select {
				case read <- struct{}{}:
				default:
				}
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	select {
	case <-read:
	case <-ctx.Done():
		t.Fatal("the first record was not read")
	}
	return e, sub, ctx
}
