package runtime

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Counters are written by the goroutine that drives a task and read by
// whoever asks (metrics scrapes, DESCRIBE EXTENDED, the console) without
// taking the query's lock, which a batch or a restore holds for long. The
// hot path pays one uncontended atomic add per counted event, as the
// query-wide counters it replaces did; nothing else is kept per record.

// PartitionStats count what a task did with one input partition.
type PartitionStats struct {
	Topic     string
	Partition int32
	// Internal marks one of the query's own repartition topics.
	Internal bool
	// Consumed counts records processed (not the ones dropped as already
	// in a restored state), Errors those sent to the processing log, and
	// LastError is when the last went there (Unix milliseconds, 0: never).
	Consumed, Errors, LastError atomic.Int64
}

// TaskStats count one task's work. A task is created for a partition
// number when its first record arrives, and closed when its partitions
// are revoked or the query stops; its counts then go to the query's
// totals of closed tasks.
type TaskStats struct {
	// Out counts rows emitted, Errors records sent to the processing log.
	Out, Errors atomic.Int64
	// Reread counts input records delivered again that the restored
	// state already included (dropped), Restored the changelog records
	// read back, and RestoreRemaining the changelog records still ahead
	// of the restore (offsets; 0 once the task runs).
	Reread, Restored, RestoreRemaining atomic.Int64
	// Late counts input records a windowed aggregation dropped because
	// their window had closed: stream time had passed its end plus the
	// grace period (Kafka Streams' dropped records of expired windows).
	// As Kafka Streams counts them, a HOPPING window's record counts
	// once per closed window it falls in, even when newer ones take it.
	Late atomic.Int64
	// StateEntries and StateBytes are the task's state size as of its
	// last commit: entries held in memory, bytes of its local stores; -1
	// when unknown (a store-backed operator's entry count, a task without
	// local stores' bytes).
	StateEntries, StateBytes atomic.Int64
	// StateHeldPeak is the most state entries the task's operators kept
	// decoded in memory from one commit to the next: those whose state
	// lives in a local store keep a cache of it, trimmed at each commit.
	// StateTouchedPeak is the most they held at a commit before that
	// trim: the cache and the entries read or changed since the last.
	StateHeldPeak, StateTouchedPeak atomic.Int64

	mu    sync.Mutex // guards parts; taken when a partition first arrives and by readers
	parts []*PartitionStats
}

func newTaskStats() *TaskStats {
	s := &TaskStats{}
	s.StateEntries.Store(-1)
	s.StateBytes.Store(-1)
	return s
}

// partition returns the counters of one input partition, adding them on
// first use.
func (s *TaskStats) partition(topic string, partition int32, internal bool) *PartitionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.parts {
		if p.Topic == topic && p.Partition == partition {
			return p
		}
	}
	p := &PartitionStats{Topic: topic, Partition: partition, Internal: internal}
	s.parts = append(s.parts, p)
	return p
}

// Counts are a query's totals, over its running and its closed tasks.
type Counts struct {
	// In counts source records processed (repartitioned records are not
	// counted again), Out rows emitted, Errors records sent to the
	// processing log.
	In, Out, Errors int64
	// Restored counts changelog records read back by task restores,
	// Reread input records delivered again that restored state already
	// included.
	Restored, Reread int64
	// Late counts records dropped for arriving after their windows
	// closed (TaskStats.Late).
	Late int64
}

func (c *Counts) add(o Counts) {
	c.In += o.In
	c.Out += o.Out
	c.Errors += o.Errors
	c.Restored += o.Restored
	c.Reread += o.Reread
	c.Late += o.Late
}

// TopicCounts are what a query's tasks did with the records of one
// topic.
type TopicCounts struct {
	Consumed, Errors int64
	// LastError is when the last record of the topic went to the
	// processing log (Unix milliseconds, 0: never).
	LastError int64
}

func (c *TopicCounts) add(o TopicCounts) {
	c.Consumed += o.Consumed
	c.Errors += o.Errors
	c.LastError = max(c.LastError, o.LastError)
}

// PartitionSnapshot is one input partition's counters, read.
type PartitionSnapshot struct {
	Topic     string
	Partition int32
	Internal  bool
	Consumed  int64
	Errors    int64
	LastError int64
}

// TaskSnapshot is one running task's counters, read.
type TaskSnapshot struct {
	Task                               int32
	In, Out, Errors                    int64
	Reread, Restored, RestoreRemaining int64
	Late                               int64
	StateEntries, StateBytes           int64
	StateHeldPeak, StateTouchedPeak    int64
	Partitions                         []PartitionSnapshot
}

func (s *TaskStats) snapshot(task int32) TaskSnapshot {
	ts := TaskSnapshot{
		Task: task, Out: s.Out.Load(), Errors: s.Errors.Load(),
		Reread: s.Reread.Load(), Restored: s.Restored.Load(), RestoreRemaining: s.RestoreRemaining.Load(), Late: s.Late.Load(),
		StateEntries: s.StateEntries.Load(), StateBytes: s.StateBytes.Load(),
		StateHeldPeak: s.StateHeldPeak.Load(), StateTouchedPeak: s.StateTouchedPeak.Load(),
	}
	s.mu.Lock()
	parts := slices.Clone(s.parts)
	s.mu.Unlock()
	for _, p := range parts {
		ps := PartitionSnapshot{Topic: p.Topic, Partition: p.Partition, Internal: p.Internal,
			Consumed: p.Consumed.Load(), Errors: p.Errors.Load(), LastError: p.LastError.Load()}
		if !ps.Internal {
			ts.In += ps.Consumed
		}
		ts.Partitions = append(ts.Partitions, ps)
	}
	slices.SortFunc(ts.Partitions, func(a, b PartitionSnapshot) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return int(a.Partition - b.Partition)
	})
	return ts
}

