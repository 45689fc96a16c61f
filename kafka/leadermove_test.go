package kafka

import (
	"context"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestEndOffsetsAcrossALeaderMove: right after partition leaders move,
// several goroutines listing a topic's end offsets at once (the tasks of
// a query confirming their commits, restoring, reading their input
// positions) all get the offsets. kgo retries a NOT_LEADER_FOR_PARTITION
// answer only for the caller that drops the topic's stale metadata; the
// others got the error, and an exactly_once_v2 query aborted its
// transaction and restarted on every leader move (seen on a
// three-broker cluster under ShufflePartitionLeaders).
func TestEndOffsetsAcrossALeaderMove(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "t"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	ctx := context.Background()
	cl, err := Dial(ctx, Config{Brokers: kc.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []Record
	for i := range 60 {
		recs = append(recs, Record{Topic: "t", Partition: int32(i % 6), Value: []byte("v")})
	}
	if err := cl.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		if _, err := cl.EndOffsets(ctx, "t"); err != nil { // metadata cached
			t.Fatal(err)
		}
		for p := range int32(6) {
			if err := kc.MoveTopicPartition("t", p, (kc.LeaderFor("t", p)+1)%3); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				var ends map[int32]int64
				if i%2 == 0 {
					ends, errs[i] = cl.EndOffsets(ctx, "t")
				} else {
					ends, errs[i] = cl.StableEndOffsets(ctx, "t")
				}
				for p, e := range ends {
					if e != 10 {
						t.Errorf("round %d: end of t/%d = %d, want 10", round, p, e)
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: after the leaders moved: %v", round, err)
			}
		}
	}
}
