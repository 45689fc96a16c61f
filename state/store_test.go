package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Every Store implementation passes the same conformance suite.
func TestMemoryConformance(t *testing.T) {
	conformance(t, func(t *testing.T) Store { return NewMemory() })
}

func TestPebbleConformance(t *testing.T) {
	conformance(t, func(t *testing.T) Store {
		s, err := OpenPebble(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func conformance(t *testing.T, open func(t *testing.T) Store) {
	run := func(name string, f func(t *testing.T, s Store)) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			defer func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
			f(t, s)
		})
	}
	run("get put delete", func(t *testing.T, s Store) {
		mustMiss(t, s, "a")
		mustPut(t, s, "a", "1")
		mustGet(t, s, "a", "1")
		mustPut(t, s, "a", "2")
		mustGet(t, s, "a", "2")
		if err := s.Delete([]byte("a")); err != nil {
			t.Fatal(err)
		}
		mustMiss(t, s, "a")
		if err := s.Delete([]byte("never")); err != nil {
			t.Fatalf("delete of a missing key: %v", err)
		}
	})
	run("empty key and empty value", func(t *testing.T, s Store) {
		mustPut(t, s, "", "")
		v, ok, err := s.Get([]byte{})
		if err != nil || !ok || v == nil || len(v) != 0 {
			t.Fatalf("Get(empty) = %q, %v, %v; want a present empty value", v, ok, err)
		}
		if got := scanAll(t, s, nil, nil); len(got) != 1 || got[0] != "=" {
			t.Fatalf("scan = %q", got)
		}
	})
	run("copy semantics", func(t *testing.T, s Store) {
		k, v := []byte("key"), []byte("value")
		if err := s.Put(k, v); err != nil {
			t.Fatal(err)
		}
		k[0], v[0] = 'X', 'X' // the caller reuses its buffers
		mustGet(t, s, "key", "value")
		got, _, _ := s.Get([]byte("key"))
		got[0] = 'Y' // the caller owns what Get returns
		mustGet(t, s, "key", "value")
	})
	run("scan order and bounds", func(t *testing.T, s Store) {
		keys := []string{"b", "a", "\x00", "ab", "\xff", "b\x00", "c", "aa"}
		for _, k := range keys {
			mustPut(t, s, k, "v"+k)
		}
		sorted := append([]string{}, keys...)
		sort.Strings(sorted)
		var want []string
		for _, k := range sorted {
			want = append(want, k+"=v"+k)
		}
		check := func(lo, hi []byte, want []string) {
			t.Helper()
			if got := scanAll(t, s, lo, hi); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Scan(%q, %q) = %q, want %q", lo, hi, got, want)
			}
		}
		check(nil, nil, want)
		check([]byte("a"), []byte("b"), []string{"a=va", "aa=vaa", "ab=vab"})
		check([]byte("aa"), nil, want[2:])
		check(nil, []byte("aa"), want[:2])
		check([]byte("b"), []byte("b"), nil)
		check([]byte("c"), []byte("a"), nil)
		check([]byte("a"), PrefixEnd([]byte("a")), []string{"a=va", "aa=vaa", "ab=vab"})
		// fn returning false stops the scan.
		n := 0
		if err := s.Scan(nil, nil, func(k, v []byte) bool { n++; return n < 3 }); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("scan stopped after %d calls, want 3", n)
		}
	})
	run("random against a map", func(t *testing.T, s Store) {
		r := rand.New(rand.NewSource(7))
		model := map[string]string{}
		for i := 0; i < 5000; i++ {
			k := strconv.Itoa(r.Intn(500))
			if r.Intn(4) == 0 {
				delete(model, k)
				if err := s.Delete([]byte(k)); err != nil {
					t.Fatal(err)
				}
				continue
			}
			v := strconv.Itoa(i)
			model[k] = v
			mustPut(t, s, k, v)
		}
		keys := make([]string, 0, len(model))
		for k := range model {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var want []string
		for _, k := range keys {
			want = append(want, k+"="+model[k])
		}
		if got := scanAll(t, s, nil, nil); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("scan differs from the model: %d entries, want %d", len(got), len(want))
		}
	})
	run("large values", func(t *testing.T, s Store) {
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		if err := s.Put([]byte("big"), big); err != nil {
			t.Fatal(err)
		}
		v, ok, err := s.Get([]byte("big"))
		if err != nil || !ok || !bytes.Equal(v, big) {
			t.Fatalf("Get(big): ok %v err %v, %d bytes", ok, err, len(v))
		}
		// Pebble's log and tables may compress the repetitive value:
		// only check that it counts.
		if s.ApproxBytes() <= 0 {
			t.Fatalf("ApproxBytes = %d with a 1 MiB value", s.ApproxBytes())
		}
	})
	run("commit offsets", func(t *testing.T, s Store) {
		if got := s.CommittedOffset(); got != -1 {
			t.Fatalf("CommittedOffset of a new store = %d, want -1", got)
		}
		mustPut(t, s, "a", "1")
		if err := s.Commit(41); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(42); err != nil {
			t.Fatal(err)
		}
		if got := s.CommittedOffset(); got != 42 {
			t.Fatalf("CommittedOffset = %d, want 42", got)
		}
		// The offset is not a key: it never shows in scans.
		if got := scanAll(t, s, nil, nil); len(got) != 1 {
			t.Fatalf("scan after commit = %q", got)
		}
	})
}

