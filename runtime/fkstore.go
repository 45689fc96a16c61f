package runtime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/state"
)

// A foreign-key join over a local store (ksql.state.store=pebble) reads
// its rows ('l', 'r') from the store on demand, and keeps which left rows
// are registered with each right key there too: an entry per
// registration, 'f', the right key length-prefixed, then the left key
// (fkRefKey), so a right change finds its left rows by a prefix scan.
// These entries go through the changelog with the rows they belong to,
// so a store restored from the changelog alone has them.
//
// 'F' says the store's registrations are complete. A join in memory
// keeps its index in memory (rebuilt from the left rows' entries, which
// say whether each is registered), and writes no 'f' entries: it deletes
// 'F' if it finds one, and a store-backed join attached to a store
// without 'F' (written by a join in memory, or before these entries
// existed) rebuilds the registrations from the left rows, holding them
// until its first commit.

// fkRefKey appends the store key of left key pks's registration with
// right key fk.
func fkRefKey(b []byte, fk, pks string) []byte {
	b = binary.AppendUvarint(append(b, 'f'), uint64(len(fk)))
	return append(append(b, fk...), pks...)
}

// fkRefPrefix is the prefix of right key fk's registrations.
func fkRefPrefix(fk string) []byte { return fkRefKey(nil, fk, "") }

// parseFKRef splits a registration's key, without its tag.
func parseFKRef(k []byte) (fk, pks string, err error) {
	l, n := binary.Uvarint(k)
	if n <= 0 || uint64(len(k)-n) < l {
		return "", "", errShortJoinRow
	}
	return string(k[n : n+int(l)]), string(k[n+int(l):]), nil
}

// prefixEnd is the first key after every key starting with p (nil: none).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

var fkCompleteKey = []byte{'F'}

// attachFK makes s the foreign-key join's store (see above).
func (j *JoinSpec) attachFK(s state.Store, cacheLimit int) error {
	st := j.fkState()
	st.backing, st.limit = s, cacheLimit
	if st.limit <= 0 {
		st.limit = defaultCacheLimit
	}
	st.pending = map[string]map[string]bool{}
	if _, ok, err := s.Get(fkCompleteKey); err != nil || ok {
		return err
	}
	// Rebuild: every registration the store holds is dropped, and every
	// registered left row's written, with 'F'.
	j.dirty[stateKey{'F', ""}] = struct{}{}
	var rerr error
	err := s.Scan([]byte{'f'}, []byte{'f' + 1}, func(k, _ []byte) bool {
		var fk, pks string
		if fk, pks, rerr = parseFKRef(k[1:]); rerr == nil {
			st.register(fk, pks, false)
		}
		return rerr == nil
	})
	if err = cmpErr(err, rerr); err != nil {
		return fmt.Errorf("join state registrations: %w", err)
	}
	err = s.Scan([]byte{'l'}, []byte{'l' + 1}, func(k, v []byte) bool {
		var l *fkLeft
		if l, rerr = decodeFKLeft(string(k[1:]), v); rerr == nil && l.subscribed && l.fk != "" {
			st.register(l.fk, l.pks, true)
		}
		return rerr == nil
	})
	if err = cmpErr(err, rerr); err != nil {
		return fmt.Errorf("join state left rows: %w", err)
	}
	return nil
}

// register notes left key pks registered with right key fk, or not.
func (st *fkState) register(fk, pks string, on bool) {
	m := st.pending[fk]
	if m == nil {
		m = map[string]bool{}
		st.pending[fk] = m
	}
	m[pks] = on
}

// storedReferrers is referrers' of a store-backed join: the store's
// registrations with right key ks, as changed since.
func (st *fkState) storedReferrers(ks string) []string {
	var out []string
	lo := fkRefPrefix(ks)
	err := st.backing.Scan(lo, prefixEnd(lo), func(k, _ []byte) bool {
		out = append(out, string(k[len(lo):]))
		return true
	})
	if err != nil {
		st.fail(lo, err)
	}
	changed := st.pending[ks]
	if len(changed) == 0 {
		return out // in key order: the store's
	}
	keys := make(map[string]bool, len(out)+len(changed))
	for _, pks := range out {
		keys[pks] = true
	}
	for pks, on := range changed {
		if on {
			keys[pks] = true
		} else {
			delete(keys, pks)
		}
	}
	out = out[:0]
	for pks := range keys {
		out = append(out, pks)
	}
	slices.Sort(out)
	return out
}

