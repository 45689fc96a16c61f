package runtime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/eddysql/eddy/state"
	"github.com/eddysql/eddy/types/codec"
)

// A join's store keeps each side's rows under the side's tag and the
// join key ('L'/'R'), a foreign-key join's rows under 'l' (left, by
// primary key) and 'r' (right) (and, store-backed, its registrations:
// see fkstore.go), and the stream time.

func (j *JoinSpec) storeName() string { return j.store }

// stateEntries counts keys per side (a stream side's key holds every row
// of it in the window).
func (j *JoinSpec) stateEntries() int64 {
	var n int
	if j.left != nil {
		if j.left.backing != nil || j.right.backing != nil {
			return -1 // a side's rows are only a cache of the store
		}
		n += j.left.live + j.right.live
	}
	if j.fk != nil {
		if j.fk.backing != nil {
			return -1
		}
		n += len(j.fk.left) + len(j.fk.right)
	}
	return int64(n)
}

// stateKey is a changed store entry of a foreign-key join: its side tag
// ('l', 'r') and state key, kept apart so that marking one costs no
// concatenation. (The other joins' sides list their changed keys.)
type stateKey struct {
	tag byte
	ks  string
}

// Each stream side's stream time (see joinState.seen) is stored beside
// the join's.
var leftTimeKey, rightTimeKey = []byte("\x01streamtime/L"), []byte("\x01streamtime/R")

func (j *JoinSpec) markDirty(k []byte) {
	j.init()
	if k := string(k); k == string(streamTimeKey) || k == string(leftTimeKey) || k == string(rightTimeKey) {
		j.stDirty = true
		return
	}
	if len(k) == 0 {
		return
	}
	if j.windowEntry(k) {
		j.markWindowDirty(k)
		return
	}
	switch k[0] {
	case 'L', 'R':
		s := j.side(k[0])
		sk := s.key(k[1:])
		if sk == nil {
			sk = &sideKey{ks: string(k[1:])} // no rows: its tombstone
		}
		s.touch(sk)
	case 'l', 'r', 'f':
		if j.fk != nil && j.fk.backing != nil {
			j.markDirtyFK(k)
			return
		}
		j.dirty[stateKey{k[0], string(k[1:])}] = struct{}{}
	default:
		j.dirty[stateKey{k[0], string(k[1:])}] = struct{}{}
	}
}

// windowEntry tells whether k is an entry of a stream–stream join's
// store-backed window format, or one of a side in memory while the side
// is store-backed (windowstore.go).
func (j *JoinSpec) windowEntry(k []byte) bool {
	switch k[0] {
	case 'S', 'T':
		return true
	case 'L', 'R':
		return j.side(k[0]).win != nil
	case 0x01:
		return string(k) == string(closedAtKey) || string(k) == string(seqKey('L')) || string(k) == string(seqKey('R'))
	}
	return false
}

// side is the side of tag 'L' or 'R'.
func (j *JoinSpec) side(tag byte) *joinState {
	if tag == 'R' {
		return j.right
	}
	return j.left
}

func (j *JoinSpec) flushChanges(put func(k, v []byte)) error {
	return j.flush(0, put)
}

// flush writes the changed entries of the side tagged side, or of every
// side when side is 0; the stream time goes with the left side.
func (j *JoinSpec) flush(side byte, put func(k, v []byte)) error {
	j.init()
	if j.fk != nil && j.fk.loadErr != nil {
		return j.fk.loadErr
	}
	var buf, key []byte
	for _, s := range []*joinState{j.left, j.right} {
		if side != 0 && s.tag != side {
			continue
		}
		if s.loadErr != nil {
			return s.loadErr
		}
		var err error
		if buf, key, err = s.flush(buf, key, put); err != nil {
			return err
		}
	}
	for k := range j.dirty {
		if side != 0 && k.tag != side {
			continue
		}
		delete(j.dirty, k)
		key = append(append(key[:0], k.tag), k.ks...)
		var err error
		var present bool
		buf, present, err = j.encodeFKEntry(buf[:0], k.tag, k.ks)
		if err != nil {
			return fmt.Errorf("join state %q: %w", key, err)
		}
		if present {
			put(key, buf)
		} else {
			put(key, nil)
		}
	}
	if j.fk != nil && j.fk.backing != nil {
		key = j.fk.flushRefs(key, put)
	}
	if j.stDirty && side != 'R' {
		put(streamTimeKey, binary.AppendVarint(nil, j.streamTime))
		if !j.left.table || !j.right.table {
			put(leftTimeKey, binary.AppendVarint(nil, j.left.seen))
			put(rightTimeKey, binary.AppendVarint(nil, j.right.seen))
		}
		if j.left.win != nil && j.HasGrace {
			put(closedAtKey, binary.AppendVarint(nil, j.closedAt))
		}
		j.stDirty = false
	}
	return nil
}

