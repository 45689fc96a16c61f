package runtime

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/internal/box"
	"github.com/eddysql/eddy/internal/smalldec"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// ProcessingError is one entry of the processing log.
type ProcessingError struct {
	QueryID   string
	Kind      string // DESERIALIZATION_ERROR, RECORD_PROCESSING_ERROR, SERIALIZATION_ERROR
	Topic     string
	Partition int32
	Offset    int64
	Err       error
	// Target is "key" or "value" for a record whose key or value did not
	// deserialize, and Record those bytes (ksqlDB's RECORDB64, written
	// only when the log includes rows).
	Target string
	Record []byte
	// Logger names the plan step that met the error as ksqlDB's logger
	// names do below processing.<query id> ("KsqlTopic.Source.deserializer",
	// "Project", "OUT.serializer"); "" when no step applies.
	Logger string
}

func (e ProcessingError) String() string {
	return fmt.Sprintf("%s in query %s at %s/%d@%d: %v", e.Kind, e.QueryID, e.Topic, e.Partition, e.Offset, e.Err)
}

// ProcessingLog says where records that could not be processed are
// described. The query goes on; the log says why. Report is called for
// each (the server log); when Topic is set, a record made by Encode is
// also written there, with the outputs of the batch.
type ProcessingLog struct {
	Report func(ProcessingError)
	Topic  string
	Encode func(ProcessingError) []byte
}

// Task runs one instance of a topology's operators over the records of
// one partition number of its inputs (co-partitioned inputs share a task,
// as in Kafka Streams). It owns its operators' state, its scratch rows and
// its input buffers; one goroutine at a time drives it.
type Task struct {
	topo      *Topology
	log       *ProcessingLog
	stats     *TaskStats
	partition int32
	inst      *instance
	inputs    map[string]*Input
	rows      map[string][]any // source row per topic, reused
	// lastTopic's input and row: records come in runs of one topic, and
	// two map look-ups per record showed in q1's profile (~3%).
	lastTopic string
	lastIn    *Input
	lastRow   []any
	ectx      expr.Context
	cur       *kafka.Record // the record being processed, for error reports and provenance
	// step names the plan step now processing the record as ksqlDB's
	// processing loggers do (Logger): set as a record enters each step
	// that can report, a string header's copy, so that an expression
	// error reported through ectx says where it happened.
	step string
	// provenance: rows this task repartitions say which input record
	// they came from (flagProvenance), for a query that commits.
	provenance bool
	inputIndex map[string]int32 // by topic: the input's place in the topology
	rec        Rec              // reused per record
	pending    []kafka.Record   // outputs of the current batch
	// outs counts the rows topic sinks emitted since publishStats last
	// added them to stats.Out: one atomic add per batch, not per row.
	outs   int64
	stream *outStream // takes pending over as it fills (nil: at the commit)
	stop   bool       // set when a transient sink wants no more rows
	failed error      // set (with stop) when the query cannot go on
	// yielded is set when drain stopped with records left because the
	// outputs held for a transaction reached txnOutputs.
	yielded bool
	// words boxes the per-record pseudo columns (ROWTIME, ROWOFFSET)
	// and out holds encoded keys and values: shared blocks instead of
	// allocations per record.
	words box.Int64s
	out   outBlock
	// slab boxes a stateless task's decoded keys and values, for the
	// same reason.
	slab serde.Slab
	// decimals boxes a stateless task's DECIMAL arithmetic results.
	decimals smalldec.Slab
	// recycles: the task fills the blocks of words, out, slab and
	// decimals again once a batch's outputs are produced, rather than
	// new ones (see rowsDieAtFlush and recycle); reported says that a
	// processing error since the last produce may hold one of the
	// values, which rules it out that time.
	recycles bool
	reported bool
	// partitionBox is boxedPartition in an interface (see boxPartition).
	partitionBox   any
	boxedPartition int32

	// gate, when closed, holds back the inputs other than the tables read
	// back from a repartition topic (see feedGate).
	gate *feedGate

	queues []*inputQueue // one per input partition, in topology order
	byTP   map[tp]*inputQueue
	// lastQueue is the queue queue last returned: a fetch's records
	// mostly come from one partition, and the map's key hashes a string.
	lastQueue *inputQueue

	// Changelogs (persistent stateful queries).
	stores    []*taskStore
	seq       uint64           // the batch being written
	skipBelow map[string]int64 // per tp key: input records already in the restored state
	done      map[string]int64 // per tp key: next offset after what was processed (see doneOffsets)
	// uncommitted is, per input partition, the first offset processed
	// since the last commit: the subscription commits no further while
	// the query defers its commits (output caching).
	uncommitted map[tp]int64
	// stateSampled is when the state's size was last measured.
	stateSampled time.Time
}

