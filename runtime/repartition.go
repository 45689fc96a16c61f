package runtime

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/state"
)

// Repartition writes rows to an internal topic keyed by Keys, so that all
// rows with the same key meet in one partition, and so on one task, on
// whichever server owns it. A RepartitionSource input reads them back.
//
// Record value: a flag byte (flagAdd, flagRetract, flagChange, flagDelete,
// with flagWindowed added for a windowed row), the window bounds when
// windowed, then the whole row, or for a change the old row and then the
// new one. A deletion keeps its row so that it still reaches its key's
// state after the topic (a table join side read back); a windowed row
// keeps its window, which is part of its key (a windowed join side).
type Repartition struct {
	Topic string
	Keys  []*expr.Compiled
	// Step names the re-keying for the processing log:
	// "Aggregate.GroupBy", "PartitionBy", or a join side's
	// "LeftSourceKeyed".
	Step string
	// DropNullKeys drops rows whose key has a null (GROUP BY does).
	DropNullKeys bool
	// KeySerde, when set, writes the key in the format of the other join
	// side's topic, so equal keys hash to partitions of the same number
	// (co-partitioning); otherwise eddy's row encoding keys the record.
	KeySerde serde.Serde

	keys []any
	// The input record the last row sent came from, and how many rows
	// it has sent: a row's provenance (see flagProvenance).
	lastTopic string
	lastInput int32 // lastTopic's place among the topology's inputs
	lastPart  int32
	lastOff   int64
	seq       uint64
}

func (p *Repartition) Process(t *Task, r *Rec) {
	t.step = p.Step
	if r.Old != nil {
		p.processChange(t, r)
		return
	}
	// A tombstone has no row to have a null grouping column: its
	// all-null row is not reported as one (ksqlDB skips null values
	// before grouping; the aggregate skips the deletion anyway).
	key, ok := p.key(t, r.Row, !r.Retract && !r.Tombstone)
	if !ok {
		return
	}
	flag := byte(flagAdd)
	switch {
	case r.Tombstone:
		flag = flagDelete
	case r.Retract:
		flag = flagRetract
	}
	p.send(t, r, key, flag, r.Row)
}

// processChange repartitions a table update. While the grouping key is
// unchanged, old and new row travel in one record, so the aggregate
// applies them in one step; when it changed, the old group gets the
// retraction and the new group the addition, in that order (Kafka
// Streams' KTableRepartitionMap since KIP-904).
func (p *Repartition) processChange(t *Task, r *Rec) {
	oldKey, oldOK := p.key(t, r.Old, false) // reported when it was new
	newKey, newOK := p.key(t, r.Row, true)
	if oldOK && newOK && string(oldKey) == string(newKey) {
		p.send(t, r, newKey, flagChange, r.Old, r.Row)
		return
	}
	if oldOK {
		p.send(t, r, oldKey, flagRetract, r.Old)
	}
	if newOK {
		p.send(t, r, newKey, flagAdd, r.Row)
	}
}

// Repartition record value flags: what the rows after the flag byte are
// (the low bits), and whether window bounds come first.
const (
	flagAdd      = 0 // one row to add
	flagRetract  = 1 // one row to retract
	flagChange   = 2 // the old row to retract, then the new row to add
	flagDelete   = 3 // a table row's deletion: its key's row
	flagKind     = 3
	flagWindowed = 4 // window start and end (varints) precede the rows
	// flagProvenance: the input record the row came from precedes the
	// rows (after any window bounds): the writing task's input index,
	// partition and offset, and the row's number among that record's
	// rows. A writer that crashed after sending rows it had not
	// committed sends them again when it replays its input; the reader
	// drops a row not after the last it took from the same input
	// partition, so a count behind a repartition stays exact under
	// at-least-once.
	flagProvenance = 8
)