// joinSideStore is one side of a join whose sides ksqlDB keeps in stores
// of their own (JoinSpec.Stores): that side's rows, in a store and
// changelog of that name. Entries keep their side tag, so a restore
// routes them as the shared store's would.
type joinSideStore struct {
	j    *JoinSpec
	tag  byte // 'L' or 'R'
	name string
}

func (s *joinSideStore) storeName() string { return s.name }

func (s *joinSideStore) flushChanges(put func(k, v []byte)) error { return s.j.flush(s.tag, put) }

func (s *joinSideStore) restoreEntry(k, v []byte) error { return s.j.restoreEntry(k, v) }

func (s *joinSideStore) markDirty(k []byte) { s.j.markDirty(k) }

func (s *joinSideStore) stateEntries() int64 {
	if s.j.left == nil {
		return 0
	}
	side := s.j.side(s.tag)
	if side.backing != nil {
		return -1
	}
	return int64(side.live)
}

func (s *joinSideStore) attach(st state.Store, cacheLimit int) error {
	s.j.init()
	side := s.j.side(s.tag)
	s.j.backSide(side, st, cacheLimit)
	return s.j.attachSide(side, st)
}

func (s *joinSideStore) evict() { s.j.evictSide(s.j.side(s.tag)) }

func (s *joinSideStore) held() int64 {
	if s.j.left == nil {
		return 0
	}
	return s.j.side(s.tag).held()
}

// attach makes s the join's store: a table side's rows are read from it
// on demand, and so are a foreign-key join's, with its index of the left
// rows by foreign key (attachFK), and a stream–stream join's windows
// (attachWindow); the stream times are loaded.
func (j *JoinSpec) attach(s state.Store, cacheLimit int) error {
	j.init()
	sides := []*joinState{j.left, j.right}
	for _, side := range sides {
		j.backSide(side, s, cacheLimit)
	}
	for _, side := range sides {
		if err := j.attachSide(side, s); err != nil {
			return err
		}
	}
	if j.FK != nil {
		return j.attachFK(s, cacheLimit)
	}
	return nil
}

// backSide makes s the store of a side it reads its rows from on demand:
// a table side's (not a foreign-key join's) or a stream–stream join's.
// Every side is backed before any is attached, so that what a store
// holds for each is read as a store-backed side's.
func (j *JoinSpec) backSide(side *joinState, s state.Store, cacheLimit int) {
	switch {
	case side.table && j.FK == nil:
		side.backing, side.cacheLimit = s, cacheLimit
	case j.streamSides():
		side.backing, side.cacheLimit = s, cacheLimit
		side.win = newWindowStore(j.retention())
	}
}

// attachSide attaches one side to its store, s (see attach), with the
// stream times, which the left side's store holds.
func (j *JoinSpec) attachSide(side *joinState, s state.Store) error {
	if err := loadPrefix(s, streamTimeKey[:1], j.restoreEntry); err != nil {
		return err
	}
	switch {
	case side.win != nil:
		return j.attachWindow(side)
	case side.backing != nil:
		return nil
	}
	return loadPrefix(s, []byte{side.tag}, j.restoreEntry)
}

// loadPrefix restores every entry of s whose key starts with prefix.
func loadPrefix(s state.Store, prefix []byte, restore func(k, v []byte) error) error {
	hi := append(bytes.Clone(prefix[:len(prefix)-1]), prefix[len(prefix)-1]+1)
	var rerr error
	err := s.Scan(prefix, hi, func(k, v []byte) bool {
		rerr = restore(bytes.Clone(k), bytes.Clone(v))
		return rerr == nil
	})
	return cmpErr(err, rerr)
}

func (j *JoinSpec) evict() {
	if j.left != nil {
		j.evictSide(j.left)
		j.evictSide(j.right)
	}
	if j.fk != nil {
		j.fk.evict(j.dirty)
	}
}

func (j *JoinSpec) held() int64 {
	if j.left == nil {
		return 0
	}
	n := j.left.held() + j.right.held()
	if j.fk != nil {
		n += int64(len(j.fk.left) + len(j.fk.right) + j.fk.pendingRefs())
	}
	return n
}

// held is how many keys the side holds in memory.
func (s *joinState) held() int64 {
	switch {
	case s.win != nil:
		return int64(s.heldRows())
	case s.backing != nil:
		return int64(len(s.rows))
	}
	return int64(s.live)
}

