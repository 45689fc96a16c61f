package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/eddysql/eddy/kafka"
)

// Stats are a query's running counters.
type Stats struct {
	In     atomic.Int64 // records consumed
	Out    atomic.Int64 // rows emitted
	Errors atomic.Int64 // records sent to the processing log
}

// Query is a running topology. Its consumer goroutine belongs to the
// subscription, which Stop closes.
type Query struct {
	Topology *Topology
	Stats    Stats

	sub kafka.Subscription
	mu  sync.Mutex // guards Stop
}

// errSinkDone ends a subscription whose transient sink wants no more rows.
var errSinkDone = errors.New("sink done")

// Start subscribes the topology's source topic and runs it.
func Start(ctx context.Context, cluster kafka.Cluster, topo *Topology, log *ProcessingLog) (*Query, error) {
	q := &Query{Topology: topo}
	tk := newTask(topo, log, &q.Stats)
	// A stateful query rebuilds its state on start by reprocessing its
	// input from the beginning, discarding the outputs of records it had
	// already processed (those below the committed offsets).
	var mu sync.Mutex
	replayUntil := map[string]map[int32]int64{}
	onRestore := func(topic string, partition int32, committed int64) {
		mu.Lock()
		defer mu.Unlock()
		if replayUntil[topic] == nil {
			replayUntil[topic] = map[int32]int64{}
		}
		replayUntil[topic][partition] = committed
	}
	replaying := func(r *kafka.Record) bool {
		mu.Lock()
		defer mu.Unlock()
		until, ok := replayUntil[r.Topic][r.Partition]
		return ok && r.Offset < until
	}
	// The task is driven by the handler; a rebalance may revoke partitions
	// from the consumer's goroutine, so both take the task's lock.
	var taskMu sync.Mutex
	onRevoke := func(topic string, partitions []int32) {
		taskMu.Lock()
		defer taskMu.Unlock()
		tk.revoke(topic, partitions)
		mu.Lock()
		for _, p := range partitions {
			delete(replayUntil[topic], p)
		}
		mu.Unlock()
	}
	handler := func(ctx context.Context, batch []kafka.Record) error {
		taskMu.Lock()
		defer taskMu.Unlock()
		for i := range batch {
			n := len(tk.pending)
			tk.process(&batch[i])
			if topo.Stateful && replaying(&batch[i]) {
				tk.pending = tk.pending[:n] // already emitted before the restart
			}
			if tk.stop {
				break
			}
		}
		if len(tk.pending) > 0 {
			out := tk.pending
			err := cluster.Produce(ctx, out...)
			// Produce is done with the slice when it returns: reuse it.
			clear(out)
			tk.pending = out[:0]
			if err != nil {
				return fmt.Errorf("query %s: produce: %w", topo.ID, err)
			}
		}
		if tk.stop {
			return errSinkDone
		}
		return nil
	}
	sub, err := cluster.Subscribe(ctx, kafka.SubscribeOptions{
		Group:     topo.Group,
		Topics:    topo.Topics(),
		Reset:     topo.Reset,
		NoCommit:  topo.NoCommit,
		Restore:   topo.Stateful && !topo.NoCommit,
		OnRestore: onRestore,
		OnRevoke:  onRevoke,
	}, handler)
	if err != nil {
		return nil, fmt.Errorf("query %s: subscribe %v: %w", topo.ID, topo.Topics(), err)
	}
	q.sub = sub
	return q, nil
}

// Done is closed when the query stops on its own: an error, or a
// transient sink that reached its limit.
func (q *Query) Done() <-chan struct{} { return q.sub.Done() }

// Err returns why the query stopped, or nil while it runs or after a
// normal end.
func (q *Query) Err() error {
	err := q.sub.Err()
	if errors.Is(err, errSinkDone) {
		return nil
	}
	return err
}

// State is RUNNING or ERROR, as ksqlDB reports it.
func (q *Query) State() string {
	if q.Err() != nil {
		return "ERROR"
	}
	return "RUNNING"
}

// Stop closes the subscription, committing processed offsets.
func (q *Query) Stop() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.sub == nil {
		return nil
	}
	err := q.sub.Close()
	if errors.Is(err, errSinkDone) {
		err = nil
	}
	return err
}

// RunOnce runs a topology over a fixed set of records on the calling
// goroutine (pull queries). Outputs to a Kafka sink are returned to the
// caller's cluster by the engine; use an EmitSink.
func RunOnce(topo *Topology, recs []kafka.Record, log *ProcessingLog) error {
	var stats Stats
	tk := newTask(topo, log, &stats)
	for i := range recs {
		tk.process(&recs[i])
		if tk.stop {
			break
		}
	}
	return nil
}
