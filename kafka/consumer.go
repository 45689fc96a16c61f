package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// DefaultMaxBatch bounds one Handler batch (SubscribeOptions.MaxBatch
// lowers it): big enough to amortize the commit round trip, small enough
// that a rebalance blocked on our poll (BlockRebalanceOnPoll) does not
// wait long.
const DefaultMaxBatch = 10_000

// commitTimeout bounds the commits made on close and revocation, which
// cannot use the (by then cancelled) subscription context.
const commitTimeout = 10 * time.Second

// Subscribe starts one consumer client owned by the returned Subscription.
// A committing subscription joins opts.Group and commits each batch's
// offsets after h returned nil (at-least-once). A NoCommit subscription
// reads directly, without a group; with Latest it starts at the end
// offsets listed during Subscribe, so records produced after Subscribe
// returns are seen. ctx bounds only the setup; its values reach h, and
// Close stops the subscription. Close must not be called from h.
func (c *Client) Subscribe(ctx context.Context, opts SubscribeOptions, h Handler) (Subscription, error) {
	if h == nil {
		return nil, fmt.Errorf("subscribe: nil handler")
	}
	if len(opts.Topics) == 0 {
		return nil, fmt.Errorf("subscribe group %s: no topics", opts.Group)
	}
	if !opts.NoCommit && opts.Group == "" {
		return nil, fmt.Errorf("subscribe to %v: a committing subscription needs a group", opts.Topics)
	}
	s := &clientSub{
		c:       c,
		opts:    opts,
		h:       h,
		done:    make(chan struct{}),
		pending: make(map[string]map[int32]kgo.EpochOffset),
		recPool: recordArrays{arrays[kgo.Record]{keep: 16}},
	}
	// Transaction markers are fetched (and never delivered), so that
	// commits move past them and OnMarker can tell where they end.
	kopts := append(slices.Clone(c.base), kgo.KeepControlRecords(), kgo.WithPools(&s.recPool))
	kopts = append(kopts, c.fetchOpts()...)
	if opts.FetchMaxWait > 0 {
		kopts = append(kopts, kgo.FetchMaxWait(opts.FetchMaxWait))
	}
	if opts.NoCommit {
		direct, err := c.directOffsets(ctx, opts)
		if err != nil {
			return nil, err
		}
		if direct != nil {
			kopts = append(kopts, kgo.ConsumePartitions(direct))
		} else {
			kopts = append(kopts, kgo.ConsumeTopics(opts.Topics...), kgo.ConsumeResetOffset(resetOffset(opts.Reset)))
		}
	} else {
		session, rebalance := groupTimeouts(opts)
		if opts.InstanceID != "" {
			kopts = append(kopts, kgo.InstanceID(opts.InstanceID))
		}
		kopts = append(kopts,
			kgo.ConsumerGroup(opts.Group),
			kgo.ConsumeTopics(opts.Topics...),
			kgo.ConsumeResetOffset(resetOffset(opts.Reset)),
			kgo.DisableAutoCommit(),
			// Rebalances wait until the batch in hand is processed
			// and committed, so we never commit partitions we lost.
			kgo.BlockRebalanceOnPoll(),
			// Both give a member the same partition numbers of every
			// topic of the same size, so co-partitioned inputs (a join's
			// two sides, a repartition topic and its source) stay
			// together in one task (kgo's sticky balancers split them).
			// The co-partitioned sticky balancer also leaves each member
			// the numbers it had where it can, so a rebalance moves only
			// the tasks it must; range comes second, for a group that
			// still has a member of an earlier eddy (a rolling upgrade).
			// Each notes its name when the group's assignment is parsed
			// with it, so the log says which one the group chose.
			kgo.Balancers(notedBalancer{CoPartitionedSticky(), &s.protocol}, notedBalancer{kgo.RangeBalancer(), &s.protocol}),
			// Frequent heartbeats let a running member notice a join
			// quickly; the session timeout stays inside Kafka's
			// default group.min.session.timeout.ms bounds.
			kgo.HeartbeatInterval(heartbeatInterval(session)),
			kgo.SessionTimeout(session),
			// A member that died without leaving (kill -9) holds a
			// rebalance up to this long, unless it comes back as the
			// same static member; a live member rejoins as soon as its
			// batch in hand is done.
			kgo.RebalanceTimeout(rebalance),
			kgo.OnPartitionsRevoked(s.onRevoked),
			kgo.OnPartitionsLost(s.onLost),
			kgo.OnPartitionsAssigned(s.onAssigned),
		)
		if opts.Held != nil {
			// A partition resumed after a pause joins the next fetch
			// request; Kafka's consumer default (500 ms) bounds how long
			// an in-flight long poll on the other partitions delays it.
			kopts = append(kopts, kgo.FetchMaxWait(500*time.Millisecond))
		}
		if opts.Reset != Earliest {
			// "Latest" means the end offsets of now, when the query
			// is created, not of whenever the group's first join
			// completes: a record written right after Subscribe
			// returns is read.
			ends, err := c.topicEnds(ctx, opts.Topics)
			if err != nil {
				return nil, fmt.Errorf("subscribe group %s: %w", opts.Group, err)
			}
			for t, ps := range opts.LatestAt {
				for p, o := range ps {
					if _, ok := ends[t][p]; ok {
						ends[t][p] = o
					}
				}
			}
			s.latestAt = ends
		}
		kopts = append(kopts, kgo.AdjustFetchOffsetsFn(s.startWithoutCommit))
	}
	var cl *kgo.Client
	if opts.TransactionalID != "" && !opts.NoCommit {
		kopts = append(kopts, c.transactionalOpts(opts.TransactionalID)...)
	}
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		return nil, fmt.Errorf("subscribe group %s to %v: %w", opts.Group, opts.Topics, err)
	}
	if opts.TransactionalID != "" && !opts.NoCommit {
		s.transactional = true
		// Taking the transactional ID now fences an earlier incarnation
		// of this member (killed mid-transaction) and aborts its open
		// transaction, which would otherwise hold back every
		// read_committed reader of its outputs and changelogs (the
		// restores this subscription's tasks are about to run).
		pctx, cancel := withDefaultTimeout(ctx)
		_, _, err = cl.ProducerID(pctx)
		cancel()
		if err != nil {
			cl.Close()
			return nil, fmt.Errorf("subscribe group %s: transactional id %s: %w", opts.Group, opts.TransactionalID, err)
		}
		s.topicIDs = c.topicIDs(ctx, opts.Topics)
	}
	s.cl = cl
	s.lastRecords = time.Now()
	if opts.Paused {
		s.Pause()
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if s.transactional {
		s.ctx = context.WithValue(s.ctx, transactorKey{}, Transactor(s))
	}

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		s.cancel()
		cl.Close()
		return nil, fmt.Errorf("subscribe group %s to %v: %w", opts.Group, opts.Topics, ErrClosed)
	}
	c.subs[s] = struct{}{}
	c.shareFetchBufferLocked()
	c.mu.Unlock()

	go s.run()
	return s, nil
}

