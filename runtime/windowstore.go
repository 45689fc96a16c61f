package runtime

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/eddysql/eddy/state"
)

// A stream–stream join over a local store (ksql.state.store=pebble)
// keeps its sides' windows there, not in memory, a row an entry:
//
//	'S' tag len(ks) ks seq  → the row, as a memory side's entry holds it
//	'T' tag ts seq          → ks, the time index
//
// where tag is the side's ('L', 'R'), ks the state key (uvarint length
// first), ts the row's time (state.AppendInt64, so the index scans in
// time order) and seq its arrival number on the side (8 bytes, big
// endian). A key's rows are read by a prefix scan, in the order they
// came; adding or matching a row writes its entry alone, not every row
// of its key; rows leave the window, and outer rows close, by a scan of
// the time index from the low end as time advances. Each side keeps its
// next arrival number beside the stream times (seqKey), and the join the
// stream time of its last close (closedAtKey).
//
// A side in memory keeps a key's rows in one entry, tag and state key,
// as before. A store-backed side attached to a store holding such
// entries (written by a join in memory) takes their rows as rows added
// since the last commit, and deletes the entries at its first flush; a
// side in memory that restores entries of this format does the reverse
// (restoreWindowEntry).

var closedAtKey = []byte("\x01closedat")

// seqKey is the store key of side tag's next arrival number.
func seqKey(tag byte) []byte { return []byte{0x01, 's', 'e', 'q', '/', tag} }

// windowKeyPrefix appends the prefix of state key ks's rows on side tag.
func windowKeyPrefix[K string | []byte](b []byte, tag byte, ks K) []byte {
	b = binary.AppendUvarint(append(b, 'S', tag), uint64(len(ks)))
	return append(b, ks...)
}

// windowRowKey appends the store key of row seq of state key ks.
func windowRowKey(b []byte, tag byte, ks string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(windowKeyPrefix(b, tag, ks), seq)
}

// parseWindowRowKey splits a row's key, without 'S' and the tag.
func parseWindowRowKey(k []byte) (ks string, seq uint64, err error) {
	l, n := binary.Uvarint(k)
	if n <= 0 || uint64(len(k)-n) != l+8 {
		return "", 0, errShortJoinRow
	}
	return string(k[n : n+int(l)]), binary.BigEndian.Uint64(k[n+int(l):]), nil
}

// timeKey appends the time index key of row seq at ts.
func timeKey(b []byte, tag byte, ts int64, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(state.AppendInt64(append(b, 'T', tag), ts), seq)
}

// timeEntry is a row the time index lists.
type timeEntry struct {
	ks  string
	ts  int64
	seq uint64
}

// windowStore is what a store-backed stream side keeps besides its cache
// of keys: the changes to write, and how far its rows have expired.
type windowStore struct {
	retention int64 // JoinSpec.retention
	// expiredBelow: the rows before it have left the window, those of
	// the store with them (in the changes if not yet written).
	expiredBelow int64
	// expiring and closing read the time index ahead: for the rows to
	// expire, and those of an outer side to close.
	expiring, closing timeCursor
	changes           []rowChange
	seqDirty          bool
	// redo lists entries of a batch that never committed, to write as
	// the store has them; legacy the state keys whose entry of a side in
	// memory was converted, to delete.
	redo   [][]byte
	legacy []string
	key    []byte // scratch
	end    []byte
}

func newWindowStore(retention int64) *windowStore {
	w := &windowStore{retention: retention, expiredBelow: math.MinInt64}
	w.expiring.upTo, w.closing.upTo = math.MinInt64, math.MinInt64
	return w
}

// rowChange is a row's entry to write: the row, with its time index
// entry when new; or, row nil, the deletion of both.
type rowChange struct {
	ks    string
	row   *joinRow
	ts    int64
	seq   uint64
	added bool
}

