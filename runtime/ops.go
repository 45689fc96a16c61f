package runtime

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/state"
)

// Rec is a row travelling through the operators with its record context.
type Rec struct {
	Row       []any
	Ts        int64
	Headers   []kafka.Header
	Partition int32
	// Tombstone marks a deletion (tables) or a null value (streams); Row
	// then holds the key columns and nulls.
	Tombstone bool
	// Retract marks a row whose earlier contribution must be removed
	// (table aggregations; see TableChanges).
	Retract bool
	// Old, when set, is the row this one replaces (a table update): an
	// aggregation removes Old's contribution and adds Row's in one step,
	// emitting one result, as Kafka Streams does since KIP-904.
	Old []any
	// Windowed rows carry their window bounds (windowed keys).
	Windowed               bool
	WindowStart, WindowEnd int64
	// NoKey marks a row read from a record without key bytes. A sink
	// writes no key for it while its key columns are all still null, so a
	// null key stays null rather than becoming a key whose columns are
	// null (which formats that wrap the key write as a present record).
	NoKey bool
}

// Op is one operator. It processes r and calls the next operator itself;
// it may reuse or replace r.Row but must not keep it past the call.
type Op interface {
	Process(t *Task, r *Rec)
}

// Filter drops rows failing Pred. On a table, a key whose row passed
// before and now fails (or is deleted) is deleted downstream with a
// tombstone; a key that never passed emits nothing.
type Filter struct {
	Pred    *expr.Compiled
	IsTable bool
	// Step names the filter for the processing log: "WhereFilter", or
	// "Aggregate.HavingFilter".
	Step string
	// NumKey is the number of leading key columns of a table's rows;
	// KeySlots, when set, name the key slots instead.
	NumKey   int
	KeySlots []int
	Next     Op

	passed map[string]bool // table keys whose current row passed
	dirty  map[string]bool
	store  string
	keyBuf []byte
	// back, when set, holds passed in the local store, passed being a
	// cache of it.
	back *storeCache
}

func (f *Filter) storeName() string { return f.store }

func (f *Filter) stateEntries() int64 {
	if f.back != nil {
		return -1
	}
	return int64(len(f.passed))
}

func (f *Filter) attach(s state.Store, cacheLimit int) error {
	if f.passed == nil {
		f.passed = map[string]bool{}
	}
	f.back = newStoreCache(s, cacheLimit)
	return nil
}

func (f *Filter) evict() {
	if f.back != nil {
		f.passed = trim(f.back, f.passed, f.dirty)
	}
}

func (f *Filter) held() int64 { return int64(len(f.passed)) }

// stored tells whether key k's row passed, as the store says; cached.
func (f *Filter) stored(k string) bool {
	_, ok := f.back.get(k)
	if ok {
		f.passed[k] = true
	}
	return ok
}

func (f *Filter) markDirty(k []byte) { f.dirtyKey(string(k)) }

func (f *Filter) dirtyKey(k string) {
	if f.dirty == nil {
		f.dirty = map[string]bool{}
	}
	f.dirty[k] = true
}

func (f *Filter) flushChanges(put func(k, v []byte)) error {
	for k := range f.dirty {
		if f.passed[k] || (f.back != nil && f.stored(k)) {
			put([]byte(k), []byte{1})
		} else {
			put([]byte(k), nil)
		}
	}
	clear(f.dirty)
	if f.back != nil {
		return f.back.err
	}
	return nil
}

func (f *Filter) restoreEntry(k, v []byte) error {
	if f.passed == nil {
		f.passed = map[string]bool{}
	}
	if v == nil {
		delete(f.passed, string(k))
	} else {
		f.passed[string(k)] = true
	}
	return nil
}

