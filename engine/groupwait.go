package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// groupDeleter is a cluster that can delete a consumer group.
type groupDeleter interface {
	DeleteGroup(ctx context.Context, group string) error
}

// groupLister is a cluster that tells who is in a consumer group: a
// broker's (the in-memory cluster has no other servers to wait for).
type groupLister interface {
	GroupMembers(ctx context.Context, groups ...string) (map[string][]kafka.GroupMember, error)
}

// othersStopWait bounds how long a query stopped for good waits for the
// other servers of the service to stop their parts before its internal
// topics go: they read the command within the command log's poll (250
// ms) and leave the group once their last outputs are written. A member
// that stays longer (a killed server's, until its session times out) is
// not waited for.
const othersStopWait = 5 * time.Second

// awaitGroupEmpty waits, at most bound, until nobody is left in group,
// the consumer group of a query this server has stopped. Deleting the
// query's repartition topics and changelogs while another server's part
// still wrote to them held that server's producer in retries for about
// 20 s before its query failed, and its statements waited behind it.
func (e *Engine) awaitGroupEmpty(group string, bound time.Duration) {
	gl, ok := e.cluster.(groupLister)
	if !ok {
		return
	}
	deadline := time.Now().Add(bound)
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		members, err := gl.GroupMembers(ctx, group)
		cancel()
		if err == nil && len(members[group]) == 0 {
			return
		}
		if time.Now().After(deadline) {
			if err != nil {
				e.opts.Logf("group %s: %v; deleting its query's internal topics anyway", group, err)
			} else {
				ids := make([]string, 0, len(members[group]))
				for _, m := range members[group] {
					ids = append(ids, m.ClientID)
				}
				e.opts.Logf("group %s still has %s after %v; deleting its query's internal topics anyway", group, strings.Join(ids, ", "), bound)
			}
			return
		}
		select {
		case <-e.closing:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// unlock releases e.mu, then runs the clean-ups queued while it was held.
// Whoever stopped a query still waits for its clean-up (a TERMINATE
// returns once the query's topics and group are gone), but other
// statements need not.
func (e *Engine) unlock() {
	cleanups := e.cleanups
	e.cleanups = nil
	e.mu.Unlock()
	for _, clean := range cleanups {
		clean()
	}
}

// deleteGroup deletes the consumer group of a query stopped for good,
// as ksqlDB's query cleanup does: left behind, the group of every query
// ever terminated or dropped stayed on the broker, Empty, with its
// committed offsets. A server still in it (one that outlived
// othersStopWait) keeps it; that server deletes it as it stops its part.
func (e *Engine) deleteGroup(group string) {
	gd, ok := e.cluster.(groupDeleter)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), kafka.DefaultTimeout)
	defer cancel()
	err := gd.DeleteGroup(ctx, group)
	switch {
	case errors.Is(err, kafka.ErrNonEmptyGroup):
		e.opts.Logf("%v; the last server of the service to stop its query deletes it", err)
	case err != nil:
		e.opts.Logf("%v", err)
	}
}
