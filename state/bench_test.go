package state

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The benchmarks' workload: 16-byte keys and 40-byte values, as a
// keyed aggregate's state might hold.
const (
	benchKeys     = 1_000_000
	benchValueLen = 40
)

func benchKey(buf []byte, i int) []byte {
	buf = buf[:0]
	// A hashed prefix spreads consecutive i over the key space, as real
	// keys are, rather than appending in order.
	buf = binary.BigEndian.AppendUint64(buf, uint64(i)*0x9E3779B97F4A7C15)
	return binary.BigEndian.AppendUint64(buf, uint64(i))
}

// benchValue returns key i's value: random bytes, so that no store
// gains by compressing repeated values.
func benchValue(buf []byte, i int) []byte {
	buf = buf[:0]
	x := uint64(i) + 1
	for len(buf) < benchValueLen {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		buf = binary.LittleEndian.AppendUint64(buf, x)
	}
	return buf[:benchValueLen]
}

type benchStore struct {
	kind string
	open func(b *testing.B) Store
}

var benchStores = []benchStore{
	{KindMemory, func(*testing.B) Store { return NewMemory() }},
	{KindPebble, func(b *testing.B) Store {
		s, err := OpenPebble(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		return s
	}},
}

// BenchmarkPut: one Put of a new or existing key (over a key space of
// 1M), with a Commit every 10,000 writes as a task would commit.
func BenchmarkPut(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.kind, func(b *testing.B) {
			s := bs.open(b)
			defer s.Close()
			key, val := make([]byte, 0, 16), make([]byte, 0, 48)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Put(benchKey(key, i%benchKeys), benchValue(val, i)); err != nil {
					b.Fatal(err)
				}
				if i%10_000 == 9_999 {
					if err := s.Commit(int64(i)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkCommitWrites: the cost of one written key, 1,000 a commit,
// as a task's commit writes its changes: Put by Put then Commit, or one
// CommitBatch where the store has it.
func BenchmarkCommitWrites(b *testing.B) {
	const perCommit = 1_000
	for _, bs := range benchStores {
		for _, batched := range []bool{false, true} {
			name := bs.kind + "/puts"
			if batched {
				name = bs.kind + "/batch"
			}
			b.Run(name, func(b *testing.B) {
				s := bs.open(b)
				defer s.Close()
				bc, ok := s.(BatchCommitter)
				if batched && !ok {
					b.Skipf("%s has no CommitBatch", bs.kind)
				}
				key, val := make([]byte, 0, 16), make([]byte, 0, 48)
				b.ResetTimer()
				for i := 0; i < b.N; i += perCommit {
					writes := func(w Batch) error {
						for j := i; j < i+perCommit; j++ {
							if err := w.Put(benchKey(key, j%benchKeys), benchValue(val, j)); err != nil {
								return err
							}
						}
						return nil
					}
					var err error
					if batched {
						err = bc.CommitBatch(int64(i), writes)
					} else if err = writes(s); err == nil {
						err = s.Commit(int64(i))
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkGet: one Get of a random present key in a store of 1M keys.
func BenchmarkGet(b *testing.B) { benchGets(b, 2, 0, true) }

// benchGets times Gets of random keys from offset up in stores of 1M
// keys (seeded by seed), failing when a key is found that should not
// be, or missing that should be there.
func benchGets(b *testing.B, seed int64, offset int, present bool) {
	for _, bs := range benchStores {
		b.Run(bs.kind, func(b *testing.B) {
			s := bs.open(b)
			defer s.Close()
			fill(b, s, benchKeys)
			r := rand.New(rand.NewSource(seed))
			key := make([]byte, 0, 16)
			rep := startReads(s)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok, err := s.Get(benchKey(key, offset+r.Intn(benchKeys))); err != nil || ok != present {
					b.Fatal("key found:", ok, "want", present, err)
				}
			}
			b.StopTimer()
			rep.report(b)
		})
	}
}

// BenchmarkBytesPerKey fills a store with 1M keys and reports its
// ApproxBytes per key and, for the memory store, the heap growth per
// key. b.N is ignored: run it with -benchtime 1x.
func BenchmarkBytesPerKey(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.kind, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				s := bs.open(b)
				fill(b, s, benchKeys)
				if err := s.Commit(benchKeys); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(s.ApproxBytes())/benchKeys, "approx-bytes/key")
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/benchKeys, "heap-bytes/key")
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func fill(b *testing.B, s Store, n int) {
	key, val := make([]byte, 0, 16), make([]byte, 0, 48)
	for i := 0; i < n; i++ {
		if err := s.Put(benchKey(key, i), benchValue(val, i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanShort: one Scan of a random present key's range (the key
// and its successors sharing its first 16 bytes: one key) in a store of
// 1M keys, as a join reads one key's rows. "afterPut" writes a key
// before each Scan, so that no read is over an unchanged store.
func BenchmarkScanShort(b *testing.B) {
	for _, bs := range benchStores {
		for _, mode := range []string{"reads", "afterPut"} {
			b.Run(bs.kind+"/"+mode, func(b *testing.B) {
				s := bs.open(b)
				defer s.Close()
				fill(b, s, benchKeys)
				r := rand.New(rand.NewSource(3))
				lo, hi, val := make([]byte, 0, 16), make([]byte, 0, 17), make([]byte, 0, 48)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					n := r.Intn(benchKeys)
					if mode == "afterPut" {
						if err := s.Put(benchKey(lo, n), benchValue(val, i)); err != nil {
							b.Fatal(err)
						}
					}
					lo = benchKey(lo, n)
					hi = append(append(hi[:0], lo...), 0)
					found := 0
					if err := s.Scan(lo, hi, func(k, v []byte) bool { found++; return true }); err != nil || found != 1 {
						b.Fatal("scan found", found, err)
					}
				}
			})
		}
	}
}

// BenchmarkGetMissing: one Get of a key the store of 1M keys lacks.
func BenchmarkGetMissing(b *testing.B) { benchGets(b, 4, benchKeys, false) }

// BenchmarkPutMemTable: BenchmarkPut's Puts into a Pebble store with
// memtables of each size, on a cache of its own large enough for them,
// over 1M keys and over 100,000 hot keys (updated again and again).
func BenchmarkPutMemTable(b *testing.B) {
	for _, keys := range []int{benchKeys, 100_000} {
		for _, mib := range []uint64{4, 8, 16, 32} {
			b.Run(fmt.Sprintf("keys=%d/%dMiB", keys, mib), func(b *testing.B) {
				cache := NewBlockCache(blockCacheBytes + 2*int64(mib<<20))
				defer cache.Release()
				s, err := openPebble(b.TempDir(), cache, mib<<20)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				key, val := make([]byte, 0, 16), make([]byte, 0, 48)
				cpu0 := cpuTime()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := s.Put(benchKey(key, i%keys), benchValue(val, i)); err != nil {
						b.Fatal(err)
					}
					if i%10_000 == 9_999 {
						if err := s.Commit(int64(i)); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StopTimer()
				// CPU time, flushes and compactions included: wall time
				// hides them while a core is spare.
				b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
				m := s.db.Metrics()
				total := m.Total()
				b.ReportMetric(float64(m.Flush.Count), "flushes")
				b.ReportMetric(float64(m.Compact.Count), "compactions")
				b.ReportMetric(total.WriteAmp(), "write-amp")
			})
		}
	}
}

// BenchmarkSharedCacheGet: one Get of a random present key in one of 8
// busy Pebble stores sharing a block cache of the engine's default size
// (256 MiB), each holding 200,000 keys and full-size memtables, as a
// server's task stores do; with the memtable size OpenPebbleCached picks
// ("8stores") and with others, since memtables take their room in the
// cache from blocks (cached-MiB, hit-ratio) and a Get searches them
// first. The stores are set up once, for all runs of a sub-benchmark.
func BenchmarkSharedCacheGet(b *testing.B) {
	const cacheBytes = 256 << 20
	picked := sharedMemTableBytes(cacheBytes)
	for _, memTable := range []uint64{picked, 4 << 20, 16 << 20} {
		name := "8stores"
		if memTable != picked {
			name = fmt.Sprintf("8stores/memtable=%dMiB", memTable>>20)
		}
		benchSharedGets(b, name, cacheBytes, memTable)
	}
}

// benchSharedGets runs BenchmarkSharedCacheGet's sub-benchmark name over
// stores with memtables of memTable bytes on a cache of cacheBytes.
func benchSharedGets(b *testing.B, name string, cacheBytes int64, memTable uint64) {
	const stores, keys = 8, 200_000
	cache := NewBlockCache(cacheBytes)
	defer cache.Release()
	ss := make([]*pebbleStore, stores)
	key := make([]byte, 0, 16)
	for i := range ss {
		s, err := openPebble(b.TempDir(), cache, memTable)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		fillBusy(b, s, keys)
		ss[i] = s
	}
	b.Run(name, func(b *testing.B) {
		r := rand.New(rand.NewSource(4))
		rep := startReads(ss[0])
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, ok, err := ss[i%stores].Get(benchKey(key, r.Intn(keys))); err != nil || !ok {
				b.Fatal("missing key", err)
			}
		}
		b.StopTimer()
		rep.report(b)
		b.ReportMetric(float64(ss[0].db.Metrics().BlockCache.Size)/(1<<20), "cached-MiB")
	})
}

// fillBusy fills s with keys keys, then updates them until a full-size
// memtable has been allocated (memtables start small and double), as a
// busy store's are.
func fillBusy(b *testing.B, s *pebbleStore, keys int) {
	fill(b, s, keys)
	key, val := make([]byte, 0, 16), make([]byte, 0, 48)
	for n := 0; s.db.Metrics().MemTable.Size < s.memTable; n++ {
		if err := s.Put(benchKey(key, n%keys), benchValue(val, n)); err != nil {
			b.Fatal(err)
		}
	}
}

// readReport reports, after a read benchmark, its CPU time per op (wall
// time on a shared machine hides it) and, for a Pebble store, what its
// reads cost: the block cache's hit ratio over the run, and the store's
// read amplification (sublevels and levels a lookup may consult) and
// memtables at its end. A shared cache's hits count every store's.
type readReport struct {
	cpu0  time.Duration
	db    *pebble.DB // nil for a memory store
	cache pebble.CacheMetrics
}

func startReads(s Store) readReport {
	r := readReport{cpu0: cpuTime()}
	if p, ok := s.(*pebbleStore); ok {
		r.db = p.db
		r.cache = p.db.Metrics().BlockCache
	}
	return r
}

func (r readReport) report(b *testing.B) {
	b.ReportMetric(float64((cpuTime()-r.cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	if r.db == nil {
		return
	}
	m := r.db.Metrics()
	hits, misses := m.BlockCache.Hits-r.cache.Hits, m.BlockCache.Misses-r.cache.Misses
	if hits+misses > 0 {
		b.ReportMetric(float64(hits)/float64(hits+misses), "hit-ratio")
	}
	b.ReportMetric(float64(m.ReadAmp()), "read-amp")
	b.ReportMetric(float64(m.MemTable.Count), "memtables")
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