// tp names one partition of one input.
type tp struct {
	topic     string
	partition int32
}

// key is the name a marker records the partition's offset under.
func (k tp) key() string { return fmt.Sprintf("%s/%d", k.topic, k.partition) }

func newTask(topo *Topology, log *ProcessingLog, stats *TaskStats, partition int32) *Task {
	inst := instantiate(topo)
	t := &Task{topo: topo, log: log, stats: stats, partition: partition, inst: inst, inputs: inst.inputs,
		rows: map[string][]any{}, byTP: map[tp]*inputQueue{}, done: map[string]int64{}, uncommitted: map[tp]int64{}}
	t.inputIndex = make(map[string]int32, len(topo.Inputs))
	for i, in := range topo.Inputs {
		if in.Source != nil {
			t.rows[in.Topic()] = make([]any, in.Source.Width())
		}
		t.inputIndex[in.Topic()] = int32(i)
	}
	t.ectx.OnError = func(err error) { t.report("RECORD_PROCESSING_ERROR", err) }
	t.ectx.ReuseArgs = true // a task evaluates on one goroutine at a time
	if len(inst.states) == 0 {
		// Rows die with their record, as for the slab (see decode).
		t.ectx.Decimals = &t.decimals
		t.ectx.Words = &t.words
		t.ectx.Strings = &t.slab
	}
	t.recycles = rowsDieAtFlush(topo, inst)
	return t
}

// rowsDieAtFlush reports whether nothing a task of topo decodes, boxes
// or encodes outlives the produce of the batch's outputs, so that its
// blocks can be written again after it: the rule for recycling, in one
// place. It holds for a persistent query without state whose every
// operator only passes rows on (filters, projections, re-keying, table
// functions) to topic sinks, which copy them into record bytes. Any
// other operator may keep a row (state, a transient query's client, a
// repartition read back by the same task), so it rules recycling out,
// as does an operator not listed here. Processing errors are ruled out
// per batch (see recycle).
func rowsDieAtFlush(topo *Topology, inst *instance) bool {
	if len(inst.states) > 0 || topo.NoCommit {
		return false
	}
	seen := map[Op]bool{}
	for _, in := range inst.inputs {
		if in.Internal != nil || in.Source == nil {
			return false
		}
		for op := in.Next; op != nil && !seen[op]; {
			seen[op] = true
			switch v := op.(type) {
			case *Filter:
				if v.IsTable {
					return false
				}
			case *Project, *Rekey, *NullSlots, *KeepSlots, *TableFunctions:
			case *TopicSink:
				op = nil
				continue
			default:
				return false
			}
			next := NextOps(op)
			if len(next) != 1 {
				return false
			}
			op = next[0]
		}
	}
	return true
}

// recycle is called once the task's outputs are written, produced says
// whether they were (the cluster acknowledged them and keeps no
// reference to their bytes). A task whose rows die at the flush then
// writes its blocks again; when the produce failed or a processing error
// may hold one of the batch's values, it leaves the blocks filled so far
// to the collector instead.
func (t *Task) recycle(produced bool) {
	if !t.recycles {
		return
	}
	if produced && !t.reported && len(t.pending) == 0 {
		t.words.Recycle()
		t.out.recycle()
		t.slab.Recycle()
		t.decimals.Recycle()
	} else {
		t.words.Forget()
		t.out.forget()
		t.slab.Forget()
		t.decimals.Forget()
	}
	t.reported = false
}

// queue returns the buffer of one input partition, making it on first use.
func (t *Task) queue(topic string, partition int32) *inputQueue {
	if q := t.lastQueue; q != nil && q.partition == partition && q.topic == topic {
		return q
	}
	k := tp{topic, partition}
	if q := t.byTP[k]; q != nil {
		t.lastQueue = q
		return q
	}
	if t.inputs[topic] == nil {
		return nil
	}
	q := &inputQueue{tp: k, name: k.key(), next: -1, end: -1, bootstrapTo: -1,
		stats: t.stats.partition(topic, partition, t.inputs[topic].Internal != nil)}
	t.queues = append(t.queues, q)
	// Topology order, then partition, so ties between equal timestamps
	// break the same way every run.
	order := map[string]int{}
	for i, in := range t.topo.Inputs {
		order[in.Topic()] = i
	}
	slices.SortFunc(t.queues, func(a, b *inputQueue) int {
		if c := cmp.Compare(order[a.topic], order[b.topic]); c != 0 {
			return c
		}
		return cmp.Compare(a.partition, b.partition)
	})
	t.byTP[k] = q
	return q
}

