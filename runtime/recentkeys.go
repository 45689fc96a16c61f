package runtime

import (
	"bytes"
	"hash/maphash"
)

// recentKeys remembers, for a few keys, the groups of the time windows
// their last record updated, so that the key's next record finds them
// without a group-table lookup per window (hashing and probing the key
// with the window's bounds): a hopping window of 10 s every 2 s puts each
// record in five groups, and records of a key come in runs (a hot
// auction's bids). A remembered group is used only while it is still the
// one the table holds: one that left it (expired, deleted, evicted to the
// store) carries a flag saying so.
type recentKeys struct {
	seed  maphash.Seed
	slots [recentKeySlots]recentKey
}

// recentKeySlots is how many keys are remembered, one per slot by hash.
const recentKeySlots = 64

// recentKey is a remembered key: its encoded key values and the groups of
// its windows by window index (start divided by the step) modulo 8.
type recentKey struct {
	key    []byte
	groups [8]*group
}

func newRecentKeys() *recentKeys { return &recentKeys{seed: maphash.MakeSeed()} }

// of returns key's slot, taken over (its groups forgotten) when it held
// another key.
func (r *recentKeys) of(key []byte) *recentKey {
	rk := &r.slots[maphash.Bytes(r.seed, key)&(recentKeySlots-1)]
	if !bytes.Equal(rk.key, key) {
		rk.key = append(rk.key[:0], key...)
		rk.groups = [8]*group{}
	}
	return rk
}

// group returns the remembered group of the window of index idx starting
// at start, or nil (always for a nil recentKey: nothing remembered).
func (rk *recentKey) group(idx, start int64) *group {
	if rk == nil {
		return nil
	}
	g := rk.groups[uint64(idx)&7]
	if g == nil || g.start != start || g.flags&(groupDetached|groupEvicted) != 0 {
		return nil
	}
	return g
}

// remember records g as the group of the window of index idx (nothing
// for a nil recentKey).
func (rk *recentKey) remember(idx int64, g *group) {
	if rk != nil {
		rk.groups[uint64(idx)&7] = g
	}
}
