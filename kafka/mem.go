package kafka

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
)

// MemOptions configures a MemCluster.
type MemOptions struct {
	// DefaultPartitions is the partition count of topics that Produce
	// creates on first use and of CreateTopic calls with Partitions <= 0.
	// Zero means 1.
	DefaultPartitions int32
}

// MemCluster is an in-memory, synchronous Cluster for the conformance
// runner, in the spirit of Kafka Streams' TopologyTestDriver: Produce
// delivers each record, depth first, to every subscription reading its
// topic before it returns, so a test sees every cascaded output without
// waiting. Timestamps are stored as given (a zero stays zero) because the
// test driver owns time.
//
// Delivery is one record per Handler call. A subscription is never
// re-entered: a record produced while its own handler runs is queued and
// delivered after that handler returns. No lock is held while a handler
// runs, so handlers may Produce, Subscribe or Close freely. Unlike a
// broker, subscriptions that share a group do not split partitions; each
// one sees every record.
type MemCluster struct {
	defaultParts int32

	mu     sync.Mutex
	topics map[string]*memTopic
	seq    uint64      // production order across topics
	subs   []*memSub   // live subscriptions in Subscribe order
	groups memGroupMap // committed offsets; survive Close and re-Subscribe
	closed bool
}

type memGroupMap map[string]map[string]map[int32]int64 // group -> topic -> partition -> next offset

type memTopic struct {
	info        TopicInfo
	autoCreated bool
	log         []memEntry   // production order
	parts       [][]memEntry // per partition, index == offset
	rr          int32        // next partition for null keys
}

type memEntry struct {
	seq uint64
	rec Record
}

// NewMemCluster returns an empty in-memory cluster.
func NewMemCluster(opts MemOptions) *MemCluster {
	if opts.DefaultPartitions <= 0 {
		opts.DefaultPartitions = 1
	}
	return &MemCluster{
		defaultParts: opts.DefaultPartitions,
		topics:       make(map[string]*memTopic),
		groups:       make(memGroupMap),
	}
}

var _ Cluster = (*MemCluster)(nil)

func (m *MemCluster) checkOpen() error {
	if m.closed {
		return fmt.Errorf("mem cluster: %w", ErrClosed)
	}
	return nil
}

// newTopicLocked adds a topic; m.mu must be held.
func (m *MemCluster) newTopicLocked(t TopicInfo, auto bool) *memTopic {
	if t.Partitions <= 0 {
		t.Partitions = m.defaultParts
	}
	if t.Replicas <= 0 {
		t.Replicas = 1
	}
	t.Configs = maps.Clone(t.Configs)
	if t.Configs == nil {
		t.Configs = map[string]string{}
	}
	mt := &memTopic{info: t, autoCreated: auto, parts: make([][]memEntry, t.Partitions)}
	m.topics[t.Name] = mt
	return mt
}

// CreateTopic creates a topic; Partitions <= 0 means DefaultPartitions.
func (m *MemCluster) CreateTopic(_ context.Context, t TopicInfo) error {
	if t.Name == "" {
		return fmt.Errorf("create topic: empty name")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkOpen(); err != nil {
		return fmt.Errorf("create topic %s: %w", t.Name, err)
	}
	if mt, ok := m.topics[t.Name]; ok {
		if t.Partitions > 0 && t.Partitions != mt.info.Partitions {
			return fmt.Errorf("create topic %s with %d partitions: has %d: %w",
				t.Name, t.Partitions, mt.info.Partitions, ErrTopicConflict)
		}
		return nil
	}
	if t.Partitions > maxPartitionsPerRequest {
		// As the embedded broker and Kafka refuse it (limitPartitions).
		return fmt.Errorf("create topic %s: %w (%s)", t.Name, kerr.PolicyViolation, excessivePartitions)
	}
	m.newTopicLocked(t, false)
	return nil
}

// DeleteTopic deletes a topic and the groups' committed offsets for it, as
// Kafka does.
func (m *MemCluster) DeleteTopic(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkOpen(); err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	if _, ok := m.topics[name]; !ok {
		return fmt.Errorf("delete topic %s: %w", name, ErrUnknownTopic)
	}
	delete(m.topics, name)
	for _, g := range m.groups {
		delete(g, name)
	}
	return nil
}

func (mt *memTopic) describe() TopicInfo {
	info := mt.info
	info.Configs = maps.Clone(mt.info.Configs)
	return info
}

// Topic describes one topic.
func (m *MemCluster) Topic(_ context.Context, name string) (TopicInfo, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mt, ok := m.topics[name]
	if !ok {
		return TopicInfo{}, false, nil
	}
	return mt.describe(), true, nil
}

// Topics lists every topic sorted by name.
func (m *MemCluster) Topics(context.Context) ([]TopicInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]TopicInfo, 0, len(m.topics))
	for _, name := range slices.Sorted(maps.Keys(m.topics)) {
		out = append(out, m.topics[name].describe())
	}
	return out, nil
}