func resetOffset(r OffsetReset) kgo.Offset {
	if r == Earliest {
		return kgo.NewOffset().AtStart()
	}
	return kgo.NewOffset().AtEnd()
}

// directOffsets pins a NoCommit Latest subscription to the end offsets of
// now (kgo would otherwise resolve "latest" lazily, after records produced
// right after Subscribe), and the partitions of opts.From to their
// offsets. It returns nil, to fall back to ConsumeTopics, for Earliest
// without From or when a topic does not exist yet.
func (c *Client) directOffsets(ctx context.Context, opts SubscribeOptions) (map[string]map[int32]kgo.Offset, error) {
	if opts.Reset == Earliest && opts.From == nil {
		return nil, nil
	}
	if len(opts.From) > 0 && len(opts.Topics) != 1 {
		return nil, fmt.Errorf("subscribe to %v: offsets to start from need a single topic", opts.Topics)
	}
	ends, err := c.topicEnds(ctx, opts.Topics)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[int32]kgo.Offset, len(opts.Topics))
	for _, t := range opts.Topics {
		if len(ends[t]) == 0 {
			return nil, nil
		}
		out[t] = make(map[int32]kgo.Offset, len(ends[t]))
		for p, o := range ends[t] {
			switch from, ok := opts.From[p]; {
			case ok:
				out[t][p] = kgo.NewOffset().At(from)
			case opts.Reset == Earliest:
				out[t][p] = kgo.NewOffset().AtStart()
			default:
				out[t][p] = kgo.NewOffset().At(o)
			}
		}
	}
	return out, nil
}

