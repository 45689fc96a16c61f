package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// Options configure how a query runs.
type Options struct {
	// Log receives records that cannot be processed.
	Log *ProcessingLog
	// Stores opens a task's local state stores (nil: none; state is
	// restored from the changelogs alone).
	Stores StoreOpener
	// Logf receives restore progress.
	Logf func(format string, args ...any)
	// Warn, when set, receives what the query found wrong with its
	// input that the user can mend (a joined topic written with another
	// partitioner than Kafka's Java clients'), besides the server log:
	// the engine lists it with the query's errors (EXPLAIN).
	Warn func(queryID, message string)
	// MemberID names this server among the servers of its service,
	// unique to it and stable across its restarts: an exactly-once
	// query's transactional ID is its group and this, so a restarted
	// server fences its own earlier incarnation and no other server; it
	// is also the query's static group membership (group.instance.id),
	// so a server restarted after a crash takes its partitions back at
	// once.
	MemberID string
	// Paused starts the query paused (see Query.Pause).
	Paused bool
	// LatestAt pins where partitions without a committed offset start
	// under Latest (see kafka.SubscribeOptions.LatestAt).
	LatestAt map[string]map[int32]int64
	// StateCacheLimit is how many entries each operator whose state
	// lives in its local store (Stores) keeps decoded in memory between
	// batches (0: 100,000).
	StateCacheLimit int
}

// Query is a running topology: one task per input partition number, all
// driven by the subscription's goroutine, which Stop ends.
type Query struct {
	Topology *Topology

	stats    queryStats
	failedAt atomic.Int64

	cluster kafka.Cluster
	opts    Options
	sub     kafka.Subscription
	// txn is set when the query runs exactly-once: each commit is one
	// transaction of the subscription (from the handler's context).
	txn kafka.Transactor
	// synchronous clusters deliver records in production order, one at a
	// time: tasks process them as they come, without time ordering.
	synchronous bool
	single      bool // every partition runs in task 0
	// gate holds inputs back until tables read back from a repartition
	// topic are there (nil when none is).
	gate *feedGate

	mu    sync.Mutex // guards tasks and parked; held while a batch is handled
	tasks map[int32]*Task
	// parked are tasks a rebalance took away with their state committed
	// (see keepable), kept until the assignment is known: a task given
	// back whose state is still the group's (see reusable) goes on
	// without a restore; the others are closed.
	parked map[int32]*Task
	// assigned are the tasks of partitions assigned since the last
	// batch, created (and restored) when the next batch is handled, an
	// empty one included: state is restored when a partition is
	// assigned, not when its first new record arrives, and outside the
	// rebalance callback, which must return quickly.
	assignMu sync.Mutex
	assigned map[int32]bool
	// deferring: a stateful query with output caching commits every
	// CommitInterval (or when its caches fill) rather than after every
	// batch; lastCommit is when it last did.
	deferring  bool
	stopping   bool
	paused     atomic.Bool
	lastCommit time.Time
	lastPurge  time.Time
	// late is what the log last said of records dropped as late
	// (noteLate): the running tasks' count then, and when.
	late   lateNote
	stopMu sync.Mutex
	// outs gathers a commit's changelog entries and parts the tasks'
	// outputs arrays and those entries that one produce writes, both
	// reused from batch to batch (Produce keeps no reference to the
	// records it is passed).
	outs  []kafka.Record
	parts [][]kafka.Record
	// stream writes outputs during a batch (nil where the cluster cannot).
	stream *outStream
	// placement checks that joined topics are partitioned as joins
	// expect (nil when no input needs it).
	placement *partitionCheck
}

// errSinkDone ends a subscription whose transient sink wants no more rows.
var errSinkDone = errors.New("sink done")

// Synchronous is implemented by clusters that deliver records from inside
// Produce (the in-memory cluster).
type Synchronous interface{ Synchronous() bool }

// tick is how often a task holding records for a lagging input looks
// again when nothing new arrives; quietTick is how long a query with
// nothing that time alone can move waits for records (an assignment
// wakes it sooner), so an idle query costs next to nothing.
const (
	tick      = 50 * time.Millisecond
	quietTick = 2 * time.Second
)

// maxHeld pauses an input partition whose task holds this many records.
const maxHeld = 50_000

// windowUpdatesPerBatch bounds the windows one fetched batch may update:
// a batch's changed groups (and, with a disk store, their new state) are
// held until its commit, and a record of a hopping window updates every
// window holding it (3,600 for an hour advancing by the second), so such
// a query takes fewer records a batch. Queries updating at most ten
// windows a record keep the consumer's default.
const windowUpdatesPerBatch = 100_000

// maxBatch is the subscription's bound on records per batch (0: the
// consumer's default).
func (t *Topology) maxBatch() int {
	fan := t.windowsPerRecord()
	if fan*kafka.DefaultMaxBatch <= windowUpdatesPerBatch {
		return 0
	}
	return int(max(1, windowUpdatesPerBatch/fan))
}

// lateWhy says why the topology's windowed aggregation drops a record as
// late, for EXPLAIN (explain) and the log: a session closes only once
// stream time is past its end plus the gap plus the grace period; a
// hopping window's record counts once per closed window it falls in.
func (t *Topology) lateWhy(explain bool) string {
	var session, hopping bool
	for _, in := range t.Inputs {
		walkChain(in.head(), func(op Op) bool {
			if a, ok := op.(*Aggregate); ok && a.Window != nil {
				session = session || a.Window.Kind == Session
				hopping = hopping || a.Window.Kind == Hopping
			}
			return true
		})
	}
	switch {
	case session && explain:
		return "the session they would make had closed: stream time was past its end plus the gap plus the grace period"
	case session:
		return "the session they would make had closed (stream time past the session's end plus its gap plus its grace period"
	case hopping && explain:
		return "counted once per closed window a record falls in, as Kafka Streams counts them: stream time was past the window's end plus the grace period"
	case hopping:
		return "counted once per closed window a record falls in (stream time past the window's end plus its grace period"
	case explain:
		return "every window they fall in had closed: stream time was past its end plus the grace period"
	}
	return "every window they fall in had closed (stream time past the window's end plus its grace period"
}