// load reads a store-backed side's rows of state key k from the store
// into the cache; nil when the store has none.
func (s *joinState) load(k []byte) *sideKey {
	s.getKey = append(append(s.getKey[:0], s.tag), k...)
	v, ok, err := s.backing.Get(s.getKey)
	if !ok || err != nil {
		if err != nil && s.loadErr == nil {
			s.loadErr = fmt.Errorf("join state %q: %w", s.getKey, err)
		}
		return nil
	}
	rows, err := decodeJoinRows(v)
	if err != nil {
		if s.loadErr == nil {
			s.loadErr = fmt.Errorf("join state %q: %w", s.getKey, err)
		}
		return nil
	}
	sk := &sideKey{ks: string(k), rows: rows}
	s.rows[sk.ks] = sk
	return sk
}

// evict trims a store-backed side's cache to its limit once a batch is
// in the store: keys not changed since are dropped (those without rows
// too, their deletion now stored). A map keeps its table when emptied,
// so one that once held many more keys than it does now is made anew.
// A stream side's limit is on keys and rows (see heldRows), so that keys
// of many rows do not hold the cache's every key's worth.
func (s *joinState) evict() {
	if s.backing == nil {
		return
	}
	limit := s.cacheLimit
	if limit <= 0 {
		limit = defaultCacheLimit
	}
	if s.win != nil {
		s.evictWindow(limit)
		return
	}
	s.rows = trimCache(s.rows, limit, &s.peak, func(_ string, sk *sideKey) bool { return sk.dirty })
}

// flush writes the side's changed keys through put, a key without rows
// as a tombstone; buf and key are scratch space, returned for reuse.
func (s *joinState) flush(buf, key []byte, put func(k, v []byte)) ([]byte, []byte, error) {
	if s.win != nil {
		return s.flushWindow(buf, key, put)
	}
	for k := range s.stale {
		put([]byte(k), nil)
	}
	s.stale = nil
	for i, sk := range s.dirty {
		s.dirty[i] = nil
		sk.dirty = false
		key = append(append(key[:0], s.tag), sk.ks...)
		if len(sk.rows) == 0 {
			s.drop(sk)
			put(key, nil)
			continue
		}
		var err error
		if buf, err = appendJoinRows(buf[:0], sk.rows); err != nil {
			s.dirty = s.dirty[:copy(s.dirty, s.dirty[i+1:])] // the rest stays changed
			return nil, nil, fmt.Errorf("join state %q: %w", key, err)
		}
		put(key, buf)
	}
	s.dirty = s.dirty[:0]
	return buf, key, nil
}

