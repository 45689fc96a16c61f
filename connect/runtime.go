package connect

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// Connector and task states, as Kafka Connect reports them.
const (
	StateRunning    = "RUNNING"
	StatePaused     = "PAUSED"
	StateFailed     = "FAILED"
	StateUnassigned = "UNASSIGNED"
	// StateStopped is Kafka Connect's STOPPED (3.5+): no tasks run and
	// none are listed, the configuration stays, and only then may the
	// connector's offsets be reset or altered.
	StateStopped = "STOPPED"
)

// RuntimeOptions configure a Runtime.
type RuntimeOptions struct {
	Cluster kafka.Cluster
	Plugins *Registry
	// ServiceID prefixes the offsets topic (<service-id>connect-offsets).
	ServiceID string
	// SchemaRegistry serves the Schema-Registry converters; SchemaRegistryURL
	// is its address when it is served over HTTP, so a converter whose
	// schema.registry.url names it uses it in-process.
	SchemaRegistry    serde.Registry
	SchemaRegistryURL string
	// WorkerID names this server in statuses (host:port of its API).
	WorkerID string
	Logf     func(format string, args ...any)
	// OnRecordError, when set, is told of every record skipped under
	// errors.tolerance=all (the engine writes them to its processing log).
	OnRecordError func(RecordFailure)
	// MinBackoff and MaxBackoff bound the wait before a failed task or a
	// failed write is retried (defaults 1s and 60s; a connector's
	// errors.retry.delay.max.ms lowers the maximum).
	MinBackoff, MaxBackoff time.Duration
	// StopTimeout bounds how long stopping a connector waits for its
	// tasks (default 5s, Kafka Connect's task.shutdown.graceful.timeout.ms).
	StopTimeout time.Duration
}

// RecordFailure describes one record a connector skipped.
type RecordFailure struct {
	Connector string
	Stage     string // KEY_CONVERTER, VALUE_CONVERTER, TRANSFORMATION, TASK_PUT, …
	Class     string
	Topic     string // sinks: where the record was read; empty for sources
	Partition int32
	Offset    int64
	Err       error
}

// Runtime runs connectors: it owns every task goroutine and stops them on
// Stop or Close.
type Runtime struct {
	opts    RuntimeOptions
	offsets *offsetStore

	mu    sync.Mutex
	conns map[string]*connector
}

// NewRuntime returns a runtime with no connectors running.
func NewRuntime(opts RuntimeOptions) (*Runtime, error) {
	if opts.Cluster == nil || opts.Plugins == nil {
		return nil, errors.New("connect: a runtime needs a cluster and a plugin registry")
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 5 * time.Second
	}
	if opts.WorkerID == "" {
		opts.WorkerID = "eddy"
	}
	return &Runtime{
		opts:    opts,
		offsets: &offsetStore{cluster: opts.Cluster, topic: OffsetsTopic(opts.ServiceID)},
		conns:   map[string]*connector{},
	}, nil
}

// Plugins returns the runtime's plugin registry.
func (r *Runtime) Plugins() *Registry { return r.opts.Plugins }

// OffsetsTopic is the compacted topic holding source offsets.
func OffsetsTopic(serviceID string) string { return serviceID + "connect-offsets" }

// connector is one running connector and its tasks.
type connector struct {
	name   string
	plugin *Plugin
	cfg    Config
	paused bool
	// stopped is paused with the tasks gone (STOPPED); paused is set too.
	stopped bool
	tasks   []*task
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	topicsMu sync.Mutex
	written  map[string]bool // topics a source has written to

	firstOnce  sync.Once
	firstBatch chan struct{} // closed once a source wrote its first records or a task failed
}

func (c *connector) firstDone() { c.firstOnce.Do(func() { close(c.firstBatch) }) }

