package runtime

import (
	"context"
	goruntime "runtime"
	"testing"

	"github.com/eddysql/eddy/kafka"
)

// TestFlushReusesOutputs: a query writes each batch's outputs from the
// arrays it keeps for the next batch, rather than a new one per batch
// (about 100 bytes per output record), and clears them after producing,
// so that they pin no record's bytes.
func TestFlushReusesOutputs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	tk := newTask(&Topology{}, nil, newTaskStats(), 0)
	q := &Query{Topology: &Topology{ID: "Q"}, tasks: map[int32]*Task{0: tk}}
	batch := make([]kafka.Record, 1000)
	for i := range batch {
		batch[i] = kafka.Record{Topic: "out", Value: []byte("v")}
	}
	produced := 0
	produce := func(_ context.Context, parts ...[]kafka.Record) error {
		for _, recs := range parts {
			produced += len(recs)
		}
		return nil
	}
	flush := func() {
		tk.pending = append(tk.pending, batch...)
		if _, err := q.flush(context.Background(), produce); err != nil {
			t.Fatal(err)
		}
	}
	flush()
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	const runs = 20
	for range runs {
		flush()
	}
	goruntime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 1000 {
		t.Errorf("%d bytes allocated per flush of %d records, want no slice of them", per, len(batch))
	}
	if produced != (runs+1)*len(batch) {
		t.Errorf("%d records produced, want %d", produced, (runs+1)*len(batch))
	}
	for i, r := range tk.pending[:cap(tk.pending)] {
		if r.Value != nil {
			t.Fatalf("kept outputs array still holds record %d's bytes", i)
		}
	}
}