// windowsPerRecord is the most windows one input record updates in any
// of the topology's aggregations: a hopping window's size over its
// advance, rounded up; 1 for every other kind.
func (t *Topology) windowsPerRecord() int64 {
	most := int64(1)
	for _, in := range t.Inputs {
		walkChain(in.head(), func(op Op) bool {
			if a, ok := op.(*Aggregate); ok && a.Window != nil && a.Window.Kind == Hopping && a.Window.Advance > 0 {
				most = max(most, (a.Window.Size+a.Window.Advance-1)/a.Window.Advance)
			}
			return true
		})
	}
	return most
}

// head is the first operator the input's rows enter.
func (in *Input) head() Op {
	if in.Internal != nil {
		return in.Internal.Next
	}
	return in.Next
}

// walkChain calls fn on op and each operator after it while there is
// exactly one (a branch ends the walk), until fn returns false.
func walkChain(op Op, fn func(Op) bool) {
	seen := map[Op]bool{}
	for op != nil && !seen[op] {
		seen[op] = true
		if !fn(op) {
			return
		}
		next := NextOps(op)
		op = nil
		if len(next) == 1 {
			op = next[0]
		}
	}
}

// Start subscribes the topology's topics and runs it.
func Start(ctx context.Context, cluster kafka.Cluster, topo *Topology, opts Options) (*Query, error) {
	q := &Query{Topology: topo, cluster: cluster, opts: opts, tasks: map[int32]*Task{}}
	if q.opts.Logf == nil {
		q.opts.Logf = func(string, ...any) {}
	}
	if s, ok := cluster.(Synchronous); ok && s.Synchronous() {
		q.synchronous = true
	}
	q.single = q.synchronous || topo.singleTask()
	if !q.synchronous {
		q.gate = newFeedGate(topo)
		q.stream = newOutStream(cluster, topo.Linger, func(format string, args ...any) {
			q.opts.Logf("query %s: %s", topo.ID, fmt.Sprintf(format, args...))
		})
		q.placement = newPartitionCheck(ctx, cluster, topo, func(msg string) {
			q.opts.Logf("%s", msg)
			if q.opts.Warn != nil {
				q.opts.Warn(topo.ID, msg)
			}
		})
	}
	// The in-memory cluster delivers each produce synchronously (tests):
	// it never caches, so every update is seen.
	if q.synchronous {
		topo.CacheBytes = 0
	}
	eos := topo.ExactlyOnce && !q.synchronous && !topo.NoCommit && topo.Group != ""
	// Exactly-once commits every batch in a transaction (Kafka Streams'
	// default commit interval is 100 ms under it): a deferred commit
	// would have to run outside the consumer's goroutine on Stop.
	q.deferring = !eos && !q.synchronous && topo.CacheBytes > 0 && topo.CommitInterval > 0 &&
		defersCommits(instantiate(topo))
	q.lastCommit = time.Now()
	so := kafka.SubscribeOptions{
		Group:            topo.Group,
		Topics:           topo.Topics(),
		Reset:            topo.Reset,
		NoCommit:         topo.NoCommit,
		EarliestTopics:   topo.tableInputs(),
		OnRevoke:         q.revoke,
		OnAssign:         q.assign,
		OnAssigned:       q.assignedAll,
		BeforeRevoke:     q.commitBeforeRevoke,
		MaxBatch:         topo.maxBatch(),
		Paused:           opts.Paused,
		SessionTimeout:   topo.SessionTimeout,
		RebalanceTimeout: topo.RebalanceTimeout,
		OnIdle:           q.releaseIdle,
		LatestAt:         opts.LatestAt,
	}
	if !topo.NoCommit {
		so.InstanceID = opts.MemberID
	}
	q.paused.Store(opts.Paused)
	if eos {
		so.TransactionalID = topo.Group
		if opts.MemberID != "" {
			so.TransactionalID += "-" + opts.MemberID
		}
	}
	if !q.synchronous {
		so.Held = q.held
		so.Tick = q.nextTick
		so.MaxHeld = maxHeld
		so.OnEnd = q.inputEnd
		so.OnMarker = q.marker
	}
	sub, err := cluster.Subscribe(ctx, so, q.handleRecording)
	if err != nil {
		return nil, fmt.Errorf("query %s: subscribe %v: %w", topo.ID, topo.Topics(), err)
	}
	q.sub = sub
	if _, ok := sub.(kafka.Transactor); eos && !ok {
		q.opts.Logf("query %s: exactly_once_v2 is not available on this cluster; running at-least-once", topo.ID)
	}
	return q, nil
}

// handleRecording handles a batch and remembers when one failed: the
// failure stops the query, and EXPLAIN says when. A panic in the batch's
// processing (a bug that some query or record reaches) fails the query
// alone: it would otherwise end the server and every other query in it.
func (q *Query) handleRecording(ctx context.Context, batch []kafka.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			q.opts.Logf("query %s: internal error, the query stops: %v\n%s", q.Topology.ID, p, debug.Stack())
			err = fmt.Errorf("query %s: internal error: %v", q.Topology.ID, p)
		}
		if err != nil && !errors.Is(err, errSinkDone) && ctx.Err() == nil {
			q.failedAt.CompareAndSwap(0, time.Now().UnixMilli())
		}
	}()
	return q.handle(ctx, batch)
}

// FailedAt is when the query failed (Unix milliseconds), 0 while it runs.
func (q *Query) FailedAt() int64 { return q.failedAt.Load() }