// appendJoinRows appends a key's store entry: its rows.
func appendJoinRows(b []byte, rows []*joinRow) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for _, jr := range rows {
		var err error
		if b, err = appendJoinRow(b, jr.row, jr.ts, jr.matched(), jr.key); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (j *JoinSpec) encodeFKEntry(b []byte, tag byte, ks string) ([]byte, bool, error) {
	switch tag {
	case 'l':
		if j.fk == nil || j.fk.left[ks] == nil {
			return b, false, nil
		}
		l := j.fk.left[ks]
		b, err := appendJoinRow(b, l.row, l.ts, l.subscribed, l.pk)
		if err != nil {
			return nil, false, err
		}
		b = binary.AppendUvarint(b, uint64(len(l.fk)))
		return append(b, l.fk...), true, nil
	case 'r':
		if j.fk == nil || j.fk.right[ks] == nil {
			return b, false, nil
		}
		r := j.fk.right[ks]
		b, err := appendJoinRow(b, r.row, r.ts, false, r.key)
		return b, err == nil, err
	case 'f': // a registration in memory is the left row's (fkstore.go)
		return b, false, nil
	case 'F':
		return append(b, 1), j.fk != nil && j.fk.backing != nil, nil
	}
	return nil, false, fmt.Errorf("unknown join state key tag %q", tag)
}

func appendJoinRow(b []byte, row []any, ts int64, flag bool, key any) ([]byte, error) {
	b = binary.AppendVarint(b, ts)
	if flag {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	// The key as a one-value row, without boxing it into a slice.
	b, err := codec.AppendValue(append(b, 1), key)
	if err != nil {
		return nil, err
	}
	return AppendRow(b, row)
}

var errShortJoinRow = errors.New("truncated join state")

// decodeJoinRows reads a key's store entry, written by appendJoinRows.
func decodeJoinRows(v []byte) ([]*joinRow, error) {
	cnt, n := binary.Uvarint(v)
	if n <= 0 || cnt > uint64(len(v)) {
		return nil, errShortJoinRow
	}
	v = v[n:]
	rows := make([]*joinRow, 0, cnt)
	for range cnt {
		row, ts, matched, key, rest, err := readJoinRow(v)
		if err != nil {
			return nil, err
		}
		jr := &joinRow{row: row, ts: ts, key: key}
		jr.setFlag(rowMatched, matched)
		rows = append(rows, jr)
		v = rest
	}
	return rows, nil
}

func readJoinRow(b []byte) (row []any, ts int64, flag bool, key any, rest []byte, err error) {
	ts, n := binary.Varint(b)
	if n <= 0 || len(b) < n+1 {
		return nil, 0, false, nil, nil, errShortJoinRow
	}
	flag = b[n] == 1
	b = b[n+1:]
	k, b, err := DecodeRow(b, nil)
	if err != nil || len(k) != 1 {
		return nil, 0, false, nil, nil, cmpErr(err, errShortJoinRow)
	}
	row, b, err = DecodeRow(b, nil)
	if err != nil {
		return nil, 0, false, nil, nil, err
	}
	return row, ts, flag, k[0], b, nil
}

func (j *JoinSpec) restoreEntry(k, v []byte) error {
	j.init()
	if len(k) > 0 && (k[0] == 'S' || k[0] == 'T') {
		return j.restoreWindowEntry(k, v)
	}
	var st *int64
	switch string(k) {
	case string(streamTimeKey):
		st = &j.streamTime
	case string(leftTimeKey):
		st = &j.left.seen
	case string(rightTimeKey):
		st = &j.right.seen
	case string(closedAtKey), string(seqKey('L')), string(seqKey('R')):
		return j.restoreWindowCounter(k, v)
	}
	if st != nil {
		if v != nil {
			t, n := binary.Varint(v)
			if n <= 0 {
				return errShortJoinRow
			}
			*st = t
		}
		return nil
	}
	if len(k) == 0 {
		return errShortJoinRow
	}
	ks := string(k[1:])
	switch k[0] {
	case 'L', 'R':
		s := j.side(k[0])
		if v == nil {
			if sk := s.rows[ks]; sk != nil {
				s.setRows(sk, nil)
			}
			return nil
		}
		rows, err := decodeJoinRows(v)
		if err != nil {
			return err
		}
		sk := s.addKey(k[1:])
		s.setRows(sk, rows)
		if !s.table {
			for _, jr := range rows {
				jr.setSeq(s.nextSeq)
				s.nextSeq++
				j.schedule(k[0] == 'L', sk, jr)
			}
		}
	case 'l':
		st := j.fkState()
		if old := st.left[ks]; old != nil && old.subscribed {
			st.unsubscribe(old)
		}
		if v == nil {
			delete(st.left, ks)
			return nil
		}
		fl, err := decodeFKLeft(ks, v)
		if err != nil {
			return err
		}
		st.left[ks] = fl
		if fl.subscribed {
			fl.subscribed = false
			st.subscribe(fl)
		}
	case 'r':
		st := j.fkState()
		if v == nil {
			delete(st.right, ks)
			return nil
		}
		r, err := decodeFKRight(v)
		if err != nil {
			return err
		}
		st.right[ks] = r
	case 'f':
		// A store-backed join's registration: in memory, the left
		// rows' entries say which are registered.
	case 'F':
		// Written by a store-backed join: deleted by this one, which
		// writes no registrations (fkstore.go).
		if v != nil {
			j.dirty[stateKey{'F', ""}] = struct{}{}
		}
	default:
		return fmt.Errorf("unknown join state key tag %q", k[0])
	}
	return nil
}

// decodeFKLeft reads a foreign-key join's left row of state key pks.
func decodeFKLeft(pks string, v []byte) (*fkLeft, error) {
	row, ts, subscribed, pk, rest, err := readJoinRow(v)
	if err != nil {
		return nil, err
	}
	l, n := binary.Uvarint(rest)
	if n <= 0 || uint64(len(rest)-n) < l {
		return nil, errShortJoinRow
	}
	return &fkLeft{row: row, ts: ts, pk: pk, pks: pks, fk: string(rest[n : n+int(l)]), subscribed: subscribed}, nil
}

// decodeFKRight reads a foreign-key join's right row.
func decodeFKRight(v []byte) (*joinRow, error) {
	row, ts, _, key, _, err := readJoinRow(v)
	if err != nil {
		return nil, err
	}
	return &joinRow{row: row, ts: ts, key: key}, nil
}
