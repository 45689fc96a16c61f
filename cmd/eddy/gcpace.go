package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// gcHeadroom is how far past the live heap eddy lets the heap grow
// between collections once the live heap is large. gcPercent (5× the
// live heap) suits a server's usual live heap of tens of MB; a hundred
// queries catching up on a backlog at once held about 2 GB live, which
// that pace let grow to 10 GB of RSS.
const gcHeadroom = 1 << 30

// paceFor is the GOGC for a live heap of live bytes: max while the heap
// it allows grows at most headroom past the live heap, lower as the live
// heap grows, but never below Go's default of 100. It moves in steps of
// 25 so that a live heap wavering about a step's edge changes nothing.
func paceFor(live, headroom int64, max int) int {
	if live <= 0 {
		return max
	}
	p := int(min(100*headroom/live, int64(max)))
	if p <= 100 {
		return 100
	}
	return 100 + (p-100)/25*25 // at most p, so at most max
}

// liveHeap is the heap the last collection left live, in bytes.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// paceTuner sets GOGC after each collection to paceFor the live heap the
// collection left. The runtime runs its callback (a cleanup of an object
// made for the purpose, which each collection frees) on its own
// goroutine; stop ends the chain.
type paceTuner struct {
	headroom int64
	max      int
	mu       sync.Mutex
	stopped  bool
	percent  int
}

// gcSentinel is the object whose cleanup tells the tuner a collection
// happened; it holds a pointer so that the runtime's tiny allocator,
// whose objects' cleanups may never run, does not place it.
type gcSentinel struct{ _ *int }

func startPaceTuner(headroom int64, max int) *paceTuner {
	t := &paceTuner{headroom: headroom, max: max, percent: max}
	t.arm()
	return t
}

func (t *paceTuner) arm() {
	runtime.AddCleanup(&gcSentinel{}, (*paceTuner).collected, t)
}

// collected runs after a collection freed the sentinel.
func (t *paceTuner) collected() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	if p := paceFor(liveHeap(), t.headroom, t.max); p != t.percent {
		debug.SetGCPercent(p)
		t.percent = p
	}
	t.arm()
}

// stop ends the tuning; GOGC keeps its last value.
func (t *paceTuner) stop() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	return nil
}