// topicEnds lists the end offsets of topics, leaving out a topic that
// does not exist yet.
func (c *Client) topicEnds(ctx context.Context, topics []string) (map[string]map[int32]int64, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	ends, err := listAcrossLeaderMoves(ctx, func(ctx context.Context) (kadm.ListedOffsets, error) { return c.adm.ListEndOffsets(ctx, topics...) })
	if err != nil {
		return nil, fmt.Errorf("end offsets of %v: %w", topics, err)
	}
	var missing []string
	for _, t := range topics {
		if _, unknown := ends[t][-1]; unknown || len(ends[t]) == 0 {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		// The listing may have answered from kgo's cache, which holds a
		// topic made by another client since a lookup as unknown for
		// up to a second: ask the broker, and list again what exists.
		exist, err := c.refreshTopics(ctx, missing...)
		if err != nil {
			return nil, err
		}
		var again []string
		for _, t := range missing {
			if exist[t] {
				again = append(again, t)
			}
		}
		if len(again) > 0 {
			more, err := listAcrossLeaderMoves(ctx, func(ctx context.Context) (kadm.ListedOffsets, error) { return c.adm.ListEndOffsets(ctx, again...) })
			if err != nil {
				return nil, fmt.Errorf("end offsets of %v: %w", again, err)
			}
			maps.Copy(ends, more)
		}
	}
	out := make(map[string]map[int32]int64, len(topics))
	for _, t := range topics {
		ps := ends[t]
		if _, missing := ps[-1]; missing || len(ps) == 0 {
			continue
		}
		out[t] = make(map[int32]int64, len(ps))
		for p, lo := range ps {
			if lo.Err != nil {
				return nil, fmt.Errorf("end offset of %s/%d: %w", t, p, lo.Err)
			}
			out[t][p] = lo.Offset
		}
	}
	return out, nil
}

// clientSub is a running broker subscription; run is its goroutine.
type clientSub struct {
	c      *Client
	opts   SubscribeOptions
	h      Handler
	cl     *kgo.Client
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	// protocol is the group balancer the last assignment came from
	// (notedBalancer), logged with the assignment.
	protocol atomic.Pointer[string]

	closeOnce sync.Once
	closeErr  error // final commit failure, set before done closes

	// transactional: an exactly-once subscription (TransactionalID);
	// topicIDs name its topics in transactional offset commits.
	transactional bool
	topicIDs      map[string][16]byte
	// confirmed: the partitions a commit of this subscription was seen
	// to reach (see confirmCommitted); touched by the handler only.
	confirmed map[topicPartition]bool

	// idGone: since when each partition's fetches have failed with
	// UNKNOWN_TOPIC_ID (see topicIDGoneAfter); consumer goroutine only.
	idGone map[topicPartition]time.Time

	mu      sync.Mutex
	err     error
	pending map[string]map[int32]kgo.EpochOffset // processed, not yet committed

	// endWait cancels the wait of the poll in progress (nil between
	// polls): an assignment ends it, or the next poll's when it came
	// between polls (assignedBetween), so the handler sees new
	// partitions at once even when it asked for a long wait.
	waitMu          sync.Mutex
	endWait         context.CancelFunc
	assignedBetween bool

	// With opts.Held: the next offset after the last record handed to the
	// handler per partition, the offsets already marked for commit, and
	// the partitions paused because the handler holds too much of them.
	// Only the consumer goroutine touches them (revocations run between
	// polls).
	fetched map[string]map[int32]kgo.EpochOffset
	marked  map[string]map[int32]int64
	paused  map[string]map[int32]bool

	// latestAt: under Latest, each partition's end offset when the
	// subscription started (see startWithoutCommit).
	latestAt map[string]map[int32]int64

	// batch is the records array handed to the handler, refilled for
	// each poll (see Handler) rather than allocated.
	batch []Record
	// lastRecords is when a poll last brought records; released says
	// the kept arrays were let go since (see releaseIdle).
	lastRecords time.Time
	released    bool
	// recPool gives the kgo client back the arrays it decodes fetched
	// records into, once a poll is handled (see recycle).
	recPool recordArrays
}

// recordArrays is a kgo.PoolRecords: the client decodes each fetched
// batch into an array of kgo records, one allocation (and one array for
// the collector to clear and scan) per batch unless the records are
// recycled into a pool. Only the arrays come from it, not the
// decompressed bytes the records point into, so a Record converted from
// one (fromKgo) stays valid after the kgo record is recycled. Safe for
// concurrent use (kgo decodes on its own goroutines); it keeps 16.
type recordArrays struct{ arrays[kgo.Record] }

// GetRecords implements kgo.PoolRecords.
func (p *recordArrays) GetRecords(n int) []kgo.Record { return p.get(n)[:0] }

// PutRecords implements kgo.PoolRecords; kgo has zeroed the records.
func (p *recordArrays) PutRecords(a []kgo.Record) { p.put(a) }

// recycle hands the polled kgo records back to the pool once nothing
// reads them any more: after the handler, the commit marking and the
// high-watermark and marker callbacks.
func recycle(fs kgo.Fetches) {
	fs.EachRecord(func(kr *kgo.Record) { kr.Recycle() })
}

// maxKeptBatch bounds the records array a subscription keeps between
// polls (a poll of more allocates its own).
const maxKeptBatch = 1 << 15

func (s *clientSub) logf(format string, args ...any) {
	if s.c.cfg.Logf != nil {
		s.c.cfg.Logf(format, args...)
	}
}

// run polls, hands each batch to the handler and commits it, until Close
// or a handler error; then it commits what was processed and releases the
// client.
func (s *clientSub) run() {
	defer close(s.done)
	defer func() {
		s.c.mu.Lock()
		delete(s.c.subs, s)
		s.c.shareFetchBufferLocked()
		s.c.mu.Unlock()
	}()
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		s.watchTopics(topicCheckEvery)
	}()
	defer func() { s.cancel(); <-watching }() // cancel ends it

	for s.ctx.Err() == nil && s.pollOnce() {
	}
	if s.opts.Held != nil {
		// The handler may have committed what it held back since the
		// last poll (a query's final commit on Stop).
		s.markHeld(nil)
	}
	if !s.opts.NoCommit && !s.transactional {
		cctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
		if err := s.commitPending(cctx, nil); err != nil {
			s.closeErr = fmt.Errorf("final commit for group %s: %w", s.opts.Group, err)
		}
		cancel()
	}
	// Close leaves the group (its revoke callback then finds nothing
	// pending) and stops the client's goroutines; a static member's
	// Close does not leave, so it leaves here after.
	member, _ := s.cl.GroupMetadata()
	s.cl.CloseAllowingRebalance()
	if s.opts.InstanceID != "" && !s.opts.NoCommit {
		s.leaveAsStatic(member)
	}
}