// TestPebbleReopen: committed writes and the committed offset survive a
// Close; writes after the last Commit are not promised, but Close keeps
// them too.
func TestPebbleReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "a", "1")
	mustPut(t, s, "b", "2")
	if err := s.Commit(10); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "c", "3")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.CommittedOffset(); got != 10 {
		t.Fatalf("CommittedOffset after reopen = %d, want 10", got)
	}
	mustGet(t, s, "a", "1")
	mustGet(t, s, "b", "2")
}

// TestPebbleCommitBatch: a batch's writes and deletes and its offset
// are there together once CommitBatch returns, after a reopen too; a
// batch whose filling fails leaves the store and its offset as they
// were.
func TestPebbleCommitBatch(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "gone", "x")
	if err := s.Commit(4); err != nil {
		t.Fatal(err)
	}
	bc := s.(BatchCommitter)
	err = bc.CommitBatch(9, func(b Batch) error {
		if err := b.Put([]byte("a"), []byte("1")); err != nil {
			return err
		}
		if err := b.Put([]byte("b"), []byte("")); err != nil {
			return err
		}
		return b.Delete([]byte("gone"))
	})
	if err != nil {
		t.Fatal(err)
	}
	failed := errors.New("no more")
	err = bc.CommitBatch(12, func(b Batch) error {
		if err := b.Put([]byte("a"), []byte("2")); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("a failed fill: %v, want its error", err)
	}
	check := func(s Store) {
		t.Helper()
		if got := s.CommittedOffset(); got != 9 {
			t.Fatalf("CommittedOffset = %d, want 9", got)
		}
		mustGet(t, s, "a", "1")
		mustGet(t, s, "b", "")
		if _, ok, err := s.Get([]byte("gone")); ok || err != nil {
			t.Fatalf("deleted key: present %v, %v", ok, err)
		}
	}
	checkReopened(t, dir, s, check)
}

// TestPebbleApplyBatch: a batch's writes and deletes are there together
// once ApplyBatch returns, after a reopen too; a batch whose filling
// fails leaves the store as it was.
func TestPebbleApplyBatch(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "gone", "x")
	ba := s.(BatchApplier)
	err = ba.ApplyBatch(func(b Batch) error {
		return errors.Join(b.Put([]byte("a"), []byte("1")), b.Put([]byte("b"), []byte("")), b.Delete([]byte("gone")))
	})
	if err != nil {
		t.Fatal(err)
	}
	failed := errors.New("no more")
	err = ba.ApplyBatch(func(b Batch) error {
		return errors.Join(b.Put([]byte("a"), []byte("2")), failed)
	})
	if !errors.Is(err, failed) {
		t.Fatalf("a failed fill: %v, want its error", err)
	}
	check := func(s Store) {
		t.Helper()
		mustGet(t, s, "a", "1")
		mustGet(t, s, "b", "")
		if _, ok, err := s.Get([]byte("gone")); ok || err != nil {
			t.Fatalf("deleted key: present %v, %v", ok, err)
		}
	}
	checkReopened(t, dir, s, check)
}

