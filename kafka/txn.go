package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Exactly-once is one seam: a subscription made with a TransactionalID
// consumes with a transactional franz-go client, and its handler ends
// each unit of work with Transact, which writes the records it produces
// and commits the input offsets it names in one Kafka transaction
// (Kafka's exactly_once_v2: the group's generation fences a member that
// lost its partitions, the transactional ID fences an earlier incarnation
// of the same member). Such a subscription never commits offsets any
// other way. Every eddy consumer reads read_committed, so records of an
// open or aborted transaction are never seen.

// Transactor is implemented by subscriptions made with a TransactionalID.
type Transactor interface {
	// Transact runs fn inside a transaction: the records fn writes
	// through produce (which fills in their partitions and offsets) and
	// the offsets fn returns (per topic and partition, the next offset
	// to consume) commit together, or none of them does. It must be
	// called from the subscription's handler. A transaction that cannot
	// commit (fn failed, the member was fenced or lost its partitions)
	// is aborted and reported as an error wrapping ErrTxnAborted.
	Transact(ctx context.Context, fn func(produce func(...Record) error) (map[string]map[int32]int64, error)) error
}

type transactorKey struct{}

// TransactorFrom returns the Transactor of the exactly-once subscription
// whose handler got ctx, or nil.
func TransactorFrom(ctx context.Context) Transactor {
	t, _ := ctx.Value(transactorKey{}).(Transactor)
	return t
}

// ErrTxnAborted reports a transaction that was aborted instead of
// committed: nothing it wrote is visible and its offsets did not move.
var ErrTxnAborted = errors.New("transaction aborted")

// Transact implements Transactor for an exactly-once subscription. It
// drives the transaction itself rather than through kgo's
// GroupTransactSession, which commits every offset polled (a handler may
// hold polled records it has not processed) and aborts the first
// transaction after any rebalance (ours happen only between handler
// calls, never inside a transaction).
func (s *clientSub) Transact(ctx context.Context, fn func(produce func(...Record) error) (map[string]map[int32]int64, error)) error {
	if !s.transactional {
		return fmt.Errorf("group %s: the subscription is not transactional", s.opts.Group)
	}
	if err := s.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("group %s: begin transaction: %w", s.opts.Group, err)
	}
	produced := false
	// The first record written to each partition this subscription has
	// not seen a commit on yet, to confirm the commit by.
	var unconfirmed map[topicPartition]Record
	produce := func(recs ...Record) error {
		if len(recs) == 0 {
			return nil
		}
		produced = true
		if err := produceSync(ctx, s.cl, recs); err != nil {
			return err
		}
		var prev topicPartition
		for i, r := range recs {
			tp := topicPartition{r.Topic, r.Partition}
			if i > 0 && tp == prev {
				continue // a run of one partition's records: looked up once
			}
			prev = tp
			if _, ok := unconfirmed[tp]; !ok && !s.confirmed[tp] {
				if unconfirmed == nil {
					unconfirmed = map[topicPartition]Record{}
				}
				unconfirmed[tp] = r
			}
		}
		return nil
	}
	offsets, err := fn(produce)
	if err == nil && !produced {
		// Nothing written: the offsets alone commit atomically, and
		// Kafka has no transaction to end.
		if err = s.cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
			return fmt.Errorf("group %s: end an empty transaction: %w", s.opts.Group, err)
		}
		return s.commitOffsets(ctx, offsets)
	}
	if err == nil {
		err = s.txnCommitOffsets(ctx, offsets)
	}
	if err != nil {
		if aerr := abortTxn(ctx, s.cl); aerr != nil {
			return fmt.Errorf("group %s: %w: %w (abort: %w)", s.opts.Group, ErrTxnAborted, err, aerr)
		}
		return fmt.Errorf("group %s: %w: %w", s.opts.Group, ErrTxnAborted, err)
	}
	if err := s.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		// The outcome is unknown to us; aborting is what Kafka allows
		// next, and it fences nothing that committed.
		abortTxn(ctx, s.cl)
		return fmt.Errorf("group %s: %w: end transaction: %w", s.opts.Group, ErrTxnAborted, err)
	}
	if len(unconfirmed) > 0 {
		if err := s.c.confirmCommitted(ctx, slices.Collect(maps.Values(unconfirmed))); err != nil {
			return fmt.Errorf("group %s: %w: %w", s.opts.Group, ErrTxnAborted, err)
		}
		if s.confirmed == nil {
			s.confirmed = map[topicPartition]bool{}
		}
		for tp := range unconfirmed {
			s.confirmed[tp] = true
		}
	}
	return nil
}