// leaveAsStatic makes this static member leave its group after its
// client closed (kgo keeps a static member in the group on Close, for a
// restart to take its place back): a stopped server's partitions go to
// the others now, not after the session timeout. The member id makes the
// broker refuse the leave if another member has taken the instance id
// since. A failure only costs that wait, so it is logged.
func (s *clientSub) leaveAsStatic(member string) {
	if member == "" {
		return // never joined
	}
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = s.opts.Group
	m := kmsg.NewLeaveGroupRequestMember()
	m.MemberID, m.InstanceID = member, &s.opts.InstanceID
	reason := "static member stopping"
	m.Reason = &reason
	req.Members = []kmsg.LeaveGroupRequestMember{m}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	resp, err := req.RequestWith(ctx, s.c.prod)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
		for _, rm := range resp.Members {
			if err == nil {
				err = kerr.ErrorForCode(rm.ErrorCode)
			}
		}
	}
	if err != nil {
		s.logf("kafka: group %s: static member %s could not leave (its partitions wait for the session timeout): %v", s.opts.Group, s.opts.InstanceID, err)
	}
}

// groupTimeouts are a committing subscription's session and rebalance
// timeouts: the options', else 10 s and 20 s.
func groupTimeouts(opts SubscribeOptions) (session, rebalance time.Duration) {
	session, rebalance = 10*time.Second, 20*time.Second
	if opts.SessionTimeout > 0 {
		session = opts.SessionTimeout
	}
	if opts.RebalanceTimeout > 0 {
		rebalance = opts.RebalanceTimeout
	}
	return session, rebalance
}

// heartbeatInterval is a second, or a third of a shorter session (as
// Kafka asks of heartbeat.interval.ms).
func heartbeatInterval(session time.Duration) time.Duration {
	return min(time.Second, session/3)
}

