package runtime

import (
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/kafka"
)

// ProcessingError is one entry of the processing log.
type ProcessingError struct {
	QueryID   string
	Kind      string // DESERIALIZATION_ERROR, RECORD_PROCESSING_ERROR, SERIALIZATION_ERROR
	Topic     string
	Partition int32
	Offset    int64
	Err       error
}

func (e ProcessingError) String() string {
	return fmt.Sprintf("%s in query %s at %s/%d@%d: %v", e.Kind, e.QueryID, e.Topic, e.Partition, e.Offset, e.Err)
}

// ProcessingLog receives records that could not be processed. The query
// goes on; the log says why.
type ProcessingLog func(ProcessingError)

// task runs a topology's operator chain for one record at a time. It owns
// its scratch rows, so it is not safe for concurrent use: one goroutine
// (the subscription's) drives it.
type task struct {
	topo  *Topology
	log   ProcessingLog
	stats *Stats

	row   []any // source row, reused
	rekey []any // re-keyed row (PARTITION BY), reused
	out   []any // output row, reused
	ectx  expr.Context
	cur   *kafka.Record // the record being processed, for error reports

	pending []kafka.Record // outputs of the current batch
	stop    bool           // set when a transient sink wants no more rows
}

func newTask(topo *Topology, log ProcessingLog, stats *Stats) *task {
	t := &task{
		topo:  topo,
		log:   log,
		stats: stats,
		row:   make([]any, topo.Source.Width()),
		out:   make([]any, len(topo.Project)),
	}
	if topo.Reshape {
		t.rekey = make([]any, len(topo.Rekey)+len(topo.Carry))
	}
	t.ectx.OnError = func(err error) { t.report("RECORD_PROCESSING_ERROR", err) }
	return t
}

func (t *task) report(kind string, err error) {
	t.stats.Errors.Add(1)
	if t.log == nil {
		return
	}
	pe := ProcessingError{QueryID: t.topo.ID, Kind: kind, Err: err}
	if t.cur != nil {
		pe.Topic, pe.Partition, pe.Offset = t.cur.Topic, t.cur.Partition, t.cur.Offset
	}
	t.log(pe)
}

// process runs one input record through the chain; outputs for Kafka
// sinks are appended to t.pending.
func (t *task) process(rec *kafka.Record) {
	t.cur = rec
	t.stats.In.Add(1)
	src := t.topo.Source
	row := t.row
	for i := range row {
		row[i] = nil
	}
	if err := src.KeySerde.Decode(rec.Key, row[:src.NumKey]); err != nil {
		t.report("DESERIALIZATION_ERROR", fmt.Errorf("key: %w", err))
		return
	}
	tombstone := rec.Value == nil
	if tombstone && src.IsTable && rec.Key == nil {
		return // a table drops records without a key
	}
	if src.IsTable && rec.Key == nil && src.NumKey > 0 {
		return
	}
	if !tombstone {
		if err := src.ValueSerde.Decode(rec.Value, row[src.NumKey:src.NumKey+src.NumValue]); err != nil {
			t.report("DESERIALIZATION_ERROR", fmt.Errorf("value: %w", err))
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
			t.report("RECORD_PROCESSING_ERROR", fmt.Errorf("invalid timestamp in column %d: %v", src.Timestamp.Column, row[src.Timestamp.Column]))
			return
		}
		ts = v
	}
	if ts < 0 {
		t.report("RECORD_PROCESSING_ERROR", fmt.Errorf("negative timestamp %d", ts))
		return
	}
	row[src.PseudoIndex(PseudoRowtime)] = ts
	row[src.PseudoIndex(PseudoRowPartition)] = rec.Partition
	row[src.PseudoIndex(PseudoRowOffset)] = rec.Offset

	if tombstone {
		// A stream's null value passes a plain projection but not a filter.
		if t.topo.Where == nil || src.IsTable {
			t.emitTombstone(t.reshape(row), rec, ts)
		}
		return
	}
	if w := t.topo.Where; w != nil {
		if b, _ := w.Eval(&t.ectx, row).(bool); !b {
			if src.IsTable {
				// A table row that no longer passes the filter is deleted
				// downstream.
				t.emitTombstone(row, rec, ts)
			}
			return
		}
	}
	row = t.reshape(row)
	out := t.out
	for i, p := range t.topo.Project {
		out[i] = p.Eval(&t.ectx, row)
	}
	t.emit(out, false, rec, ts)
}

// reshape re-keys a source row for PARTITION BY; other rows pass as is.
func (t *task) reshape(row []any) []any {
	if !t.topo.Reshape {
		return row
	}
	nr := t.rekey
	for i, k := range t.topo.Rekey {
		nr[i] = k.Eval(&t.ectx, row)
	}
	n := len(t.topo.Rekey)
	for i, slot := range t.topo.Carry {
		nr[n+i] = row[slot]
	}
	return nr
}

// emitTombstone forwards a deletion: tables delete the key, streams pass
// the null value through (semantics: CSAS SELECT * keeps null values).
func (t *task) emitTombstone(row []any, rec *kafka.Record, ts int64) {
	out := t.out
	nk := t.topo.Sink.NumKey
	for i := range out {
		out[i] = nil
	}
	for i := 0; i < nk && i < len(t.topo.Project); i++ {
		out[i] = t.topo.Project[i].Eval(&t.ectx, row)
	}
	t.emit(out, true, rec, ts)
}

func (t *task) emit(out []any, tombstone bool, rec *kafka.Record, ts int64) {
	sink := t.topo.Sink
	t.stats.Out.Add(1)
	if sink.Emit != nil {
		if !sink.Emit(out, tombstone) {
			t.stop = true
		}
		return
	}
	key, err := sink.KeySerde.Encode(out[:sink.NumKey])
	if err != nil {
		t.report("SERIALIZATION_ERROR", fmt.Errorf("key: %w", err))
		return
	}
	var value []byte
	if !tombstone {
		value, err = sink.ValueSerde.Encode(out[sink.NumKey:])
		if err != nil {
			t.report("SERIALIZATION_ERROR", fmt.Errorf("value: %w", err))
			return
		}
	}
	if sink.Timestamp != nil && !tombstone {
		if v, ok := sink.Timestamp.Extract(out[sink.Timestamp.Column]); ok {
			ts = v
		}
	}
	t.pending = append(t.pending, kafka.Record{
		Topic: sink.Topic, Partition: -1, Key: key, Value: value, Timestamp: ts, Headers: rec.Headers,
	})
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
		arr[i] = typesStruct(x.Key, v)
	}
	return arr
}