// checkReopened runs check on s, then closes s and runs check again on
// the store reopened from dir.
func checkReopened(t *testing.T, dir string, s Store, check func(Store)) {
	t.Helper()
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s)
}

// crashEnv makes the test binary, re-run by TestPebbleCrash, act as the
// crashing writer.
const crashEnv = "EDDY_STATE_CRASH_DIR"

// TestPebbleCrash: a process writes, commits, writes more without
// committing and dies without closing its store. Reopened, the store has
// every committed write and the committed offset says where a changelog
// replay starts; uncommitted writes may or may not be there.
func TestPebbleCrash(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashWriter(dir)
		return
	}
	dir := filepath.Join(t.TempDir(), "store")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPebbleCrash$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("writer exited %d (%v), want 3:\n%s", code, err, out)
	}
	s, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.CommittedOffset(); got != 1999 {
		t.Fatalf("CommittedOffset after crash = %d, want 1999", got)
	}
	for i := 0; i < 2000; i++ {
		mustGet(t, s, fmt.Sprintf("k%05d", i), strconv.Itoa(i))
	}
	// Keys 2000.. were written after the last commit: any of them present
	// must hold the value written, never garbage.
	for i := 2000; i < 3000; i++ {
		k := fmt.Sprintf("k%05d", i)
		if v, ok, err := s.Get([]byte(k)); err != nil || (ok && string(v) != strconv.Itoa(i)) {
			t.Fatalf("uncommitted %s = %q, %v, %v", k, v, ok, err)
		}
	}
}