// pollOnce handles one poll: the handler call and the commit. It returns
// false when the subscription must stop.
func (s *clientSub) pollOnce() bool {
	pctx := s.ctx
	if s.opts.Held != nil && s.opts.Tick != nil {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(s.ctx, s.opts.Tick())
		defer cancel()
		s.waitMu.Lock()
		if s.assignedBetween {
			s.assignedBetween = false
			cancel() // new partitions since the last poll: no wait
		}
		s.endWait = cancel
		s.waitMu.Unlock()
		defer func() {
			s.waitMu.Lock()
			s.endWait = nil
			s.waitMu.Unlock()
		}()
	} else if !s.released {
		// Wake once idle long enough to let go of the kept arrays.
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(s.ctx, s.c.idleRelease)
		defer cancel()
	}
	limit := DefaultMaxBatch
	if s.opts.MaxBatch > 0 {
		limit = min(limit, s.opts.MaxBatch)
	}
	fs := s.cl.PollRecords(pctx, limit)
	// Polled records block rebalances until this returns.
	defer s.cl.AllowRebalance()
	defer recycle(fs)
	if s.ctx.Err() != nil {
		return false // Close; the polled batch is redelivered later
	}
	if fs.NumRecords() > 0 {
		s.lastRecords, s.released = time.Now(), false
	} else if !s.released && time.Since(s.lastRecords) >= s.c.idleRelease {
		s.releaseIdle()
	}
	markers := false
	if s.opts.OnMarker != nil {
		fs.EachRecord(func(kr *kgo.Record) {
			if kr.Attrs.IsControl() {
				s.opts.OnMarker(kr.Topic, kr.Partition, kr.Offset+1)
				markers = true
			}
		})
	}
	if s.opts.OnEnd != nil {
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if p.Err == nil {
				// read_committed: what lies past the last stable
				// offset (an open transaction) cannot be delivered yet.
				end := p.LastStableOffset
				if end < 0 {
					end = p.HighWatermark // not reported
				}
				s.opts.OnEnd(p.Topic, p.Partition, end)
			}
		})
	}
	for _, fe := range fs.Errors() {
		if errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled) {
			continue // the tick
		}
		if errors.Is(fe.Err, kgo.ErrClientClosed) {
			s.fail(fmt.Errorf("consumer for group %s closed: %w", s.opts.Group, fe.Err))
			return false
		}
		if errors.Is(fe.Err, kerr.FencedInstanceID) {
			// Retried by kgo too, but only a person can end it.
			s.logf("kafka: group %s: another member took this one's instance id %s, so this one is shut out of the group: does another server run with this server's id (server.id in a copied data directory)? %v",
				s.opts.Group, s.opts.InstanceID, fe.Err)
			continue
		}
		if errors.Is(fe.Err, kerr.UnknownTopicID) {
			if err := s.topicIDGone(fe.Topic, fe.Partition, fe.Err, time.Now()); err != nil {
				s.fail(err)
				return false
			}
			continue
		}
		// Other fetch errors are retried by kgo (an unknown topic may
		// yet be created): worth a log line, not a stop.
		s.logf("kafka: group %s fetch %s/%d: %v", s.opts.Group, fe.Topic, fe.Partition, fe.Err)
	}
	if len(s.idGone) > 0 {
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if p.Err == nil {
				delete(s.idGone, topicPartition{p.Topic, p.Partition})
			}
		})
	}
	batch := toBatch(s.batch[:0], fs)
	defer s.keepBatch(batch)
	if len(batch) == 0 && s.opts.Held == nil && !markers {
		return true
	}
	if err := s.h(s.ctx, batch); err != nil {
		if s.ctx.Err() == nil { // not merely our own Close
			var first *Record
			if len(batch) > 0 {
				first = &batch[0]
			}
			s.fail(handlerError(s.opts.Group, first, err))
		}
		return false
	}
	if s.opts.Held != nil {
		s.markHeld(fs)
		if !s.opts.NoCommit && !s.transactional {
			if err := s.commitPending(s.ctx, nil); err != nil && s.ctx.Err() == nil {
				s.logf("kafka: group %s commit: %v", s.opts.Group, err)
			}
		}
		return true
	}
	if !s.opts.NoCommit && !s.transactional {
		s.markProcessed(fs)
		if err := s.commitPending(s.ctx, nil); err != nil && s.ctx.Err() == nil {
			// Kept pending: retried after the next batch, on
			// revocation and on close.
			s.logf("kafka: group %s commit: %v", s.opts.Group, err)
		}
	}
	return true
}

// topicIDGoneAfter is how long a partition's fetches fail with
// UNKNOWN_TOPIC_ID before the subscription gives up.
const topicIDGoneAfter = 5 * time.Second

