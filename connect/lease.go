package connect

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// LeaseTopic is the single-partition topic whose partition a source
// connector's lease group hands to exactly one server of the service.
func LeaseTopic(serviceID string) string { return serviceID + "connect-leases" }

// leaseGroup is the consumer group through which the servers of a
// service agree on which one runs a source connector.
func leaseGroup(connector string) string { return "connect-" + connector + "-lease" }

// revokeWait bounds how long a revocation waits for the source task to
// stop before the partition moves on.
const revokeWait = 30 * time.Second

// runSourceLeased runs a source task only while this server holds the
// connector's lease: every server of a service replays the same CREATE
// SOURCE CONNECTOR, and Kafka's group assignment of the lease topic's one
// partition picks the server that runs it. Another server takes over when
// this one leaves the group (stops, crashes, or its session expires).
func (r *Runtime) runSourceLeased(ctx context.Context, c *connector, t *task) error {
	if _, single := r.opts.Cluster.(*kafka.MemCluster); single {
		return r.runSource(ctx, c, t) // one process: nothing to share
	}
	topic := LeaseTopic(r.opts.ServiceID)
	if err := r.opts.Cluster.CreateTopic(ctx, kafka.TopicInfo{Name: topic, Partitions: 1, Replicas: 1}); err != nil {
		return fmt.Errorf("create lease topic %s: %w", topic, err)
	}
	var mu sync.Mutex
	var held bool
	var stopTask context.CancelFunc
	var taskDone chan struct{}
	assigned := make(chan struct{}, 1)
	revoke := func() {
		mu.Lock()
		held = false
		stop, done := stopTask, taskDone
		mu.Unlock()
		if stop != nil {
			stop()
			select {
			case <-done:
			case <-time.After(revokeWait):
			}
		}
	}
	sub, err := r.opts.Cluster.Subscribe(ctx, kafka.SubscribeOptions{
		Group: leaseGroup(c.name), Topics: []string{topic},
		OnAssign: func(string, []int32) {
			mu.Lock()
			held = true
			mu.Unlock()
			select {
			case assigned <- struct{}{}:
			default:
			}
		},
		OnRevoke: func(string, []int32) { revoke() },
	}, func(context.Context, []kafka.Record) error { return nil })
	if err != nil {
		return fmt.Errorf("join lease group %s: %w", leaseGroup(c.name), err)
	}
	defer func() {
		revoke()
		sub.Close()
	}()
	t.mu.Lock()
	// A restart after a failure stays FAILED with its error (see
	// task.started), and was assigned the connector before: taking the
	// lease again is part of the restart, not a wait to report.
	if t.failure == nil {
		t.state = StateUnassigned
		t.progress = "waiting for this server to be assigned the connector"
	}
	t.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			return fmt.Errorf("lease group %s: %v", leaseGroup(c.name), sub.Err())
		case <-assigned:
		}
		mu.Lock()
		if !held {
			mu.Unlock()
			continue
		}
		tctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		stopTask, taskDone = cancel, done
		mu.Unlock()
		t.mu.Lock()
		t.progress = "" // this server has it now: the task says what it does
		t.mu.Unlock()
		err := r.runSource(tctx, c, t)
		close(done)
		cancel()
		mu.Lock()
		stillHeld := held
		stopTask, taskDone = nil, nil
		mu.Unlock()
		if ctx.Err() != nil {
			return nil
		}
		if stillHeld {
			// The task stopped on its own: a failure for the supervisor.
			return err
		}
		t.mu.Lock()
		t.state, t.progress = StateUnassigned, "another server of the service runs this connector"
		t.failure, t.restarted = nil, time.Time{} // its status is the other server's now
		t.mu.Unlock()
	}
}