// handle runs one fetched batch: buffered into the tasks of the records'
// partitions, processed in time order, and written out before the
// subscription commits the offsets of what was processed.
func (q *Query) handle(ctx context.Context, batch []kafka.Record) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.txn == nil {
		// An exactly-once subscription hands its handler the
		// transactions to commit in.
		q.txn = kafka.TransactorFrom(ctx)
	}
	if q.stream != nil {
		q.stream.ctx, q.stream.on = ctx, q.txn == nil
	}
	if len(batch) > 0 {
		q.stats.lastMessage.Store(time.Now().UnixMilli())
	}
	// The tasks' queues borrow batch's records until here.
	defer func() {
		// A batch that failed may have outputs in flight: nothing may
		// write over them once the handler returns.
		_ = q.stream.land()
		for _, t := range q.tasks {
			t.keepBorrowed()
			t.publishStats()
		}
		q.noteLate(time.Now())
	}()
	if err := q.createAssigned(ctx); err != nil {
		return err
	}
	stop := false
	if q.synchronous {
		for i := range batch {
			t, err := q.task(ctx, batch[i].Partition)
			if err != nil {
				return err
			}
			t.enqueue(&batch[i])
			for _, qu := range t.queues {
				for len(qu.buf) > 0 && !t.stop {
					t.processHead(qu)
				}
			}
			stop = stop || t.stop
		}
	} else {
		for i := range batch {
			t, err := q.task(ctx, batch[i].Partition)
			if err != nil {
				return err
			}
			if q.placement != nil && !q.placement.observe(&batch[i]) {
				q.placement = nil // every joined topic checked
			}
			t.enqueue(&batch[i])
		}
		now := time.Now()
		for {
			yielded := false
			for _, p := range slices.Sorted(maps.Keys(q.tasks)) {
				t := q.tasks[p]
				t.yielded = false
				t.drain(now)
				stop = stop || t.stop
				yielded = yielded || t.yielded
			}
			if !yielded || stop {
				break
			}
			// A task holds txnOutputs for the transaction: commit
			// what was processed so far, then go on with the batch.
			if err := q.failedTask(); err != nil {
				return err
			}
			if err := q.commit(ctx); err != nil {
				return err
			}
		}
	}
	if err := q.failedTask(); err != nil {
		return err // nothing of the batch since the last commit is committed
	}
	flushed := true
	if q.commitDue(stop) {
		if err := q.commit(ctx); err != nil {
			return err
		}
	} else if q.txn == nil {
		if err := q.flushOutputs(ctx); err != nil {
			return err
		}
	} else {
		flushed = false // written in a transaction not yet committed
	}
	if flushed && q.gate != nil && !q.gate.open {
		q.gate.check(ctx, q)
	}
	if stop {
		return errSinkDone
	}
	return nil
}

// failedTask returns the failure of a task that cannot go on, if any.
func (q *Query) failedTask() error {
	for _, t := range q.tasks {
		if t.failed != nil {
			return t.failed
		}
	}
	return nil
}

// defersCommits says whether a query's state changes wait for the
// commit interval: those of an aggregation that caches its outputs, and
// those of an EMIT FINAL aggregation, which rewrote its open windows to
// the changelog every batch (2.8M changelog records for 4.0M inputs
// over 10 keys, more bytes than its input, all compacted and restored
// again). A join's table changes still commit with their batch.
func defersCommits(inst *instance) bool {
	if len(inst.cached) > 0 {
		return true
	}
	for _, op := range inst.states {
		if a, ok := op.(*Aggregate); ok && a.Window != nil && a.Window.Final {
			return true
		}
	}
	return false
}

// commitDue says whether this batch ends with a commit: always, unless
// the query defers commits for output caching and neither the interval
// has passed nor the caches are full.
func (q *Query) commitDue(stop bool) bool {
	if !q.deferring || stop || q.stopping {
		return true
	}
	if time.Since(q.lastCommit) >= q.Topology.CommitInterval {
		return true
	}
	var cached int64
	for _, t := range q.tasks {
		cached += t.cacheBytes()
	}
	return cached >= q.Topology.CacheBytes
}

// CachesOutputs reports whether the query holds outputs back until its
// commit interval (output caching, at-least-once), so that CommitNow
// has something to do.
func (q *Query) CachesOutputs() bool { return q.deferring }

// CommitNow commits at once what a query caching its outputs holds back
// until its commit interval: the cached outputs, its state changes and
// its outputs. A pull query of the table the query writes then sees
// every update made before it, as ksqlDB's pull queries read through
// Kafka Streams' caches. A query that caches nothing at the moment, or
// is stopping or failed, is left alone.
func (q *Query) CommitNow(ctx context.Context) error {
	q.stopMu.Lock()
	defer q.stopMu.Unlock()
	if q.sub == nil {
		return nil
	}
	// Err locks the subscription, whose poll locks q.mu (held): ask it
	// before taking q.mu, never under it.
	if q.Err() != nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.deferring || q.stopping {
		return nil
	}
	var cached int64
	for _, t := range q.tasks {
		cached += t.cacheBytes()
	}
	if cached == 0 {
		return nil
	}
	return q.commit(ctx)
}

// commit emits the cached outputs, then writes every task's outputs,
// state changes and markers (flush), after which the subscription may
// commit every input offset processed so far.
func (q *Query) commit(ctx context.Context) error {
	if err := q.landStream(); err != nil {
		return err
	}
	for _, t := range q.tasks {
		t.flushCaches()
	}
	if q.txn != nil {
		err := q.commitTransaction(ctx)
		q.recycle(err == nil)
		if err != nil {
			return err
		}
	} else {
		apply, err := q.flush(ctx, q.produce)
		q.recycle(err == nil)
		if err != nil {
			return err
		}
		if err := apply(); err != nil {
			return err
		}
	}
	now := time.Now()
	for _, t := range q.tasks {
		t.trimCaches()
		t.clearUncommitted()
		t.sampleState(now)
	}
	q.lastCommit = now
	q.purgeRepartitions(ctx)
	return nil
}

// produce writes records outside a transaction: the tasks' outputs
// arrays and the changelog entries as they are, not copied into one.
func (q *Query) produce(ctx context.Context, parts ...[]kafka.Record) error {
	return kafka.ProduceParts(ctx, q.cluster, parts...)
}

// commitTransaction writes what flush writes and commits the input
// offsets processed so far, in one transaction; the local stores follow
// only once it committed. An aborted transaction stops the query: its
// tasks hold state the transaction did not commit, and the consumer's
// position is past records it never processed, so only a fresh start
// from the committed offsets and changelogs is consistent.
func (q *Query) commitTransaction(ctx context.Context) error {
	pending := false
	for _, t := range q.tasks {
		if len(t.pending) > 0 || len(t.uncommitted) > 0 {
			pending = true
		}
		for _, qu := range t.queues {
			if o := qu.commitOffset(); o > qu.txnCommitted {
				pending = true // a marker read after the last commit
			}
		}
	}
	if !pending {
		return nil // nothing processed since the last transaction
	}
	offsets := q.processedOffsets()
	var apply func() error
	err := q.txn.Transact(ctx, func(produce func(...kafka.Record) error) (map[string]map[int32]int64, error) {
		var err error
		apply, err = q.flush(ctx, func(_ context.Context, parts ...[]kafka.Record) error {
			for _, recs := range parts {
				if err := produce(recs...); err != nil {
					return err
				}
			}
			return nil
		})
		return offsets, err
	})
	if err != nil {
		return fmt.Errorf("query %s: %w", q.Topology.ID, err)
	}
	for _, t := range q.tasks {
		for _, qu := range t.queues {
			if o, ok := offsets[qu.tp.topic][qu.tp.partition]; ok {
				qu.txnCommitted = o
			}
		}
	}
	return apply()
}