// AutoCreated reports whether Produce created the topic on first use
// (rather than CreateTopic), so tests can check which topics a statement
// created explicitly.
func (m *MemCluster) AutoCreated(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	mt, ok := m.topics[name]
	return ok && mt.autoCreated
}

// Produce appends each record, then delivers it to every subscription of
// its topic before appending the next one, so the order of cascaded
// outputs matches a record-at-a-time test driver. Handler errors stop
// their subscription, not Produce.
func (m *MemCluster) Produce(_ context.Context, recs ...Record) error {
	for i := range recs {
		targets, err := m.appendOne(&recs[i])
		if err != nil {
			return err
		}
		for _, s := range targets {
			s.drain()
		}
	}
	return nil
}

// appendOne stores one record and queues it on the subscriptions reading
// its topic, which it returns for draining once m.mu is released.
func (m *MemCluster) appendOne(r *Record) ([]*memSub, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkOpen(); err != nil {
		return nil, fmt.Errorf("produce to %s: %w", r.Topic, err)
	}
	if r.Topic == "" {
		return nil, fmt.Errorf("produce: record without a topic")
	}
	mt, ok := m.topics[r.Topic]
	if !ok {
		mt = m.newTopicLocked(TopicInfo{Name: r.Topic}, true)
	}
	n := mt.info.Partitions
	switch {
	case r.Partition >= n:
		return nil, fmt.Errorf("produce to %s: partition %d of %d: %w", r.Topic, r.Partition, n, errNoPartition)
	case r.Partition >= 0:
	case r.Key != nil:
		r.Partition = KeyPartition(r.Key, n)
	default:
		r.Partition = mt.rr
		mt.rr = (mt.rr + 1) % n
	}
	r.Offset = int64(len(mt.parts[r.Partition]))
	if r.Timestamp == EpochTimestamp {
		r.Timestamp = 0 // as every zero here
	}
	m.seq++
	e := memEntry{seq: m.seq, rec: cloneRecord(*r)}
	mt.log = append(mt.log, e)
	mt.parts[r.Partition] = append(mt.parts[r.Partition], e)

	var targets []*memSub
	for _, s := range m.subs {
		if s.reads(r.Topic) {
			s.queue = append(s.queue, e.rec)
			targets = append(targets, s)
		}
	}
	return targets, nil
}

// cloneRecord copies the slices so that callers may reuse their buffers.
func cloneRecord(r Record) Record {
	r.Key = cloneBytes(r.Key)
	r.Value = cloneBytes(r.Value)
	if r.Headers != nil {
		hs := make([]Header, len(r.Headers))
		for i, h := range r.Headers {
			hs[i] = Header{Key: h.Key, Value: cloneBytes(h.Value)}
		}
		r.Headers = hs
	}
	return r
}

// cloneBytes keeps nil distinct from empty (null vs empty key or value).
func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// ReadAll returns the topic's records in production order.
func (m *MemCluster) ReadAll(_ context.Context, topic string) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mt, ok := m.topics[topic]
	if !ok {
		return nil, fmt.Errorf("read %s: %w", topic, ErrUnknownTopic)
	}
	out := make([]Record, len(mt.log))
	for i, e := range mt.log {
		out[i] = cloneRecord(e.rec)
	}
	return out, nil
}