// topicIDGone notes a fetch of topic/partition refused with
// UNKNOWN_TOPIC_ID, and returns the error that ends the subscription
// once that has lasted topicIDGoneAfter. The topic was deleted and
// created again under the same name: kgo keeps the old topic's id and
// fails each fetch at once, for good, and the subscription polled and
// logged that in a loop (15,000 lines a second, 46 MB in a minute of
// eddy's log) without reading the new topic. A new consumer reads it:
// a query's retry makes one. A refusal that passes (a broker that has
// not yet heard of a new topic) costs one log line.
func (s *clientSub) topicIDGone(topic string, partition int32, err error, now time.Time) error {
	if s.idGone == nil {
		s.idGone = map[topicPartition]time.Time{}
	}
	tp := topicPartition{topic, partition}
	since, ok := s.idGone[tp]
	if !ok {
		s.idGone[tp] = now
		s.logf("kafka: group %s fetch %s/%d: %v", s.opts.Group, topic, partition, err)
		since = now
	}
	if now.Sub(since) < topicIDGoneAfter {
		return nil
	}
	// The same refusal answers a topic deleted and not (yet) made again:
	// the error says which, as the broker's metadata has it now.
	what := "was deleted and created again (its topic ID changed;"
	if _, ok, terr := s.c.Topic(s.ctx, topic); terr == nil && !ok {
		what = "was deleted (it no longer exists;"
	}
	return fmt.Errorf("consumer for group %s: topic %s %s fetches of partition %d refused for %s): %w",
		s.opts.Group, topic, what, partition, now.Sub(since).Round(time.Millisecond), err)
}

// topicCheckEvery is how often a subscription asks the broker whether
// its topics still exist (watchTopics).
const topicCheckEvery = 2500 * time.Millisecond

// watchTopics ends the subscription, with an error naming the topic,
// once a topic it has seen exist has been missing from the broker's
// metadata for topicIDGoneAfter. A deleted topic's fetches fail with
// UNKNOWN_TOPIC_ID, which topicIDGone turns into the same end, only
// while kgo still fetches it: a group reading other topics too (a
// repartition topic, a join's other side) stopped fetching the deleted
// one once kgo's metadata dropped it, and read the others on for good,
// its query RUNNING with nothing of its source (Kafka Streams fails on
// a missing source topic). It looks at once, then every tick, until
// s.ctx ends.
func (s *clientSub) watchTopics(every time.Duration) {
	seen, gone := map[string]bool{}, map[string]time.Time{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.goneTopic(seen, gone); err != nil {
			s.fail(err)
			s.cancel()
			return
		}
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// goneTopic asks the broker about the subscription's topics once,
// noting in seen those that exist and in gone since when each seen one
// has been missing, and returns the error that ends the subscription
// when one has been missing for topicIDGoneAfter. A failed request
// changes nothing: the next tick asks again.
func (s *clientSub) goneTopic(seen map[string]bool, gone map[string]time.Time) error {
	ctx, cancel := withDefaultTimeout(s.ctx)
	resp, err := s.c.metadata(ctx, s.opts.Topics...)
	cancel()
	if err != nil {
		return nil
	}
	now := time.Now()
	for _, mt := range resp.Topics {
		if mt.Topic == nil {
			continue
		}
		name := *mt.Topic
		switch since, missing := gone[name]; {
		case !errors.Is(kerr.ErrorForCode(mt.ErrorCode), kerr.UnknownTopicOrPartition):
			seen[name] = true
			delete(gone, name)
		case !seen[name]:
			// Not made yet, perhaps.
		case !missing:
			gone[name] = now
		case now.Sub(since) >= topicIDGoneAfter:
			return fmt.Errorf("consumer for group %s: topic %s was deleted (it no longer exists; missing from the broker's metadata for %s)",
				s.opts.Group, name, now.Sub(since).Round(time.Millisecond))
		}
	}
	return nil
}

func (s *clientSub) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// keepBatch keeps a handled batch's array for the next poll, cleared so
// that it pins no record's bytes, unless it is too large to hold on to.
func (s *clientSub) keepBatch(batch []Record) {
	if cap(batch) > maxKeptBatch {
		s.batch = nil
		return
	}
	clear(batch)
	s.batch = batch[:0]
}

// releaseIdle lets go of the arrays kept for the next poll, once the
// subscription has had no records for c.idleRelease, and tells the
// handler's owner (OnIdle): sized by the largest polls seen, a backlog
// caught up at start, they would otherwise stay with an idle
// subscription for good, megabytes each. The next poll allocates afresh.
func (s *clientSub) releaseIdle() {
	s.released = true
	s.recPool.release()
	s.batch = nil
	if s.opts.OnIdle != nil {
		s.opts.OnIdle()
	}
}

// toBatch appends the records of fs, control records aside, to batch.
func toBatch(batch []Record, fs kgo.Fetches) []Record {
	if fs.NumRecords() == 0 {
		return batch
	}
	batch = slices.Grow(batch, fs.NumRecords())
	fs.EachRecord(func(kr *kgo.Record) {
		if !kr.Attrs.IsControl() {
			batch = append(batch, fromKgo(kr))
		}
	})
	return batch
}

// markProcessed records the next offset of every partition in fs.
func (s *clientSub) markProcessed(fs kgo.Fetches) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		last := p.Records[len(p.Records)-1]
		if s.pending[p.Topic] == nil {
			s.pending[p.Topic] = make(map[int32]kgo.EpochOffset)
		}
		s.pending[p.Topic][p.Partition] = kgo.EpochOffset{Epoch: last.LeaderEpoch, Offset: last.Offset + 1}
	})
}

