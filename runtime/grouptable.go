package runtime

import "hash/maphash"

// groupTable holds an aggregate's groups by their encoded key. It is an
// open-addressing hash table of group pointers, each group holding its
// own key: a group costs one 8-byte slot and a tag byte here, where a Go
// map entry costs a string header and a pointer at the map's load factor
// (about 56 bytes per key at 1M keys, a third of a COUNT's state).
//
// Each slot's tag holds bits of its group's key hash, so a probe compares
// a key (two pointer hops: the group, then its key's bytes) only when the
// tags match, nearly always the group sought.
type groupTable struct {
	seed  maphash.Seed
	slots []*group // a power of two long, or nil
	tags  []uint8  // per slot: 0 when empty, else tagOf the key's hash
	n     int
}

func newGroupTable() *groupTable { return &groupTable{seed: maphash.MakeSeed()} }

func (t *groupTable) len() int { return t.n }

// tagOf is a slot's tag for a key hash: its top 7 bits (the low bits
// pick the home slot), with the top bit set so no tag is 0.
func tagOf(h uint64) uint8 { return uint8(h>>57) | 0x80 }

func (t *groupTable) hash(k string) uint64 { return maphash.String(t.seed, k) }

// find returns the slot of the group stored under k, of hash h, or the
// empty slot ending its probe run.
func (t *groupTable) find(k string, h uint64) int {
	mask := len(t.slots) - 1
	tag := tagOf(h)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch t.tags[i] {
		case 0:
			return i
		case tag:
			if t.slots[i].key == k {
				return i
			}
		}
	}
}

// get returns the group stored under k, or nil.
func (t *groupTable) get(k string) *group {
	if t.n == 0 {
		return nil
	}
	return t.slots[t.find(k, t.hash(k))]
}

// getBytes is get for a key held in a byte slice, find's probe written
// out so that the lookup allocates no string (maphash hashes bytes and
// strings of the same content alike; string(k) in a comparison does not
// allocate).
func (t *groupTable) getBytes(k []byte) *group {
	if t.n == 0 {
		return nil
	}
	h := maphash.Bytes(t.seed, k)
	mask := len(t.slots) - 1
	tag := tagOf(h)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch t.tags[i] {
		case 0:
			return nil
		case tag:
			if g := t.slots[i]; g.key == string(k) {
				return g
			}
		}
	}
}

// put stores g under g.key, replacing a group stored there.
func (t *groupTable) put(g *group) {
	if (t.n+1)*4 > len(t.slots)*3 { // at most 3/4 full
		t.resize(max(16, 2*len(t.slots)))
	}
	h := t.hash(g.key)
	i := t.find(g.key, h)
	if t.slots[i] == nil {
		t.n++
	}
	t.slots[i], t.tags[i] = g, tagOf(h)
}

// del removes the group stored under k, shifting back the groups after
// it in its probe run so that no lookup stops early at the hole.
func (t *groupTable) del(k string) {
	if t.n == 0 {
		return
	}
	mask := len(t.slots) - 1
	i := t.find(k, t.hash(k))
	if t.slots[i] == nil {
		return
	}
	for j := (i + 1) & mask; t.slots[j] != nil; j = (j + 1) & mask {
		// The group at j may move into the hole at i unless its home
		// lies cyclically in (i, j].
		h := int(t.hash(t.slots[j].key)) & mask
		if (i < j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			t.slots[i], t.tags[i] = t.slots[j], t.tags[j]
			i = j
		}
	}
	t.slots[i], t.tags[i] = nil, 0
	t.n--
	// Windows expire in waves: give the memory back when the table is
	// mostly empty.
	if len(t.slots) > 1024 && t.n*8 < len(t.slots) {
		t.resize(len(t.slots) / 2)
	}
}

func (t *groupTable) resize(size int) {
	old := t.slots
	t.slots, t.tags, t.n = make([]*group, size), make([]uint8, size), 0
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
