// Package state holds the key-value stores a task keeps its state in: an
// ordered in-memory store and a Pebble store on disk, both behind one
// byte-level interface, plus what changelogs need (a write-coalescing
// wrapper and a restore) and an order-preserving key encoding so that
// composite keys (key, then time) scan in key-then-time order.
//
// The package knows nothing of SQL, operators or Kafka: keys and values
// are bytes, and a changelog position is an int64 offset.
package state

import (
	"fmt"
	"strings"
)

// Store is an ordered byte-level key-value store owned by one task. It is
// not safe for concurrent writers; concurrent readers of a Pebble store
// are fine, a memory store needs its owner to exclude readers while it
// writes.
type Store interface {
	// Get returns a copy of the value stored under key: the caller may
	// keep it.
	Get(key []byte) (value []byte, ok bool, err error)
	// Put stores copies of key and value, so the caller may reuse both.
	Put(key, value []byte) error
	Delete(key []byte) error
	// Scan calls fn for keys in [lo, hi) in ascending byte order; a nil
	// lo or hi is unbounded. k and v are valid only during the call. fn
	// returns false to stop.
	Scan(lo, hi []byte, fn func(k, v []byte) bool) error
	// Commit makes every write so far durable together with the
	// changelog offset they include; CommittedOffset returns the last
	// one committed, -1 when none. A memory store keeps it in memory.
	Commit(changelogOffset int64) error
	CommittedOffset() int64
	// ApproxBytes is the store's approximate size (keys, values and
	// overhead), for metrics and benchmarks.
	ApproxBytes() int64
	Close() error
}

// Batch collects writes that a BatchCommitter applies together.
type Batch interface {
	Put(key, value []byte) error
	Delete(key []byte) error
}

// BatchCommitter is a Store that applies a commit's writes and its
// changelog offset as one write: a Pebble store sends them through its
// commit pipeline once, with one sync, where each Put went through it on
// its own (about as much CPU as a store-backed join's row).
type BatchCommitter interface {
	// CommitBatch applies what fill writes to the batch, then commits
	// offset with them, as Commit does; on an error nothing of the
	// batch is applied.
	CommitBatch(offset int64, fill func(Batch) error) error
}

// BatchApplier is a Store that applies a batch of writes as one write,
// without waiting for it to be durable: a reader that keeps a copy of a
// topic with the offsets it has read to writes both together, and pays
// for one pass through Pebble's commit pipeline per batch, not per
// entry.
type BatchApplier interface {
	// ApplyBatch applies what fill writes to the batch; on an error
	// nothing of it is applied.
	ApplyBatch(fill func(Batch) error) error
}

// Store kinds, the values of the ksql.state.store property.
const (
	KindMemory = "memory" // the default
	KindPebble = "pebble"
)

// Open opens a store of the given kind: "memory" (or "", the default)
// ignores dir; "pebble" keeps the store in dir.
func Open(kind, dir string) (Store, error) {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "", KindMemory:
		return NewMemory(), nil
	case KindPebble:
		if dir == "" {
			return nil, fmt.Errorf("open pebble state store: no directory")
		}
		return OpenPebble(dir)
	}
	return nil, fmt.Errorf("unknown state store kind %q: want %q or %q", kind, KindMemory, KindPebble)
}
