package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPaceFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live int64
		want int
	}{
		{0, 400}, {50 * mib, 400}, {256 * mib, 400}, {300 * mib, 325},
		{512 * mib, 200}, {1000 * mib, 100}, {1024 * mib, 100}, {4096 * mib, 100},
	} {
		if got := paceFor(c.live, gcHeadroom, 400); got != c.want {
			t.Errorf("paceFor(%d MiB) = %d, want %d", c.live/mib, got, c.want)
		}
	}
}

// TestPaceTunerFollowsTheLiveHeap: with a live heap past its headroom
// the tuner brings GOGC down to 100 after a collection, back up
// once the heap is freed, and leaves it alone once stopped.
func TestPaceTunerFollowsTheLiveHeap(t *testing.T) {
	prev := debug.SetGCPercent(400)
	defer debug.SetGCPercent(prev)
	percent := func() int64 { p, _ := runtimeGC(); return p }
	waitPercent := func(what string, ok func(int64) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok(percent()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: GOGC is %d", what, percent())
			}
			runtime.GC() // the tuner runs after a collection
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The headroom is three times the test process's live heap (other
	// tests' leftovers included), so that freeing the large slice below
	// brings the pace back above 100; the slice, twice the headroom, takes
	// it down to 100.
	runtime.GC()
	headroom := max(8<<20, 3*liveHeap())
	tuner := startPaceTuner(headroom, 400)
	live := make([]byte, 2*headroom)
	for i := range live {
		live[i] = 1 // touched, so it is not a lazily zeroed mapping the test could miss
	}
	waitPercent("a live heap past its headroom", func(p int64) bool { return p == 100 })
	runtime.KeepAlive(live)
	live = nil
	waitPercent("the heap freed", func(p int64) bool { return p > 100 })
	if err := tuner.stop(); err != nil {
		t.Fatal(err)
	}
	debug.SetGCPercent(100)
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if p := percent(); p != 100 {
		t.Errorf("a stopped tuner set GOGC to %d", p)
	}
}
