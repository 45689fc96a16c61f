package runtime

import (
	"fmt"
	"time"
)

// lateNoteEvery is how often at most the log says that a query dropped
// records as late: a backfill of old data can drop them by the million,
// where Kafka Streams logs each one.
const lateNoteEvery = time.Minute

// lateNote is what a query's log last said of records dropped as late.
type lateNote struct {
	count int64 // the running tasks' Late total it counted from
	at    time.Time
}

// noteLate logs, at most every lateNoteEvery, how many records the
// query's windowed aggregation dropped because their windows had closed
// since it last did, so that a user whose windows count less than was
// written learns why from the log (EXPLAIN and /metrics keep the total).
// Called with q.mu held, after each batch.
func (q *Query) noteLate(now time.Time) {
	var total int64
	for _, t := range q.tasks {
		total += t.stats.Late.Load()
	}
	if total < q.late.count {
		q.late.count = total // a task closed: count from the rest
	}
	dropped := total - q.late.count
	if dropped == 0 || now.Sub(q.late.at) < lateNoteEvery {
		return
	}
	what := fmt.Sprintf("%d records", dropped)
	if dropped == 1 {
		what = "1 record"
	}
	q.opts.Logf("query %s: %s dropped as late since the last note: %s; GRACE PERIOD keeps windows open longer; EXPLAIN counts them all)", q.Topology.ID, what, q.Topology.lateWhy(false))
	q.late = lateNote{count: total, at: now}
}
