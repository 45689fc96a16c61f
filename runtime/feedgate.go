package runtime

import (
	"context"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// A stream-table join whose table is keyed in another format than the
// join's reads its table back from the query's own repartition topic, so
// when the query starts the table's rows are not in that topic yet: the
// bootstrap that reads a table side to its end before the stream (see
// Task.drain) would find it empty. feedGate holds the other inputs back
// until the table, as it stood when the query started, has gone through
// the repartition topic, then has the tasks read that topic to its end
// first. Tasks only hold back what this server's tasks can feed: after
// maxFeedWait the gate opens anyway (the rest may be another server's).
type feedGate struct {
	feeders map[string]bool // table source topics written to a repartition topic
	fed     map[string]bool // the repartition topics holding table sides
	starts  map[string]map[int32]int64
	ends    map[string]map[int32]int64 // fed topics' ends when the gate opened
	open    bool
	until   time.Time
}

const maxFeedWait = 30 * time.Second

// newFeedGate returns the gate of a topology, nil when it needs none.
func newFeedGate(topo *Topology) *feedGate {
	g := &feedGate{feeders: map[string]bool{}, fed: map[string]bool{}}
	for _, in := range topo.Inputs {
		if fed := topo.feedsTableSide(in); fed != "" && in.Source != nil && in.Source.IsTable {
			g.feeders[in.Topic()] = true
			g.fed[fed] = true
		}
	}
	if len(g.fed) == 0 {
		return nil
	}
	return g
}

// holds reports whether records of topic must wait.
func (g *feedGate) holds(topic string) bool {
	return g != nil && !g.open && !g.feeders[topic] && !g.fed[topic]
}

// check opens the gate once every feeder partition of this server's
// tasks is processed up to where it ended when the query started, and
// the outputs of that are written (the caller flushed them).
func (g *feedGate) check(ctx context.Context, q *Query) {
	if g.starts == nil {
		starts, err := endOffsets(ctx, q, g.feeders)
		if err != nil {
			return
		}
		g.starts, g.until = starts, time.Now().Add(maxFeedWait)
	}
	if time.Now().Before(g.until) && !g.fedAll(q) {
		return
	}
	ends, err := endOffsets(ctx, q, g.fed)
	if err != nil {
		return
	}
	g.open, g.ends = true, ends
	for topic, parts := range ends {
		for p, end := range parts {
			if t := q.tasks[q.taskOf(p)]; t != nil {
				g.bootstrap(t.queue(topic, p), end)
			}
		}
	}
}

// bootstrap has a fed queue read to end before anything else of its task.
func (g *feedGate) bootstrap(qu *inputQueue, end int64) {
	if qu == nil {
		return
	}
	qu.end = max(qu.end, end)
	if qu.next < end {
		qu.bootstrapTo = end
	}
}

// fedAll reports whether every feeder partition is processed up to its
// end at the start.
func (g *feedGate) fedAll(q *Query) bool {
	for topic, parts := range g.starts {
		for p, end := range parts {
			if end == 0 {
				continue
			}
			t := q.tasks[q.taskOf(p)]
			if t == nil {
				return false
			}
			qu := t.byTP[tp{topic, p}]
			if qu == nil || qu.next < end || (len(qu.buf) > 0 && qu.buf[0].Offset < end) {
				return false
			}
		}
	}
	return true
}

// endOffsets reads the end offset of every partition of the topics.
func endOffsets(ctx context.Context, q *Query, topics map[string]bool) (map[string]map[int32]int64, error) {
	ends := map[string]map[int32]int64{}
	for topic := range topics {
		e, err := kafka.StableEndOffsets(ctx, q.cluster, topic)
		if err != nil {
			return nil, err
		}
		ends[topic] = e
	}
	return ends, nil
}