// markHeld marks for commit, per partition, the offset of the first
// record the handler still holds, or else the offset after the last one
// fetched; and pauses partitions the handler holds too much of.
func (s *clientSub) markHeld(fs kgo.Fetches) {
	if s.fetched == nil {
		s.fetched = make(map[string]map[int32]kgo.EpochOffset)
		s.marked = make(map[string]map[int32]int64)
		s.paused = make(map[string]map[int32]bool)
	}
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		last := p.Records[len(p.Records)-1]
		if s.fetched[p.Topic] == nil {
			s.fetched[p.Topic] = make(map[int32]kgo.EpochOffset)
		}
		s.fetched[p.Topic][p.Partition] = kgo.EpochOffset{Epoch: last.LeaderEpoch, Offset: last.Offset + 1}
	})
	var pause, resume map[string][]int32
	s.mu.Lock()
	for t, ps := range s.fetched {
		for p, eo := range ps {
			first, n := s.opts.Held(t, p)
			if first >= 0 {
				eo.Offset = min(eo.Offset, first)
			}
			if s.opts.MaxHeld > 0 {
				switch {
				case n >= s.opts.MaxHeld && !s.paused[t][p]:
					if pause == nil {
						pause = map[string][]int32{}
					}
					pause[t] = append(pause[t], p)
					if s.paused[t] == nil {
						s.paused[t] = map[int32]bool{}
					}
					s.paused[t][p] = true
				case n < s.opts.MaxHeld/2 && s.paused[t][p]:
					if resume == nil {
						resume = map[string][]int32{}
					}
					resume[t] = append(resume[t], p)
					delete(s.paused[t], p)
				}
			}
			if m, ok := s.marked[t][p]; ok && m == eo.Offset {
				continue
			}
			if s.marked[t] == nil {
				s.marked[t] = make(map[int32]int64)
			}
			s.marked[t][p] = eo.Offset
			if !s.opts.NoCommit {
				if s.pending[t] == nil {
					s.pending[t] = make(map[int32]kgo.EpochOffset)
				}
				s.pending[t][p] = eo
			}
		}
	}
	s.mu.Unlock()
	if pause != nil {
		s.cl.PauseFetchPartitions(pause)
	}
	if resume != nil {
		s.cl.ResumeFetchPartitions(resume)
	}
}

// commitPending commits the processed offsets (only of the given
// partitions when only is non-nil) and forgets those that were accepted.
func (s *clientSub) commitPending(ctx context.Context, only map[string][]int32) error {
	s.mu.Lock()
	toCommit := make(map[string]map[int32]kgo.EpochOffset)
	for t, ps := range s.pending {
		for p, eo := range ps {
			if only == nil || slices.Contains(only[t], p) {
				if toCommit[t] == nil {
					toCommit[t] = make(map[int32]kgo.EpochOffset)
				}
				toCommit[t][p] = eo
			}
		}
	}
	s.mu.Unlock()
	if len(toCommit) == 0 {
		return nil
	}
	var reqErr error
	var partErrs []error
	s.cl.CommitOffsetsSync(ctx, toCommit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			reqErr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if e := kerr.ErrorForCode(p.ErrorCode); e != nil {
					partErrs = append(partErrs, fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, e))
					delete(toCommit[t.Topic], p.Partition) // stays pending
				}
			}
		}
	})
	if reqErr != nil {
		return reqErr
	}
	s.mu.Lock()
	for t, ps := range toCommit {
		for p, eo := range ps {
			// A newer batch may have been processed meanwhile.
			if cur, ok := s.pending[t][p]; ok && cur == eo {
				delete(s.pending[t], p)
			}
		}
		if len(s.pending[t]) == 0 {
			delete(s.pending, t)
		}
	}
	s.mu.Unlock()
	return errors.Join(partErrs...)
}