// inputQueue buffers the fetched, unprocessed records of one input
// partition of a task.
type inputQueue struct {
	tp
	name string // tp.key(), made once: formatting it per record cost two allocations
	// buf points at the buffered records: the last borrowed of them
	// into the batch being handled (copying each record in cost as much
	// as a projection's encoding), the others at copies the queue owns.
	buf      []*kafka.Record
	borrowed int
	// store is buf's whole backing array, kept when buf drains so that
	// the next batch reuses it instead of growing a new one.
	store []*kafka.Record
	next  int64 // offset after the last record buffered or skipped; -1 unknown
	end   int64 // where the partition's readable data ends, as last seen; -1 unknown
	// bootstrapTo: the table side of a stream-table join is read up to
	// here before any other input of the task is processed.
	bootstrapTo  int64
	waitingSince time.Time
	// answers counts the fetches that reported this partition's end;
	// answersAtWait is the count when the current wait began.
	answers, answersAtWait int
	stats                  *PartitionStats
	// uncommitted mirrors whether the task's uncommitted map holds this
	// partition, sparing a lookup per record.
	uncommitted bool
	// consumed counts the records processed since publishStats last
	// added them to stats.Consumed.
	consumed int64
	// done is the offset after the last record processed (0: none yet),
	// which doneOffsets copies into the task's done map: one map write
	// when it is read instead of one per record.
	done int64
	// txnCommitted is the offset the query's last transaction committed
	// for this partition (exactly-once; 0: none since the task started).
	txnCommitted int64
}

// commitOffset is the offset to commit for the partition once what was
// processed is written: after the last record processed, or, when nothing
// is buffered, the position reached, past the transaction markers (and
// records the restored state already held) read after it, as Kafka
// Streams commits the consumer's position (KAFKA-6607): a drained input
// written in transactions then has no lag left. 0: nothing processed.
func (q *inputQueue) commitOffset() int64 {
	if q.done > 0 && len(q.buf) == 0 && q.next > q.done {
		return q.next
	}
	return q.done
}

// maxKeptQueue bounds the records' backing array a drained queue keeps
// for the next batch (a few fetches' worth).
const maxKeptQueue = 1 << 15

func (q *inputQueue) lagging() bool { return q.next >= 0 && q.end > q.next }

// quiet reports whether nothing of the task waits on time: no record
// held, no input behind its end or bootstrapping, and nothing processed
// that a commit has not yet written.
func (t *Task) quiet() bool {
	if len(t.pending) > 0 || len(t.uncommitted) > 0 || t.cacheBytes() > 0 {
		return false
	}
	for _, q := range t.queues {
		if len(q.buf) > 0 || q.bootstrapTo >= 0 || q.lagging() {
			return false
		}
	}
	return true
}

// Eval is the expression context operators evaluate with.
func (t *Task) Eval() *expr.Context { return &t.ectx }

// enqueue buffers a fetched record, or drops it when the restored state
// already includes it. The queue borrows rec until keepBorrowed.
func (t *Task) enqueue(rec *kafka.Record) {
	q := t.queue(rec.Topic, rec.Partition)
	if q == nil {
		return
	}
	q.next = max(q.next, rec.Offset+1)
	q.end = max(q.end, q.next)
	if below, ok := t.skipBelow[q.name]; ok && rec.Offset < below {
		t.stats.Reread.Add(1)
		return
	}
	if len(q.buf) == 0 {
		q.buf = q.store[:0]
	}
	if n := len(q.buf); n == cap(q.buf) && 2*n <= cap(q.store) {
		// A queue drained from the front but never empty (a task waiting
		// on its other inputs) reaches the end of its array with room
		// before it: move the records there rather than grow.
		q.buf = q.store[:copy(q.store[:n], q.buf)]
		clear(q.store[n:cap(q.store)]) // the moved records' old places
	}
	c := cap(q.buf)
	q.buf = append(q.buf, rec)
	q.borrowed++
	if cap(q.buf) != c && cap(q.buf) <= maxKeptQueue {
		q.store = q.buf[:0] // append moved buf to a new array
	}
}