// crashWriter commits 2000 writes at offset 1999 in two steps, writes
// 1000 more and exits without closing the store.
func crashWriter(dir string) {
	s, err := OpenPebble(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := 0; i < 3000; i++ {
		if err := s.Put([]byte(fmt.Sprintf("k%05d", i)), []byte(strconv.Itoa(i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if i == 999 || i == 1999 {
			if err := s.Commit(int64(i)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
	}
	os.Exit(3) // no Close: the store is abandoned as a crash would
}

func TestOpenKinds(t *testing.T) {
	for _, kind := range []string{"", "memory", "MEMORY", "pebble", "Pebble "} {
		s, err := Open(kind, t.TempDir())
		if err != nil {
			t.Fatalf("Open(%q): %v", kind, err)
		}
		mustPut(t, s, "k", "v")
		mustGet(t, s, "k", "v")
		s.Close()
	}
	if _, err := Open("rocksdb", t.TempDir()); err == nil {
		t.Fatal("Open(rocksdb) succeeded")
	}
	if _, err := Open("pebble", ""); err == nil {
		t.Fatal("Open(pebble) without a directory succeeded")
	}
}

func mustPut(t *testing.T, s Store, k, v string) {
	t.Helper()
	if err := s.Put([]byte(k), []byte(v)); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, s Store, k, want string) {
	t.Helper()
	v, ok, err := s.Get([]byte(k))
	if err != nil || !ok || string(v) != want {
		t.Fatalf("Get(%q) = %q, %v, %v; want %q", k, v, ok, err, want)
	}
}

func mustMiss(t *testing.T, s Store, k string) {
	t.Helper()
	if v, ok, err := s.Get([]byte(k)); err != nil || ok {
		t.Fatalf("Get(%q) = %q, %v, %v; want missing", k, v, ok, err)
	}
}

func scanAll(t *testing.T, s Store, lo, hi []byte) []string {
	t.Helper()
	var out []string
	if err := s.Scan(lo, hi, func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPebbleBlockCacheKeepsBlocks: Pebble charges a store's memtables to
// its block cache; once they have grown to full size, reads still leave
// blocks in the cache.
func TestPebbleBlockCacheKeepsBlocks(t *testing.T) {
	s, err := OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.(*pebbleStore).db
	n := fillMemTable(t, s)
	key := make([]byte, 0, 16)
	for i := 0; i < n; i += 97 {
		if _, ok, err := s.Get(benchKey(key, i)); err != nil || !ok {
			t.Fatalf("Get(key %d): %v, %v", i, ok, err)
		}
	}
	if m := db.Metrics().BlockCache; m.Count == 0 {
		t.Fatalf("block cache holds no blocks after %d reads (%+v)", n/97, m)
	}
}

// TestSharedBlockCacheKeepsBlocks: eight busy stores on one block cache
// of the engine's default size (256 MiB), each with full-size memtables,
// still leave room for blocks, so that a second read of the same keys
// is served from the cache.
func TestSharedBlockCacheKeepsBlocks(t *testing.T) {
	const stores, cacheBytes = 8, 256 << 20
	cache := NewBlockCache(cacheBytes)
	defer cache.Release()
	key := make([]byte, 0, 16)
	var ss []Store
	var written []int
	for i := 0; i < stores; i++ {
		s, err := OpenPebbleCached(t.TempDir(), cache)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		db := s.(*pebbleStore).db
		n := fillMemTable(t, s)
		// Compact it all now, so that no background compaction
		// replaces the tables between the two reads.
		if err := db.Compact(context.Background(), []byte{dataPrefix}, []byte{dataPrefix + 1}, false); err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
		written = append(written, n)
	}
	read := func() (reads int) {
		for i, s := range ss {
			for k := 0; k < written[i]; k += 97 {
				if _, ok, err := s.Get(benchKey(key, k)); err != nil || !ok {
					t.Fatalf("store %d: Get(key %d): %v, %v", i, k, ok, err)
				}
				reads++
			}
		}
		return reads
	}
	read()
	before := ss[0].(*pebbleStore).db.Metrics().BlockCache
	reads := read()
	after := ss[0].(*pebbleStore).db.Metrics().BlockCache
	misses := after.Misses - before.Misses
	t.Logf("second pass: %d reads, %d cache hits, %d misses; cache holds %d blocks (%d bytes)",
		reads, after.Hits-before.Hits, misses, after.Count, after.Size)
	if misses > int64(reads/10) {
		t.Fatalf("second read of %d keys over %d busy stores missed the shared cache %d times (%+v)", reads, stores, misses, after)
	}
}

func TestSharedMemTableBytes(t *testing.T) {
	for _, c := range []struct {
		cache int64
		want  uint64
	}{
		{8 << 20, 4 << 20},    // Pebble's default at least
		{256 << 20, 8 << 20},  // the engine's default cache
		{512 << 20, 16 << 20}, // a thirty-second of the cache
		{4 << 30, 32 << 20},   // no larger than OpenPebble's
	} {
		if got := sharedMemTableBytes(c.cache); got != c.want {
			t.Errorf("sharedMemTableBytes(%d) = %d, want %d", c.cache, got, c.want)
		}
	}
}

// fillMemTable writes 4 KiB values to the Pebble store s until a
// full-size memtable has been allocated (memtables start small and
// double), flushes it to a table, and returns how many keys it wrote.
func fillMemTable(t *testing.T, s Store) int {
	t.Helper()
	db := s.(*pebbleStore).db
	val := bytes.Repeat([]byte("v"), 4096)
	key := make([]byte, 0, 16)
	n := 0
	for ; db.Metrics().MemTable.Size < s.(*pebbleStore).memTable; n++ {
		if err := s.Put(benchKey(key, n), val); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPebbleApproxBytesIdle: an idle store's size is not measured again
// (Pebble's Metrics allocates 31 times a call; every task sampled it
// every second), and a write or a flush is seen at the next call.
func TestPebbleApproxBytesIdle(t *testing.T) {
	s, err := OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustPut(t, s, "k", "v")
	before := s.ApproxBytes()
	if allocs := testing.AllocsPerRun(10, func() { s.ApproxBytes() }); allocs != 0 {
		t.Errorf("ApproxBytes of an idle store allocates %.0f times a call", allocs)
	}
	mustPut(t, s, "k2", string(bytes.Repeat([]byte("v"), 64<<10)))
	if err := s.(*pebbleStore).db.Flush(); err != nil {
		t.Fatal(err)
	}
	if after := s.ApproxBytes(); after <= before {
		t.Errorf("ApproxBytes after writing 64 KB and flushing = %d, before %d", after, before)
	}
}