// processedOffsets lists, per input partition of every task, the offset
// after the last record processed since the task started, or past the
// transaction markers after it (see commitOffset). What a restore
// read from the changelog is left out: a store's marker is written only
// when the store changed, so its offsets can lag what the group has
// committed since (a join's table side, unchanged while the stream side
// advanced), and committing them would rewind the group.
func (q *Query) processedOffsets() map[string]map[int32]int64 {
	out := map[string]map[int32]int64{}
	for _, t := range q.tasks {
		for _, qu := range t.queues {
			o := qu.commitOffset()
			if o <= 0 {
				continue
			}
			if out[qu.tp.topic] == nil {
				out[qu.tp.topic] = map[int32]int64{}
			}
			out[qu.tp.topic][qu.tp.partition] = o
		}
	}
	return out
}

// defaultPurgeInterval is how often a query deletes what its repartition
// topics no longer need (Kafka Streams' repartition.purge.interval.ms).
const defaultPurgeInterval = 30 * time.Second

// purgeRepartitions deletes the records of the query's repartition topics
// below what its tasks have processed and committed: they are in the
// state and outputs already, and no restore reads them again, so the
// topics stay as small as the query's lag instead of growing with
// history.
func (q *Query) purgeRepartitions(ctx context.Context) {
	d, ok := q.cluster.(kafka.RecordDeleter)
	every := q.Topology.PurgeInterval
	if every <= 0 {
		every = defaultPurgeInterval
	}
	if !ok || q.Topology.NoCommit || time.Since(q.lastPurge) < every {
		return
	}
	q.lastPurge = time.Now()
	for _, in := range q.Topology.Inputs {
		if in.Internal == nil {
			continue
		}
		offsets := map[int32]int64{}
		for _, t := range q.tasks {
			done := t.doneOffsets()
			for _, qu := range t.queues {
				if qu.tp.topic != in.InternalTopic {
					continue
				}
				if o, ok := done[qu.name]; ok {
					offsets[qu.tp.partition] = o
				}
			}
		}
		if len(offsets) == 0 {
			continue
		}
		if err := d.DeleteRecordsBefore(ctx, in.InternalTopic, offsets); err != nil {
			q.opts.Logf("query %s: purge %s: %v", q.Topology.ID, in.InternalTopic, err)
		}
	}
}

// flushOutputs writes the outputs that are not cached (stream results,
// joins) between commits, so deferring a commit does not delay them.
// They are written again if the query restarts from the last commit:
// at-least-once, as before any commit.
func (q *Query) flushOutputs(ctx context.Context) error {
	if err := q.landStream(); err != nil {
		return err
	}
	parts := q.parts[:0]
	for _, t := range q.tasks {
		if len(t.pending) > 0 {
			parts = append(parts, t.pending)
		}
	}
	var err error
	if len(parts) > 0 {
		err = q.produce(ctx, parts...)
	}
	q.clearPending(parts)
	if err != nil {
		q.recycle(false)
		return fmt.Errorf("query %s: produce: %w", q.Topology.ID, err)
	}
	q.recycle(true)
	return nil
}

// clearPending empties the tasks' outputs arrays, keeping them, once
// parts (which holds them) is written or failed.
func (q *Query) clearPending(parts [][]kafka.Record) {
	for _, t := range q.tasks {
		clear(t.pending)
		t.pending = t.pending[:0]
	}
	clear(parts)
	q.parts = parts[:0]
}

// landStream writes the outputs handed over during the batch, with the
// tasks' last ones when the batch streams (so that they share its last
// produce requests), and waits for them: they go before anything else
// it writes.
func (q *Query) landStream() error {
	// The counters first: whoever sees an output sees the records that
	// made it counted.
	for _, t := range q.tasks {
		if q.stream != nil && q.stream.on && len(t.pending) > 0 {
			q.stream.send(t) // publishes t's counters
		} else {
			t.publishStats()
		}
	}
	if err := q.stream.land(); err != nil {
		q.recycle(false)
		return fmt.Errorf("query %s: produce: %w", q.Topology.ID, err)
	}
	return nil
}

// recycle tells every task that the outputs of what it processed were
// written (produced) or not: the records passed to the cluster's Produce
// are its own no longer once it returned (see kafka.Cluster).
func (q *Query) recycle(produced bool) {
	for _, t := range q.tasks {
		t.recycle(produced)
	}
}

// maxKeptFlush bounds the records array kept for the next batch
// (outputs and changelog entries of a commit: a few fetches' worth).
const maxKeptFlush = 1 << 15

// flush writes every task's outputs and changelog entries through
// produce, then the changelog markers that commit them. It returns the
// writes of the local stores, to apply once the records are committed.
func (q *Query) flush(ctx context.Context, produce func(context.Context, ...[]kafka.Record) error) (apply func() error, err error) {
	nothing := func() error { return nil }
	out := q.outs[:0] // the changelog entries
	parts := q.parts[:0]
	defer func() {
		q.clearPending(parts)
		q.keepOuts(&out)
	}()
	type written struct {
		t       *Task
		entries [][]change
	}
	var logged []written
	// The changes first, so that the entries' array is sized once: a
	// commit of a cached aggregate can carry 100k of them, which
	// growing by doubling copied and cleared several times over.
	tasks := slices.Sorted(maps.Keys(q.tasks))
	total := 0
	for _, p := range tasks {
		t := q.tasks[p]
		if len(t.pending) > 0 {
			parts = append(parts, t.pending)
		}
		if len(t.stores) == 0 {
			continue
		}
		entries, n, err := t.collectChanges()
		if err != nil {
			return nil, fmt.Errorf("query %s: task %d: %w", q.Topology.ID, p, err)
		}
		if n > 0 {
			logged = append(logged, written{t, entries})
			total += n
		}
	}
	out = slices.Grow(out, total)
	for _, w := range logged {
		// Every entry of the batch carries the same sequence header: one
		// slice for all of them, which nothing changes.
		seq := []kafka.Header{{Key: headerSeq, Value: seqHeader(w.t.seq)}}
		for i, st := range w.t.stores {
			for _, c := range w.entries[i] {
				out = append(out, kafka.Record{Topic: st.topic, Partition: w.t.partition, Key: c.key, Value: c.value, Headers: seq})
			}
		}
	}
	if len(out) > 0 {
		parts = append(parts, out)
	}
	if len(parts) > 0 {
		if err := produce(ctx, parts...); err != nil {
			return nil, fmt.Errorf("query %s: produce: %w", q.Topology.ID, err)
		}
	}
	if len(logged) == 0 {
		return nothing, nil
	}
	// The markers go only after every entry of the batch is acknowledged.
	var markers []kafka.Record
	for _, w := range logged {
		m := marker{seq: w.t.seq, offsets: maps.Clone(w.t.doneOffsets())}
		for _, st := range w.t.stores {
			markers = append(markers, kafka.Record{Topic: st.topic, Partition: w.t.partition, Key: markerKey, Value: m.encode(),
				Headers: []kafka.Header{{Key: headerMarker, Value: []byte{1}}}})
		}
	}
	if err := produce(ctx, markers); err != nil {
		return nil, fmt.Errorf("query %s: changelog markers: %w", q.Topology.ID, err)
	}
	return func() error {
		i := 0
		for _, w := range logged {
			for si, st := range w.t.stores {
				if err := st.writeLocal(w.entries[si], markers[i].Offset); err != nil {
					return fmt.Errorf("query %s: local store %s/%d: %w", q.Topology.ID, st.name, w.t.partition, err)
				}
				st.logEnd = markers[i].Offset + 1
				i++
			}
			w.t.seq++
		}
		return nil
	}, nil
}