func (w *windowStore) added(ks string, jr *joinRow) {
	jr.setFlag(rowQueued, true)
	w.seqDirty = true
	w.changes = append(w.changes, rowChange{ks: ks, row: jr, ts: jr.ts, seq: jr.seq(), added: true})
}

// rewritten notes a row changed; one whose write is pending is written as
// it is then.
func (w *windowStore) rewritten(ks string, jr *joinRow) {
	if !jr.queued() {
		jr.setFlag(rowQueued, true)
		w.changes = append(w.changes, rowChange{ks: ks, row: jr, ts: jr.ts, seq: jr.seq()})
	}
}

func (w *windowStore) removed(ks string, ts int64, seq uint64) {
	w.changes = append(w.changes, rowChange{ks: ks, ts: ts, seq: seq})
}

// inRetention tells whether a side whose stream time is seen still holds
// a row at ts, its window store's retention later (see JoinSpec.visible).
func inRetention(ts, seen, retention int64) bool {
	return seen == math.MinInt64 || ts+retention > seen
}

// expiryBound is the time before which a side whose stream time is seen
// holds no row.
func expiryBound(seen, retention int64) int64 {
	if seen == math.MinInt64 || seen < math.MinInt64+retention {
		return math.MinInt64
	}
	return seen - retention + 1
}

// closeBound is the time before which rows whose window closes delay
// after them have closed by stream time st.
func closeBound(st, delay int64) int64 {
	if st < math.MinInt64+delay {
		return math.MinInt64
	}
	return st - delay
}

func (s *joinState) fail(k []byte, err error) {
	if s.loadErr == nil {
		s.loadErr = fmt.Errorf("join state %q: %w", k, err)
	}
}

// heldRows is what a store-backed stream side holds decoded: its cached
// keys and their rows, each counting one.
func (s *joinState) heldRows() int { return len(s.rows) + s.cachedRows }

// evictWindow trims a store-backed stream side's cache to limit (see
// heldRows), keeping the keys changed since the last flush.
func (s *joinState) evictWindow(limit int) {
	changed := func(_ string, sk *sideKey) bool { return sk.dirty }
	dropped := func(sk *sideKey) int {
		s.cachedRows -= len(sk.rows)
		return 1 + len(sk.rows)
	}
	s.rows = trimWeighted(s.rows, s.heldRows(), limit, &s.peak, changed, dropped)
}

// find returns the index of row seq in the key's rows (in seq order), or
// where it would go.
func (sk *sideKey) find(seq uint64) (int, bool) {
	return slices.BinarySearchFunc(sk.rows, seq, func(jr *joinRow, seq uint64) int { return cmp.Compare(jr.seq(), seq) })
}

// windowKey is key for a store-backed stream side: the cached key sk,
// completed from the store if partial, or read from the store.
func (s *joinState) windowKey(sk *sideKey, k []byte) *sideKey {
	if sk == nil {
		return s.loadWindow(k)
	}
	if sk.partial {
		s.complete(sk)
	}
	return sk
}

// loadWindow reads state key k's rows from the store into the cache. A
// key without rows is cached too: a stream's key is looked up on the
// other side at each of its rows, and most of those of a key that has
// none would read the store again for nothing.
func (s *joinState) loadWindow(k []byte) *sideKey {
	rows := s.storedRows(k)
	sk := &sideKey{ks: string(k), rows: rows}
	s.rows[sk.ks] = sk
	s.cachedRows += len(rows)
	if len(rows) > 0 {
		s.live++
	}
	return sk
}

// complete adds to a partial key the rows the store has of it. Both are
// in arrival order; a row of both is the cache's, which may have changed
// since the last commit.
func (s *joinState) complete(sk *sideKey) {
	sk.partial = false
	stored := s.storedRows([]byte(sk.ks))
	if len(stored) == 0 {
		return
	}
	merged := make([]*joinRow, 0, len(stored)+len(sk.rows))
	i := 0
	for _, jr := range stored {
		for i < len(sk.rows) && sk.rows[i].seq() < jr.seq() {
			merged = append(merged, sk.rows[i])
			i++
		}
		if i < len(sk.rows) && sk.rows[i].seq() == jr.seq() {
			continue
		}
		merged = append(merged, jr)
	}
	s.setRows(sk, append(merged, sk.rows[i:]...))
}