// ReadPartitions reads partitions of topic from the given offsets to their
// current ends.
func (m *MemCluster) ReadPartitions(_ context.Context, topic string, from map[int32]int64, fn func(Record) error) (map[int32]int64, error) {
	m.mu.Lock()
	mt, ok := m.topics[topic]
	if !ok {
		m.mu.Unlock()
		return nil, fmt.Errorf("read %s: %w", topic, ErrUnknownTopic)
	}
	ends := make(map[int32]int64, len(from))
	var recs []Record
	for p, off := range from {
		if p < 0 || int(p) >= len(mt.parts) {
			m.mu.Unlock()
			return nil, fmt.Errorf("read %s/%d: no such partition", topic, p)
		}
		part := mt.parts[p]
		ends[p] = int64(len(part))
		for o := max(off, 0); o < int64(len(part)); o++ {
			recs = append(recs, cloneRecord(part[o].rec))
		}
	}
	m.mu.Unlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return nil, err
		}
	}
	return ends, nil
}

// EndOffsets returns each partition's next offset.
func (m *MemCluster) EndOffsets(_ context.Context, topic string) (map[int32]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mt, ok := m.topics[topic]
	if !ok {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, ErrUnknownTopic)
	}
	out := make(map[int32]int64, len(mt.parts))
	for p, part := range mt.parts {
		out[int32(p)] = int64(len(part))
	}
	return out, nil
}

// GroupOffsets returns a group's committed offsets for topic.
func (m *MemCluster) GroupOffsets(_ context.Context, group, topic string) (map[int32]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int32]int64{}
	for p, o := range m.groups[group][topic] {
		out[p] = o
	}
	return out, nil
}

// Committed returns a group's committed offsets (next offset to read) per
// topic and partition, for tests of restart semantics.
func (m *MemCluster) Committed(group string) map[string]map[int32]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]map[int32]int64, len(m.groups[group]))
	for t, ps := range m.groups[group] {
		out[t] = maps.Clone(ps)
	}
	return out
}

// Subscribe registers h and, before returning, delivers the records
// already present from the group's committed offsets or, without them,
// from the start (Earliest) or nothing (Latest). ctx's values reach the
// handler; its cancellation does not stop the subscription (Close does).
func (m *MemCluster) Subscribe(ctx context.Context, opts SubscribeOptions, h Handler) (Subscription, error) {
	if h == nil {
		return nil, fmt.Errorf("subscribe: nil handler")
	}
	if len(opts.Topics) == 0 {
		return nil, fmt.Errorf("subscribe group %s: no topics", opts.Group)
	}
	if !opts.NoCommit && opts.Group == "" {
		return nil, fmt.Errorf("subscribe to %v: a committing subscription needs a group", opts.Topics)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &memSub{
		m:      m,
		opts:   opts,
		topics: make(map[string]bool, len(opts.Topics)),
		h:      h,
		ctx:    sctx,
		cancel: cancel,
		done:   make(chan struct{}),
		paused: opts.Paused,
	}
	for _, t := range opts.Topics {
		s.topics[t] = true
	}

	m.mu.Lock()
	if err := m.checkOpen(); err != nil {
		m.mu.Unlock()
		cancel()
		return nil, fmt.Errorf("subscribe to %v: %w", opts.Topics, err)
	}
	s.queue = m.backlogLocked(opts)
	m.subs = append(m.subs, s)
	m.mu.Unlock()

	s.drain()
	return s, nil
}

// backlogLocked collects, in production order, the existing records a new
// subscription starts with.
func (m *MemCluster) backlogLocked(opts SubscribeOptions) []Record {
	var committed map[string]map[int32]int64
	if !opts.NoCommit {
		committed = m.groups[opts.Group]
	}
	var backlog []memEntry
	for _, t := range slices.Compact(slices.Sorted(slices.Values(opts.Topics))) {
		mt, ok := m.topics[t]
		if !ok {
			continue
		}
		for p := range mt.parts {
			from, ok := committed[t][int32(p)]
			if at, resume := opts.From[int32(p)]; opts.NoCommit && resume {
				from, ok = min(max(at, 0), int64(len(mt.parts[p]))), true
			}
			switch {
			case ok:
			case opts.Reset == Earliest || slices.Contains(opts.EarliestTopics, t):
				from = 0
			default:
				from = int64(len(mt.parts[p]))
			}
			if from < int64(len(mt.parts[p])) {
				backlog = append(backlog, mt.parts[p][from:]...)
			}
		}
	}
	slices.SortFunc(backlog, func(a, b memEntry) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	out := make([]Record, len(backlog))
	for i, e := range backlog {
		out[i] = e.rec
	}
	return out
}

// commit records that r was processed by group.
func (m *MemCluster) commit(group string, r Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.topics[r.Topic]; !ok {
		return // deleted meanwhile; Kafka drops its offsets too
	}
	g := m.groups[group]
	if g == nil {
		g = make(map[string]map[int32]int64)
		m.groups[group] = g
	}
	if g[r.Topic] == nil {
		g[r.Topic] = make(map[int32]int64)
	}
	if next := r.Offset + 1; next > g[r.Topic][r.Partition] {
		g[r.Topic][r.Partition] = next
	}
}

// removeSub unregisters s.
func (m *MemCluster) removeSub(s *memSub) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subs = slices.DeleteFunc(m.subs, func(x *memSub) bool { return x == s })
}

// Synchronous reports that records reach subscribers from inside
// Produce, in production order: consumers need not order them by time.
func (m *MemCluster) Synchronous() bool { return true }

// Close stops every subscription; later calls fail. Committed offsets are
// dropped with the cluster.
func (m *MemCluster) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	subs := slices.Clone(m.subs)
	m.mu.Unlock()
	for _, s := range subs {
		s.Close()
	}
	return nil
}

