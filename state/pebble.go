package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// pebbleStore is a Store on disk: a Pebble database per directory, for
// state larger than memory.
//
// Durability: writes go straight to the database with its write-ahead log
// on but unsynced (pebble.NoSync), so a Put costs a memtable insert and a
// buffered log append. Commit writes the changelog offset with a synced
// write; the log is sequential, so that sync makes every earlier write
// durable too. Hence: after Commit(o) returns, a reopen — after Close, a
// crash or a kill — sees every write made before that Commit, and
// CommittedOffset returns o or a later committed offset. Writes made
// after the last Commit may or may not be there; the owner replays its
// changelog from CommittedOffset()+1 to redo them (changelog records are
// idempotent: a key's latest value).
//
// An indexed batch flushed at Commit was the other choice; it is no
// faster, and unlike writes to the database it is unsafe for the
// concurrent readers a pull query brings.
type pebbleStore struct {
	db        *pebble.DB
	dir       string
	committed int64
	memTable  uint64 // the memtable size the store was opened with

	// changes counts what may change the store's size on disk: writes,
	// and the flushes, compactions and log deletions Pebble reports.
	// ApproxBytes measures again only when it moved (Pebble's Metrics
	// walks the LSM and allocates 31 times; every task called it every
	// second, idle or not: 0.35 s of CPU a minute for 540 idle stores).
	changes   atomic.Int64
	sampledAt int64 // changes when bytes was measured; -1 before
	bytes     int64
}

// Keys are namespaced so that the committed offset cannot collide with a
// user key: user keys are stored behind dataPrefix, metadata behind
// metaPrefix.
const (
	metaPrefix = 0x00
	dataPrefix = 0x01
)

var offsetKey = []byte{metaPrefix, 'o', 'f', 'f', 's', 'e', 't'}

// blockCacheBytes sizes the block cache of a store opened with
// OpenPebble: larger than Pebble's 8 MiB default so that lookups in a
// store of a million keys mostly stay in memory.
const blockCacheBytes = 32 << 20

// memTableBytes is the memtable size of a store opened with OpenPebble,
// and the largest for one opened with OpenPebbleCached. A larger
// memtable than Pebble's 4 MiB default flushes less often under a steady
// stream of updates to the same keys.
const memTableBytes = 32 << 20

// minMemTableBytes is the smallest memtable of a store opened with
// OpenPebbleCached: Pebble's default.
const minMemTableBytes = 4 << 20

// memTableReserve is what a store's memtables take of its block cache:
// Pebble charges each memtable it allocates to the cache, and a busy
// store holds two (one filling and one flushing, or kept for reuse).
const memTableReserve = 2 * memTableBytes

// sharedMemTableShare is the part of a shared cache one store's memtable
// may take: a busy store's two memtables take 1/16 of it, so 8 busy
// stores leave at least half of it for blocks.
const sharedMemTableShare = 32

// sharedMemTableBytes sizes the memtables of a store on a shared cache of
// cacheBytes: a fixed 32 MiB would take a 256 MiB cache whole with four
// busy stores, and every read would go to the files.
func sharedMemTableBytes(cacheBytes int64) uint64 {
	return uint64(min(max(cacheBytes/sharedMemTableShare, minMemTableBytes), memTableBytes))
}

// BlockCache is a Pebble block cache that several stores share
// (OpenPebbleCached): it bounds the memory of their blocks and their
// memtables together. Their reads keep blocks in what the memtables
// leave, and a busy store may use what idle ones leave. Pebble charges
// each memtable it allocates to the cache; a store on a cache of size S
// uses memtables of S/32 (within 4 MiB and 32 MiB, growing from 256 KiB
// as it writes), so a busy store takes S/16 and 8 busy ones half. One
// too small for its stores' memtables keeps no blocks at all.
type BlockCache struct{ c *pebble.Cache }

// NewBlockCache makes a block cache of size bytes; Release gives up the
// caller's hold on it (each store open on it holds its own).
func NewBlockCache(size int64) *BlockCache { return &BlockCache{c: pebble.NewCache(size)} }

// Release drops the caller's hold on the cache, which is freed once the
// stores using it are closed too.
func (b *BlockCache) Release() { b.c.Unref() }

// Size is the most bytes the cache holds, memtables and blocks.
func (b *BlockCache) Size() int64 { return b.c.MaxSize() }

// OpenPebble opens (creating if needed) the Pebble store in dir, with a
// block cache of its own: blockCacheBytes of blocks besides its two
// memtables of memTableBytes.
func OpenPebble(dir string) (Store, error) {
	cache := NewBlockCache(blockCacheBytes + memTableReserve)
	defer cache.Release() // the database holds its own reference
	s, err := openPebble(dir, cache, memTableBytes)
	if err != nil {
		return nil, err // not a nil *pebbleStore in a non-nil Store
	}
	return s, nil
}

// OpenPebbleCached opens the Pebble store in dir over a shared block
// cache, with memtables sized from the cache's size (see BlockCache) so
// that several busy stores leave it room for blocks.
func OpenPebbleCached(dir string, cache *BlockCache) (Store, error) {
	s, err := openPebble(dir, cache, sharedMemTableBytes(cache.Size()))
	if err != nil {
		return nil, err // not a nil *pebbleStore in a non-nil Store
	}
	return s, nil
}

