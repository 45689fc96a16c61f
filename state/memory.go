package state

import (
	"bytes"

	"github.com/google/btree"
)

// memory is an ordered in-memory store: a B-tree of entries. google/btree
// measured as fast as tidwall/btree for 1M 16-byte keys (about 2 µs a
// put or get, both cache-miss bound) and grew the heap less per entry.
type memory struct {
	tree      *btree.BTreeG[entry]
	bytes     int64 // keys + values
	committed int64
	closed    bool
}

// entry is one key and its value; both share one allocation.
type entry struct{ key, value []byte }

func entryLess(a, b entry) bool { return bytes.Compare(a.key, b.key) < 0 }

// memDegree is the B-tree's degree: nodes of up to 63 entries keep the
// tree shallow and its per-entry overhead low.
const memDegree = 32

// entryOverhead estimates what an entry costs beyond its bytes: the
// entry's two slice headers in a node (48 bytes), the node's spare
// capacity and the allocation's rounding.
const entryOverhead = 64

// NewMemory returns an empty ordered in-memory store.
func NewMemory() Store {
	return &memory{tree: btree.NewG(memDegree, entryLess), committed: -1}
}

func (m *memory) Get(key []byte) ([]byte, bool, error) {
	if m.closed {
		return nil, false, errClosed
	}
	e, ok := m.tree.Get(entry{key: key})
	if !ok {
		return nil, false, nil
	}
	return bytes.Clone(e.value), true, nil
}

func (m *memory) Put(key, value []byte) error {
	if m.closed {
		return errClosed
	}
	buf := make([]byte, len(key)+len(value))
	n := copy(buf, key)
	copy(buf[n:], value)
	e := entry{key: buf[:n:n], value: buf[n:]}
	if old, replaced := m.tree.ReplaceOrInsert(e); replaced {
		m.bytes -= int64(len(old.key) + len(old.value))
	}
	m.bytes += int64(len(buf))
	return nil
}

func (m *memory) Delete(key []byte) error {
	if m.closed {
		return errClosed
	}
	if old, ok := m.tree.Delete(entry{key: key}); ok {
		m.bytes -= int64(len(old.key) + len(old.value))
	}
	return nil
}

func (m *memory) Scan(lo, hi []byte, fn func(k, v []byte) bool) error {
	if m.closed {
		return errClosed
	}
	visit := func(e entry) bool { return fn(e.key, e.value) }
	switch {
	case lo == nil && hi == nil:
		m.tree.Ascend(visit)
	case lo == nil:
		m.tree.AscendLessThan(entry{key: hi}, visit)
	case hi == nil:
		m.tree.AscendGreaterOrEqual(entry{key: lo}, visit)
	default:
		if bytes.Compare(lo, hi) < 0 {
			m.tree.AscendRange(entry{key: lo}, entry{key: hi}, visit)
		}
	}
	return nil
}

func (m *memory) Commit(offset int64) error {
	if m.closed {
		return errClosed
	}
	m.committed = offset
	return nil
}

func (m *memory) CommittedOffset() int64 { return m.committed }

func (m *memory) ApproxBytes() int64 {
	return m.bytes + int64(m.tree.Len())*entryOverhead
}

func (m *memory) Close() error {
	m.closed = true
	m.tree.Clear(false)
	m.bytes = 0
	return nil
}