// keepOuts keeps *out, cleared so that it pins no record's bytes, for
// the next batch's records, unless it is too large to hold on to.
func (q *Query) keepOuts(out *[]kafka.Record) {
	if cap(*out) > maxKeptFlush {
		q.outs = nil
		return
	}
	clear(*out)
	q.outs = (*out)[:0]
}

// taskOf maps an input partition to its task: the task of the same
// number, or task 0 for a topology that must see every partition (a
// foreign-key join looks up right rows of any key).
func (q *Query) taskOf(partition int32) int32 {
	// A synchronous cluster plays records in production order, as Kafka
	// Streams' test driver does, through one task.
	if q.single {
		return 0
	}
	return partition
}

// task returns the task of a partition, creating and restoring it first.
func (q *Query) task(ctx context.Context, partition int32) (*Task, error) {
	partition = q.taskOf(partition)
	if t := q.tasks[partition]; t != nil {
		return t, nil
	}
	if t := q.parked[partition]; t != nil {
		delete(q.parked, partition)
		why, err := q.reusable(ctx, t)
		if err == nil && why == "" {
			q.resume(ctx, t)
			q.opts.Logf("query %s: task %d kept its state across the rebalance", q.Topology.ID, partition)
			q.tasks[partition] = t
			return t, nil
		}
		if err != nil {
			why = err.Error()
		}
		q.opts.Logf("query %s: task %d is restored again: %s", q.Topology.ID, partition, why)
		q.closeTask(t)
	}
	t := newTask(q.Topology, q.opts.Log, q.stats.open(partition), partition)
	t.provenance = !q.synchronous && !q.Topology.NoCommit && q.Topology.Group != ""
	t.gate = q.gate
	t.stream = q.stream
	if !q.Topology.NoCommit && q.Topology.Group != "" && len(t.inst.states) > 0 {
		if err := q.restore(ctx, t); err != nil {
			q.closeTask(t)
			return nil, fmt.Errorf("query %s: restore task %d: %w", q.Topology.ID, partition, err)
		}
	}
	// A synchronous cluster's task needs its inputs' ends only to see a
	// topic made again since its restored state read it.
	if !q.synchronous || len(t.skipBelow) > 0 {
		if err := q.readPositions(ctx, t); err != nil {
			q.opts.Logf("query %s: task %d: reading input positions: %v", q.Topology.ID, partition, err)
		}
	}
	q.tasks[partition] = t
	return t, nil
}

// readPositions reads where a new task's inputs end and stand.
func (q *Query) readPositions(ctx context.Context, t *Task) error {
	ends, err := q.inputEnds(ctx)
	q.forgetRecreated(t, ends)
	if !q.synchronous {
		err = errors.Join(err, q.positions(ctx, t, ends))
	}
	return err
}

// assign notes newly assigned partitions whose tasks the next batch
// creates.
func (q *Query) assign(_ string, partitions []int32) {
	q.assignMu.Lock()
	defer q.assignMu.Unlock()
	if q.assigned == nil {
		q.assigned = map[int32]bool{}
	}
	for _, p := range partitions {
		q.assigned[q.taskOf(p)] = true
	}
}