// storedRows reads state key k's rows from the store, leaving out those
// that left the window since the last commit.
func (s *joinState) storedRows(k []byte) []*joinRow {
	w := s.win
	w.key = windowKeyPrefix(w.key[:0], s.tag, k)
	w.end = appendPrefixEnd(w.end[:0], w.key)
	var rows []*joinRow
	var derr error
	err := s.backing.Scan(w.key, w.end, func(key, v []byte) bool {
		var jr *joinRow
		if jr, derr = decodeWindowRow(key[len(w.key):], v); derr != nil {
			return false
		}
		if inRetention(jr.ts, s.seen, w.retention) {
			rows = append(rows, jr)
		}
		return true
	})
	if err = cmpErr(err, derr); err != nil {
		s.fail(w.key, err)
	}
	return rows
}

// decodeWindowRow reads a row's entry, seq its key's last 8 bytes.
func decodeWindowRow(seq, v []byte) (*joinRow, error) {
	if len(seq) != 8 {
		return nil, errShortJoinRow
	}
	row, ts, matched, key, _, err := readJoinRow(v)
	if err != nil {
		return nil, err
	}
	jr := &joinRow{row: row, ts: ts, key: key}
	jr.setSeq(binary.BigEndian.Uint64(seq))
	jr.setFlag(rowMatched, matched)
	return jr, nil
}

// appendPrefixEnd appends the first key after every key starting with p
// (nothing when there is none).
func appendPrefixEnd(b, p []byte) []byte {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] < 0xff {
			return append(append(b, p[:i]...), p[i]+1)
		}
	}
	return b
}

// timeCursor walks a side's time index from the low end, reading ahead,
// so that a record that moves time by a little costs no scan: ahead[head:]
// holds, in index order, every entry of the index in [from, upTo) that
// its walk has not taken (from: where the walk stands, kept by its user).
type timeCursor struct {
	ahead []timeEntry
	head  int
	upTo  int64
}

// timeReadAhead is how many entries a cursor reads past what it needs.
const timeReadAhead = 256

// take returns the entries before bound, valid until the next take.
func (c *timeCursor) take(s *joinState, from, bound int64) []timeEntry {
	if bound > c.upTo {
		c.compact()
		c.ahead, c.upTo = s.readTimes(c.ahead, max(from, c.upTo), bound)
	}
	n := c.head
	for n < len(c.ahead) && c.ahead[n].ts < bound {
		n++
	}
	out := c.ahead[c.head:n]
	c.head = n
	return out
}

// compact moves the entries not taken to the front.
func (c *timeCursor) compact() {
	n := copy(c.ahead, c.ahead[c.head:])
	clear(c.ahead[n:])
	c.ahead, c.head = c.ahead[:n], 0
}

// add files rows that entered the index (a committed batch's), keeping
// those before upTo, and no more than twice the read-ahead.
func (c *timeCursor) add(rows []timeEntry) {
	c.compact()
	for _, e := range rows {
		if e.ts < c.upTo {
			c.ahead = append(c.ahead, e)
		}
	}
	slices.SortFunc(c.ahead, timeEntry.compare)
	if len(c.ahead) > 2*timeReadAhead {
		c.upTo = c.ahead[timeReadAhead].ts
		n, _ := slices.BinarySearchFunc(c.ahead, c.upTo, func(e timeEntry, ts int64) int { return cmp.Compare(e.ts, ts) })
		clear(c.ahead[n:])
		c.ahead = c.ahead[:n]
	}
}

func (e timeEntry) compare(f timeEntry) int {
	if e.ts != f.ts {
		return cmp.Compare(e.ts, f.ts)
	}
	return cmp.Compare(e.seq, f.seq)
}

