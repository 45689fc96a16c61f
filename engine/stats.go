package engine

import "sort"

// QueryStat is a read-only snapshot of one persistent query's counters,
// for metrics and monitoring front ends.
type QueryStat struct {
	ID        string
	QueryType string // PERSISTENT
	State     string // RUNNING or ERROR
	// RecordsIn counts records consumed, RecordsOut rows written to the
	// sink and ProcessingErrors records sent to the processing log.
	RecordsIn, RecordsOut, ProcessingErrors int64
	// Tasks is how many tasks run here; RestoredRecords counts changelog
	// records read back by task restores, RereadRecords input records
	// delivered again that restored state already included.
	Tasks                          int
	RestoredRecords, RereadRecords int64
	// Group is the query's consumer group, shared by every server of the
	// service, and Stores its state stores: with the group's assignment
	// they say which server runs which of the query's tasks.
	Group  string
	Stores []string
}

// QueryStats returns a snapshot of every running persistent query, by id.
func (e *Engine) QueryStats() []QueryStat {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]QueryStat, 0, len(e.queries))
	for id, q := range e.queries {
		out = append(out, QueryStat{
			ID:               id,
			QueryType:        "PERSISTENT",
			State:            q.State(),
			RecordsIn:        q.Stats.In.Load(),
			RecordsOut:       q.Stats.Out.Load(),
			ProcessingErrors: q.Stats.Errors.Load(),
			Tasks:            len(q.Tasks()),
			RestoredRecords:  q.Stats.Restored.Load(),
			RereadRecords:    q.Stats.Reread.Load(),
			Group:            q.Topology.Group,
			Stores:           q.Topology.Stores(),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// CommandSequence is the offset of the next command-log record: every
// command with a lower sequence number has been applied to this engine.
func (e *Engine) CommandSequence() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cmdOffset
}
