package engine

import (
	"context"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// Settle waits until every persistent query running here (and not
// paused) has processed and committed its inputs: the topics no query
// writes up to where they ended when Settle was called, and the topics
// queries write (sinks read by other queries, repartition topics) up to
// where they end as the queries finish. The shell calls it before it
// exits after a script, so that what the script's last statements wrote
// is in the queries' outputs and state when `eddy -f` returns, rather
// than when the next start gets to it. A source that keeps writing (a
// data generator) does not hold it up: its topics count up to where they
// ended at the call. It returns ctx's error if ctx ends first.
func (e *Engine) Settle(ctx context.Context) error {
	fixed := map[string]map[int32]int64{} // outside inputs' ends at the call
	for {
		e.mu.Lock()
		var queries []*runtime.Query
		for _, q := range e.queries {
			if !q.Paused() && q.Err() == nil {
				queries = append(queries, q)
			}
		}
		written := e.writtenTopics()
		e.mu.Unlock()
		done := true
		for _, q := range queries {
			if err := q.CommitNow(ctx); err != nil {
				return err
			}
			lag, err := e.inputLag(ctx, q.Topology, e.cluster.EndOffsets)
			if err != nil {
				return err
			}
			for _, pl := range lag {
				end, at := pl.End, pl.Committed
				if at < 0 {
					// Nothing committed yet: the query reads from where
					// it started, the log's start unless Latest says the
					// end when it subscribed.
					if pos, ok := q.ResetPosition(pl.Topic, pl.Partition); ok {
						at = pos
					} else if at, err = e.logStart(ctx, pl.Topic, pl.Partition); err != nil {
						return err
					}
				}
				if !written[pl.Topic] {
					if fixed[pl.Topic] == nil {
						fixed[pl.Topic] = map[int32]int64{}
					}
					if f, ok := fixed[pl.Topic][pl.Partition]; ok {
						end = min(end, f)
					} else {
						fixed[pl.Topic][pl.Partition] = end
					}
				}
				if at < end {
					done = false
				}
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Inserted reports whether an INSERT VALUES has written a row through
// this engine: what a shell's script wrote is then worth waiting for
// (Settle) before it exits; a script that only read need not wait on the
// queries' backlog.
func (e *Engine) Inserted() bool { return e.inserted.Load() }

// logStart is where a partition's log starts now (0 on a cluster that
// cannot say).
func (e *Engine) logStart(ctx context.Context, topic string, partition int32) (int64, error) {
	l, ok := e.cluster.(kafka.StartOffsetLister)
	if !ok {
		return 0, nil
	}
	starts, err := l.StartOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	return starts[partition], nil
}

// writtenTopics are the topics persistent queries write: their sinks and
// the internal topics the catalog lists. Callers hold e.mu.
func (e *Engine) writtenTopics() map[string]bool {
	out := map[string]bool{}
	for _, q := range e.ms.Queries() {
		out[q.Topic] = true
		for _, t := range q.InternalTopics {
			out[t] = true
		}
	}
	return out
}
