package runtime

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
)

// Repartition writes rows to an internal topic keyed by Keys, so that all
// rows with the same key meet in one partition, and so on one task, on
// whichever server owns it. A RepartitionSource input reads them back.
//
// Record value: a flag byte (1 = retraction) then the whole row.
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
	if p.keys == nil {
		p.keys = make([]any, len(p.Keys))
	}
	for i, k := range p.Keys {
		p.keys[i] = k.Eval(&t.ectx, r.Row)
		if p.keys[i] == nil && p.DropNullKeys {
			return
		}
	}
	var key []byte
	var err error
	if p.KeySerde != nil {
		key, err = p.KeySerde.Encode(p.keys)
	}
	if p.KeySerde == nil || err != nil {
		key, err = AppendRow(nil, p.keys)
	}
	if err != nil {
		t.report("SERIALIZATION_ERROR", fmt.Errorf("repartition key: %w", err))
		return
	}
	flag := byte(0)
	if r.Retract {
		flag = 1
	}
	value, err := AppendRow([]byte{flag}, r.Row)
	if err != nil {
		t.report("SERIALIZATION_ERROR", fmt.Errorf("repartition value: %w", err))
		return
	}
	if r.Tombstone {
		value = nil
	}
	t.pending = append(t.pending, kafka.Record{
		Topic: p.Topic, Partition: -1, Key: key, Value: value, Timestamp: r.Ts, Headers: r.Headers,
	})
}

// TableChanges turns a table's updates into retractions and additions:
// an update or delete first retracts the key's previous row, then adds
// the new one. Aggregations over tables consume these changes.
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
	k := string(c.keyBuf)
	c.markDirty(c.keyBuf)
	if old, ok := prev[k]; ok {
		delete(prev, k)
		rec := Rec{Row: old, Ts: r.Ts, Headers: r.Headers, Partition: r.Partition, Retract: true}
		c.Next.Process(t, &rec)
	}
	if r.Tombstone {
		return
	}
	row := append([]any(nil), r.Row...)
	prev[k] = row
	rec := *r
	rec.Row = row
	c.Next.Process(t, &rec)
}

// RepartitionInput decodes records of an internal repartition topic and
// feeds them to the next operator.
type RepartitionInput struct {
	Next Op
	row  []any
}

func (in *RepartitionInput) process(t *Task, rec *kafka.Record) {
	if len(rec.Value) < 1 {
		return
	}
	row, _, err := DecodeRow(rec.Value[1:], in.row)
	if err != nil {
		t.report("DESERIALIZATION_ERROR", fmt.Errorf("repartition record: %w", err))
		return
	}
	in.row = row
	r := Rec{Row: row, Ts: rec.Timestamp, Headers: rec.Headers, Partition: rec.Partition, Retract: rec.Value[0] == 1}
	in.Next.Process(t, &r)
}