// WaitStarted waits until a source connector has written its first
// records (so its topic and schema exist for the statements that
// follow), a task failed, or timeout passed. Sinks return at once.
func (r *Runtime) WaitStarted(ctx context.Context, name string, timeout time.Duration) {
	r.mu.Lock()
	c, ok := r.conns[name]
	r.mu.Unlock()
	if !ok || c.plugin.Kind != Source || c.paused {
		return
	}
	tm := time.NewTimer(timeout)
	defer tm.Stop()
	select {
	case <-c.firstBatch:
	case <-tm.C:
	case <-ctx.Done():
	}
}

// task is one supervised task's status.
type task struct {
	id int
	// records counts records a sink wrote to its target or a source to
	// Kafka, failed records that failed (tolerated or not); read by
	// metrics scrapes, written once per batch.
	records, failed atomic.Int64
	// inBatch: a sink task has a batch in hand (a run stuck in one has
	// not shown it recovered by running a while).
	inBatch atomic.Bool

	mu        sync.Mutex
	state     string
	trace     string
	errorTime time.Time
	progress  string
	restarts  int
	// lastErrorTime stays when a recovery clears trace, as Kafka
	// Connect's task-error-metrics keep last-error-timestamp.
	lastErrorTime time.Time
	// failure is the error of the last run when the task failed and has
	// not written since; restarted tells when its restart began.
	failure   error
	restarted time.Time
	// healthy is how long a restarted task runs without failing, with no
	// batch in hand, before it counts as recovered though it wrote
	// nothing (an idle sink); the backoff starts over after as long.
	healthy time.Duration
}

// setError records err as the task's error; t.mu is held.
func (t *task) setError(err error) {
	t.trace = err.Error()
	t.errorTime = time.Now()
	t.lastErrorTime = t.errorTime
}

// fail records a run of the task that failed with err, to be
// restarted after wait: FAILED, as Kafka Connect shows a task that
// failed, until a later run writes again (see recoveredFrom).
func (t *task) fail(err error, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state = StateFailed
	t.setError(fmt.Errorf("%w (restarting in %v)", err, wait))
	t.failure, t.restarted = err, time.Time{}
	t.restarts++
}

// started marks a run of the task that started: RUNNING, unless an
// earlier run failed and no run has written since. A restart alone does
// not show the task RUNNING: one that fails on the same record or
// refusal each time would show FAILED and RUNNING in turn; it stays
// FAILED, its trace saying it was restarted, until it writes (or runs
// for t.healthy without failing, no batch in hand).
func (t *task) started() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failure == nil {
		t.state, t.trace, t.errorTime = StateRunning, "", time.Time{}
		return
	}
	t.state = StateFailed
	t.restarted = time.Now()
	t.trace = fmt.Sprintf("%v (restart %d running since %s; FAILED until it writes again)", t.failure, t.restarts, t.restarted.UTC().Format(time.TimeOnly))
}

// retrying shows err, a failed write the task retries while it runs.
// A task restarted after a failure stays FAILED (see started); the
// error is the retry's.
func (t *task) retrying(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failure == nil {
		t.state = StateRunning
	}
	t.setError(err)
}

// recoveredFrom clears the error of a task once it writes again, and
// reports the error it cleared: a status that still showed a target's
// outage after the target came back would send its reader looking for
// a fault that is gone. A task restarted after a failure is RUNNING
// again. (A task that keeps failing never gets here, so its error
// stays.)
func (t *task) recoveredFrom() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	last := t.trace
	t.recoveredLocked()
	return last, last != "" && t.trace == ""
}

func (t *task) recoveredLocked() {
	if t.failure != nil && t.state == StateFailed && !t.restarted.IsZero() {
		t.state, t.failure, t.restarted = StateRunning, nil, time.Time{}
	}
	if t.state == StateRunning && t.trace != "" {
		t.trace = ""
		t.errorTime = time.Time{}
	}
}

// Has reports whether a connector of that name runs here.
func (r *Runtime) Has(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.conns[name]
	return ok
}