// key encodes a row's repartition key; false drops the row (a null key
// under DropNullKeys, or a key that does not encode).
func (p *Repartition) key(t *Task, row []any, report bool) ([]byte, bool) {
	if p.keys == nil {
		p.keys = make([]any, len(p.Keys))
	}
	for i, k := range p.Keys {
		p.keys[i] = k.Value(&t.ectx, row)
		if p.keys[i] == nil && p.DropNullKeys {
			if report {
				reportNullGroupKey(t, i)
			}
			return nil, false
		}
	}
	// Keys and values go into the task's shared output blocks, as a
	// sink's do: no allocation per record.
	var key []byte
	var err error
	if p.KeySerde != nil {
		key, err = t.out.encode(p.KeySerde, p.keys)
	}
	if p.KeySerde == nil || err != nil {
		buf, start := t.out.open()
		if buf, err = AppendRow(buf, p.keys); err == nil {
			key = t.out.close(buf, start)
		}
	}
	if err != nil {
		t.report("SERIALIZATION_ERROR", fmt.Errorf("repartition key: %w", err))
		return nil, false
	}
	return key, true
}

// send queues one repartition record: the flag byte, then the rows.
func (p *Repartition) send(t *Task, r *Rec, key []byte, flag byte, rows ...[]any) {
	value, start := t.out.open()
	cur := t.cur
	if !t.provenance || cur == nil {
		cur = nil
	} else {
		flag |= flagProvenance
	}
	if r.Windowed {
		value = append(value, flag|flagWindowed)
		value = binary.AppendVarint(value, r.WindowStart)
		value = binary.AppendVarint(value, r.WindowEnd)
	} else {
		value = append(value, flag)
	}
	if cur != nil {
		if cur.Topic != p.lastTopic {
			p.lastTopic, p.lastInput = cur.Topic, t.inputIndex[cur.Topic]
			p.lastOff = -1
		}
		if cur.Offset != p.lastOff || cur.Partition != p.lastPart {
			p.lastPart, p.lastOff, p.seq = cur.Partition, cur.Offset, 0
		} else {
			p.seq++
		}
		value = binary.AppendUvarint(value, uint64(p.lastInput))
		value = binary.AppendUvarint(value, uint64(cur.Partition))
		value = binary.AppendVarint(value, cur.Offset)
		value = binary.AppendUvarint(value, p.seq)
	}
	for _, row := range rows {
		var err error
		if value, err = AppendRow(value, row); err != nil {
			t.report("SERIALIZATION_ERROR", fmt.Errorf("repartition value: %w", err))
			return
		}
	}
	value = t.out.close(value, start)
	t.pending = append(t.pending, kafka.Record{
		Topic: p.Topic, Partition: -1, Key: key, Value: value, Timestamp: r.Ts, Headers: r.Headers,
	})
}

// TableChanges turns a table's records into changes: a first insert
// adds the row, an update carries the key's previous row as Old beside
// the new one, a delete retracts the previous row. Aggregations over
// tables consume these changes.
type TableChanges struct {
	// KeySlots are the row slots of the table's key.
	KeySlots []int
	Next     Op

	prev   map[string][]any // the current row of each key
	dirty  map[string]bool
	store  string
	keyBuf []byte
	// back, when set, holds prev in the local store, prev being a cache
	// of it.
	back *storeCache
}

func (c *TableChanges) storeName() string { return c.store }

func (c *TableChanges) stateEntries() int64 {
	if c.back != nil {
		return -1
	}
	return int64(len(c.prev))
}

func (c *TableChanges) attach(s state.Store, cacheLimit int) error {
	if c.prev == nil {
		c.prev = map[string][]any{}
	}
	c.back = newStoreCache(s, cacheLimit)
	return nil
}

func (c *TableChanges) evict() {
	if c.back != nil {
		c.prev = trim(c.back, c.prev, c.dirty)
	}
}

func (c *TableChanges) held() int64 { return int64(len(c.prev)) }

