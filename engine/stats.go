package engine

import (
	"context"
	"sort"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/runtime"
)

// QueryStat is a read-only snapshot of one persistent query's counters,
// for metrics and monitoring front ends.
type QueryStat struct {
	ID        string
	QueryType string // PERSISTENT
	State     string // RUNNING or ERROR
	// Error is why the query stopped, when State is ERROR.
	Error string
	// RecordsIn counts records consumed, RecordsOut rows written to the
	// sink and ProcessingErrors records sent to the processing log.
	RecordsIn, RecordsOut, ProcessingErrors int64
	// Tasks is how many tasks run here; RestoredRecords counts changelog
	// records read back by task restores, RereadRecords input records
	// delivered again that restored state already included.
	Tasks                          int
	RestoredRecords, RereadRecords int64
	// LateRecords counts input records a windowed aggregation dropped
	// because their window had closed; a HOPPING window's record counts
	// once per closed window it falls in (runtime.TaskStats.Late).
	LateRecords int64
	// PerTask are the counters of each task running here, its input
	// partitions' included.
	PerTask []runtime.TaskSnapshot
	// Group is the query's consumer group, shared by every server of the
	// service, and Stores its state stores: with the group's assignment
	// they say which server runs which of the query's tasks.
	Group  string
	Stores []string
}

// QueryStats returns a snapshot of every running persistent query, by id.
// It reads counters only: no call reaches Kafka.
func (e *Engine) QueryStats() []QueryStat {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]QueryStat, 0, len(e.queries))
	for id, q := range e.queries {
		c := q.Counts()
		tasks := q.TaskStats()
		st := QueryStat{
			ID:               id,
			QueryType:        "PERSISTENT",
			State:            q.State(),
			RecordsIn:        c.In,
			RecordsOut:       c.Out,
			ProcessingErrors: c.Errors,
			Tasks:            len(tasks),
			RestoredRecords:  c.Restored,
			RereadRecords:    c.Reread,
			LateRecords:      c.Late,
			PerTask:          tasks,
			Group:            q.Topology.Group,
			Stores:           q.Topology.Stores(),
		}
		if err := q.Err(); err != nil {
			st.Error = err.Error()
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// QueryLags returns, for every running persistent query, its consumer
// group's lag on each input partition (committed offset against end
// offset, as kafka-consumer-groups reports it). It asks the brokers; a
// query whose lag cannot be read is left out and the first error is
// returned with the rest.
func (e *Engine) QueryLags(ctx context.Context) (map[string][]PartitionLag, error) {
	e.mu.Lock()
	topos := make(map[string]*runtime.Topology, len(e.queries))
	for id, q := range e.queries {
		topos[id] = q.Topology
	}
	e.mu.Unlock()
	out := make(map[string][]PartitionLag, len(topos))
	var first error
	ends := endOffsetsOnce(e.cluster)
	for id, t := range topos {
		lag, err := e.inputLag(ctx, t, ends)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		out[id] = lag
	}
	return out, first
}

// ConnectorStats returns the status of every connector running here,
// with its tasks' counters and, for sinks, the consumer lag.
func (e *Engine) ConnectorStats(ctx context.Context) []connect.Status {
	if e.connect == nil {
		return nil
	}
	var out []connect.Status
	for _, n := range e.connect.Names() {
		if st, ok := e.connect.Status(ctx, n, true); ok {
			out = append(out, st)
		}
	}
	return out
}

// CommandSequence is the offset of the next command-log record: every
// command with a lower sequence number has been applied to this engine.
func (e *Engine) CommandSequence() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cmdOffset
}