// topicPartition names one partition of a topic.
type topicPartition struct {
	topic     string
	partition int32
}

// abortTxn ends cl's open transaction by aborting it, even when ctx is
// done (Close cancels a handler's context, maybe halfway through a
// transaction): one left open would hold back every read_committed
// reader of what it wrote until the next incarnation fences it or it
// times out, and no incarnation follows a terminated query.
func abortTxn(ctx context.Context, cl *kgo.Client) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeout)
	defer cancel()
	return cl.EndTransaction(actx, kgo.TryAbort)
}

// txnCommitOffsets adds the group's offsets to the open transaction, as
// the member of the generation that owns the partitions (a member that
// lost them is refused with ILLEGAL_GENERATION).
func (s *clientSub) txnCommitOffsets(ctx context.Context, offsets map[string]map[int32]int64) error {
	if len(offsets) == 0 {
		return nil
	}
	id, epoch, err := s.cl.ProducerID(ctx)
	if err != nil {
		return fmt.Errorf("producer id: %w", err)
	}
	add := kmsg.NewPtrAddOffsetsToTxnRequest()
	add.TransactionalID, add.ProducerID, add.ProducerEpoch, add.Group = s.opts.TransactionalID, id, epoch, s.opts.Group
	addResp, err := add.RequestWith(ctx, s.cl)
	if err != nil {
		return fmt.Errorf("add offsets to transaction: %w", err)
	}
	if err := kerr.ErrorForCode(addResp.ErrorCode); err != nil {
		return fmt.Errorf("add offsets to transaction: %w", err)
	}
	s.lookupTopicIDs(ctx, offsets)
	member, generation := s.cl.GroupMetadata()
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	req.TransactionalID, req.Group, req.ProducerID, req.ProducerEpoch = s.opts.TransactionalID, s.opts.Group, id, epoch
	req.MemberID, req.Generation = member, generation
	for topic, parts := range offsets {
		rt := kmsg.NewTxnOffsetCommitRequestTopic()
		rt.Topic, rt.TopicID = topic, s.topicIDs[topic]
		for p, o := range parts {
			rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
			rp.Partition, rp.Offset, rp.LeaderEpoch = p, o, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return fmt.Errorf("commit offsets in transaction: %w", err)
	}
	var errs []error
	for _, t := range resp.Topics {
		topic := t.Topic
		if topic == "" {
			topic = s.topicNamed(t.TopicID) // newer versions answer by ID
		}
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				errs = append(errs, fmt.Errorf("commit offsets in transaction: %s/%d: %w", topic, p.Partition, err))
			}
		}
	}
	return errors.Join(errs...)
}

// topicNamed returns the name of the topic of ID id, as looked up for
// the transactional offset commits.
func (s *clientSub) topicNamed(id [16]byte) string {
	for name, tid := range s.topicIDs {
		if tid == id {
			return name
		}
	}
	return fmt.Sprintf("topic %x", id)
}

