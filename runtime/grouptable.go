package runtime

import "hash/maphash"

// groupTable holds an aggregate's groups by their encoded key. It is an
// open-addressing hash table of group pointers, each group holding its
// own key: a group costs one 8-byte slot and a 4-byte hash here, where a
// Go map entry costs a string header and a pointer at the map's load
// factor (about 56 bytes per key at 1M keys, a third of a COUNT's state).
//
// Each slot's hash lets a probe compare a key (two pointer hops: the
// group, then its key's bytes) only when the hashes match, nearly always
// the group sought, and lets a resize or a delete's shift place groups
// without reading them (a cache miss each in a large table).
type groupTable struct {
	seed   maphash.Seed
	slots  []*group // a power of two long, or nil
	hashes []uint32 // per slot: 0 when empty, else slotHash of the key's hash
	n      int
}

func newGroupTable() *groupTable { return &groupTable{seed: maphash.MakeSeed()} }

// len is 0 for a table not made yet (a task assigned a partition but
// given no record).
func (t *groupTable) len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// slotHash is what a slot keeps of a key's hash: its low 31 bits, which
// hold the home slot's index in a table of up to 2^31 slots, with the
// top bit set so that no slot hash is 0.
func slotHash(h uint64) uint32 { return uint32(h) | 1<<31 }

func (t *groupTable) hash(k string) uint64 { return maphash.String(t.seed, k) }

// find returns the slot of the group stored under k, of hash h, or the
// empty slot ending its probe run.
func (t *groupTable) find(k string, h uint64) int {
	mask := len(t.slots) - 1
	sh := slotHash(h)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch t.hashes[i] {
		case 0:
			return i
		case sh:
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
	sh := slotHash(h)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch t.hashes[i] {
		case 0:
			return nil
		case sh:
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
	t.slots[i], t.hashes[i] = g, slotHash(h)
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
	for j := (i + 1) & mask; t.hashes[j] != 0; j = (j + 1) & mask {
		// The group at j may move into the hole at i unless its home
		// lies cyclically in (i, j].
		h := int(t.hashes[j]) & mask
		if (i < j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			t.slots[i], t.hashes[i] = t.slots[j], t.hashes[j]
			i = j
		}
	}
	t.slots[i], t.hashes[i] = nil, 0
	t.n--
	// Windows expire in waves: give the memory back when the table is
	// mostly empty.
	if len(t.slots) > 1024 && t.n*8 < len(t.slots) {
		t.resize(len(t.slots) / 2)
	}
}

// resize moves the groups to a table of size slots, each placed by its
// slot's hash: no key is read.
func (t *groupTable) resize(size int) {
	slots, hashes := t.slots, t.hashes
	t.slots, t.hashes = make([]*group, size), make([]uint32, size)
	mask := size - 1
	for j, sh := range hashes {
		if sh == 0 {
			continue
		}
		i := int(sh) & mask
		for t.hashes[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i], t.hashes[i] = slots[j], sh
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
