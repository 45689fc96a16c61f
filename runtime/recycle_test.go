package runtime

import (
	"bytes"
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// recycleSerdes are a KAFKA string key and a JSON value of a string and
// a BIGINT: strings exercise the slab's text, numbers its words.
func recycleSerdes(tb testing.TB) (key, value serde.Serde) {
	tb.Helper()
	ks, err := serde.New(serde.Format{Name: "KAFKA"}, []types.Column{{Name: "K", Type: types.StringType}}, true)
	if err != nil {
		tb.Fatal(err)
	}
	vs, err := serde.New(serde.Format{Name: serde.JSON}, []types.Column{{Name: "S", Type: types.StringType}, {Name: "N", Type: types.BigintType}}, false)
	if err != nil {
		tb.Fatal(err)
	}
	return ks, vs
}

// recycleInput is input record i: strings of varied lengths, so that
// batches fill blocks unevenly.
func recycleInput(i int) kafka.Record {
	s := fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%97))
	return kafka.Record{Topic: "in", Offset: int64(i), Key: fmt.Appendf(nil, "k%d", i),
		Value: fmt.Appendf(nil, `{"S":%q,"N":%d}`, s, i), Timestamp: 1_700_000_000_000 + int64(i)}
}

// wantOutput is what the pass-through query writes for input i.
func wantOutput(tb testing.TB, vs serde.Serde, i int) []byte {
	tb.Helper()
	s := fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%97))
	b, err := vs.Encode([]any{s, int64(i)})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// keepingCluster keeps a copy of every record produced, as the
// kafka.Cluster contract asks of a cluster that keeps records.
type keepingCluster struct {
	kafka.Cluster
	mu     sync.Mutex
	copies []kafka.Record
	// count: Produce counts the records instead of copying them.
	count   bool
	counted int
	fail    error // returned by Produce when set
}

func (c *keepingCluster) Produce(_ context.Context, recs ...kafka.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	if c.count {
		c.counted += len(recs)
		return nil
	}
	for _, r := range recs {
		r.Key, r.Value = bytes.Clone(r.Key), bytes.Clone(r.Value)
		c.copies = append(c.copies, r)
	}
	return nil
}

// recycleQuery is a query of topo over c whose batches the test hands to
// handle itself, one task for every partition.
func recycleQuery(topo *Topology, c kafka.Cluster) *Query {
	return &Query{Topology: topo, cluster: c, tasks: map[int32]*Task{}, synchronous: true, single: true,
		opts: Options{Logf: func(string, ...any) {}}}
}

// passThroughQuery is a query id copying topic in to topic out, KAFKA
// keys and JSON values (recycleSerdes), over c.
func passThroughQuery(t *testing.T, id string, c kafka.Cluster) *Query {
	ks, vs := recycleSerdes(t)
	topo := &Topology{ID: id, Inputs: []*Input{{
		Source: &Source{Topic: "in", KeySerde: ks, ValueSerde: vs, NumKey: 1, NumValue: 2},
		Next:   &TopicSink{Topic: "out", KeySerde: ks, ValueSerde: vs, NumKey: 1},
	}}}
	return recycleQuery(topo, c)
}

func recycleBatch(from, n int) []kafka.Record {
	batch := make([]kafka.Record, n)
	for i := range batch {
		batch[i] = recycleInput(from + i)
	}
	return batch
}