// createAssigned creates the tasks of the partitions assigned since the
// last batch, restoring their state.
func (q *Query) createAssigned(ctx context.Context) error {
	q.assignMu.Lock()
	parts := slices.Sorted(maps.Keys(q.assigned))
	clear(q.assigned)
	q.assignMu.Unlock()
	for _, p := range parts {
		if _, err := q.task(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// inputEnds lists where each input topic's readable data ends (its
// last stable offsets: an open transaction's records cannot be read yet).
// A topic it could not list is left out.
func (q *Query) inputEnds(ctx context.Context) (map[string]map[int32]int64, error) {
	ends := map[string]map[int32]int64{}
	var errs []error
	for _, in := range q.Topology.Inputs {
		e, err := kafka.StableEndOffsets(ctx, q.cluster, in.Topic())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ends[in.Topic()] = e
	}
	return ends, errors.Join(errs...)
}

// forgetRecreated drops what a new task's restored state says it read
// of an input partition that now ends below that: offsets never go back
// in one partition's life, so the topic was deleted and made again (a
// CREATE OR REPLACE makes its repartition topics again; a broker may
// have lost one), and what it holds now is new to the state.
func (q *Query) forgetRecreated(t *Task, ends map[string]map[int32]int64) {
	for topic, parts := range ends {
		for p, end := range parts {
			if q.taskOf(p) != t.partition {
				continue
			}
			qu := t.queue(topic, p)
			if below, ok := t.skipBelow[qu.name]; ok && end < below {
				q.opts.Logf("query %s: task %d: %s partition %d ends at offset %d, below the %d its restored state has read; the topic was recreated, so its records are processed as new",
					q.Topology.ID, t.partition, topic, p, end, below)
				delete(t.skipBelow, qu.name)
				forgetTaken(t.done, t.inputIndex[topic])
			}
		}
	}
}

// positions tells a new task where each input starts and ends, so it
// knows which inputs still have data to wait for, and where the table
// sides of stream-table joins end.
func (q *Query) positions(ctx context.Context, t *Task, inputEnds map[string]map[int32]int64) error {
	tables := map[string]bool{}
	for _, topic := range q.Topology.tableInputs() {
		tables[topic] = true
	}
	var errs []error
	for _, in := range q.Topology.Inputs {
		topic := in.Topic()
		ends, ok := inputEnds[topic]
		if !ok {
			continue
		}
		committed := map[int32]int64{}
		if !q.Topology.NoCommit {
			var err error
			if committed, err = q.cluster.GroupOffsets(ctx, q.Topology.Group, topic); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		for p, end := range ends {
			if q.taskOf(p) != t.partition {
				continue
			}
			qu := t.queue(topic, p)
			start := end
			if c, ok := committed[p]; ok && c <= end {
				start = c
			} else if q.Topology.Reset == kafka.Earliest || tables[topic] {
				start = 0
			}
			if qu.next < 0 {
				qu.next = start
			}
			qu.end = max(qu.end, end)
			if tables[topic] && (in.streamTableSide() || q.Topology.feedsTableSide(in) != "") {
				qu.bootstrapTo = end
			}
			if g := q.gate; g != nil && g.open && g.fed[topic] {
				g.bootstrap(qu, g.ends[topic][p])
			}
		}
	}
	return errors.Join(errs...)
}

func (q *Query) held(topic string, partition int32) (int64, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := q.tasks[q.taskOf(partition)]; t != nil {
		return t.held(topic, partition)
	}
	return -1, 0
}

// nextTick is how long the next poll may wait for records before the
// handler runs anyway: tick while anything waits on time (records held
// for a lagging input, a bootstrap, the feed gate, output or offsets not
// yet committed), quietTick otherwise. (The subscription ends a wait
// itself when partitions are assigned.)
func (q *Query) nextTick() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.gate != nil && !q.gate.open {
		return tick
	}
	for _, t := range q.tasks {
		if !t.quiet() {
			return tick
		}
	}
	return quietTick
}

// inputEnd records where an input partition's readable data ends, as a
// fetch reported it.
func (q *Query) inputEnd(topic string, partition int32, end int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := q.tasks[q.taskOf(partition)]; t != nil {
		if qu := t.byTP[tp{topic, partition}]; qu != nil {
			qu.end = max(qu.end, end)
			qu.answers++
		}
	}
}

// closeTask closes a task's stores and moves its counts to the query's
// totals.
func (q *Query) closeTask(t *Task) {
	t.close()
	q.stats.retire(t.partition, t.stats)
}

// marker moves an input past a transaction marker: the records before
// it were delivered, so a task that drained them does not wait for data
// the marker's offset seemed to promise.
func (q *Query) marker(topic string, partition int32, next int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := q.tasks[q.taskOf(partition)]; t != nil {
		if qu := t.byTP[tp{topic, partition}]; qu != nil && qu.next >= 0 {
			qu.next = max(qu.next, next)
		}
	}
}

// revoke takes the tasks of partitions away, as a rebalance does: their
// state is restored from the changelogs by whoever owns them next. A
// task whose state is all committed is parked rather than closed, in
// case the rebalance gives its partitions back (see task).
func (q *Query) revoke(topic string, partitions []int32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.assignMu.Lock()
	for _, p := range partitions {
		delete(q.assigned, q.taskOf(p))
	}
	q.assignMu.Unlock()
	for _, p := range partitions {
		p = q.taskOf(p)
		t := q.tasks[p]
		if t == nil {
			continue
		}
		delete(q.tasks, p)
		if q.keepable(t) {
			if q.parked == nil {
				q.parked = map[int32]*Task{}
			}
			q.parked[p] = t
			continue
		}
		q.closeTask(t)
	}
}

// keepable says whether a task taken away may be kept for its partition
// number coming back: a task of a persistent query with state (a
// stateless one costs nothing to make again), running one partition
// number, whose every processed record is committed: no output,
// state change or cached row waits for a commit. Its state is then
// what its changelogs and its group's offsets say, as of its last
// commit.
func (q *Query) keepable(t *Task) bool {
	return !q.synchronous && !q.single && !q.stopping && !q.Topology.NoCommit && q.Topology.Group != "" &&
		q.failedAt.Load() == 0 && len(t.stores) > 0 && t.failed == nil && !t.stop &&
		len(t.pending) == 0 && len(t.uncommitted) == 0 && t.cacheBytes() == 0
}

// commitBeforeRevoke commits what a query deferring its commits holds
// back when a rebalance starts: the subscription then commits the
// offsets of everything processed, and the tasks are clean to keep.
func (q *Query) commitBeforeRevoke() {
	q.mu.Lock()
	defer q.mu.Unlock()
	// A query that failed holds state of a batch that never committed
	// (as Stop, it does not commit it).
	if !q.deferring || q.stopping || q.failedAt.Load() != 0 || q.failedTask() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), revokeCommitTimeout)
	defer cancel()
	if err := q.commit(ctx); err != nil {
		// The tasks hold uncommitted work: closed, not kept, and redone
		// from the last commit by whoever owns them next.
		q.opts.Logf("query %s: commit before a rebalance: %v", q.Topology.ID, err)
	}
}

// revokeCommitTimeout bounds commitBeforeRevoke, which holds up the
// group's rebalance.
const revokeCommitTimeout = 10 * time.Second

// assignedAll closes the parked tasks that the rebalance now complete
// did not give back.
func (q *Query) assignedAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.assignMu.Lock()
	defer q.assignMu.Unlock()
	for p, t := range q.parked {
		if !q.assigned[p] {
			q.closeTask(t)
			delete(q.parked, p)
		}
	}
}

