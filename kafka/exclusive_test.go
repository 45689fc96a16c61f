package kafka

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestExclusiveWritersTakeTurns: two clients (two servers) race to
// write the same key, each only if its check finds the key absent from
// the topic, retrying when fenced. Every round exactly one of them
// writes, and the topic ends with each key once. A writer told its
// write committed when it was aborted (kgo can end a commit as an abort
// and return nil) would let the other write too.
func TestExclusiveWritersTakeTurns(t *testing.T) {
	e, a := startBroker(t)
	b := dial(t, e)
	ctx := testCtx(t)
	const topic = "turns"
	if err := a.CreateTopic(ctx, TopicInfo{Name: topic, Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	write := func(c *Client, key string) error {
		for attempt := 1; ; attempt++ {
			err := c.WriteExclusive(ctx, topic+"-writer", func(ctx context.Context) ([]Record, error) {
				found := false
				_, err := c.ReadPartitionsDecided(ctx, topic, map[int32]int64{0: 0}, func(r Record) error {
					found = found || string(r.Key) == key
					return nil
				})
				if err != nil {
					return nil, err
				}
				if found {
					return nil, errWrittenAlready
				}
				return []Record{{Topic: topic, Partition: 0, Key: []byte(key), Value: []byte("v")}}, nil
			})
			if !errors.Is(err, ErrFenced) || attempt == 20 {
				return err
			}
			time.Sleep(time.Duration(rand.IntN(20*attempt)+1) * time.Millisecond)
		}
	}
	const rounds = 40
	for i := range rounds {
		key := fmt.Sprint("k", i)
		errs := make(chan error, 2)
		for _, c := range []*Client{a, b} {
			go func() { errs <- write(c, key) }()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) {
			t.Fatalf("round %d: want exactly one write, got %v and %v", i, e1, e2)
		}
		if err := errors.Join(e1, e2); !errors.Is(err, errWrittenAlready) {
			t.Fatalf("round %d: the other writer should find the key written, got %v", i, err)
		}
	}
	recs, err := a.ReadAll(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range recs {
		seen[string(r.Key)]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %s written %d times", k, n)
		}
	}
	if len(seen) != rounds {
		t.Errorf("%d keys in the topic, want %d", len(seen), rounds)
	}
}

var errWrittenAlready = errors.New("written already")

// TestConfirmCommittedTellsAbortedFromCommitted: the check run after a
// reported commit passes for a committed transaction's record and
// fails for an aborted one's, without waiting on a transaction still
// open after them.
func TestConfirmCommittedTellsAbortedFromCommitted(t *testing.T) {
	c, ctx, txn, writeTxn := foreignTxnTopic(t)
	writeTxn([]kgo.TransactionEndTry{kgo.TryAbort}, "aborted")    // offset 2, marker 3
	writeTxn([]kgo.TransactionEndTry{kgo.TryCommit}, "committed") // offset 4, marker 5
	writeTxn(nil, "open")                                         // offset 6, left open
	defer txn.EndTransaction(ctx, kgo.TryAbort)
	if err := c.confirmCommitted(ctx, []Record{{Topic: "t", Partition: 0, Offset: 4}}); err != nil {
		t.Errorf("committed record: %v", err)
	}
	if err := c.confirmCommitted(ctx, []Record{{Topic: "t", Partition: 0, Offset: 2}}); !errors.Is(err, errCommitLost) {
		t.Errorf("aborted record: want errCommitLost, got %v", err)
	}
	if err := c.confirmCommitted(ctx, []Record{{Topic: "t", Partition: 0, Offset: 0}, {Topic: "t", Partition: 0, Offset: 2}}); !errors.Is(err, errCommitLost) {
		t.Errorf("a committed and an aborted record: want errCommitLost, got %v", err)
	}
}

// TestLostCommitIsWrittenAgain: kgo can end a transaction it was asked
// to commit as an abort and report success (seen under -race and load,
// about one first write to a topic in a few hundred). The broker here
// turns the first commit into that abort; WriteExclusive writes again
// instead of handing its caller a fencing, and the record lands once.
func TestLostCommitIsWrittenAgain(t *testing.T) {
	e, c, ctx := startBrokerWithTopic(t, TopicInfo{Name: "lost", Partitions: 1})
	var ends atomic.Int32
	defer e.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.EndTxn}, Count: -1, When: func(r kmsg.Request) bool {
		if req := r.(*kmsg.EndTxnRequest); req.Commit && ends.Add(1) == 1 {
			req.Commit = false // as kgo sends it when it loses the partition
		}
		return false // observed and changed, never failed
	}})()
	calls := 0
	err := c.WriteExclusive(ctx, "lost-writer", func(context.Context) ([]Record, error) {
		calls++
		return []Record{{Topic: "lost", Partition: 0, Key: []byte("k"), Value: []byte("v")}}, nil
	})
	if err != nil {
		t.Fatalf("WriteExclusive: %v", err)
	}
	// At least twice: the broker's abort, then now and then kgo's own,
	// which sends no commit (each try is a new client's first write).
	if calls < 2 || ends.Load() < 2 {
		t.Errorf("fn ran %d times over %d commits, want at least 2 and 2", calls, ends.Load())
	}
	recs, err := c.ReadAll(ctx, "lost")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Errorf("%d records read, want the one written once", len(recs))
	}

	// Every commit lost: after three tries the caller is told nothing
	// was written, as after a fencing, so it may try again itself.
	defer e.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.EndTxn}, Count: -1, When: func(r kmsg.Request) bool {
		r.(*kmsg.EndTxnRequest).Commit = false
		return false
	}})()
	calls = 0
	err = c.WriteExclusive(ctx, "lost-writer", func(context.Context) ([]Record, error) {
		calls++
		return []Record{{Topic: "lost", Partition: 0, Key: []byte("k2"), Value: []byte("v")}}, nil
	})
	if !errors.Is(err, ErrFenced) || !errors.Is(err, errCommitLost) || calls != 3 {
		t.Errorf("every commit lost: %v after %d calls, want ErrFenced naming the lost commit after 3", err, calls)
	}
}
