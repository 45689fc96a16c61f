package kafka

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestSubscriptionBatchesAcrossPolls: a subscription refills one records
// array poll after poll, and its kgo client decodes into pooled arrays
// recycled after each poll; a handler keeping copies of the records sees
// every record exactly once, with its own key, value and offset, after
// several polls of different sizes.
func TestSubscriptionBatchesAcrossPolls(t *testing.T) {
	_, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "polls", Partitions: 1})
	var mu sync.Mutex
	var kept []Record
	polls := 0
	sub, err := c.Subscribe(ctx, SubscribeOptions{Group: "polls", Topics: []string{"polls"}, Reset: Earliest},
		func(_ context.Context, batch []Record) error {
			mu.Lock()
			defer mu.Unlock()
			polls++
			kept = append(kept, batch...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	total := 0
	for round, n := range []int{700, 40, 300, 1} {
		recs := make([]Record, n)
		for i := range recs {
			recs[i] = Record{Topic: "polls", Partition: -1, Key: fmt.Appendf(nil, "k%d", total+i), Value: fmt.Appendf(nil, "round %d record %d", round, i)}
		}
		if err := c.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
		total += n
		// Wait for this round before the next, so that every round is
		// handled in polls of its own.
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := len(kept)
			mu.Unlock()
			if got >= total {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d records handled, want %d", round, got, total)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The kgo client decoded the polls into arrays it got back (the
	// last poll recycles its records after its handler returned).
	pool := &sub.(*clientSub).recPool
	for deadline := time.Now().Add(10 * time.Second); pool.held() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if pool.held() == 0 {
		t.Errorf("no record array came back to the pool")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(kept) != total || polls < 4 {
		t.Fatalf("%d records in %d polls, want %d in at least 4", len(kept), polls, total)
	}
	i := 0
	for round, n := range []int{700, 40, 300, 1} {
		for j := range n {
			r := kept[i]
			if string(r.Key) != fmt.Sprintf("k%d", i) || string(r.Value) != fmt.Sprintf("round %d record %d", round, j) || r.Offset != int64(i) || r.Topic != "polls" {
				t.Fatalf("record %d: %s=%s at %s@%d", i, r.Key, r.Value, r.Topic, r.Offset)
			}
			i++
		}
	}
}