// reusable says why a parked task given back must be restored after
// all ("" when it need not): its state must still be the group's. Its
// changelogs must end where it left them, but for transaction markers
// (no one else wrote state for its partition number since), and the
// group's committed offsets of its inputs must not be behind what it
// processed (it committed all of it). An offset ahead was committed by
// another member that processed records without changing the state
// (its changes would be in the changelogs), or passes transaction
// markers: the task goes on from there.
func (q *Query) reusable(ctx context.Context, t *Task) (string, error) {
	for _, st := range t.stores {
		if st.logEnd < 0 {
			return fmt.Sprintf("where changelog %s ends is unknown", st.topic), nil
		}
		ends, err := q.cluster.EndOffsets(ctx, st.topic)
		if err != nil {
			return "", fmt.Errorf("changelog %s: %w", st.topic, err)
		}
		end, ok := ends[t.partition]
		switch {
		case !ok || end < st.logEnd:
			return fmt.Sprintf("changelog %s/%d ends at %d, before the %d the task wrote", st.topic, t.partition, end, st.logEnd), nil
		case end == st.logEnd:
			continue
		}
		stable, err := kafka.StableEndOffsets(ctx, q.cluster, st.topic)
		if err != nil {
			return "", fmt.Errorf("changelog %s: %w", st.topic, err)
		}
		if stable[t.partition] != end {
			return fmt.Sprintf("changelog %s/%d has an open transaction", st.topic, t.partition), nil
		}
		written := false
		if _, err := q.cluster.ReadPartitions(ctx, st.topic, map[int32]int64{t.partition: st.logEnd}, func(kafka.Record) error {
			written = true
			return errWrittenSince
		}); err != nil && !errors.Is(err, errWrittenSince) {
			return "", fmt.Errorf("changelog %s: %w", st.topic, err)
		}
		if written {
			return fmt.Sprintf("changelog %s/%d was written since offset %d", st.topic, t.partition, st.logEnd), nil
		}
	}
	done := t.doneOffsets()
	committed := map[string]map[int32]int64{}
	for _, qu := range t.queues {
		d, ok := done[qu.name]
		if !ok || d <= 0 {
			continue
		}
		c, seen := committed[qu.topic]
		if !seen {
			var err error
			if c, err = q.cluster.GroupOffsets(ctx, q.Topology.Group, qu.topic); err != nil {
				return "", err
			}
			committed[qu.topic] = c
		}
		if o, ok := c[qu.partition]; !ok || o < d {
			return fmt.Sprintf("the group committed %s/%d up to %d, not the %d the task processed", qu.topic, qu.partition, o, d), nil
		}
	}
	return "", nil
}

// errWrittenSince ends reusable's read of a changelog at its first record.
var errWrittenSince = errors.New("changelog written since")

// resume readies a parked task given back for its partitions' records,
// which the subscription delivers again from the committed offsets: what
// it had buffered goes, and its inputs' positions are read anew.
func (q *Query) resume(ctx context.Context, t *Task) {
	for _, qu := range t.queues {
		clear(qu.buf)
		qu.buf, qu.borrowed = qu.buf[:0], 0
		qu.next, qu.end, qu.bootstrapTo = -1, -1, -1
		qu.waitingSince = time.Time{}
	}
	t.cur, t.yielded = nil, false
	if err := q.readPositions(ctx, t); err != nil {
		q.opts.Logf("query %s: task %d: reading input positions: %v", q.Topology.ID, t.partition, err)
	}
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

// State is RUNNING, PAUSED or ERROR, as ksqlDB reports it.
func (q *Query) State() string {
	switch {
	case q.Err() != nil:
		return "ERROR"
	case q.paused.Load():
		return "PAUSED"
	}
	return "RUNNING"
}

// Pause stops the query reading its inputs (PAUSE): it keeps its
// partitions, state and place in its group, finishes the batch in hand
// and commits as usual, and reads on from there at Resume. It reports
// false when the cluster's subscriptions cannot pause.
func (q *Query) Pause() bool {
	p, ok := q.sub.(kafka.Pauser)
	if ok {
		q.paused.Store(true)
		p.Pause()
	}
	return ok
}

// Resume reads the inputs again after Pause.
func (q *Query) Resume() {
	if p, ok := q.sub.(kafka.Pauser); ok {
		q.paused.Store(false)
		p.Resume()
	}
}

// ResetPosition says where the query reads a partition of topic from
// while its group has no committed offset for it, when that is not the
// log's start (see kafka.ResetPositioner).
func (q *Query) ResetPosition(topic string, partition int32) (int64, bool) {
	if r, ok := q.sub.(kafka.ResetPositioner); ok {
		return r.ResetPosition(topic, partition)
	}
	return 0, false
}

// LatestAt returns where, under Latest, the query's partitions without
// a committed offset start: the end offsets listed when it started. A
// query started again after a failure is given them (Options.LatestAt),
// so it reads what arrived before its first commit.
func (q *Query) LatestAt() map[string]map[int32]int64 {
	if r, ok := q.sub.(kafka.ResetPositioner); ok {
		return r.LatestAt()
	}
	return nil
}

// Paused reports whether the query is paused.
func (q *Query) Paused() bool { return q.paused.Load() }

// Tasks lists the partitions this query runs tasks for.
func (q *Query) Tasks() []int32 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Sorted(maps.Keys(q.tasks))
}

