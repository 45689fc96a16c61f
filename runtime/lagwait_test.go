package runtime

import (
	"testing"
	"time"

	"github.com/eddysql/eddy/kafka"
)

// TestTaskWaitsForAnInputNotYetFetched: a task keeps waiting for an
// input whose end says it has data as long as no fetch has answered for
// it, however long its first fetch takes, so that the other input's
// later records do not overtake its earlier ones (a stream-stream join
// over preloaded topics on a loaded server missed 24,360 of 101,635
// matches, two whole tasks' worth, when the wait gave up after 2 s). It
// gives up once fetches answered without delivering anything (a gap at
// the partition's end), or after maxSilentWait when none answers.
func TestTaskWaitsForAnInputNotYetFetched(t *testing.T) {
	setup := func() (*Query, *Task, *inputQueue) {
		tk := newTask(&Topology{}, nil, newTaskStats(), 0)
		fast := &inputQueue{tp: tp{"orders", 0}, next: 3, end: 3, bootstrapTo: -1}
		for i := range 3 {
			fast.buf = append(fast.buf, &kafka.Record{Topic: "orders", Offset: int64(i), Timestamp: int64(10 * (i + 1))})
		}
		slow := &inputQueue{tp: tp{"shipments", 0}, next: 0, end: 5, bootstrapTo: -1}
		tk.queues = []*inputQueue{fast, slow}
		tk.byTP[fast.tp], tk.byTP[slow.tp] = fast, slow
		return &Query{tasks: map[int32]*Task{0: tk}}, tk, fast
	}
	start := time.Unix(1000, 0)

	q, tk, fast := setup()
	tk.drain(start)
	tk.drain(start.Add(maxLagWait + time.Second))
	if len(fast.buf) != 3 {
		t.Fatalf("processed %d records of one input while the other, never fetched, may hold earlier ones", 3-len(fast.buf))
	}
	// Fetches answer for it, delivering nothing: a gap, not a slow fetch.
	for range lagAnswers {
		q.inputEnd("shipments", 0, 5)
	}
	tk.drain(start.Add(maxLagWait + time.Second))
	if len(fast.buf) != 0 {
		t.Fatalf("still waits for an input fetches answered for without data: %d records held", len(fast.buf))
	}

	_, tk, fast = setup()
	tk.drain(start)
	tk.drain(start.Add(maxSilentWait))
	if len(fast.buf) != 0 {
		t.Fatalf("waits past maxSilentWait for an input no fetch answers for: %d records held", len(fast.buf))
	}
}