func (f *Filter) Process(t *Task, r *Rec) {
	t.step = f.Step
	if !f.IsTable {
		// A stream's null value passes a plain projection but not a filter.
		if !r.Tombstone {
			if b, _ := f.Pred.Value(&t.ectx, r.Row).(bool); b {
				f.Next.Process(t, r)
			}
		}
		return
	}
	if f.passed == nil {
		f.passed = map[string]bool{}
	}
	passed := f.passed
	if f.KeySlots != nil {
		f.keyBuf = f.keyBuf[:0]
		for _, s := range f.KeySlots {
			f.keyBuf = appendKey(f.keyBuf, r.Row[s:s+1])
		}
	} else {
		f.keyBuf = appendKey(f.keyBuf[:0], r.Row[:f.NumKey])
	}
	if r.Windowed {
		f.keyBuf = fmt.Appendf(f.keyBuf, "@%d/%d", r.WindowStart, r.WindowEnd)
	}
	pass := false
	if !r.Tombstone {
		pass, _ = f.Pred.Value(&t.ectx, r.Row).(bool)
	}
	k := string(f.keyBuf)
	was := passed[k]
	if !was && f.back != nil {
		was = f.stored(k)
	}
	switch {
	case pass:
		if !was {
			passed[k] = true
			f.dirtyKey(k)
			if f.back != nil {
				f.back.set(k)
			}
		}
		f.Next.Process(t, r)
	case was:
		delete(passed, k)
		f.dirtyKey(k)
		if f.back != nil {
			f.back.deleted(k)
		}
		r.Tombstone = true
		f.Next.Process(t, r)
	}
}

// Rekey re-keys rows for PARTITION BY: the new row is the Keys values
// followed by the slots listed in Carry.
type Rekey struct {
	Keys []*expr.Compiled
	// KeyOnly[i] is set when Keys[i] reads only key columns, so it still
	// has a value for a record whose value is null.
	KeyOnly []bool
	Carry   []int
	Next    Op
	buf     []any
}

func (k *Rekey) Process(t *Task, r *Rec) {
	t.step = stepPartitionBy
	if k.buf == nil {
		k.buf = make([]any, len(k.Keys)+len(k.Carry))
	}
	nr := k.buf
	for i, e := range k.Keys {
		if r.Tombstone && !k.KeyOnly[i] {
			nr[i] = nil // a null value has no fields to key by
			continue
		}
		nr[i] = e.Value(&t.ectx, r.Row)
	}
	n := len(k.Keys)
	for i, slot := range k.Carry {
		nr[n+i] = r.Row[slot]
	}
	r.Row = nr
	r.NoKey = false // the key is computed now, even if all its columns are null
	k.Next.Process(t, r)
}

// Project computes the output row. For a tombstone only the first NumKey
// expressions (the key) are evaluated.
type Project struct {
	Exprs  []*expr.Compiled
	NumKey int
	// KeyOnly marks expressions that read only key columns: they keep
	// their value on a tombstone (push queries over tables).
	KeyOnly []bool
	// Step names the projection for the processing log: "Project", or
	// "Aggregate.Project" after an aggregation.
	Step string
	Next Op
	buf  []any
}

func (p *Project) Process(t *Task, r *Rec) {
	t.step = p.Step
	if p.buf == nil {
		p.buf = make([]any, len(p.Exprs))
	}
	out := p.buf
	for i, e := range p.Exprs {
		if r.Tombstone && i >= p.NumKey && (p.KeyOnly == nil || !p.KeyOnly[i]) {
			out[i] = nil
			continue
		}
		out[i] = e.Value(&t.ectx, r.Row)
	}
	r.Row = out
	p.Next.Process(t, r)
}

// TopicSink encodes rows and queues them for the topic; the task produces
// the queue when the batch ends.
type TopicSink struct {
	Topic string
	// Step names the sink for the processing log, as ksqlDB's loggers
	// do: the sink source's name ("OUT"; its serializer "OUT.serializer").
	Step       string
	KeySerde   serde.Serde
	ValueSerde serde.Serde
	NumKey     int
	// Timestamp, when set, takes the output record time from a column of
	// the output row.
	Timestamp *TimestampSpec
	// Window is the windowed key layout: "" (none), Session, or a time
	// window kind.
	Window string
	// Partitions is the topic's partition count, which a windowed sink
	// needs: Kafka Streams places a windowed key by the murmur2 of its
	// key without the window (WindowedStreamPartitioner), so every window
	// of a key lands in one partition. 0 leaves placement to the producer.
	Partitions int32
	// KeyFromInput writes the current input record's key bytes as the
	// output's key instead of encoding the row's key columns: the
	// planner sets it where those columns copy the input's key and the
	// two key formats write every value they read as the bytes it was
	// read from (serde.SameBytes).
	KeyFromInput bool
	// FailOnError stops the query at a row it cannot serialize
	// (ksql.fail.on.production.error, true by default as in ksqlDB), so
	// no output is silently missing; otherwise the row goes to the
	// processing log and the query goes on.
	FailOnError bool
}