// stored reads key k's current row from the store; cached.
func (c *TableChanges) stored(k string) ([]any, bool) {
	v, ok := c.back.get(k)
	if !ok {
		return nil, false
	}
	row, _, err := DecodeRow(v, nil)
	if err != nil {
		c.back.fail(k, err)
		return nil, false
	}
	c.prev[k] = row
	return row, true
}

func (c *TableChanges) markDirty(k []byte) {
	if c.dirty == nil {
		c.dirty = map[string]bool{}
	}
	c.dirty[string(k)] = true
}

func (c *TableChanges) flushChanges(put func(k, v []byte)) error {
	for k := range c.dirty {
		row, ok := c.prev[k]
		if !ok && c.back != nil {
			row, ok = c.stored(k)
		}
		if !ok {
			put([]byte(k), nil)
			continue
		}
		b, err := AppendRow(nil, row)
		if err != nil {
			return err
		}
		put([]byte(k), b)
	}
	clear(c.dirty)
	if c.back != nil {
		return c.back.err
	}
	return nil
}

func (c *TableChanges) restoreEntry(k, v []byte) error {
	if c.prev == nil {
		c.prev = map[string][]any{}
	}
	if v == nil {
		delete(c.prev, string(k))
		return nil
	}
	row, _, err := DecodeRow(v, nil)
	if err != nil {
		return err
	}
	c.prev[string(k)] = row
	return nil
}

func (c *TableChanges) Process(t *Task, r *Rec) {
	if c.prev == nil {
		c.prev = map[string][]any{}
	}
	prev := c.prev
	c.keyBuf = c.keyBuf[:0]
	for _, s := range c.KeySlots {
		c.keyBuf = appendKey(c.keyBuf, r.Row[s:s+1])
	}
	if r.Windowed {
		// A windowed table has a row per key and window.
		c.keyBuf = binary.BigEndian.AppendUint64(c.keyBuf, uint64(r.WindowStart))
		c.keyBuf = binary.BigEndian.AppendUint64(c.keyBuf, uint64(r.WindowEnd))
	}
	k := string(c.keyBuf)
	c.markDirty(c.keyBuf)
	old, had := prev[k]
	if !had && c.back != nil {
		old, had = c.stored(k)
	}
	if r.Tombstone {
		if had {
			delete(prev, k)
			if c.back != nil {
				c.back.deleted(k)
			}
			rec := Rec{Row: old, Ts: r.Ts, Headers: r.Headers, Partition: r.Partition, Retract: true}
			c.Next.Process(t, &rec)
		}
		return
	}
	row := append([]any(nil), r.Row...)
	prev[k] = row
	if c.back != nil {
		c.back.set(k)
	}
	rec := *r
	rec.Row = row
	rec.Old = old // nil for a first insert
	c.Next.Process(t, &rec)
}

// RepartitionInput decodes records of an internal repartition topic and
// feeds them to the next operator.
type RepartitionInput struct {
	Next Op
	row  []any
	old  []any
	rec  Rec // the record passed on; a field, as a local would escape
	// taken is, per partition read and writing input partition, the
	// provenance of the last row taken (offset and row number, packed);
	// loaded from the task's restored marker at the first row.
	taken map[provenanceSource]int64
	topic string // the topic read, once a row is
}

// provenanceSource is an input partition of a writing task, as seen in
// one partition of the repartition topic.
type provenanceSource struct{ read, input, partition int32 }

// provenanceSeqBits is how many low bits of a packed provenance hold
// the row number; a row numbered beyond is taken without the check.
const provenanceSeqBits = 20

// provenancePrefix starts the names under which a task's marker records
// the last rows taken from a repartition topic.
func provenancePrefix(topic string) string { return "\x00" + topic + "<" }

func provenanceKey(topic string, src provenanceSource) string {
	return fmt.Sprintf("%s%d/%d/%d", provenancePrefix(topic), src.read, src.input, src.partition)
}

