package runtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/eddysql/eddy/expr"
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

// Task runs a topology's operator chains for one record at a time. It
// owns its scratch rows, so one goroutine (the subscription's) drives it.
type Task struct {
	topo    *Topology
	log     *ProcessingLog
	stats   *Stats
	inputs  map[string]*Input
	rows    map[string][]any // source row per topic, reused
	ectx    expr.Context
	cur     *kafka.Record  // the record being processed, for error reports
	rec     Rec            // reused per record
	pending []kafka.Record // outputs of the current batch
	stop    bool           // set when a transient sink wants no more rows
}

func newTask(topo *Topology, log *ProcessingLog, stats *Stats) *Task {
	t := &Task{topo: topo, log: log, stats: stats, inputs: map[string]*Input{}, rows: map[string][]any{}}
	for _, in := range topo.Inputs {
		t.inputs[in.Topic()] = in
		if in.Source != nil {
			t.rows[in.Topic()] = make([]any, in.Source.Width())
		}
	}
	t.ectx.OnError = func(err error) { t.report("RECORD_PROCESSING_ERROR", err) }
	return t
}

// Eval is the expression context operators evaluate with.
func (t *Task) Eval() *expr.Context { return &t.ectx }

// report sends the current record to the processing log.
func (t *Task) report(kind string, err error) {
	t.stats.Errors.Add(1)
	if t.log == nil {
		return
	}
	pe := ProcessingError{QueryID: t.topo.ID, Kind: kind, Err: err}
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
	in := t.inputs[rec.Topic]
	if in == nil {
		return
	}
	t.cur = rec
	if in.Internal != nil {
		in.Internal.process(t, rec)
		return
	}
	t.stats.In.Add(1)
	src := in.Source
	row := t.rows[rec.Topic]
	for i := range row {
		row[i] = nil
	}
	key := rec.Key
	var wstart, wend int64
	if src.Window != "" && key != nil {
		var err error
		if key, wstart, wend, err = SplitWindow(key, src.Window, src.WindowSize); err != nil {
			t.report("DESERIALIZATION_ERROR", fmt.Errorf("key: %w", err))
			return
		}
	}
	if err := src.KeySerde.Decode(key, row[:src.NumKey]); err != nil {
		t.report("DESERIALIZATION_ERROR", fmt.Errorf("key: %w", err))
		return
	}
	if src.IsTable && rec.Key == nil && src.NumKey > 0 {
		return // a table drops records without a key
	}
	tombstone := rec.Value == nil
	if !tombstone {
		err := src.ValueSerde.Decode(rec.Value, row[src.NumKey:src.NumKey+src.NumValue])
		switch {
		case errors.Is(err, serde.ErrNull):
			tombstone = true // bytes that encode null, e.g. JSON `null`
		case err != nil:
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