// commitOffsets commits offsets outside a transaction.
func (s *clientSub) commitOffsets(ctx context.Context, offsets map[string]map[int32]int64) error {
	if len(offsets) == 0 {
		return nil
	}
	eo := make(map[string]map[int32]kgo.EpochOffset, len(offsets))
	for t, ps := range offsets {
		eo[t] = make(map[int32]kgo.EpochOffset, len(ps))
		for p, o := range ps {
			eo[t][p] = kgo.EpochOffset{Epoch: -1, Offset: o}
		}
	}
	var errs []error
	s.cl.CommitOffsetsSync(ctx, eo, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if e := kerr.ErrorForCode(p.ErrorCode); e != nil {
					errs = append(errs, fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, e))
				}
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("group %s: commit: %w", s.opts.Group, err)
	}
	return nil
}

// lookupTopicIDs fills in the IDs of topics not seen yet (transactional
// offset commits name topics by ID in newer protocol versions).
func (s *clientSub) lookupTopicIDs(ctx context.Context, offsets map[string]map[int32]int64) {
	var missing []string
	for topic := range offsets {
		if _, ok := s.topicIDs[topic]; !ok {
			missing = append(missing, topic)
		}
	}
	if len(missing) == 0 {
		return
	}
	for t, id := range s.c.topicIDs(ctx, missing) {
		s.topicIDs[t] = id
	}
}

// transactionalOpts are the consumer options of an exactly-once
// subscription, beside those of every group subscription.
func (c *Client) transactionalOpts(id string) []kgo.Opt {
	return append(producerOpts(c.codec, 0),
		kgo.TransactionalID(id),
		kgo.RequireStableFetchOffsets(),
		kgo.TransactionTimeout(queryTxnTimeout),
	)
}

// queryTxnTimeout is how long the broker lets a query's transaction stay
// open before aborting it: Kafka Streams' default under exactly-once. It
// bounds how long a frozen server, or one killed and started again under
// another transactional ID (its data directory lost), holds back the
// readers of its outputs; a batch's transaction lasts milliseconds.
const queryTxnTimeout = 10 * time.Second

// topicIDs looks up the IDs of the topics that exist (transactional
// offset commits name topics by ID in newer protocol versions).
func (c *Client) topicIDs(ctx context.Context, topics []string) map[string][16]byte {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	out := map[string][16]byte{}
	details, err := c.adm.ListTopics(ctx, topics...)
	if err != nil {
		return out
	}
	for name, d := range details {
		if d.Err == nil {
			out[name] = d.ID
		}
	}
	return out
}

// ErrFenced reports that another writer took the transactional ID while
// WriteExclusive ran: nothing was written, and the caller may try again.
var ErrFenced = errors.New("another writer took over")

// ExclusiveWriter is implemented by clusters that can make one writer of
// a transactional ID the only one for the span of a write.
type ExclusiveWriter interface {
	// WriteExclusive takes the transactional ID id (fencing and
	// aborting any other writer holding it), calls fn, and writes the
	// records fn returns in one transaction. Another writer taking the
	// ID before the commit makes it fail with ErrFenced, its records
	// never visible. fn's error aborts the write and is returned as is.
	WriteExclusive(ctx context.Context, id string, fn func(ctx context.Context) ([]Record, error)) error
}

// WriteExclusive implements ExclusiveWriter with a short-lived
// transactional client: taking the ID bumps its epoch, which is what
// fences the previous holder. A commit kgo ended as an abort (see
// confirmCommitted) wrote nothing, so it is tried again here, fn
// included, rather than handed to the caller as a fencing it was not.
func (c *Client) WriteExclusive(ctx context.Context, id string, fn func(ctx context.Context) ([]Record, error)) error {
	const attempts = 3
	for i := 1; ; i++ {
		err := c.writeExclusiveOnce(ctx, id, fn)
		if !errors.Is(err, errCommitLost) {
			return err
		}
		if i == attempts {
			// Nothing was written: the caller may try again, as
			// after being fenced.
			return fmt.Errorf("%w: %w", ErrFenced, err)
		}
		if c.cfg.Logf != nil {
			c.cfg.Logf("%v; writing again", err)
		}
	}
}