// keepBorrowed copies the records still buffered that point into the
// batch being handled, which its caller reuses once the handler
// returns. Most batches are processed whole, so this copies little.
func (t *Task) keepBorrowed() {
	for _, q := range t.queues {
		n := min(q.borrowed, len(q.buf))
		q.borrowed = 0
		if n == 0 {
			continue
		}
		own := make([]kafka.Record, n)
		tail := q.buf[len(q.buf)-n:]
		for i, r := range tail {
			own[i] = *r
			tail[i] = &own[i]
		}
	}
	t.cur = nil
}

// held reports the first offset of an input partition that must not be
// committed yet (-1: none) — the first record processed since the last
// commit, else the first buffered — and how many records are buffered.
func (t *Task) held(topic string, partition int32) (int64, int) {
	k := tp{topic, partition}
	first := int64(-1)
	if o, ok := t.uncommitted[k]; ok {
		first = o
	}
	q := t.byTP[k]
	if q == nil || len(q.buf) == 0 {
		return first, 0
	}
	if first < 0 {
		first = q.buf[0].Offset
	}
	return first, len(q.buf)
}

// doneOffsets returns, per input partition key, the offset after the
// last record processed (or restored).
func (t *Task) doneOffsets() map[string]int64 {
	for _, q := range t.queues {
		if q.done > 0 {
			t.done[q.name] = q.done
		}
	}
	for _, in := range t.inputs {
		if in.Internal != nil {
			in.Internal.noteTaken(t.done)
		}
	}
	return t.done
}

// clearUncommitted forgets the first offsets processed since the last
// commit, once a commit wrote them.
func (t *Task) clearUncommitted() {
	clear(t.uncommitted)
	for _, q := range t.queues {
		q.uncommitted = false
	}
}

// maxLagWait bounds how long a task waits for an input that reports more
// data than it delivers (compacted gaps may end a partition below its
// high watermark), once fetches answered for it since the wait began:
// an input whose fetch is merely slow (a loaded server starting many
// queries) must be waited for, or the others' records overtake its
// earlier ones and a stream-stream join misses their matches.
const maxLagWait = 2 * time.Second

// lagAnswers is how many fetches must report an input, while it waits
// with nothing delivered, before maxLagWait gives up on it: a fetch full
// of other partitions' records may report one without its records.
const lagAnswers = 2

// maxSilentWait bounds the wait when no fetch reports the input at all
// (an incremental fetch session leaves out partitions that did not
// change).
const maxSilentWait = 30 * time.Second

// drain processes buffered records in timestamp order across the task's
// inputs, as Kafka Streams does: the record with the smallest timestamp
// next, except that it waits while an empty input still has data to fetch
// (it could hold an earlier record), and that the table side of a
// stream-table join is first read up to where it ended when the task
// started, so rows already in the table are there for the stream.
func (t *Task) drain(now time.Time) {
	for !t.stop {
		var pick *inputQueue
		wait := false
		for _, q := range t.queues {
			if q.bootstrapTo < 0 {
				continue
			}
			switch {
			case len(q.buf) > 0 && q.buf[0].Offset < q.bootstrapTo:
				pick = q
			case q.next >= q.bootstrapTo:
				q.bootstrapTo = -1
			case t.waitFor(q, now):
				return
			default:
				q.bootstrapTo = -1
			}
			if pick != nil {
				break
			}
		}
		if pick == nil {
			for _, q := range t.queues {
				if t.gate.holds(q.topic) {
					continue
				}
				if len(q.buf) == 0 {
					if q.lagging() && t.waitFor(q, now) {
						wait = true
					}
					continue
				}
				if pick == nil || q.buf[0].Timestamp < pick.buf[0].Timestamp {
					pick = q
				}
			}
		}
		if pick == nil || wait {
			return
		}
		t.processHead(pick)
		if t.stream.due(t) {
			t.stream.send(t)
		} else if t.stream.holdsFull(t) {
			t.yielded = true
			return
		}
	}
}

