package state

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestPebbleStoreStartsNoTickers: an open store runs no goroutine that
// wakes on a timer — neither Pebble's compaction granter, which polled
// every 100 ms, nor its disk-health checks (three goroutines ticking every
// 2 s) — so a server's hundreds of idle stores cost no CPU.
func TestPebbleStoreStartsNoTickers(t *testing.T) {
	cache := NewBlockCache(64 << 20)
	defer cache.Release()
	for i := 0; i < 3; i++ {
		s, err := OpenPebbleCached(t.TempDir(), cache)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		mustPut(t, s, "k", "v")
		if err := s.Commit(1); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1<<22)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, f := range []string{"periodicGranter", "diskHealthChecking"} {
		if n := strings.Count(stacks, f); n > 0 {
			t.Errorf("%d goroutine frames in %s", n, f)
		}
	}
}

// TestPebbleCompactsWithoutPolling: with the event-driven compaction
// scheduler, flushes that pile up tables in L0 still start a compaction.
func TestPebbleCompactsWithoutPolling(t *testing.T) {
	cache := NewBlockCache(64 << 20)
	defer cache.Release()
	s, err := openPebble(t.TempDir(), cache, 4<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	val := bytes.Repeat([]byte("v"), 1024)
	key := make([]byte, 0, 16)
	for f := 0; f < 12; f++ {
		for i := 0; i < 200; i++ {
			if err := s.Put(benchKey(key, f*200+i), val); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	// Not a timing: the compaction runs in the background; a minute is
	// only how long to wait for it before calling it never started.
	for deadline := time.Now().Add(time.Minute); s.db.Metrics().Compact.Count == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no compaction after 12 flushes: %s", s.db.Metrics())
		}
	}
	for i := 0; i < 12*200; i += 199 {
		if _, ok, err := s.Get(benchKey(key, i)); err != nil || !ok {
			t.Fatalf("Get(key %d) after compaction: %v, %v", i, ok, err)
		}
	}
}