// openPebble opens the Pebble store in dir over cache with memtables of
// memTable bytes.
func openPebble(dir string, cache *BlockCache, memTable uint64) (*pebbleStore, error) {
	opts := &pebble.Options{
		Logger:       quietLogger{},
		Cache:        cache.c,
		MemTableSize: memTable,
		FS:           storeFS{vfs.Default},
	}
	opts.Experimental.CompactionScheduler = newCompactionScheduler()
	s := &pebbleStore{dir: dir, committed: -1, memTable: memTable, sampledAt: -1}
	changed := func() { s.changes.Add(1) }
	opts.AddEventListener(pebble.EventListener{
		FlushEnd:      func(pebble.FlushInfo) { changed() },
		CompactionEnd: func(pebble.CompactionInfo) { changed() },
		WALDeleted:    func(pebble.WALDeleteInfo) { changed() },
		TableDeleted:  func(pebble.TableDeleteInfo) { changed() },
	})
	opts.AddEventListener(pebble.MakeLoggingEventListener(quietLogger{}))
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open pebble state store %s: %w", dir, err)
	}
	s.db = db
	v, closer, err := db.Get(offsetKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		db.Close()
		return nil, fmt.Errorf("open pebble state store %s: read committed offset: %w", dir, err)
	default:
		if len(v) != 8 {
			closer.Close()
			db.Close()
			return nil, fmt.Errorf("open pebble state store %s: committed offset has %d bytes, want 8", dir, len(v))
		}
		s.committed = int64(binary.BigEndian.Uint64(v))
		closer.Close()
	}
	return s, nil
}

// dataKey returns key behind the data prefix, in a fresh slice.
func dataKey(key []byte) []byte {
	k := make([]byte, 1+len(key))
	k[0] = dataPrefix
	copy(k[1:], key)
	return k
}

func (s *pebbleStore) Get(key []byte) ([]byte, bool, error) {
	v, closer, err := s.db.Get(dataKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("state %s: get: %w", s.dir, err)
	}
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	return out, true, closer.Close()
}

func (s *pebbleStore) Put(key, value []byte) error {
	s.changes.Add(1)
	if err := s.db.Set(dataKey(key), value, pebble.NoSync); err != nil {
		return fmt.Errorf("state %s: put: %w", s.dir, err)
	}
	return nil
}

func (s *pebbleStore) Delete(key []byte) error {
	s.changes.Add(1)
	if err := s.db.Delete(dataKey(key), pebble.NoSync); err != nil {
		return fmt.Errorf("state %s: delete: %w", s.dir, err)
	}
	return nil
}

func (s *pebbleStore) Scan(lo, hi []byte, fn func(k, v []byte) bool) error {
	lower := []byte{dataPrefix}
	if lo != nil {
		lower = dataKey(lo)
	}
	upper := []byte{dataPrefix + 1}
	if hi != nil {
		upper = dataKey(hi)
	}
	if bytes.Compare(lower, upper) >= 0 {
		return nil
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("state %s: scan: %w", s.dir, err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return fmt.Errorf("state %s: scan: %w", s.dir, err)
		}
		if !fn(it.Key()[1:], v) {
			break
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("state %s: scan: %w", s.dir, err)
	}
	return nil
}

// CommitBatch writes fill's changes and the offset in one synced batch
// (see BatchCommitter); concurrent readers see all of it or none.
func (s *pebbleStore) CommitBatch(offset int64, fill func(Batch) error) error {
	s.changes.Add(1)
	b := s.db.NewBatch()
	defer b.Close()
	if err := fill(pebbleBatch{b}); err != nil {
		return fmt.Errorf("state %s: commit at offset %d: %w", s.dir, offset, err)
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(offset))
	if err := b.Set(offsetKey, v[:], nil); err != nil {
		return fmt.Errorf("state %s: commit at offset %d: %w", s.dir, offset, err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("state %s: commit at offset %d: %w", s.dir, offset, err)
	}
	s.committed = offset
	return nil
}

// ApplyBatch writes fill's changes in one batch, unsynced (see
// BatchApplier).
func (s *pebbleStore) ApplyBatch(fill func(Batch) error) error {
	s.changes.Add(1)
	b := s.db.NewBatch()
	defer b.Close()
	if err := fill(pebbleBatch{b}); err != nil {
		return err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("state %s: apply a batch: %w", s.dir, err)
	}
	return nil
}

// pebbleBatch writes keys behind the data prefix, built in place in
// the batch (no key is allocated).
type pebbleBatch struct{ b *pebble.Batch }

func (p pebbleBatch) Put(key, value []byte) error {
	op := p.b.SetDeferred(1+len(key), len(value))
	op.Key[0] = dataPrefix
	copy(op.Key[1:], key)
	copy(op.Value, value)
	return op.Finish()
}

func (p pebbleBatch) Delete(key []byte) error {
	op := p.b.DeleteDeferred(1 + len(key))
	op.Key[0] = dataPrefix
	copy(op.Key[1:], key)
	return op.Finish()
}

func (s *pebbleStore) Commit(offset int64) error {
	s.changes.Add(1)
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(offset))
	if err := s.db.Set(offsetKey, v[:], pebble.Sync); err != nil {
		return fmt.Errorf("state %s: commit at offset %d: %w", s.dir, offset, err)
	}
	s.committed = offset
	return nil
}

func (s *pebbleStore) CommittedOffset() int64 { return s.committed }

// ApproxBytes is the space the store takes on disk: live tables and the
// write-ahead log, which holds what the memtables hold. It is measured
// again only after a change; its caller is the task's goroutine.
func (s *pebbleStore) ApproxBytes() int64 {
	if c := s.changes.Load(); c != s.sampledAt {
		s.bytes = int64(s.db.Metrics().DiskSpaceUsage())
		s.sampledAt = c
	}
	return s.bytes
}

func (s *pebbleStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close state %s: %w", s.dir, err)
	}
	return nil
}

// quietLogger drops Pebble's informational messages (compactions, WAL
// recovery) and keeps its errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	pebble.DefaultLogger.Errorf(format, args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	pebble.DefaultLogger.Fatalf(format, args...)
}