// publishStats adds the records processed and the rows emitted since
// its last call to the shared counters, which readers see a batch at a
// time: two atomic adds per record cost the engine alone about 7% of q0's
// CPU per record.
func (t *Task) publishStats() {
	if t.outs > 0 {
		t.stats.Out.Add(t.outs)
		t.outs = 0
	}
	for _, q := range t.queues {
		if q.consumed > 0 {
			q.stats.Consumed.Add(q.consumed)
			q.consumed = 0
		}
	}
}

// processHead processes the first record buffered for q.
func (t *Task) processHead(q *inputQueue) {
	rec := q.buf[0]
	q.consumed++
	t.process(rec)
	t.cur = nil // rec may be borrowed
	// A wait for this input (maxLagWait) counts from its last progress,
	// not from the first time it ran dry: a table read in many fetches
	// while a task bootstraps must not be abandoned halfway.
	q.waitingSince = time.Time{}
	q.done = rec.Offset + 1
	if !q.uncommitted {
		t.uncommitted[q.tp] = rec.Offset
		q.uncommitted = true
	}
	q.buf[0] = nil
	q.buf = q.buf[1:]
}

// waitFor reports whether the task should keep waiting for q's data.
func (t *Task) waitFor(q *inputQueue, now time.Time) bool {
	if q.waitingSince.IsZero() {
		q.waitingSince, q.answersAtWait = now, q.answers
	}
	waited := now.Sub(q.waitingSince)
	if waited < maxSilentWait && (waited < maxLagWait || q.answers-q.answersAtWait < lagAnswers) {
		return true
	}
	q.end = q.next // give up on what the partition claimed to have
	return false
}

// boxWord puts a pseudo column's value in an interface. A stateless
// task boxes it into a shared block (no allocation per value); a task
// with state boxes it on its own, since a row kept in a join or table
// state would otherwise pin a whole block of other records' values.
func (t *Task) boxWord(v int64) any {
	if len(t.inst.states) == 0 {
		return t.words.Box(v)
	}
	return v
}

// boxPartition puts a ROWPARTITION value in an interface, boxed once
// for the partition the task last saw: Go boxes an int32 from 0 to 255
// without allocating, but not a larger partition (or the -1 of records
// fed without one).
func (t *Task) boxPartition(p int32) any {
	if t.partitionBox == nil || p != t.boxedPartition {
		t.boxedPartition, t.partitionBox = p, p
	}
	return t.partitionBox
}

// decode decodes a source record's key or value. A stateless task boxes
// the values into its slab, as boxWord does its words.
func (t *Task) decode(s serde.Serde, data []byte, dst []any) error {
	if d, ok := s.(serde.SlabDecoder); ok && len(t.inst.states) == 0 {
		return d.DecodeSlab(data, dst, &t.slab)
	}
	return s.Decode(data, dst)
}

// fail stops the task on an error the query cannot go past: its batch
// is not committed, and the query stops with err.
func (t *Task) fail(err error) {
	t.report("RECORD_PROCESSING_ERROR", err)
	if t.failed == nil {
		t.failed = err
	}
	t.stop = true
}

// report sends the current record to the processing log.
func (t *Task) report(kind string, err error) {
	t.reportRecord(kind, "", nil, err)
}

// reportRecord is report for the key or value (target) of a record whose
// bytes (b) did not deserialize.
func (t *Task) reportRecord(kind, target string, b []byte, err error) {
	t.reported = true
	t.stats.Errors.Add(1)
	if t.cur != nil {
		// Counted on the input partition the record came from, so a
		// source's errors show where they happen (DESCRIBE EXTENDED).
		if q := t.byTP[tp{t.cur.Topic, t.cur.Partition}]; q != nil {
			q.stats.Errors.Add(1)
			q.stats.LastError.Store(time.Now().UnixMilli())
		}
	}
	if t.log == nil {
		return
	}
	pe := ProcessingError{QueryID: t.topo.ID, Kind: kind, Err: err, Target: target, Record: b, Logger: t.step}
	if kind == "DESERIALIZATION_ERROR" && target != "" {
		pe.Logger += ".deserializer" // the source's serde, below its step
	}
	if t.cur != nil {
		pe.Topic, pe.Partition, pe.Offset = t.cur.Topic, t.cur.Partition, t.cur.Offset
	}
	if t.log.Report != nil {
		t.log.Report(pe)
	}
	if t.log.Topic != "" && t.log.Encode != nil {
		// Written with the batch, so a flood of bad records costs no
		// extra round trips.
		t.pending = append(t.pending, kafka.Record{Topic: t.log.Topic, Partition: -1, Value: t.log.Encode(pe), Timestamp: time.Now().UnixMilli()})
	}
}

