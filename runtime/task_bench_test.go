package runtime

import (
	goruntime "runtime"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// passThroughTopology decodes a KAFKA string key and a JSON value from
// topic in and writes them, encoded again, to topic out.
func passThroughTopology(tb testing.TB, id string) *Topology {
	tb.Helper()
	ks, err := serde.New(serde.Format{Name: "KAFKA"}, []types.Column{{Name: "K", Type: types.StringType}}, true)
	if err != nil {
		tb.Fatal(err)
	}
	vs, err := serde.New(serde.Format{Name: serde.JSON}, []types.Column{{Name: "V", Type: types.IntType}}, false)
	if err != nil {
		tb.Fatal(err)
	}
	return &Topology{ID: id, Inputs: []*Input{{
		Source: &Source{Topic: "in", KeySerde: ks, ValueSerde: vs, NumKey: 1, NumValue: 1},
		Next:   &TopicSink{Topic: "out", KeySerde: ks, ValueSerde: vs, NumKey: 1},
	}}}
}

// BenchmarkTaskPassThrough runs records through a task's per-record path
// (count, decode, a sink that encodes and queues) with nothing else: what
// the task's counters cost shows here.
func BenchmarkTaskPassThrough(b *testing.B) {
	topo := passThroughTopology(b, "BENCH")
	tk := newTask(topo, nil, newTaskStats(), 0)
	q := tk.queue("in", 0)
	rec := kafka.Record{Topic: "in", Key: []byte("k1"), Value: []byte(`{"V":42}`), Timestamp: 1}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rec.Offset = int64(i)
		q.buf = append(q.buf, &rec)
		tk.processHead(q)
		if len(tk.pending) == 1024 {
			clear(tk.pending)
			tk.pending = tk.pending[:0]
		}
	}
}

// TestTaskAllocsPerRecord bounds the allocations of a task's per-record
// path for a pass-through query (string key, one INT column): neither
// decoding (into the task's slab), the queue, the partition's name, the
// pseudo columns nor the encoded output allocate per record.
func TestTaskAllocsPerRecord(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	topo := passThroughTopology(t, "ALLOCS")
	tk := newTask(topo, nil, newTaskStats(), 0)
	tk.pending = make([]kafka.Record, 0, 1024)
	recs := make([]kafka.Record, 100)
	for i := range recs {
		recs[i] = kafka.Record{Topic: "in", Key: []byte("k1"), Value: []byte(`{"V":4242}`), Timestamp: 1_700_000_000_000}
	}
	off := int64(0)
	batch := func() {
		for i := range recs {
			recs[i].Offset = off
			tk.enqueue(&recs[i])
			off++
		}
		q := tk.queue("in", 0)
		for len(q.buf) > 0 {
			tk.processHead(q)
		}
		clear(tk.pending)
		tk.pending = tk.pending[:0]
	}
	batch()
	perRecord := testing.AllocsPerRun(50, batch) / 100
	// 0.04 today: blocks now and then (4 before decoding went into the
	// slab, 10 before the queue, partition name, pseudo columns and
	// outputs stopped allocating per record).
	if perRecord > 0.1 {
		t.Errorf("%.2f allocations per record, want blocks only", perRecord)
	}
}

// TestStatefulTaskDecodesAlone: a task with state keeps rows, so it
// decodes each record's values into blocks of that record's own (an
// allocation or more per record), never into the shared slab, where a
// kept row would pin other records' values. A stateless task shares.
func TestStatefulTaskDecodesAlone(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	vs, err := serde.New(serde.Format{Name: serde.JSON}, []types.Column{{Name: "V", Type: types.BigintType}, {Name: "S", Type: types.StringType}}, false)
	if err != nil {
		t.Fatal(err)
	}
	stateless := newTask(&Topology{}, nil, newTaskStats(), 0)
	stateful := newTask(&Topology{}, nil, newTaskStats(), 0)
	stateful.inst.states = append(stateful.inst.states, &Filter{})
	rec := []byte(`{"V":1700000000000,"S":"a string"}`)
	var kept []any // the values stay reachable, as a row's would
	decode := func(tk *Task) float64 {
		return testing.AllocsPerRun(100, func() {
			row := make([]any, 2)
			if err := tk.decode(vs, rec, row); err != nil {
				t.Fatal(err)
			}
			kept = row
		}) - 1 // the row
	}
	if n := decode(stateless); n > 0 {
		t.Errorf("stateless task: %.2f allocations per record, want shared blocks", n)
	}
	if n := decode(stateful); n < 1 {
		t.Errorf("stateful task: %.2f allocations per record, want the record's own blocks", n)
	}
	_ = kept
}

// TestStatefulTaskBoxesPseudoColumnsAlone: a task with state keeps rows
// (join sides, tables), so its ROWTIME/ROWOFFSET values are boxed one by
// one: a kept row must not pin a shared block of other records' values.
// A stateless task shares blocks.
func TestStatefulTaskBoxesPseudoColumnsAlone(t *testing.T) {
	stateless := newTask(&Topology{}, nil, newTaskStats(), 0)
	stateful := newTask(&Topology{}, nil, newTaskStats(), 0)
	stateful.inst.states = append(stateful.inst.states, &Filter{})
	v := int64(1_700_000_000_000)
	var kept []any // the boxed values stay reachable, as a row's would
	if n := testing.AllocsPerRun(100, func() { v++; kept = append(kept[:0], stateless.boxWord(v)) }); n > 0.1 {
		t.Errorf("stateless task: %.2f allocations per boxed value, want shared blocks", n)
	}
	if n := testing.AllocsPerRun(100, func() { v++; kept = append(kept[:0], stateful.boxWord(v)) }); n != 1 {
		t.Errorf("stateful task: %.2f allocations per boxed value, want 1 (no shared block)", n)
	}
}

