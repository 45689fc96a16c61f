package runtime

import "hash/maphash"

// groupTable holds an aggregate's groups by their encoded key. It is an
// open-addressing hash table of group pointers, each group holding its
// own key: a group costs one 8-byte slot here, where a Go map entry
// costs a string header and a pointer at the map's load factor (about
// 56 bytes per key at 1M keys, a third of a COUNT's state).
type groupTable struct {
	seed  maphash.Seed
	slots []*group // a power of two long, or nil
	n     int
}

func newGroupTable() *groupTable { return &groupTable{seed: maphash.MakeSeed()} }

func (t *groupTable) len() int { return t.n }

func (t *groupTable) home(k string) int {
	return int(maphash.String(t.seed, k) & uint64(len(t.slots)-1))
}

// get returns the group stored under k, or nil.
func (t *groupTable) get(k string) *group {
	if t.n == 0 {
		return nil
	}
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		g := t.slots[i]
		if g == nil || g.key == k {
			return g
		}
	}
}

// getBytes is get for a key held in a byte slice: a lookup of a group
// that exists allocates no string (maphash hashes bytes and strings of
// the same content alike).
func (t *groupTable) getBytes(k []byte) *group {
	if t.n == 0 {
		return nil
	}
	mask := len(t.slots) - 1
	for i := int(maphash.Bytes(t.seed, k) & uint64(mask)); ; i = (i + 1) & mask {
		g := t.slots[i]
		if g == nil || g.key == string(k) {
			return g
		}
	}
}

// put stores g under g.key, replacing a group stored there.
func (t *groupTable) put(g *group) {
	if (t.n+1)*4 > len(t.slots)*3 { // at most 3/4 full
		t.resize(max(16, 2*len(t.slots)))
	}
	mask := len(t.slots) - 1
	for i := t.home(g.key); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == nil {
			t.slots[i] = g
			t.n++
			return
		}
		if s.key == g.key {
			t.slots[i] = g
			return
		}
	}
}

// del removes the group stored under k, shifting back the groups after
// it in its probe run so that no lookup stops early at the hole.
func (t *groupTable) del(k string) {
	if t.n == 0 {
		return
	}
	mask := len(t.slots) - 1
	i := t.home(k)
	for ; ; i = (i + 1) & mask {
		g := t.slots[i]
		if g == nil {
			return
		}
		if g.key == k {
			break
		}
	}
	for j := (i + 1) & mask; t.slots[j] != nil; j = (j + 1) & mask {
		// The group at j may move into the hole at i unless its home
		// lies cyclically in (i, j].
		h := t.home(t.slots[j].key)
		if (i < j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = nil
	t.n--
	// Windows expire in waves: give the memory back when the table is
	// mostly empty.
	if len(t.slots) > 1024 && t.n*8 < len(t.slots) {
		t.resize(len(t.slots) / 2)
	}
}

func (t *groupTable) resize(size int) {
	old := t.slots
	t.slots, t.n = make([]*group, size), 0
	for _, g := range old {
		if g != nil {
			t.put(g)
		}
	}
}

// each calls fn with every group until fn returns false. fn must not
// change the table.
func (t *groupTable) each(fn func(*group) bool) {
	for _, g := range t.slots {
		if g != nil && !fn(g) {
			return
		}
	}
}