// process decodes one input record and runs it through its chain.
func (t *Task) process(rec *kafka.Record) {
	in, row := t.lastIn, t.lastRow
	if in == nil || rec.Topic != t.lastTopic {
		if in = t.inputs[rec.Topic]; in == nil {
			return
		}
		row = t.rows[rec.Topic]
		t.lastTopic, t.lastIn, t.lastRow = rec.Topic, in, row
	}
	t.cur, t.step = rec, in.Step
	if in.Internal != nil {
		in.Internal.process(t, rec)
		return
	}
	src := in.Source
	for i := range row {
		row[i] = nil
	}
	key := rec.Key
	var wstart, wend int64
	if src.Window != "" && key != nil {
		var err error
		if key, wstart, wend, err = SplitWindow(key, src.Window, src.WindowSize); err != nil {
			t.reportRecord("DESERIALIZATION_ERROR", "key", rec.Key, fmt.Errorf("key: %w", err))
			return
		}
	}
	if err := t.decode(src.KeySerde, key, row[:src.NumKey]); err != nil {
		t.reportRecord("DESERIALIZATION_ERROR", "key", rec.Key, fmt.Errorf("key: %w", err))
		return
	}
	if src.IsTable && rec.Key == nil && src.NumKey > 0 {
		return // a table drops records without a key
	}
	tombstone := rec.Value == nil
	if !tombstone {
		err := t.decode(src.ValueSerde, rec.Value, row[src.NumKey:src.NumKey+src.NumValue])
		switch {
		case err == nil: // the common case, without errors.Is's call
		case errors.Is(err, serde.ErrNull):
			tombstone = true // bytes that encode null, e.g. JSON `null`
		case err != nil:
			t.reportRecord("DESERIALIZATION_ERROR", "value", rec.Value, fmt.Errorf("value: %w", err))
			return
		}
	}
	for i, h := range src.Headers {
		row[src.NumKey+src.NumValue+i] = headerValue(rec.Headers, h)
	}
	ts := rec.Timestamp
	if src.Timestamp != nil && !tombstone {
		v, ok := src.Timestamp.Extract(row[src.Timestamp.Column])
		if !ok {
			err := src.Timestamp.invalid(row[src.Timestamp.Column])
			if src.Timestamp.Fatal {
				t.fail(fmt.Errorf("Fatal user code error in TimestampExtractor callback for record (topic %s, partition %d, offset %d): %w", rec.Topic, rec.Partition, rec.Offset, err))
				return
			}
			t.report("RECORD_PROCESSING_ERROR", err)
			return
		}
		ts = v
	}
	if ts < 0 {
		t.report("RECORD_PROCESSING_ERROR", fmt.Errorf("negative timestamp %d", ts))
		return
	}
	if !src.NoRowMeta {
		row[src.PseudoIndex(PseudoRowtime)] = t.boxWord(ts)
		row[src.PseudoIndex(PseudoRowPartition)] = t.boxPartition(rec.Partition)
		row[src.PseudoIndex(PseudoRowOffset)] = t.boxWord(rec.Offset)
	}
	t.rec = Rec{Row: row, Ts: ts, Headers: rec.Headers, Partition: rec.Partition, Tombstone: tombstone, NoKey: rec.Key == nil}
	if src.Window != "" {
		row[src.PseudoIndex(PseudoWindowStart)] = wstart
		row[src.PseudoIndex(PseudoWindowEnd)] = wend
		t.rec.Windowed, t.rec.WindowStart, t.rec.WindowEnd = true, wstart, wend
	}
	in.Next.Process(t, &t.rec)
}

// headerValue fills a header column: one header's last value as BYTES, or
// all headers as ARRAY<STRUCT<KEY, VALUE>>.
func headerValue(hs []kafka.Header, h HeaderColumn) any {
	if h.Key != "" {
		var v any
		for _, x := range hs {
			if x.Key == h.Key {
				v = x.Value
			}
		}
		if b, ok := v.([]byte); ok && b == nil {
			return nil
		}
		return v
	}
	arr := make([]any, len(hs))
	for i, x := range hs {
		var v any
		if x.Value != nil {
			v = x.Value
		}
		arr[i] = types.StructVal{x.Key, v}
	}
	return arr
}