// TestStatefulTaskBoxesDecimalsAlone: a stateless task boxes the
// DECIMAL results of its expressions into a shared slab; a task with
// state, whose rows may be kept, boxes each on its own.
func TestStatefulTaskBoxesDecimalsAlone(t *testing.T) {
	stateless := newTask(passThroughTopology(t, "STATELESS"), nil, newTaskStats(), 0)
	if stateless.Eval().Decimals == nil {
		t.Error("stateless task: no decimal slab")
	}
	topo := passThroughTopology(t, "STATEFUL")
	topo.Inputs[0].Next = &TableChanges{Next: topo.Inputs[0].Next}
	stateful := newTask(topo, nil, newTaskStats(), 0)
	if len(stateful.inst.states) == 0 {
		t.Fatal("the stateful topology has no state")
	}
	if stateful.Eval().Decimals != nil {
		t.Error("stateful task: decimals boxed into a shared slab")
	}
}

// TestBoxPartition: ROWPARTITION values come out right as the partition
// changes, and one beyond Go's preboxed 0-255 is boxed once, not per
// record.
func TestBoxPartition(t *testing.T) {
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	for _, p := range []int32{0, 0, 300, 300, -1, 7, 300} {
		if v, ok := tk.boxPartition(p).(int32); !ok || v != p {
			t.Fatalf("boxPartition(%d) = %#v", p, tk.boxPartition(p))
		}
	}
	if raceOn {
		return
	}
	if n := testing.AllocsPerRun(100, func() { tk.boxPartition(1000) }); n != 0 {
		t.Errorf("%v allocations per boxed partition 1000, want 0", n)
	}
}

// TestHeldAfterCommit: held reports the first offset processed since the
// last commit, per partition, and a commit starts it afresh; the offsets
// committed are those after the last record processed.
func TestHeldAfterCommit(t *testing.T) {
	tk := newTask(passThroughTopology(t, "HELD"), nil, newTaskStats(), 0)
	run := func(offsets ...int64) {
		for _, o := range offsets {
			tk.enqueue(&kafka.Record{Topic: "in", Key: []byte("k"), Value: []byte(`{"V":1}`), Offset: o, Timestamp: 1})
		}
		q := tk.queue("in", 0)
		for len(q.buf) > 0 {
			tk.processHead(q)
		}
	}
	run(5, 6, 7)
	if first, n := tk.held("in", 0); first != 5 || n != 0 {
		t.Errorf("held after 5..7: %d, %d; want 5, 0", first, n)
	}
	tk.clearUncommitted()
	if first, _ := tk.held("in", 0); first != -1 {
		t.Errorf("held after the commit: %d, want -1", first)
	}
	run(8, 9)
	if first, _ := tk.held("in", 0); first != 8 {
		t.Errorf("held after 8, 9: %d, want 8", first)
	}
	q := &Query{tasks: map[int32]*Task{0: tk}}
	if got := q.processedOffsets()["in"][0]; got != 10 {
		t.Errorf("processed offset after 8, 9: %d, want 10", got)
	}
}

// A queue that a task drains only partly between fetches (it waits on
// its other inputs) moves its records to the front of its array rather
// than growing into a new one: enqueueing allocates nothing once the
// array is large enough, and records come out in order.
func TestTaskQueueReusesItsArrayWhenPartlyDrained(t *testing.T) {
	topo := passThroughTopology(t, "QUEUE")
	tk := newTask(topo, nil, newTaskStats(), 0)
	tk.pending = make([]kafka.Record, 0, 1024)
	q := tk.queue("in", 0)
	in, out := int64(0), int64(0)
	key, value := []byte("k1"), []byte(`{"V":1}`)
	var mallocs uint64
	batch := make([]kafka.Record, 100) // refilled every round, as a subscription does
	for round := range 200 {
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		for j := range batch {
			batch[j] = kafka.Record{Topic: "in", Key: key, Value: value, Timestamp: in, Offset: in}
			tk.enqueue(&batch[j])
			in++
		}
		goruntime.ReadMemStats(&after)
		if round >= 50 {
			mallocs += after.Mallocs - before.Mallocs
		}
		for len(q.buf) > 40 { // 40 records stay behind every round
			if q.buf[0].Offset != out {
				t.Fatalf("record at offset %d came out for %d", q.buf[0].Offset, out)
			}
			tk.processHead(q)
			out++
		}
		tk.keepBorrowed() // the 40 left behind outlive the batch
		clear(tk.pending)
		tk.pending = tk.pending[:0]
	}
	// The race detector's instrumentation allocates on its own. The
	// count is the process's: on a loaded machine a runtime goroutine
	// allocated once or twice in the window, where an array grown per
	// round allocates at least 150 times.
	if mallocs > 10 && !raceOn {
		t.Errorf("enqueueing into a partly drained queue allocated %d times", mallocs)
	}
}