// duplicate reports whether a row with this provenance was taken
// already, and notes it taken otherwise.
func (in *RepartitionInput) duplicate(t *Task, rec *kafka.Record, src provenanceSource, off int64, seq uint64) bool {
	if seq >= 1<<provenanceSeqBits || off < 0 || off >= 1<<(62-provenanceSeqBits) {
		return false
	}
	if in.taken == nil {
		in.taken, in.topic = map[provenanceSource]int64{}, rec.Topic
		prefix := provenancePrefix(rec.Topic)
		for k, v := range t.done {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				var s provenanceSource
				if _, err := fmt.Sscanf(rest, "%d/%d/%d", &s.read, &s.input, &s.partition); err == nil {
					in.taken[s] = v
				}
			}
		}
	}
	packed := off<<provenanceSeqBits | int64(seq)
	if last, ok := in.taken[src]; ok && packed <= last {
		return true
	}
	in.taken[src] = packed
	return false
}

// noteTaken writes the provenance of the last rows taken into the
// task's done offsets, which its next marker records.
func (in *RepartitionInput) noteTaken(done map[string]int64) {
	for src, v := range in.taken {
		done[provenanceKey(in.topic, src)] = v
	}
}

// forgetTaken drops what the restored marker says was taken from
// input's partitions (the topic was made again: its offsets start over).
func forgetTaken(done map[string]int64, input int32) {
	for k := range done {
		if !strings.HasPrefix(k, "\x00") {
			continue
		}
		var s provenanceSource
		rest := k[strings.IndexByte(k, '<')+1:]
		if _, err := fmt.Sscanf(rest, "%d/%d/%d", &s.read, &s.input, &s.partition); err == nil && s.input == input {
			delete(done, k)
		}
	}
}

func (in *RepartitionInput) process(t *Task, rec *kafka.Record) {
	if len(rec.Value) < 1 {
		return
	}
	flag, rest := rec.Value[0], rec.Value[1:]
	r := &in.rec
	*r = Rec{Ts: rec.Timestamp, Headers: rec.Headers, Partition: rec.Partition}
	if flag&flagWindowed != 0 {
		var n1, n2 int
		r.WindowStart, n1 = binary.Varint(rest)
		if n1 > 0 {
			r.WindowEnd, n2 = binary.Varint(rest[n1:])
		}
		if n1 <= 0 || n2 <= 0 {
			t.report("DESERIALIZATION_ERROR", fmt.Errorf("repartition record: bad window bounds"))
			return
		}
		r.Windowed, rest = true, rest[n1+n2:]
	}
	if flag&flagProvenance != 0 {
		var v [4]int64
		for i := range v {
			var n int
			if i == 2 {
				v[i], n = binary.Varint(rest)
			} else {
				var u uint64
				u, n = binary.Uvarint(rest)
				v[i] = int64(u)
			}
			if n <= 0 {
				t.report("DESERIALIZATION_ERROR", fmt.Errorf("repartition record: bad provenance"))
				return
			}
			rest = rest[n:]
		}
		if in.duplicate(t, rec, provenanceSource{rec.Partition, int32(v[0]), int32(v[1])}, v[2], uint64(v[3])) {
			t.stats.Reread.Add(1)
			return
		}
	}
	flag &= flagKind
	var old []any
	var err error
	if flag == flagChange {
		if old, rest, err = DecodeRow(rest, in.old); err != nil {
			t.report("DESERIALIZATION_ERROR", fmt.Errorf("repartition record: %w", err))
			return
		}
		in.old = old
	}
	row, _, err := DecodeRow(rest, in.row)
	if err != nil {
		t.report("DESERIALIZATION_ERROR", fmt.Errorf("repartition record: %w", err))
		return
	}
	in.row = row
	r.Row, r.Old, r.Retract, r.Tombstone = row, old, flag == flagRetract, flag == flagDelete
	in.Next.Process(t, r)
}