// DescribeRuntime says how the query runs here: its tasks, its state
// stores with their changelog topics, and what restores read (EXPLAIN).
func (q *Query) DescribeRuntime() string {
	var b strings.Builder
	tasks := q.Tasks()
	parts := make([]string, len(tasks))
	for i, p := range tasks {
		parts[i] = fmt.Sprint(p)
	}
	mode := "one per input partition"
	if q.single {
		mode = "one task for every partition"
	}
	fmt.Fprintf(&b, "Tasks: [%s] (%s)\n", strings.Join(parts, ", "), mode)
	if stores := q.Topology.Stores(); len(stores) > 0 {
		b.WriteString("State stores:\n")
		for _, s := range stores {
			if q.Topology.NoCommit || q.Topology.Group == "" {
				fmt.Fprintf(&b, "   %s (in memory, no changelog)\n", s)
			} else {
				fmt.Fprintf(&b, "   %s -> changelog %s\n", s, ChangelogTopic(q.Topology.Group, s))
			}
		}
		c := q.Counts()
		fmt.Fprintf(&b, "Restored: %d changelog records; %d input records re-read and dropped", c.Restored, c.Reread)
		if c.Late > 0 {
			fmt.Fprintf(&b, "\nLate records dropped: %d (%s)", c.Late, q.Topology.lateWhy(true))
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Stop closes the subscription, committing processed offsets, and
// closes the tasks' local stores.
func (q *Query) Stop() error {
	q.stopMu.Lock()
	defer q.stopMu.Unlock()
	if q.sub == nil {
		return nil
	}
	// A query that failed holds state of a batch that never committed:
	// its restart starts from the last commit instead. (Err locks the
	// subscription, whose poll locks q.mu: asked before q.mu is taken.)
	failed := q.Err() != nil
	// Commit what deferred commits hold back, so the subscription's
	// final commit covers every record processed.
	q.mu.Lock()
	q.stopping = true
	var cerr error
	if q.deferring && !failed {
		cerr = q.commit(context.Background())
	}
	q.mu.Unlock()
	if cerr != nil {
		q.opts.Logf("query %s: final commit: %v", q.Topology.ID, cerr)
	}
	err := q.sub.Close()
	if errors.Is(err, errSinkDone) {
		err = nil
	}
	q.mu.Lock()
	q.stream.close() // no batch is handled any more
	for p, t := range q.tasks {
		q.closeTask(t)
		delete(q.tasks, p)
	}
	for p, t := range q.parked {
		q.closeTask(t)
		delete(q.parked, p)
	}
	q.mu.Unlock()
	return err
}

// releaseIdle lets go of the arrays the query keeps from one batch to the
// next (outputs, changelog entries and the last commit's copies of them),
// sized by its largest batches: its subscription calls it, between
// batches, once no records have come for a while. A server of many
// queries that caught up on a backlog kept megabytes a query for good.
// Arrays still holding something (outputs a deferred commit holds back)
// are kept.
func (q *Query) releaseIdle() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopping {
		return
	}
	for _, t := range q.tasks {
		t.releaseIdle()
	}
	if len(q.outs) == 0 {
		q.outs = nil
	}
	if len(q.parts) == 0 {
		q.parts = nil
	}
	q.stream.releaseIdle()
}

// Once runs a topology as one task on the calling goroutine over records
// handed to it batch by batch (a pull query that streams its source
// rather than holding it whole).
type Once struct{ tk *Task }

// NewOnce starts a topology's task for Process.
func NewOnce(topo *Topology, log *ProcessingLog) *Once {
	return &Once{tk: newTask(topo, log, newTaskStats(), 0)}
}

// Process runs recs through the topology in order; it returns false,
// having left the rest, once the sink wants no more rows (a LIMIT
// reached, a client gone).
func (o *Once) Process(recs []kafka.Record) bool {
	for i := range recs {
		if o.tk.stop {
			return false
		}
		o.tk.process(&recs[i])
	}
	return !o.tk.stop
}

// EmitEmptyAggregates hands on, for each aggregate that folds every row
// into one group (no GROUP BY, no window) and saw no row, its result
// over no rows (COUNT 0), as a SQL aggregate over an empty table
// answers. A pull query calls it once its source is read.
func (o *Once) EmitEmptyAggregates() {
	for _, s := range o.tk.inst.states {
		if a, ok := s.(*Aggregate); ok && len(a.Keys) == 0 && a.Window == nil {
			a.emitEmpty(o.tk)
		}
	}
}

// singleTask reports whether the topology must run as one task over all
// partitions: a foreign-key join matches left rows with right rows of
// any key, which live in other partitions.
func (t *Topology) singleTask() bool {
	// A transient query has one consumer, its client: one task sees the
	// whole input, so its aggregates group across partitions.
	if t.SingleTask || t.NoCommit {
		return true
	}
	for _, in := range t.Inputs {
		if j, ok := in.firstJoin(); ok && j.FK != nil {
			return true
		}
	}
	return false
}

// CoPartitionSource is the source topic whose partitioning the query's
// internal topics must follow: the first source read directly (not
// through a repartition) by a join, else the first source.
func (t *Topology) CoPartitionSource() string {
	first := ""
	for _, in := range t.Inputs {
		if in.Source == nil {
			continue
		}
		if first == "" {
			first = in.Topic()
		}
		if _, ok := in.firstJoin(); ok {
			return in.Topic()
		}
	}
	return first
}

// tableInputs lists the topics of the topology's table sources that feed
// a join: they are read whole when the query has no offsets for them.
func (t *Topology) tableInputs() []string {
	var out []string
	for _, in := range t.Inputs {
		if in.Source != nil && in.Source.IsTable && (in.joins() || t.feedsTableSide(in) != "") {
			out = append(out, in.Topic())
		}
	}
	return out
}

// feedsTableSide names the repartition topic through which a source
// input becomes the table side of a stream-table join (a table keyed in
// another format than the join's), or "".
func (t *Topology) feedsTableSide(in *Input) string {
	if in.Internal != nil {
		return ""
	}
	topic := ""
	walkChain(in.Next, func(op Op) bool {
		r, ok := op.(*Repartition)
		if !ok {
			return true
		}
		for _, x := range t.Inputs {
			if x.Internal != nil && x.InternalTopic == r.Topic && x.tableSideOfStreamJoin() {
				topic = r.Topic
			}
		}
		return false
	})
	return topic
}

// joins reports whether the input's chain reaches a join.
func (in *Input) joins() bool {
	_, ok := in.firstJoin()
	return ok
}

// aggregatesByKey reports whether the input's rows reach an aggregation
// with their source key: no rekeying (which repartitions) or join before
// it.
func (in *Input) aggregatesByKey() (found bool) {
	walkChain(in.head(), func(op Op) bool {
		switch op.(type) {
		case *Aggregate:
			found = true
			return false
		case *Rekey, *JoinLeft, *JoinRight:
			return false
		}
		return true
	})
	return found
}

// streamTableSide reports whether the input is the table side of a
// stream-table join.
func (in *Input) streamTableSide() bool {
	j, ok := in.firstJoin()
	return ok && j.LeftTable != j.RightTable
}

// tableSideOfStreamJoin reports whether the input enters a stream-table
// join on its table side.
func (in *Input) tableSideOfStreamJoin() bool {
	j, left, ok := in.firstJoinSide()
	if !ok {
		return false
	}
	if left {
		return j.LeftTable && !j.RightTable
	}
	return j.RightTable && !j.LeftTable
}

func (in *Input) firstJoin() (*JoinSpec, bool) {
	j, _, ok := in.firstJoinSide()
	return j, ok
}

// firstJoinSide finds the first join the input's rows reach along its
// operator chain, and whether they enter it on the left.
func (in *Input) firstJoinSide() (j *JoinSpec, left, ok bool) {
	walkChain(in.head(), func(op Op) bool {
		switch v := op.(type) {
		case *JoinLeft:
			j, left, ok = v.J, true, true
		case *JoinRight:
			j, left, ok = v.J, false, true
		}
		return !ok
	})
	return j, left, ok
}