// onRevoked commits what was processed on the partitions being taken away,
// before another member starts on them.
func (s *clientSub) onRevoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	if s.transactional {
		// Exactly-once: what was not committed in a transaction is
		// redone by the next owner from the committed state.
		s.forget(revoked)
		return
	}
	if s.opts.BeforeRevoke != nil {
		s.opts.BeforeRevoke()
	}
	if s.opts.Held != nil {
		s.markHeld(nil) // what the handler holds now
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	if err := s.commitPending(ctx, revoked); err != nil {
		s.logf("kafka: group %s commit on revoke: %v", s.opts.Group, err)
	}
	s.forget(revoked)
}

// onLost drops pending offsets: the partitions already belong to someone
// else, so a commit would fail or rewind their progress.
func (s *clientSub) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	s.forget(lost)
}

// onAssigned tells the subscriber of its new partitions.
func (s *clientSub) onAssigned(_ context.Context, cl *kgo.Client, assigned map[string][]int32) {
	if p := s.protocol.Load(); p != nil {
		_, gen := cl.GroupMetadata()
		s.logf("kafka: group %s generation %d: protocol %s assigned %s", s.opts.Group, gen, *p, describeAssignment(assigned))
	}
	if s.opts.OnAssign != nil {
		for t, ps := range assigned {
			s.opts.OnAssign(t, ps)
		}
	}
	if s.opts.OnAssigned != nil {
		s.opts.OnAssigned()
	}
	s.waitMu.Lock()
	if s.endWait != nil {
		s.endWait()
	} else {
		s.assignedBetween = true
	}
	s.waitMu.Unlock()
}

func (s *clientSub) forget(parts map[string][]int32) {
	if s.opts.OnRevoke != nil {
		for t, ps := range parts {
			s.opts.OnRevoke(t, ps)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, ps := range parts {
		for _, p := range ps {
			delete(s.pending[t], p)
			delete(s.fetched[t], p)
			delete(s.marked[t], p)
			if s.paused[t][p] {
				delete(s.paused[t], p)
				s.cl.ResumeFetchPartitions(map[string][]int32{t: {p}})
			}
		}
		if len(s.pending[t]) == 0 {
			delete(s.pending, t)
		}
	}
}

// Close stops polling, waits for the in-flight batch, commits what was
// processed and leaves the group.
func (s *clientSub) Close() error {
	s.closeOnce.Do(s.cancel)
	<-s.done
	return s.closeErr
}

func (s *clientSub) Done() <-chan struct{} { return s.done }

// ResetPosition says where a partition without a committed offset is
// read from under Latest (see startWithoutCommit); latestAt is set before
// the subscription runs and never changed.
func (s *clientSub) ResetPosition(topic string, partition int32) (int64, bool) {
	if s.opts.Reset == Earliest || slices.Contains(s.opts.EarliestTopics, topic) {
		return 0, false
	}
	end, ok := s.latestAt[topic][partition]
	return end, ok
}

// LatestAt returns a copy of the end offsets partitions without a
// committed offset start at under Latest (nil under Earliest).
func (s *clientSub) LatestAt() map[string]map[int32]int64 {
	if s.latestAt == nil {
		return nil
	}
	out := make(map[string]map[int32]int64, len(s.latestAt))
	for t, ps := range s.latestAt {
		out[t] = maps.Clone(ps)
	}
	return out
}

// Pause stops fetching every topic of the subscription. Topics paused
// this way stay paused across rebalances and apart from the partitions
// markHeld pauses and resumes; records already fetched stay buffered.
func (s *clientSub) Pause() { s.cl.PauseFetchTopics(s.opts.Topics...) }

// Resume fetches the subscription's topics again.
func (s *clientSub) Resume() { s.cl.ResumeFetchTopics(s.opts.Topics...) }

func (s *clientSub) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// startWithoutCommit places the partitions that have no committed offset
// (a negative offset is the reset position): EarliestTopics at their
// start, others under Latest at the end offsets listed at Subscribe
// (latestAt; a partition created since keeps the reset).
func (s *clientSub) startWithoutCommit(_ context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	for t, ps := range offsets {
		earliest := slices.Contains(s.opts.EarliestTopics, t)
		for p, o := range ps {
			if o.EpochOffset().Offset >= 0 {
				continue
			}
			if earliest {
				ps[p] = kgo.NewOffset().AtStart()
			} else if end, ok := s.latestAt[t][p]; ok {
				ps[p] = kgo.NewOffset().At(end)
			}
		}
	}
	return offsets, nil
}