// writeExclusiveOnce is one transaction of WriteExclusive.
func (c *Client) writeExclusiveOnce(ctx context.Context, id string, fn func(ctx context.Context) ([]Record, error)) error {
	cl, err := kgo.NewClient(append(slices.Clone(c.base),
		compressionOpt(c.codec),
		kgo.TransactionalID(id),
		kgo.RecordPartitioner(newProducerPartitioner()),
		kgo.ProducerLinger(0),
		// A writer that dies mid-write holds readers back until the
		// next writer fences it, or this long.
		kgo.TransactionTimeout(30*time.Second),
	)...)
	if err != nil {
		return fmt.Errorf("exclusive writer %s: %w", id, err)
	}
	defer cl.Close()
	fenced := func(err error) error {
		// Another writer's InitProducerID bumped the epoch (fenced),
		// or is aborting our transaction while we write (invalid
		// state, concurrent transactions).
		if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) ||
			errors.Is(err, kerr.InvalidTxnState) || errors.Is(err, kerr.ConcurrentTransactions) ||
			errors.Is(err, kerr.TransactionAbortable) {
			return fmt.Errorf("%w: %w", ErrFenced, err)
		}
		return err
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		return fmt.Errorf("exclusive writer %s: %w", id, fenced(err))
	}
	if err := cl.BeginTransaction(); err != nil {
		return fmt.Errorf("exclusive writer %s: %w", id, err)
	}
	recs, err := fn(ctx)
	if err == nil {
		if err = produceSync(ctx, cl, recs); err != nil {
			err = fmt.Errorf("exclusive writer %s: %w", id, fenced(err))
		}
	}
	if err != nil {
		abortTxn(ctx, cl)
		return err
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("exclusive writer %s: %w", id, fenced(err))
	}
	// Its records were aborted (errCommitLost, written again above),
	// or we could not tell: the caller may try again as after being
	// fenced.
	if err := c.confirmCommitted(ctx, firstPerPartition(recs)); err != nil {
		if errors.Is(err, errCommitLost) {
			return fmt.Errorf("exclusive writer %s: %w", id, err)
		}
		return fmt.Errorf("exclusive writer %s: %w: %w", id, ErrFenced, err)
	}
	return nil
}

// errCommitLost reports a transaction kgo said it committed whose
// records read_committed readers never see.
var errCommitLost = errors.New("the commit was reported but the transaction was aborted")

// confirmCommitted checks that the transaction that wrote recs (one
// record per partition is enough: a transaction's records share its
// fate) committed. kgo v1.22's EndTransaction can end a transaction it
// was asked to commit with an abort and return nil: it commits only
// when it finds one of the transaction's partitions marked written, and
// on a client's first produce to a topic that mark was seen missing:
// under -race and load, about one first write in a few hundred, the
// produce succeeds on a partition EndTransaction then finds the topic
// without (its debug log: the produce marks the partition added, the
// topic shows zero partitions when the transaction ends). Callers check
// what they cannot afford to lose silently.
func (c *Client) confirmCommitted(ctx context.Context, recs []Record) error {
	for _, r := range recs {
		seen := false
		_, err := c.ReadPartitionsDecided(ctx, r.Topic, map[int32]int64{r.Partition: r.Offset}, func(got Record) error {
			seen = got.Offset == r.Offset
			return errStopRead
		})
		if err != nil && !errors.Is(err, errStopRead) {
			return fmt.Errorf("confirm the commit of %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
		}
		if !seen {
			return fmt.Errorf("%s/%d@%d: %w", r.Topic, r.Partition, r.Offset, errCommitLost)
		}
	}
	return nil
}

// errStopRead ends a read early from its record function.
var errStopRead = errors.New("read far enough")

// firstPerPartition returns the first of recs written to each partition.
func firstPerPartition(recs []Record) []Record {
	var out []Record
	seen := map[topicPartition]bool{}
	for _, r := range recs {
		tp := topicPartition{r.Topic, r.Partition}
		if seen[tp] {
			continue
		}
		seen[tp] = true
		out = append(out, r)
	}
	return out
}