// memSub is one MemCluster subscription. Its queue, running flag and
// state live under m.mu; the handler is only ever called by the goroutine
// that set running, and never with m.mu held.
type memSub struct {
	m      *MemCluster
	opts   SubscribeOptions
	topics map[string]bool
	h      Handler
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	// Under m.mu.
	queue   []Record
	running bool
	stopped bool
	paused  bool
	err     error
}

func (s *memSub) reads(topic string) bool { return !s.stopped && s.topics[topic] }

// drain delivers queued records until the queue is empty, unless another
// call (an outer frame of this goroutine, or another goroutine) is already
// delivering, in which case that call will pick up what was queued.
func (s *memSub) drain() {
	m := s.m
	m.mu.Lock()
	if s.running || s.stopped || s.paused {
		m.mu.Unlock()
		return
	}
	s.running = true
	for len(s.queue) > 0 && !s.stopped && !s.paused {
		r := s.queue[0]
		s.queue[0] = Record{}
		s.queue = s.queue[1:]
		m.mu.Unlock()

		err := s.h(s.ctx, []Record{cloneRecord(r)})

		if err == nil && !s.opts.NoCommit {
			m.commit(s.opts.Group, r)
		}
		m.mu.Lock()
		if err != nil && !s.stopped {
			s.err = handlerError(s.opts.Group, &r, err)
			s.stopLocked()
		}
	}
	s.running = false
	m.mu.Unlock()
	if s.stoppedNow() {
		m.removeSub(s)
	}
}

// Pause keeps what is produced queued, undelivered, until Resume.
func (s *memSub) Pause() {
	s.m.mu.Lock()
	s.paused = true
	s.m.mu.Unlock()
}

// Resume delivers what was queued meanwhile, on the calling goroutine
// as the cluster's synchronous delivery does.
func (s *memSub) Resume() {
	s.m.mu.Lock()
	s.paused = false
	s.m.mu.Unlock()
	s.drain()
}

func (s *memSub) stoppedNow() bool {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.stopped
}

// stopLocked ends delivery; m.mu must be held.
func (s *memSub) stopLocked() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.queue = nil
	s.cancel()
	close(s.done)
}

// Close stops delivery. Offsets are committed after every record, so there
// is nothing left to commit. Close may be called from inside the handler;
// a handler running on another goroutine finishes its record but gets no
// more.
func (s *memSub) Close() error {
	s.m.mu.Lock()
	s.stopLocked()
	s.m.mu.Unlock()
	s.m.removeSub(s)
	return nil
}

func (s *memSub) Done() <-chan struct{} { return s.done }

func (s *memSub) Err() error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.err
}
