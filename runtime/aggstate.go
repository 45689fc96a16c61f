package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
)

// streamTimeKey holds an operator's stream time in its store: windows
// close, and late records are dropped, by the stream time the task had
// reached, so a restart must not forget it.
var streamTimeKey = []byte("\x01streamtime")

func (a *Aggregate) storeName() string { return a.store }

func (a *Aggregate) stateEntries() int64 {
	if a.backing != nil {
		return -1 // groups is only a cache of the store
	}
	return int64(a.groups.len())
}

func (a *Aggregate) markDirty(k []byte) {
	a.init()
	if string(k) == string(streamTimeKey) {
		a.stDirty = true
		return
	}
	a.dirtyKeys[string(k)] = true
}

// flushChanges writes each changed group: its key values, window, latest
// time and accumulators; a deleted group's key with no value.
func (a *Aggregate) flushChanges(put func(k, v []byte)) error {
	a.init()
	for gk := range a.dirtyKeys {
		g := a.lookup(gk)
		if g != nil && g.flags&groupDirty != 0 {
			continue // listed: written below
		}
		if err := a.writeGroup(put, gk, g); err != nil {
			return err
		}
	}
	// The listed groups in the table are written without a lookup by
	// key. A deleted one's key, or a re-keyed session's old key, is
	// written deleted, unless written above or a group holds it again
	// (a new group, listed itself).
	for _, g := range a.dirtyGroups {
		if g.flags&groupDetached != 0 {
			if err := a.writeLeft(put, g.key); err != nil {
				return err
			}
		} else if err := a.writeGroup(put, g.key, g); err != nil {
			return err
		}
	}
	for _, gk := range a.rekeyedFrom {
		if err := a.writeLeft(put, gk); err != nil {
			return err
		}
	}
	a.forgetChanges()
	if a.stDirty {
		a.flushVal = binary.AppendVarint(a.flushVal[:0], a.streamTime)
		put(streamTimeKey, a.flushVal)
		a.stDirty = false
	}
	return nil
}

func (a *Aggregate) encodeGroup(b []byte, g *group) ([]byte, error) {
	b, err := AppendRow(b, a.keysOf(g))
	if err != nil {
		return nil, err
	}
	start, end := a.windowOf(g)
	b = binary.AppendVarint(b, start)
	b = binary.AppendVarint(b, end)
	b = binary.AppendVarint(b, g.maxTs)
	// Each accumulator's state, length-prefixed, appended in place (no
	// buffer per accumulator).
	return expr.MarshalAccs(b, a.Funcs, a.accsOf(g))
}

// writeLeft writes a key a group has left: deleted, unless written by
// the dirtyKeys pass or held again by a group (listed itself, else
// written here).
func (a *Aggregate) writeLeft(put func(k, v []byte), gk string) error {
	if len(a.dirtyKeys) > 0 && a.dirtyKeys[gk] {
		return nil
	}
	cur := a.lookup(gk)
	if cur != nil && cur.flags&groupDirty != 0 {
		return nil
	}
	return a.writeGroup(put, gk, cur)
}

// writeGroup puts the group g stored under gk, or, nil, its deletion.
// put copies what it keeps, so one key and one value buffer serve every
// group of every flush.
func (a *Aggregate) writeGroup(put func(k, v []byte), gk string, g *group) error {
	a.flushKey = append(a.flushKey[:0], gk...)
	if g == nil {
		put(a.flushKey, nil)
		return nil
	}
	var err error
	if a.flushVal, err = a.encodeGroup(a.flushVal[:0], g); err != nil {
		return fmt.Errorf("group %q: %w", gk, err)
	}
	put(a.flushKey, a.flushVal)
	return nil
}

// forgetChanges empties the sets of changed groups and keys.
func (a *Aggregate) forgetChanges() {
	for _, g := range a.dirtyGroups {
		g.flags &^= groupDirty
	}
	clear(a.dirtyGroups) // pins no group
	if cap(a.dirtyGroups) > 1<<16 {
		a.dirtyGroups = nil // a burst's array is not kept for good
	}
	a.dirtyGroups = a.dirtyGroups[:0]
	clear(a.rekeyedFrom)
	if cap(a.rekeyedFrom) > 1<<16 {
		a.rekeyedFrom = nil
	}
	a.rekeyedFrom = a.rekeyedFrom[:0]
	a.dirtyKeys = emptied(a.dirtyKeys)
}

var errShortGroup = errors.New("truncated aggregate state")