// TestStatelessQueryRecycles: a stateless query writing to a topic
// writes its next batches into the blocks of the batches already
// produced, so that once warm it allocates almost nothing per record,
// and every record reaches Produce with its own bytes: no block is
// written again while a record of an unproduced batch lives in it.
func TestStatelessQueryRecycles(t *testing.T) {
	_, vs := recycleSerdes(t)
	c := &keepingCluster{}
	q := passThroughQuery(t, "RECYCLE", c)
	ctx := context.Background()
	const batch, batches = 2000, 8 // a batch fills several blocks of each kind
	for b := range batches {
		if err := q.handle(ctx, recycleBatch(b*batch, batch)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.copies) != batch*batches {
		t.Fatalf("%d records produced, want %d", len(c.copies), batch*batches)
	}
	for i, r := range c.copies {
		if want := wantOutput(t, vs, i); !bytes.Equal(r.Value, want) || string(r.Key) != fmt.Sprintf("k%d", i) {
			t.Fatalf("record %d produced as %q/%q, want k%d/%q", i, r.Key, r.Value, i, want)
		}
	}
	if raceOn {
		return // the race detector allocates
	}
	c.count = true // copies would allocate
	in := recycleBatch(batches*batch, batch)
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	const runs = 5
	for range runs {
		if err := q.handle(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	goruntime.ReadMemStats(&after)
	// Over 100 bytes per record without recycling: output, text, string
	// header and word blocks.
	if per := float64(after.TotalAlloc-before.TotalAlloc) / (runs * batch); per > 10 {
		t.Errorf("%.1f bytes allocated per record, want recycled blocks", per)
	}
	if c.counted != runs*batch {
		t.Errorf("%d records produced, want %d", c.counted, runs*batch)
	}
}

// TestRecycleSparesHeldValues: when a batch's produce failed, or a
// processing error of the batch may hold one of its values, the task
// does not write its blocks again: values of that batch (here kept as a
// processing log might keep them) stay as decoded, however many batches
// are produced after it.
func TestRecycleSparesHeldValues(t *testing.T) {
	ks, vs := recycleSerdes(t)
	for _, c := range []struct {
		name  string
		spoil func(c *keepingCluster, tk *Task)
	}{
		{"failed produce", func(c *keepingCluster, _ *Task) { c.fail = fmt.Errorf("broker gone") }},
		{"processing error", func(_ *keepingCluster, tk *Task) { tk.report("RECORD_PROCESSING_ERROR", fmt.Errorf("bad row")) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			topo := &Topology{ID: "HELD", Inputs: []*Input{{
				Source: &Source{Topic: "in", KeySerde: ks, ValueSerde: vs, NumKey: 1, NumValue: 2},
				Next:   &TopicSink{Topic: "out", KeySerde: ks, ValueSerde: vs, NumKey: 1},
			}}}
			kc := &keepingCluster{count: true}
			q := recycleQuery(topo, kc)
			ctx := context.Background()
			const batch = 1000
			// Warm: the task has recycled blocks to hand out.
			for b := range 2 {
				if err := q.handle(ctx, recycleBatch(b*batch, batch)); err != nil {
					t.Fatal(err)
				}
			}
			// The batch whose values are held: each decoded row, as the
			// task leaves it.
			var kept [][]any
			tk := q.tasks[0]
			recs := recycleBatch(2*batch, batch)
			for i := range recs {
				tk.enqueue(&recs[i])
			}
			for qu := tk.queue("in", 0); len(qu.buf) > 0; {
				tk.processHead(qu)
				kept = append(kept, slices.Clone(tk.rows["in"][:3]))
			}
			c.spoil(kc, tk)
			_ = q.commit(ctx) // fails for a failed produce
			kc.fail = nil
			for b := 3; b < 8; b++ {
				if err := q.handle(ctx, recycleBatch(b*batch, batch)); err != nil {
					t.Fatal(err)
				}
			}
			if len(kept) != batch {
				t.Fatalf("%d rows kept, want %d", len(kept), batch)
			}
			for i, row := range kept {
				n := 2*batch + i
				want := []any{fmt.Sprintf("k%d", n), fmt.Sprintf("value-%d-%s", n, strings.Repeat("x", n%97)), int64(n)}
				for c := range want {
					if row[c] != want[c] {
						t.Fatalf("row %d column %d is %#v, want %#v", n, c, row[c], want[c])
					}
				}
			}
		})
	}
}

// TestPushQueryRowsStay: a transient query hands its rows to a client,
// which may keep them: its task never writes its blocks again, so rows
// emitted batches ago still hold what was decoded.
func TestPushQueryRowsStay(t *testing.T) {
	ks, vs := recycleSerdes(t)
	var kept [][]any
	topo := &Topology{ID: "PUSH", NoCommit: true, Inputs: []*Input{{
		Source: &Source{Topic: "in", KeySerde: ks, ValueSerde: vs, NumKey: 1, NumValue: 2},
		Next: &EmitSink{Emit: func(row []any, _ bool) bool {
			kept = append(kept, slices.Clone(row[:3]))
			return true
		}},
	}}}
	q := recycleQuery(topo, &keepingCluster{count: true})
	const batch, batches = 1000, 6
	for b := range batches {
		if err := q.handle(context.Background(), recycleBatch(b*batch, batch)); err != nil {
			t.Fatal(err)
		}
	}
	if len(kept) != batch*batches {
		t.Fatalf("%d rows emitted, want %d", len(kept), batch*batches)
	}
	for i, row := range kept {
		want := []any{fmt.Sprintf("k%d", i), fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", i%97)), int64(i)}
		for c := range want {
			if row[c] != want[c] {
				t.Fatalf("row %d column %d is %#v, want %#v", i, c, row[c], want[c])
			}
		}
	}
}

// TestRowsDieAtFlush: the rule for recycling admits a persistent,
// stateless chain of pass-on operators into topic sinks, and nothing
// that may keep a row.
func TestRowsDieAtFlush(t *testing.T) {
	ks, vs := recycleSerdes(t)
	src := func() *Source { return &Source{Topic: "in", KeySerde: ks, ValueSerde: vs, NumKey: 1, NumValue: 2} }
	sink := func() Op { return &TopicSink{Topic: "out", KeySerde: ks, ValueSerde: vs, NumKey: 1} }
	emit := &EmitSink{Emit: func([]any, bool) bool { return true }}
	for _, c := range []struct {
		name string
		topo *Topology
		want bool
	}{
		{"sink", &Topology{Inputs: []*Input{{Source: src(), Next: sink()}}}, true},
		{"filter, project, rekey", &Topology{Inputs: []*Input{{Source: src(), Next: &Filter{Next: &Project{Next: &Rekey{Next: sink()}}}}}}, true},
		{"table functions", &Topology{Inputs: []*Input{{Source: src(), Next: &TableFunctions{Next: sink()}}}}, true},
		{"transient", &Topology{NoCommit: true, Inputs: []*Input{{Source: src(), Next: sink()}}}, false},
		{"push sink", &Topology{Inputs: []*Input{{Source: src(), Next: &Project{Next: emit}}}}, false},
		{"table filter", &Topology{Inputs: []*Input{{Source: src(), Next: &Filter{IsTable: true, Next: sink()}}}}, false},
		{"aggregate", &Topology{Inputs: []*Input{{Source: src(), Next: &Aggregate{Next: sink()}}}}, false},
		{"repartition", &Topology{Inputs: []*Input{{Source: src(), Next: &Repartition{Topic: "r"}}}}, false},
	} {
		tk := newTask(c.topo, nil, newTaskStats(), 0)
		if tk.recycles != c.want {
			t.Errorf("%s: recycles %v, want %v", c.name, tk.recycles, c.want)
		}
	}
}

// endsCluster is a keepingCluster whose topics end at fixed offsets.
type endsCluster struct {
	keepingCluster
	ends map[string]int64
}

func (c *endsCluster) EndOffsets(_ context.Context, topic string) (map[int32]int64, error) {
	return map[int32]int64{0: c.ends[topic]}, nil
}

// TestBufferedRecordsOutliveTheirBatch: a task's queues borrow the
// fetched batch's records, and a record still buffered when the handler
// returns (its task waits for another input that has data to come) is
// processed later with its own topic, offset, key and value, although
// the subscription fills the batch's array with the next fetch.
func TestBufferedRecordsOutliveTheirBatch(t *testing.T) {
	ks, vs := recycleSerdes(t)
	sink := &TopicSink{Topic: "out", KeySerde: ks, ValueSerde: vs, NumKey: 1}
	source := func(topic string) *Input {
		return &Input{Source: &Source{Topic: topic, KeySerde: ks, ValueSerde: vs, NumKey: 1, NumValue: 2}, Next: sink}
	}
	topo := &Topology{ID: "BORROW", Inputs: []*Input{source("a"), source("b")}, NoCommit: true, Reset: kafka.Earliest}
	c := &endsCluster{ends: map[string]int64{"a": 10, "b": 10}}
	q := &Query{Topology: topo, cluster: c, tasks: map[int32]*Task{}, opts: Options{Logf: func(string, ...any) {}}}
	ctx := context.Background()
	fetch := func(topic string, from int) []kafka.Record {
		batch := recycleBatch(from, 10)
		for i := range batch {
			batch[i].Topic, batch[i].Offset = topic, int64(i)
		}
		return batch
	}
	first := fetch("a", 0)
	if err := q.handle(ctx, first); err != nil {
		t.Fatal(err)
	}
	if len(c.copies) != 0 {
		t.Fatalf("%d records produced while b had data to come, want 0", len(c.copies))
	}
	copy(first, fetch("a", 500)) // the next fetch, into the same array
	if err := q.handle(ctx, fetch("b", 10)); err != nil {
		t.Fatal(err)
	}
	if len(c.copies) != 20 {
		t.Fatalf("%d records produced, want 20", len(c.copies))
	}
	for i, r := range c.copies { // a's records are the earlier ones
		if want := wantOutput(t, vs, i); !bytes.Equal(r.Value, want) || string(r.Key) != fmt.Sprintf("k%d", i) {
			t.Errorf("record %d produced as %q/%q, want k%d/%q", i, r.Key, r.Value, i, want)
		}
	}
}

// TestIdleQueryReleasesItsArrays: a query whose subscription went idle
// lets go of the output arrays it kept from its batches, and the batches
// after that still write every record with its own bytes.
func TestIdleQueryReleasesItsArrays(t *testing.T) {
	_, vs := recycleSerdes(t)
	c := &keepingCluster{}
	q := passThroughQuery(t, "IDLE", c)
	ctx := context.Background()
	const batch = 2000
	kept := func() (arrays int) {
		for _, tk := range q.tasks {
			if tk.pending != nil {
				arrays++
			}
			for _, qu := range tk.queues {
				if qu.store != nil {
					arrays++
				}
			}
		}
		if q.parts != nil {
			arrays++
		}
		return arrays
	}
	for b := range 4 {
		if b == 2 {
			if kept() == 0 {
				t.Fatal("no array kept between batches: nothing to release")
			}
			q.releaseIdle()
			if n := kept(); n != 0 {
				t.Fatalf("%d arrays kept after releaseIdle", n)
			}
		}
		if err := q.handle(ctx, recycleBatch(b*batch, batch)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.copies) != 4*batch {
		t.Fatalf("%d records produced, want %d", len(c.copies), 4*batch)
	}
	for i, r := range c.copies {
		if want := wantOutput(t, vs, i); !bytes.Equal(r.Value, want) || string(r.Key) != fmt.Sprintf("k%d", i) {
			t.Fatalf("output %d: %s=%s, want k%d=%s", i, r.Key, r.Value, i, want)
		}
	}
}