// readTimes appends to out the entries of the time index from from on:
// those before bound and timeReadAhead more, ending with a whole time, and
// returns the time before which it read every entry.
func (s *joinState) readTimes(out []timeEntry, from, bound int64) ([]timeEntry, int64) {
	w := s.win
	w.key = state.AppendInt64(append(w.key[:0], 'T', s.tag), from)
	w.end = append(w.end[:0], 'T', s.tag+1)
	upTo := int64(math.MaxInt64)
	extra := 0
	var derr error
	err := s.backing.Scan(w.key, w.end, func(k, v []byte) bool {
		if len(k) != 18 {
			derr = errShortJoinRow
			return false
		}
		ts := state.ReadInt64(k[2:])
		if ts >= bound {
			if extra >= timeReadAhead && (len(out) == 0 || ts != out[len(out)-1].ts) {
				upTo = ts
				return false
			}
			extra++
		}
		out = append(out, timeEntry{ks: string(v), ts: ts, seq: binary.BigEndian.Uint64(k[10:])})
		return true
	})
	if err = cmpErr(err, derr); err != nil {
		s.fail(w.key, err)
		return out, math.MinInt64
	}
	return out, upTo
}

// expireStored removes the rows of the store that left the window as the
// side's stream time moved, found by the time index.
func (s *joinState) expireStored() {
	w := s.win
	below := expiryBound(s.seen, w.retention)
	if below <= w.expiredBelow {
		return
	}
	gone := w.expiring.take(s, w.expiredBelow, below)
	w.expiredBelow = below
	for _, e := range gone {
		if sk := s.rows[e.ks]; sk != nil {
			if i, ok := sk.find(e.seq); ok {
				s.removeRow(sk, i)
				continue
			}
		}
		w.removed(e.ks, e.ts, e.seq)
	}
}

// closeStored adds to closed the unmatched rows of store-backed outer
// sides that were in the store by the last commit and whose window
// closed since the last call (see emitClosed), marking them matched.
func (j *JoinSpec) closeStored(closed []closedRow) []closedRow {
	if !j.HasGrace || j.left.win == nil {
		return closed
	}
	for _, isLeft := range []bool{true, false} {
		side, delay := j.right, j.Before+j.Grace
		if isLeft {
			side, delay = j.left, j.After+j.Grace
		}
		if !j.outerFor(isLeft) {
			continue
		}
		from, to := closeBound(j.closedAt, delay), closeBound(j.streamTime, delay)
		if to <= from {
			continue
		}
		for _, e := range side.win.closing.take(side, from, to) {
			sk, jr := side.storedRow(e)
			if jr == nil || jr.matched() || !j.visible(side, jr) {
				continue
			}
			side.markMatched(sk, jr)
			closed = append(closed, closedRow{jr, sk.ks, isLeft})
		}
	}
	if j.closedAt != j.streamTime {
		j.closedAt, j.stDirty = j.streamTime, true
	}
	return closed
}

// storedRow finds the row the time index lists, with its key, in the
// cache or the store; nil when it is gone. A key is read into the cache
// only for an unmatched row: a matched one has nothing to close.
func (s *joinState) storedRow(e timeEntry) (*sideKey, *joinRow) {
	sk := s.rows[e.ks]
	if sk == nil {
		if s.storedMatched(e) {
			return nil, nil
		}
		if sk = s.loadWindow([]byte(e.ks)); sk == nil {
			return nil, nil
		}
	}
	i, ok := sk.find(e.seq)
	if !ok && sk.partial {
		s.complete(sk)
		i, ok = sk.find(e.seq)
	}
	if !ok {
		return nil, nil
	}
	return sk, sk.rows[i]
}

