package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
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
	// DropNullKeys drops rows whose key has a null (GROUP BY does).
	DropNullKeys bool
	// KeySerde, when set, writes the key in the format of the other join
	// side's topic, so equal keys hash to partitions of the same number
	// (co-partitioning); otherwise eddy's row encoding keys the record.
	KeySerde serde.Serde

	keys []any
}

func (p *Repartition) Process(t *Task, r *Rec) {
	if r.Old != nil {
		p.processChange(t, r)
		return
	}
	key, ok := p.key(t, r.Row)
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
	oldKey, oldOK := p.key(t, r.Old)
	newKey, newOK := p.key(t, r.Row)
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
)

// key encodes a row's repartition key; false drops the row (a null key
// under DropNullKeys, or a key that does not encode).
func (p *Repartition) key(t *Task, row []any) ([]byte, bool) {
	if p.keys == nil {
		p.keys = make([]any, len(p.Keys))
	}
	for i, k := range p.Keys {
		p.keys[i] = k.Eval(&t.ectx, row)
		if p.keys[i] == nil && p.DropNullKeys {
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
	if r.Windowed {
		value = append(value, flag|flagWindowed)
		value = binary.AppendVarint(value, r.WindowStart)
		value = binary.AppendVarint(value, r.WindowEnd)
	} else {
		value = append(value, flag)
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
}

func (c *TableChanges) storeName() string { return c.store }

func (c *TableChanges) stateEntries() int64 { return int64(len(c.prev)) }

func (c *TableChanges) markDirty(k []byte) {
	if c.dirty == nil {
		c.dirty = map[string]bool{}
	}
	c.dirty[string(k)] = true
}

func (c *TableChanges) flushChanges(put func(k, v []byte)) error {
	for k := range c.dirty {
		row, ok := c.prev[k]
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
	if r.Tombstone {
		if had {
			delete(prev, k)
			rec := Rec{Row: old, Ts: r.Ts, Headers: r.Headers, Partition: r.Partition, Retract: true}
			c.Next.Process(t, &rec)
		}
		return
	}
	row := append([]any(nil), r.Row...)
	prev[k] = row
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