// serializeError handles a row the sink cannot serialize.
func (s *TopicSink) serializeError(t *Task, err error) {
	if s.FailOnError {
		// Kafka Streams' words: the processing of the input record
		// failed, because the sink could not serialize its output.
		at := ""
		if t.cur != nil {
			at = fmt.Sprintf(" (input %s, partition %d, offset %d)", t.cur.Topic, t.cur.Partition, t.cur.Offset)
		}
		t.fail(fmt.Errorf("Exception caught in process%s: Unable to serialize record for topic %s: %w", at, s.Topic, err))
		return
	}
	t.step = s.Step + ".serializer"
	t.report("SERIALIZATION_ERROR", err)
}

func (s *TopicSink) Process(t *Task, r *Rec) {
	t.outs++ // published with the batch (publishStats)
	var key []byte
	if s.KeyFromInput {
		key = t.cur.Key
	} else if !r.NoKey || !allNull(r.Row[:s.NumKey]) {
		var err error
		if key, err = t.out.encode(s.KeySerde, r.Row[:s.NumKey]); err != nil {
			s.serializeError(t, fmt.Errorf("key: %w", err))
			return
		}
	}
	partition := int32(-1)
	if s.Window != "" && r.Windowed {
		if s.Partitions > 0 && key != nil {
			partition = kafka.KeyPartition(key, s.Partitions)
		}
		key = AppendWindow(key, s.Window, r.WindowStart, r.WindowEnd)
	}
	var value []byte
	ts := r.Ts
	if !r.Tombstone {
		var err error
		value, err = t.out.encode(s.ValueSerde, r.Row[s.NumKey:])
		if err != nil {
			s.serializeError(t, fmt.Errorf("value: %w", err))
			return
		}
		if s.Timestamp != nil {
			v, ok := s.Timestamp.Extract(r.Row[s.Timestamp.Column])
			if !ok {
				t.step = s.Step
				t.report("RECORD_PROCESSING_ERROR", fmt.Errorf("output %w", s.Timestamp.invalid(r.Row[s.Timestamp.Column])))
				return // a record needs a valid time
			}
			ts = v
		}
	}
	t.pending = append(t.pending, kafka.Record{
		Topic: s.Topic, Partition: partition, Key: key, Value: value, Timestamp: ts, Headers: r.Headers,
	})
}

// EmitSink hands rows to a transient query's client. Emit returns false
// to stop the query (LIMIT reached, client gone). A stream's null values
// are not rows of a push query, so DropTombstones drops them.
type EmitSink struct {
	Emit           func(row []any, tombstone bool) bool
	DropTombstones bool
	// DropKeyless drops rows read from records without a key, as
	// ksqlDB's scalable push queries do over a stream with key columns.
	DropKeyless bool
}

func (s *EmitSink) Process(t *Task, r *Rec) {
	if (r.Tombstone && s.DropTombstones) || (r.NoKey && s.DropKeyless) {
		return
	}
	t.stats.Out.Add(1)
	if !s.Emit(r.Row, r.Tombstone) {
		t.stop = true
	}
}

// AppendWindow appends a windowed key's suffix: the 8-byte big-endian
// start for time windows, end then start for session windows.
func AppendWindow(key []byte, kind string, start, end int64) []byte {
	if kind == Session {
		key = binary.BigEndian.AppendUint64(key, uint64(end))
	}
	return binary.BigEndian.AppendUint64(key, uint64(start))
}

// SplitWindow strips a windowed key's suffix. Time windows store only the
// start; their end is start+size.
func SplitWindow(key []byte, kind string, size int64) (inner []byte, start, end int64, err error) {
	n := 8
	if kind == Session {
		n = 16
	}
	if len(key) < n {
		return nil, 0, 0, fmt.Errorf("windowed key of %d bytes is shorter than its %d-byte window", len(key), n)
	}
	inner = key[:len(key)-n]
	if kind == Session {
		end = int64(binary.BigEndian.Uint64(key[len(key)-16:]))
		start = int64(binary.BigEndian.Uint64(key[len(key)-8:]))
		return inner, start, end, nil
	}
	start = int64(binary.BigEndian.Uint64(key[len(key)-8:]))
	end = start + size
	if end < start {
		end = math.MaxInt64
	}
	return inner, start, end, nil
}

// allNull reports whether every value is null.
func allNull(vals []any) bool {
	for _, v := range vals {
		if v != nil {
			return false
		}
	}
	return true
}