// storedMatched tells whether the store's entry of a row says it matched
// (true too when there is none).
func (s *joinState) storedMatched(e timeEntry) bool {
	s.getKey = windowRowKey(s.getKey[:0], s.tag, e.ks, e.seq)
	v, ok, err := s.backing.Get(s.getKey)
	if err != nil {
		s.fail(s.getKey, err)
	}
	if !ok {
		return true
	}
	_, n := binary.Varint(v)
	return n <= 0 || len(v) <= n || v[n] == 1
}

// flushWindow writes a store-backed stream side's changes through put;
// buf and key are scratch space, returned for reuse.
func (s *joinState) flushWindow(buf, key []byte, put func(k, v []byte)) ([]byte, []byte, error) {
	w := s.win
	for _, k := range w.redo {
		v, ok, err := s.backing.Get(k)
		if err != nil {
			return nil, nil, fmt.Errorf("join state %q: %w", k, err)
		}
		if !ok {
			v = nil
		}
		put(k, v)
	}
	w.redo = nil
	for _, ks := range w.legacy {
		put(append(append(key[:0], s.tag), ks...), nil)
	}
	w.legacy = nil
	for i, c := range w.changes {
		key = windowRowKey(key[:0], s.tag, c.ks, c.seq)
		if c.row == nil {
			put(key, nil)
			put(timeKey(key[:0], s.tag, c.ts, c.seq), nil)
			continue
		}
		c.row.setFlag(rowQueued, false)
		var err error
		if buf, err = appendJoinRow(buf[:0], c.row.row, c.row.ts, c.row.matched(), c.row.key); err != nil {
			w.changes = w.changes[:copy(w.changes, w.changes[i:])] // the rest stays to write
			return nil, nil, fmt.Errorf("join state %q: %w", key, err)
		}
		put(key, buf)
		if c.added {
			put(timeKey(key[:0], s.tag, c.ts, c.seq), append(buf[:0], c.ks...))
		}
	}
	clear(w.changes) // pins no row
	if cap(w.changes) > maxKeptChanges {
		w.changes = nil
	}
	w.changes = w.changes[:0]
	if w.seqDirty {
		put(seqKey(s.tag), binary.AppendUvarint(buf[:0], s.nextSeq))
		w.seqDirty = false
	}
	for i, sk := range s.dirty {
		s.dirty[i] = nil
		sk.dirty = false
	}
	s.dirty = s.dirty[:0]
	return buf, key, nil
}

// streamSides tells whether both sides are streams.
func (j *JoinSpec) streamSides() bool { return !j.LeftTable && !j.RightTable && j.FK == nil }

// attachWindow makes a stream side's store its window (see above), once
// the stream times and arrival numbers are loaded: rows of entries of a
// side in memory become rows added since the last commit.
func (j *JoinSpec) attachWindow(side *joinState) error {
	w := side.win
	w.expiredBelow = expiryBound(side.seen, w.retention)
	isLeft := side.tag == 'L'
	return loadPrefix(side.backing, []byte{side.tag}, func(k, v []byte) error {
		rows, err := decodeJoinRows(v)
		if err != nil {
			return fmt.Errorf("join state %q: %w", k, err)
		}
		sk := side.addKey(k[1:])
		for _, jr := range rows {
			side.keepRow(sk, jr)
			j.schedule(isLeft, sk, jr)
		}
		w.legacy = append(w.legacy, sk.ks)
		return nil
	})
}

// evictSide trims a side's cache once a batch is in the store. A
// store-backed stream side's rows added since the last batch are now in
// the store and its time index: its heaps let them go, to its cursors.
func (j *JoinSpec) evictSide(s *joinState) {
	s.evict()
	if s.win == nil {
		return
	}
	var rows []timeEntry
	for _, d := range s.expiry {
		rows = append(rows, d.entry())
	}
	s.win.expiring.add(rows)
	clear(s.expiry)
	s.expiry = s.expiry[:0]
	if len(j.deadlines) == 0 {
		return
	}
	isLeft := s.tag == 'L'
	rows = rows[:0]
	old := j.deadlines
	j.deadlines = nil
	for _, d := range old {
		if d.isLeft == isLeft {
			rows = append(rows, d.entry())
		} else {
			j.deadlines.push(d)
		}
	}
	s.win.closing.add(rows)
}