func (a *Aggregate) restoreEntry(k, v []byte) error {
	a.init()
	if string(k) == string(streamTimeKey) {
		if v != nil {
			st, n := binary.Varint(v)
			if n <= 0 {
				return errShortGroup
			}
			a.streamTime = st
		}
		return nil
	}
	gk := string(k)
	if v == nil {
		a.removeGroup(gk)
		delete(a.dirtyKeys, gk)
		return nil
	}
	g, err := a.decodeGroup(gk, v)
	if err != nil {
		return err
	}
	a.removeGroup(gk)
	a.addGroup(g)
	delete(a.dirtyKeys, gk)
	return nil
}

// decodeGroup reads the group stored under gk, written by encodeGroup.
// The window bounds it holds are those its key ends with.
func (a *Aggregate) decodeGroup(gk string, v []byte) (*group, error) {
	keys, rest, err := DecodeRow(v, nil)
	if err != nil {
		return nil, err
	}
	start, n := binary.Varint(rest)
	if n <= 0 {
		return nil, errShortGroup
	}
	rest = rest[n:]
	if _, n = binary.Varint(rest); n <= 0 { // the end: start plus the size, or in a session's key
		return nil, errShortGroup
	}
	rest = rest[n:]
	g := a.newGroup(gk, keys, start)
	if g.maxTs, n = binary.Varint(rest); n <= 0 {
		return nil, errShortGroup
	}
	rest = rest[n:]
	for i, f := range a.Funcs {
		l, n := binary.Uvarint(rest)
		if n <= 0 || uint64(len(rest)-n) < l {
			return nil, errShortGroup
		}
		if f.Unmarshal == nil {
			return nil, fmt.Errorf("aggregate %s has no serialized state", f.Name)
		}
		acc, err := f.Unmarshal(rest[n : n+int(l)])
		if err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", f.Name, err)
		}
		a.accsOf(g)[i] = acc
		rest = rest[n+int(l):]
	}
	return g, nil
}

// attach makes the local store the aggregate's state: groups are read
// from it on demand instead of all being loaded at restore. It rebuilds
// the in-memory indexes (windows by closing time, sessions by key) and the
// stream time from the store.
func (a *Aggregate) attach(s state.Store, cacheLimit int) error {
	a.init()
	a.backing = s
	if cacheLimit > 0 {
		a.cacheLimit = cacheLimit
	}
	var derr error
	err := s.Scan(nil, nil, func(k, v []byte) bool {
		if string(k) == string(streamTimeKey) {
			if st, n := binary.Varint(v); n > 0 {
				a.streamTime = st
			}
			return true
		}
		if a.Window == nil {
			return true
		}
		g, err := a.decodeGroup(string(k), v)
		if err != nil {
			derr = fmt.Errorf("group %q: %w", k, err)
			return false
		}
		a.index(g)
		a.evicted(g) // indexed, not in memory
		return true
	})
	return cmpErr(err, derr)
}

// evict empties the cache of groups down to cacheLimit once a batch is
// in the store.
func (a *Aggregate) evict() {
	if a.backing == nil {
		return
	}
	a.gone = emptied(a.gone)
	limit := a.cacheLimit
	if limit <= 0 {
		limit = defaultCacheLimit
	}
	excess := a.groups.len() - limit
	if excess <= 0 {
		return
	}
	var clean []*group
	a.groups.each(func(g *group) bool {
		// A changed group must reach the store first; one with a
		// pending output must stay the one the output cache holds.
		if _, pending := a.cachedAt(g); g.flags&groupDirty == 0 && !pending {
			clean = append(clean, g)
		}
		return len(clean) < excess
	})
	for _, g := range clean {
		a.groups.del(g.key)
		a.evicted(g)
	}
}

func (a *Aggregate) held() int64 {
	if a.groups == nil {
		return 0
	}
	return int64(a.groups.len())
}

// evicted marks a group the store holds that has left memory: only its
// session's entry may still point at it, for its key, so its values go.
func (a *Aggregate) evicted(g *group) {
	g.flags |= groupEvicted
	g.vals = nil
}

// emptied empties a per-batch set. A map keeps its table when cleared, so
// a set that once held every key (a commit after a long interval, a
// restore) would cost as much as the state itself from then on: a large
// one is dropped instead.
func emptied(m map[string]bool) map[string]bool {
	if len(m) > 4096 {
		return map[string]bool{}
	}
	clear(m)
	return m
}