func (st *fkState) fail(k []byte, err error) {
	if st.loadErr == nil {
		st.loadErr = fmt.Errorf("join state %q: %w", k, err)
	}
}

// get reads store key tag+ks; nil when the store has none.
func (st *fkState) get(tag byte, ks string) []byte {
	st.getKey = append(append(st.getKey[:0], tag), ks...)
	v, ok, err := st.backing.Get(st.getKey)
	if err != nil {
		st.fail(st.getKey, err)
	}
	if !ok || err != nil {
		return nil
	}
	return v
}

// loadLeft reads left key pks's row from the store into the cache.
func (st *fkState) loadLeft(pks string) *fkLeft {
	return loadRow(st, 'l', pks, st.left, decodeFKLeft)
}

// loadRight reads right key ks's row from the store into the cache.
func (st *fkState) loadRight(ks string) *joinRow {
	return loadRow(st, 'r', ks, st.right, func(_ string, v []byte) (*joinRow, error) { return decodeFKRight(v) })
}

// loadRow reads the row of state key k, tagged tag, from the store into
// m, the cache of that side (nil when the store has none, or it does not
// decode: the failure then fails the next flush).
func loadRow[T any](st *fkState, tag byte, k string, m map[string]*T, decode func(k string, v []byte) (*T, error)) *T {
	var r *T
	if v := st.get(tag, k); v != nil {
		var err error
		if r, err = decode(k, v); err != nil {
			st.fail(st.getKey, err)
		}
	}
	m[k] = r
	return r
}

// markDirtyFK makes the next flush write a store-backed foreign-key
// join's entry k (see markDirty) as it is now.
func (j *JoinSpec) markDirtyFK(k []byte) {
	st := j.fkState()
	ks := string(k[1:])
	switch k[0] {
	case 'l':
		st.leftRow(ks)
	case 'r':
		st.rightRow(ks)
	case 'f':
		fk, pks, err := parseFKRef(k[1:])
		if err != nil {
			st.fail(k, err)
			return
		}
		l := st.leftRow(pks)
		st.register(fk, pks, l != nil && l.subscribed && l.fk == fk)
		return
	}
	j.dirty[stateKey{k[0], ks}] = struct{}{}
}

// flushRefs writes the changed registrations of a store-backed join.
func (st *fkState) flushRefs(key []byte, put func(k, v []byte)) []byte {
	for fk, m := range st.pending {
		for pks, on := range m {
			key = fkRefKey(key[:0], fk, pks)
			if on {
				put(key, []byte{1})
			} else {
				put(key, nil)
			}
		}
	}
	return key
}

// evict trims the caches once a batch is in the store (dirty: entries
// not yet flushed, kept).
func (st *fkState) evict(dirty map[stateKey]struct{}) {
	if st.backing == nil {
		return
	}
	if len(st.pending) > 4096 {
		st.pending = map[string]map[string]bool{}
	} else {
		clear(st.pending)
	}
	st.left = trimFK(st.left, 'l', st.limit, &st.peakL, dirty)
	st.right = trimFK(st.right, 'r', st.limit, &st.peakR, dirty)
}

// trimFK trims m, the cached rows of tag, keeping those in dirty (see
// trimCache).
func trimFK[V any](m map[string]V, tag byte, limit int, peak *int, dirty map[stateKey]struct{}) map[string]V {
	return trimCache(m, limit, peak, func(k string, _ V) bool {
		_, ok := dirty[stateKey{tag, k}]
		return ok
	})
}

// pendingRefs counts the registrations changed since the last commit.
func (st *fkState) pendingRefs() int {
	n := 0
	for _, m := range st.pending {
		n += len(m)
	}
	return n
}