// entry is the time index entry of a deadline's row.
func (d deadline) entry() timeEntry { return timeEntry{ks: d.key.ks, ts: d.row.ts, seq: d.row.seq()} }

// markWindowDirty is markDirty of an entry of the store-backed format
// ('S', 'T', an arrival number, the close time) or, on a store-backed
// stream side, of a side in memory's: the first is written as the store
// has it, the second deleted. A side in memory deletes the first kind:
// it writes its rows in its own.
func (j *JoinSpec) markWindowDirty(k []byte) {
	s := j.windowSide(k)
	switch {
	case s.win == nil:
		s.staleEntry(k)
	case k[0] == 'L' || k[0] == 'R':
		s.win.legacy = append(s.win.legacy, string(k[1:]))
	case k[0] == 0x01:
		j.stDirty, s.win.seqDirty = true, true
	default:
		s.win.redo = append(s.win.redo, append([]byte(nil), k...))
	}
}

// windowSide is the side an entry of the window store belongs to.
func (j *JoinSpec) windowSide(k []byte) *joinState {
	switch {
	case k[0] == 'S' || k[0] == 'T':
		return j.side(k[1])
	case string(k) == string(closedAtKey):
		return j.left // beside the stream times
	case k[0] == 0x01:
		return j.side(k[len(k)-1]) // an arrival number's: seqKey
	}
	return j.side(k[0])
}

func (s *joinState) staleEntry(k []byte) {
	if s.stale == nil {
		s.stale = map[string]struct{}{}
	}
	s.stale[string(k)] = struct{}{}
}

// restoreWindowEntry restores an entry of the store-backed format into a
// side in memory: a row joins its key's rows, to be written back in the
// memory format, and the entry is deleted at the next flush.
func (j *JoinSpec) restoreWindowEntry(k, v []byte) error {
	if len(k) < 2 || (k[1] != 'L' && k[1] != 'R') {
		return errShortJoinRow
	}
	s := j.side(k[1])
	if s.win != nil {
		return fmt.Errorf("join state %q: restored into a store-backed side", k)
	}
	s.staleEntry(k)
	if k[0] == 'T' {
		return nil
	}
	ks, seq, err := parseWindowRowKey(k[2:])
	if err != nil {
		return err
	}
	s.nextSeq = max(s.nextSeq, seq+1)
	sk := s.rows[ks]
	i, found := 0, false
	if sk != nil {
		i, found = sk.find(seq)
	}
	if v == nil {
		if found {
			s.removeRow(sk, i)
		}
		return nil
	}
	jr, err := decodeWindowRow(k[len(k)-8:], v)
	if err != nil {
		return err
	}
	if sk == nil {
		sk = s.addKey([]byte(ks))
	}
	if found {
		sk.rows[i] = jr
	} else {
		s.setRows(sk, slices.Insert(sk.rows, i, jr))
	}
	s.touch(sk)
	j.schedule(k[1] == 'L', sk, jr)
	return nil
}

// restoreWindowCounter restores a side's next arrival number or the
// join's close time; a side in memory deletes them at its next flush.
func (j *JoinSpec) restoreWindowCounter(k, v []byte) error {
	s := j.windowSide(k)
	if s.win == nil {
		s.staleEntry(k)
		return nil
	}
	if v == nil {
		return nil
	}
	if string(k) == string(closedAtKey) {
		t, n := binary.Varint(v)
		if n <= 0 {
			return errShortJoinRow
		}
		j.closedAt = t
		return nil
	}
	seq, n := binary.Uvarint(v)
	if n <= 0 {
		return errShortJoinRow
	}
	s.nextSeq = max(s.nextSeq, seq)
	return nil
}
