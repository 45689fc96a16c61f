package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/runtime"
)

// QueryInsight is what a viewer (the web console) shows about one
// persistent query beyond EXPLAIN's text: its topology as a graph, the
// input lag of each partition and the latest processing errors. It is a
// read-only snapshot.
type QueryInsight struct {
	ID        string        `json:"id"`
	State     string        `json:"state"`
	Statement string        `json:"statement"`
	Sources   []string      `json:"sources"`
	Sinks     []string      `json:"sinks"`
	Topology  runtime.Graph `json:"topology"`
	// Stores are the state stores with their changelog topics.
	Stores           []string         `json:"stores"`
	Tasks            int              `json:"tasks"`
	RecordsIn        int64            `json:"recordsIn"`
	RecordsOut       int64            `json:"recordsOut"`
	ProcessingErrors int64            `json:"processingErrors"`
	Lag              []PartitionLag   `json:"lag"`
	RecentErrors     []ProcessingNote `json:"recentErrors"`
	// QueryError is why the query stopped, when its state is ERROR.
	QueryError string `json:"queryError,omitempty"`
}

// PartitionLag is how far a query's consumer group is behind on one
// input partition: End is the partition's end offset, Committed the
// group's committed offset (-1 when it has committed none yet).
type PartitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed int64  `json:"committed"`
	End       int64  `json:"end"`
	Lag       int64  `json:"lag"`
}

// ProcessingNote is one processing-log entry, as kept in memory for
// viewers (the topic has them all).
type ProcessingNote struct {
	Time      int64  `json:"time"` // Unix milliseconds
	Kind      string `json:"kind"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Message   string `json:"message"`
}

// QueryInsight describes the running persistent query id. ok is false
// when no such query runs here.
func (e *Engine) QueryInsight(ctx context.Context, id string) (QueryInsight, bool, error) {
	id = strings.ToUpper(id)
	mq := e.ms.Query(id)
	e.mu.Lock()
	rq := e.queries[id]
	e.mu.Unlock()
	if mq == nil || rq == nil {
		return QueryInsight{}, false, nil
	}
	in := QueryInsight{
		ID: id, State: rq.State(), Statement: mq.SQL,
		Sources: append([]string{}, mq.Sources...), Sinks: []string{mq.Sink},
		Topology: rq.Topology.Graph(), Tasks: len(rq.Tasks()),
		Lag: []PartitionLag{}, RecentErrors: e.recent.list(id),
	}
	c := rq.Counts()
	in.RecordsIn, in.RecordsOut, in.ProcessingErrors = c.In, c.Out, c.Errors
	for _, s := range rq.Topology.Stores() {
		if rq.Topology.NoCommit || rq.Topology.Group == "" {
			in.Stores = append(in.Stores, s+" (in memory, no changelog)")
		} else {
			in.Stores = append(in.Stores, s+" -> "+runtime.ChangelogTopic(rq.Topology.Group, s))
		}
	}
	if err := rq.Err(); err != nil {
		in.QueryError = err.Error()
	}
	lag, err := e.inputLag(ctx, rq.Topology, e.cluster.EndOffsets)
	if err != nil {
		return in, true, err
	}
	in.Lag = lag
	return in, true, nil
}

// inputLag compares the group's committed offsets with the end offsets
// of every topic the topology reads; ends lists a topic's end offsets
// (endOffsetsOnce shares them between the queries of one reading).
func (e *Engine) inputLag(ctx context.Context, t *runtime.Topology, ends func(context.Context, string) (map[int32]int64, error)) ([]PartitionLag, error) {
	out := []PartitionLag{}
	if t.Group == "" {
		return out, nil
	}
	seen := map[string]bool{}
	for _, topic := range t.Topics() {
		if seen[topic] {
			continue
		}
		seen[topic] = true
		end, err := ends(ctx, topic)
		if err != nil {
			return out, fmt.Errorf("lag of %s: %w", topic, err)
		}
		committed, err := e.cluster.GroupOffsets(ctx, t.Group, topic)
		if err != nil {
			return out, fmt.Errorf("lag of %s: %w", topic, err)
		}
		for _, p := range slices.Sorted(maps.Keys(end)) {
			pl := PartitionLag{Topic: topic, Partition: p, Committed: -1, End: end[p], Lag: end[p]}
			if c, ok := committed[p]; ok {
				pl.Committed, pl.Lag = c, max(end[p]-c, 0)
			}
			out = append(out, pl)
		}
	}
	return out, nil
}

// endOffsetsOnce lists each topic's end offsets once however many
// queries read it: the console samples every query's lag every 2 s, and
// asking per query and topic made a server of 180 queries send hundreds
// of requests a round (about 8% of its idle CPU, rounds of 11 s under
// load).
func endOffsetsOnce(c kafka.Cluster) func(context.Context, string) (map[int32]int64, error) {
	type listed struct {
		ends map[int32]int64
		err  error
	}
	seen := map[string]listed{}
	return func(ctx context.Context, topic string) (map[int32]int64, error) {
		l, ok := seen[topic]
		if !ok {
			l.ends, l.err = c.EndOffsets(ctx, topic)
			seen[topic] = l
		}
		return l.ends, l.err
	}
}

// recentErrors keeps the latest processing-log entries of each query in
// memory, so a viewer can show them without reading the whole topic.
type recentErrors struct {
	mu   sync.Mutex
	byID map[string][]ProcessingNote
}

// recentPerQuery bounds what is kept per query.
const recentPerQuery = 20

func (r *recentErrors) add(pe runtime.ProcessingError) {
	n := ProcessingNote{Time: time.Now().UnixMilli(), Kind: pe.Kind, Topic: pe.Topic, Partition: pe.Partition, Offset: pe.Offset}
	if pe.Err != nil {
		n.Message = pe.Err.Error()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[string][]ProcessingNote{}
	}
	l := append(r.byID[pe.QueryID], n)
	if len(l) > recentPerQuery {
		l = slices.Clone(l[len(l)-recentPerQuery:])
	}
	r.byID[pe.QueryID] = l
}

// list returns the query's entries, newest first.
func (r *recentErrors) list(id string) []ProcessingNote {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := slices.Clone(r.byID[id])
	slices.Reverse(l)
	if l == nil {
		l = []ProcessingNote{}
	}
	return l
}