// Start runs a validated connector. A task that cannot start (its plugin
// fails to build or start it) is retried with backoff, FAILED with the
// reason meanwhile, so that DESCRIBE shows why.
func (r *Runtime) Start(name string, p *Plugin, cfg Config, paused bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.conns[name]; ok {
		return fmt.Errorf("connector %s is already running", name)
	}
	c := &connector{name: name, plugin: p, cfg: cfg, paused: paused, firstBatch: make(chan struct{})}
	n := 1
	if p.Kind == Sink {
		n = int(cfg.Int(KeyTasksMax, 1))
		if n < 1 {
			n = 1
		}
	}
	for i := range n {
		c.tasks = append(c.tasks, &task{id: i, state: StateUnassigned})
	}
	r.conns[name] = c
	if !paused {
		r.launch(c)
	}
	return nil
}

// launch starts the task goroutines of c; r.mu is held.
func (r *Runtime) launch(c *connector) {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	for _, t := range c.tasks {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			r.supervise(ctx, c, t)
		}()
	}
}

// halt stops the task goroutines of c and waits for them, at most
// StopTimeout: a task blocked in a call that ignores its context (a write
// to a pipe nobody reads, a driver without deadlines) is left to end when
// that call returns, as Kafka Connect gives up on a task that does not
// stop within task.shutdown.graceful.timeout.ms, so that DROP, PAUSE and
// shutdown, and the engine waiting on them, go on.
func (r *Runtime) halt(c *connector) {
	if c.cancel == nil {
		return
	}
	c.cancel()
	c.cancel = nil
	stopped := make(chan struct{})
	go func() { // ends with the last task
		c.wg.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(r.opts.StopTimeout):
		r.opts.Logf("connector %s: its tasks did not stop within %v; going on without them (each ends when the call it is blocked in returns)", c.name, r.opts.StopTimeout)
	}
}

// Stop stops a connector and forgets it (DROP CONNECTOR). Its source
// offsets stay, as in Kafka Connect.
func (r *Runtime) Stop(name string) error {
	r.mu.Lock()
	c, ok := r.conns[name]
	delete(r.conns, name)
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("connector %s does not exist", name)
	}
	r.halt(c)
	return nil
}

// Pause stops a connector's tasks without forgetting it.
func (r *Runtime) Pause(name string) error { return r.park(name, false) }

// StopConnector puts a connector in the STOPPED state: its tasks stop
// and leave its status, its configuration stays, and Resume starts it
// again. (Stop, unlike it, forgets the connector.)
func (r *Runtime) StopConnector(name string) error { return r.park(name, true) }

// park stops a connector's tasks, leaving it PAUSED or STOPPED.
func (r *Runtime) park(name string, stopped bool) error {
	r.mu.Lock()
	c, ok := r.conns[name]
	if ok {
		c.paused, c.stopped = true, stopped
	}
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("connector %s does not exist", name)
	}
	r.halt(c)
	for _, t := range c.tasks {
		// Resumed (a REST restart pauses and resumes), a task starts
		// afresh, RUNNING, as Kafka Connect's restart starts a failed
		// task; eddy's own restarts keep it FAILED (see started).
		t.mu.Lock()
		t.state, t.failure, t.restarted = StatePaused, nil, time.Time{}
		t.mu.Unlock()
	}
	return nil
}

// Resume restarts a paused or stopped connector's tasks.
func (r *Runtime) Resume(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.conns[name]
	if !ok {
		return fmt.Errorf("connector %s does not exist", name)
	}
	if c.paused {
		c.paused, c.stopped = false, false
		r.launch(c)
	}
	return nil
}

// Close stops every connector.
func (r *Runtime) Close() error {
	r.mu.Lock()
	conns := r.conns
	r.conns = map[string]*connector{}
	r.mu.Unlock()
	for _, c := range conns {
		r.halt(c)
	}
	return nil
}