func (ts TaskSnapshot) counts() Counts {
	return Counts{In: ts.In, Out: ts.Out, Errors: ts.Errors, Restored: ts.Restored, Reread: ts.Reread, Late: ts.Late}
}

// queryStats is a query's registry of task counters: the running tasks'
// (a task restoring its state included) and the totals of closed ones.
type queryStats struct {
	mu          sync.Mutex
	live        map[int32]*TaskStats
	closed      Counts
	closedTopic map[string]TopicCounts
	// lastMessage is when the query last processed a batch with records
	// (Unix milliseconds), stamped once per batch.
	lastMessage atomic.Int64
}

func (qs *queryStats) open(task int32) *TaskStats {
	s := newTaskStats()
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.live == nil {
		qs.live = map[int32]*TaskStats{}
	}
	qs.live[task] = s
	return s
}

// retire moves a closed task's counts to the totals.
func (qs *queryStats) retire(task int32, s *TaskStats) {
	snap := s.snapshot(task)
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.live[task] == s {
		delete(qs.live, task)
	}
	qs.closed.add(snap.counts())
	if qs.closedTopic == nil {
		qs.closedTopic = map[string]TopicCounts{}
	}
	for _, p := range snap.Partitions {
		c := qs.closedTopic[p.Topic]
		c.add(TopicCounts{Consumed: p.Consumed, Errors: p.Errors, LastError: p.LastError})
		qs.closedTopic[p.Topic] = c
	}
}

func (qs *queryStats) liveTasks() map[int32]*TaskStats {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	return maps.Clone(qs.live)
}

// Counts returns the query's totals.
func (q *Query) Counts() Counts {
	q.stats.mu.Lock()
	c := q.stats.closed
	q.stats.mu.Unlock()
	for p, s := range q.stats.liveTasks() {
		c.add(s.snapshot(p).counts())
	}
	return c
}

// TaskStats returns the counters of the tasks running here (restoring
// ones included), by task number.
func (q *Query) TaskStats() []TaskSnapshot {
	live := q.stats.liveTasks()
	out := make([]TaskSnapshot, 0, len(live))
	for _, p := range slices.Sorted(maps.Keys(live)) {
		out = append(out, live[p].snapshot(p))
	}
	return out
}

// TopicCounts returns what the query did with the records of topic, over
// its running and its closed tasks.
func (q *Query) TopicCounts(topic string) TopicCounts {
	q.stats.mu.Lock()
	c := q.stats.closedTopic[topic]
	q.stats.mu.Unlock()
	for p, s := range q.stats.liveTasks() {
		for _, ps := range s.snapshot(p).Partitions {
			if ps.Topic == topic {
				c.add(TopicCounts{Consumed: ps.Consumed, Errors: ps.Errors, LastError: ps.LastError})
			}
		}
	}
	return c
}

// LastMessage is when the query last processed records (Unix
// milliseconds, 0: never).
func (q *Query) LastMessage() int64 { return q.stats.lastMessage.Load() }

// stateSampleEvery bounds how often a task's state size is measured (a
// Pebble store's size comes from its metrics, not free per batch).
const stateSampleEvery = time.Second

// sampleState records the task's state size; called after a commit.
func (t *Task) sampleState(now time.Time) {
	if now.Sub(t.stateSampled) < stateSampleEvery {
		return
	}
	t.stateSampled = now
	entries, known := int64(0), len(t.inst.states) > 0
	for _, op := range t.inst.states {
		n := op.stateEntries()
		if n < 0 {
			known = false
			break
		}
		entries += n
	}
	if known {
		t.stats.StateEntries.Store(entries)
	}
	bytes, haveLocal := int64(0), false
	for _, st := range t.stores {
		if st.local != nil {
			bytes += st.local.ApproxBytes()
			haveLocal = true
		}
	}
	if haveLocal {
		t.stats.StateBytes.Store(bytes)
	}
}

// heldEntries is how many state entries the task's operators hold decoded in
// memory.
func (t *Task) heldEntries() int64 {
	var n int64
	for _, st := range t.stores {
		if st.backed {
			n += st.op.(backedOp).held()
		} else {
			n += max(st.op.stateEntries(), 0)
		}
	}
	return n
}

// notePeak raises a peak counter to n.
func notePeak(peak *atomic.Int64, n int64) {
	if n > peak.Load() {
		peak.Store(n)
	}
}

// LastError is when a record of the query last went to the processing
// log (Unix milliseconds, 0: never).
func (q *Query) LastError() int64 {
	var last int64
	q.stats.mu.Lock()
	for _, c := range q.stats.closedTopic {
		last = max(last, c.LastError)
	}
	q.stats.mu.Unlock()
	for p, s := range q.stats.liveTasks() {
		for _, ps := range s.snapshot(p).Partitions {
			last = max(last, ps.LastError)
		}
	}
	return last
}