// supervise runs one task until ctx ends, restarting it with exponential
// backoff after each failure.
func (r *Runtime) supervise(ctx context.Context, c *connector, t *task) {
	maxWait := r.opts.MaxBackoff
	if ms := c.cfg.Int(KeyRetryDelayMax, 0); ms > 0 && time.Duration(ms)*time.Millisecond < maxWait {
		maxWait = time.Duration(ms) * time.Millisecond
	}
	t.mu.Lock()
	t.healthy = 2 * maxWait
	t.mu.Unlock()
	failures := 0
	for ctx.Err() == nil {
		started := time.Now()
		err := r.runTask(ctx, c, t)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("task stopped unexpectedly")
		}
		if errors.Is(err, errRestart) {
			failures = 0
			continue
		}
		// A task that ran a good while before failing starts its
		// backoff over.
		if time.Since(started) > 2*maxWait {
			failures = 0
		}
		c.firstDone()
		wait := backoff(r.opts.MinBackoff, maxWait, failures)
		failures++
		// FAILED as Kafka Connect says it, but eddy restarts the task
		// itself: the status says when.
		t.fail(err, wait)
		r.opts.Logf("connector %s task %d failed (restarting in %v): %v", c.name, t.id, wait, err)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// runTask runs t once. A panic in it (a bug some record or setting
// reaches) fails the task, as an exception fails a Kafka Connect task,
// instead of ending the server and every other connector and query.
func (r *Runtime) runTask(ctx context.Context, c *connector, t *task) (err error) {
	defer recoverInto(&err, (&taskContext{r: r, c: c, t: t}).Logf)
	if c.plugin.Kind == Sink {
		return r.runSink(ctx, c, t)
	}
	return r.runSourceLeased(ctx, c, t)
}

// recoverInto, deferred, turns a panic of the deferring function into
// its error *err, and logs the stack.
func recoverInto(err *error, logf func(string, ...any)) {
	if p := recover(); p != nil {
		logf("internal error: %v\n%s", p, debug.Stack())
		*err = fmt.Errorf("internal error: %v", p)
	}
}

// errRestart asks the supervisor to restart a task at once (a sink's
// topics.regex matched a new topic).
var errRestart = errors.New("restart")

func backoff(min, max time.Duration, n int) time.Duration {
	d := min
	for range n {
		d *= 2
		if d >= max {
			return max
		}
	}
	return d
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// taskContext is the TaskContext a running task sees.
type taskContext struct {
	r *Runtime
	c *connector
	t *task
}

func (tc *taskContext) Logf(format string, args ...any) {
	tc.r.opts.Logf("connector "+tc.c.name+" task "+strconv.Itoa(tc.t.id)+": "+format, args...)
}

// Retrying shows a write the task itself retries in the task's status,
// as the runtime shows the writes it retries.
func (tc *taskContext) Retrying(wait time.Duration, err error) {
	tc.t.retrying(fmt.Errorf("retrying in %v: %w", wait, err))
	tc.Logf("write failed, retrying in %v: %v", wait, err)
}

// Written clears a retry's error from the status once one of the task's
// own writes succeeds, before the rest of the batch is done.
func (tc *taskContext) Written() {
	if last, ok := tc.t.recoveredFrom(); ok {
		tc.Logf("writes succeed again (last error: %s)", last)
	}
}

func (tc *taskContext) SetProgress(msg string) {
	tc.t.mu.Lock()
	tc.t.progress = msg
	tc.t.mu.Unlock()
}

// Status is a connector's state as DESCRIBE CONNECTOR shows it.
type Status struct {
	Name     string
	Class    string
	Kind     Kind
	State    string
	Trace    string // why the connector is FAILED (every task failed)
	WorkerID string
	Config   Config
	Tasks    []TaskStatus
	// Topics are those a sink reads or a source has written to.
	Topics []string
	// Lag is a sink's consumer lag per topic partition (records behind
	// the end of each); nil when unknown.
	Lag []PartitionLag
}

// TaskStatus is one task's state.
type TaskStatus struct {
	ID        int
	State     string
	Trace     string    // last error
	ErrorTime time.Time // when it happened
	Progress  string
	Restarts  int
	// LastErrorTime is when the task last had an error, kept when a
	// recovery clears Trace (Kafka Connect's last-error-timestamp).
	LastErrorTime time.Time
	// Records a sink wrote to its target or a source to Kafka, and
	// records that failed (skipped under errors.tolerance=all, or the one
	// that failed the task).
	Records, Failed int64
}

// PartitionLag is a sink's lag on one partition.
type PartitionLag struct {
	Topic     string
	Partition int32
	Committed int64 // -1: nothing committed yet
	End       int64
	Lag       int64
}

// Names lists the running connectors' names, sorted.
func (r *Runtime) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.conns))
	for n := range r.conns {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ResetTopics empties a source connector's set of topics written to
// (Kafka Connect's topics/reset), which fills again as it writes; a
// sink's topics are those it reads, which its configuration names. It
// reports whether the connector exists.
func (r *Runtime) ResetTopics(name string) bool {
	r.mu.Lock()
	c, ok := r.conns[name]
	r.mu.Unlock()
	if ok && c.plugin.Kind == Source {
		c.topicsMu.Lock()
		clear(c.written)
		c.topicsMu.Unlock()
	}
	return ok
}

// Status reports one connector; withLag asks the cluster for a sink's
// consumer lag.
func (r *Runtime) Status(ctx context.Context, name string, withLag bool) (Status, bool) {
	r.mu.Lock()
	c, ok := r.conns[name]
	var paused, stopped bool
	if ok {
		paused, stopped = c.paused, c.stopped
	}
	r.mu.Unlock()
	if !ok {
		return Status{}, false
	}
	st := Status{Name: name, Class: c.plugin.Class, Kind: c.plugin.Kind, WorkerID: r.opts.WorkerID, Config: c.cfg}
	failed := 0
	tasks := c.tasks
	if stopped {
		tasks = nil // a stopped connector has no tasks, as in Kafka Connect
	}
	for _, t := range tasks {
		t.mu.Lock()
		if t.failure != nil && !t.restarted.IsZero() && t.healthy > 0 && time.Since(t.restarted) > t.healthy && !t.inBatch.Load() {
			t.recoveredLocked() // a restart that has run a good while without failing
		}
		ts := TaskStatus{ID: t.id, State: t.state, Trace: t.trace, ErrorTime: t.errorTime, Progress: t.progress, Restarts: t.restarts,
			LastErrorTime: t.lastErrorTime, Records: t.records.Load(), Failed: t.failed.Load()}
		t.mu.Unlock()
		if ts.State == StateFailed {
			failed++
		}
		st.Tasks = append(st.Tasks, ts)
	}
	switch {
	case stopped:
		st.State = StateStopped
	case paused:
		st.State = StatePaused
	case failed == len(c.tasks):
		st.State = StateFailed
		st.Trace = "every task failed; see the tasks' errors"
	default:
		st.State = StateRunning
	}
	if c.plugin.Kind == Sink {
		st.Topics = r.sinkTopics(ctx, c.cfg)
		if withLag {
			st.Lag = r.lag(ctx, name, st.Topics)
		}
	} else {
		st.Topics = c.sourceTopics()
	}
	return st, true
}

// GroupID is the consumer group of a sink connector, named as Kafka
// Connect names it.
func GroupID(connector string) string { return "connect-" + connector }

// lag reads a sink group's committed offsets against the end offsets.
func (r *Runtime) lag(ctx context.Context, name string, topics []string) []PartitionLag {
	var out []PartitionLag
	for _, topic := range topics {
		ends, err := r.opts.Cluster.EndOffsets(ctx, topic)
		if err != nil {
			continue
		}
		committed, err := r.opts.Cluster.GroupOffsets(ctx, GroupID(name), topic)
		if err != nil {
			continue
		}
		parts := make([]int32, 0, len(ends))
		for p := range ends {
			parts = append(parts, p)
		}
		sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
		for _, p := range parts {
			l := PartitionLag{Topic: topic, Partition: p, Committed: -1, End: ends[p], Lag: ends[p]}
			if c, ok := committed[p]; ok {
				l.Committed, l.Lag = c, ends[p]-c
			}
			out = append(out, l)
		}
	}
	return out
}
