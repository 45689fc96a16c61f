package runtime

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
)

// Join kinds.
const (
	InnerJoin = "INNER"
	LeftJoin  = "LEFT"
	RightJoin = "RIGHT"
	FullJoin  = "FULL"
)

// JoinSpec is one binary join step. Rows arrive on its two entry points,
// JoinLeft and JoinRight; it emits combined rows of width LeftWidth +
// RightWidth, plus two trailing slots: the join key (ROWKEY) and the
// result time.
type JoinSpec struct {
	Kind                  string
	LeftTable, RightTable bool
	LeftWidth, RightWidth int
	LeftKey, RightKey     *expr.Compiled
	// KeyFill is the combined-row slot of the column that becomes the
	// result key (-1 for none): a null-padded row or a tombstone gets the
	// join key there, so the result always carries its key.
	KeyFill int
	// Stream-stream window: a left row at t joins right rows in
	// [t-Before, t+After].
	Before, After int64
	Grace         int64
	HasGrace      bool
	Next          Op

	// FK makes this a foreign-key table-table join.
	FK *ForeignKey
	// SessionWindows: the sides are session-windowed, so rows meet only
	// rows of the same window, start and end; time-windowed rows meet
	// rows of the same window start (a time-windowed key holds only its
	// start), whatever each side's window size.
	SessionWindows bool
	// Stores, when set, names the join's state stores the way ksqlDB
	// does: one name for a single store of both sides, or two, the left
	// side's and the right side's, for a store per side (a stream-stream
	// join's KSTREAM-JOINTHIS-…/JOINOTHER-… windows; a repartitioned table
	// side's …SourceKeyed-Materialize). Each store has its own changelog.
	Stores []string
	// Step names the join for the processing log: "Join", or for the
	// inner joins of a join of three or more sources "L_Join", "L_L_Join".
	Step string

	left, right *joinState
	fk          *fkState
	streamTime  int64
	stDirty     bool
	deadlines   deadlineHeap          // stream-stream outer joins: rows by when they close
	dirty       map[stateKey]struct{} // changed store entries of a foreign-key join
	store       string
	out         []any
	outRec      Rec // the record emit passes on; a field, as a local would escape
	keyBuf      []byte
	// closedAt is the stream time of the last emitClosed of a join whose
	// stream sides are in a store: rows whose window had closed by then
	// were emitted, so the next looks only at later ones.
	closedAt int64
}

type joinState struct {
	// rows holds the keys with rows, and those that lost their rows
	// since the last flush (for their tombstones), by state key; live
	// counts the former.
	rows  map[string]*sideKey
	live  int
	dirty []*sideKey // keys whose store entry changed since the last flush
	table bool
	tag   byte // 'L' or 'R': the prefix of the side's keys in the store
	// Streams: the newest row time the side has seen, and its rows by
	// when they leave the window store.
	seen    int64
	expiry  deadlineHeap
	arena   rowArena
	nextSeq uint64 // the next stored row's arrival number on the side
	// cachedRows counts the rows of a store-backed stream side's cached
	// keys (setRows and keepRow keep it).
	cachedRows int

	// backing, when set (a table side over a local Pebble store), holds
	// every row of the side; rows is then a cache of the keys in use,
	// trimmed to cacheLimit after each committed batch, and a key deleted
	// since that batch stays in it without rows until the store has its
	// deletion. peak is the most keys rows held since it was last made
	// anew; loadErr the first failed read of the store, which fails the
	// next flush.
	backing    state.Store
	cacheLimit int
	peak       int
	getKey     []byte
	loadErr    error

	// win, when set (a stream side over a local Pebble store), keeps the
	// side's window in the store, a row an entry (windowstore.go); rows
	// is then a cache of whole keys, and the heaps hold only the rows
	// added since the last commit.
	win *windowStore
	// stale lists the entries of a store-backed side's format that a
	// side in memory restored, to delete at its next flush: it writes
	// the rows back in its own.
	stale map[string]struct{}
}

// sideKey is a join side's rows of one state key: for a stream all its
// rows in the window, for a table one. Deadlines and the list of changed
// keys point at it, so that they reach its rows without a map lookup.
type sideKey struct {
	ks    string
	rows  []*joinRow
	dirty bool // in its side's dirty list
	// partial: a store-backed stream key that holds only the rows added
	// since it was cached; the store has the others (see complete).
	partial bool
}

// key returns the side's rows of state key k, or nil.
func (s *joinState) key(k []byte) *sideKey {
	sk := s.rows[string(k)]
	switch {
	case s.win != nil:
		return s.windowKey(sk, k)
	case sk != nil || s.backing == nil:
		return sk
	}
	return s.load(k)
}

// addKey returns the side's rows of state key k, adding the key if it has
// none. A store-backed side's new key is not read from the store: the
// caller sets its rows.
func (s *joinState) addKey(k []byte) *sideKey {
	if sk := s.rows[string(k)]; sk != nil {
		return sk
	}
	var sk *sideKey
	if s.backing == nil {
		sk = s.arena.newKey(string(k))
	} else {
		// Not from the arena, whose chunk one cached key would pin. A
		// stream key is not read either: rows are added to it, and the
		// store's are read when the key is looked up.
		sk = &sideKey{ks: string(k), partial: s.win != nil}
	}
	s.rows[sk.ks] = sk
	return sk
}

// rowsOf returns the side's rows of state key k.
func (s *joinState) rowsOf(k []byte) []*joinRow {
	if sk := s.key(k); sk != nil {
		return sk.rows
	}
	return nil
}

// touch marks a key's store entry as changed.
func (s *joinState) touch(sk *sideKey) {
	if !sk.dirty {
		sk.dirty = true
		s.dirty = append(s.dirty, sk)
	}
}

// setRows replaces a key's rows. A key left without rows goes at the
// next flush, which writes its tombstone, or now if it is not changed; so
// a key that gets rows again before the flush is still the same sideKey,
// listed once.
func (s *joinState) setRows(sk *sideKey, rows []*joinRow) {
	had := len(sk.rows) > 0
	if s.win != nil {
		s.cachedRows += len(rows) - len(sk.rows)
	}
	sk.rows = rows
	switch {
	case had && len(rows) == 0:
		s.live--
	case !had && len(rows) > 0:
		s.live++
	}
	if len(rows) == 0 && !sk.dirty {
		s.drop(sk)
	}
}

// keepRow appends a new stream row to a key's rows, numbering it.
func (s *joinState) keepRow(sk *sideKey, jr *joinRow) {
	if len(sk.rows) == 0 {
		s.live++
	}
	jr.setSeq(s.nextSeq)
	s.nextSeq++
	sk.rows = append(sk.rows, jr)
	s.touch(sk)
	if s.win != nil {
		s.cachedRows++
		s.win.added(sk.ks, jr)
	}
}

// markMatched marks a stream row of key sk as matched.
func (s *joinState) markMatched(sk *sideKey, jr *joinRow) {
	jr.setFlag(rowMatched, true)
	s.touch(sk)
	if s.win != nil {
		s.win.rewritten(sk.ks, jr)
	}
}

// removeRow removes row i of a key's stream rows, which left the window.
func (s *joinState) removeRow(sk *sideKey, i int) {
	jr := sk.rows[i]
	s.setRows(sk, slices.Delete(sk.rows, i, i+1))
	s.touch(sk)
	if s.win != nil {
		s.win.removed(sk.ks, jr.ts, jr.seq())
	}
}

// newRow returns a new stream row holding a copy of row: from the
// arena in memory; on its own for a store-backed side, whose cache
// would otherwise pin the arena's chunks.
func (s *joinState) newRow(row []any, ts int64, key any) *joinRow {
	if s.win == nil {
		return s.arena.newRow(row, ts, key)
	}
	return &joinRow{row: slices.Clone(row), ts: ts, key: key}
}

// drop removes a key without rows from the side. A store-backed side
// keeps it (its deletion may not be in the store yet) until evict.
func (s *joinState) drop(sk *sideKey) {
	if s.backing == nil && s.rows[sk.ks] == sk {
		delete(s.rows, sk.ks)
	}
}

type joinRow struct {
	row []any
	ts  int64
	// mark packs a stream row's arrival number on its side (seq) with
	// its flags in the top bits: one word, as a window holds many rows.
	mark uint64
	key  any
}

// A joinRow's flags.
const (
	rowMatched = 1 << 63 // it matched, or an outer join emitted it unmatched
	rowQueued  = 1 << 62 // a store-backed side's write of it is pending
	rowSeqBits = rowQueued - 1
)

// seq numbers a stream side's rows in the order they came: a key's rows
// are in that order, rows closing together are emitted in it, and a
// store-backed side's entries are keyed by it.
func (jr *joinRow) seq() uint64 { return jr.mark & rowSeqBits }

func (jr *joinRow) setSeq(seq uint64) { jr.mark = jr.mark&^rowSeqBits | seq&rowSeqBits }

func (jr *joinRow) matched() bool { return jr.mark&rowMatched != 0 }

func (jr *joinRow) queued() bool { return jr.mark&rowQueued != 0 }

// setFlag sets or clears flag.
func (jr *joinRow) setFlag(flag uint64, on bool) {
	if on {
		jr.mark |= flag
	} else {
		jr.mark &^= flag
	}
}

// Width is the combined row width the join emits.
func (j *JoinSpec) Width() int { return j.LeftWidth + j.RightWidth + 2 }

// ROWKEY and result-time slots of the combined row.
func (j *JoinSpec) KeySlot() int  { return j.LeftWidth + j.RightWidth }
func (j *JoinSpec) TimeSlot() int { return j.LeftWidth + j.RightWidth + 1 }

func (j *JoinSpec) init() {
	if j.left == nil {
		j.left = &joinState{rows: map[string]*sideKey{}, table: j.LeftTable, tag: 'L', seen: math.MinInt64}
		j.right = &joinState{rows: map[string]*sideKey{}, table: j.RightTable, tag: 'R', seen: math.MinInt64}
		j.dirty = map[stateKey]struct{}{}
		j.out = make([]any, j.Width())
		j.streamTime, j.closedAt = math.MinInt64, math.MinInt64
	}
}

// JoinLeft is the left entry point of a join.
type JoinLeft struct{ J *JoinSpec }

// JoinRight is the right entry point of a join.
type JoinRight struct{ J *JoinSpec }

func (o *JoinLeft) Process(t *Task, r *Rec)  { o.J.process(t, r, true) }
func (o *JoinRight) Process(t *Task, r *Rec) { o.J.process(t, r, false) }

func (j *JoinSpec) process(t *Task, r *Rec, fromLeft bool) {
	t.step = j.Step
	j.init()
	if j.FK != nil {
		j.foreignKey(t, r, fromLeft)
		return
	}
	keyExpr, self, other := j.RightKey, j.right, j.left
	if fromLeft {
		keyExpr, self, other = j.LeftKey, j.left, j.right
	}
	key := keyExpr.Value(&t.ectx, r.Row)
	if self.table && other.table {
		j.tableTable(t, r, fromLeft, key, self, other)
		return
	}
	if self.table {
		// The table side of a stream-table join only updates state.
		j.update(self, key, r)
		return
	}
	if other.table {
		j.streamTable(t, r, fromLeft, key, other)
		return
	}
	j.streamStream(t, r, fromLeft, key)
}

// streamTable joins a stream row with the table row of its key as of now.
func (j *JoinSpec) streamTable(t *Task, r *Rec, fromLeft bool, key any, table *joinState) {
	if r.Tombstone {
		return
	}
	var match *joinRow
	if key != nil {
		if rows := table.rowsOf(j.stateKey(key, r)); len(rows) > 0 {
			match = rows[0]
		}
	}
	switch {
	case match != nil:
		j.emit(t, r, fromLeft, r.Row, match.row, key, r.Ts, false)
	case j.outerFor(fromLeft):
		j.emit(t, r, fromLeft, r.Row, nil, key, r.Ts, false)
	}
}

// streamStream joins a stream row with the other side's rows within the
// window, keeping it for later rows of the other side.
//
// As in Kafka Streams, no row is dropped as late: each side's rows stay
// visible until the side's own stream time (the newest row it has seen)
// passes them by the window plus grace, the retention of its window
// store. An out-of-order row still joins what the other side holds, and
// an unmatched one of an outer side is emitted at once once its window
// has already closed by the join's stream time.
func (j *JoinSpec) streamStream(t *Task, r *Rec, fromLeft bool, key any) {
	if r.Tombstone {
		return
	}
	if r.Ts > j.streamTime {
		j.streamTime, j.stDirty = r.Ts, true
	}
	if key == nil {
		if j.outerFor(fromLeft) {
			j.emit(t, r, fromLeft, r.Row, nil, nil, r.Ts, false)
		}
		return
	}
	// Outer rows whose window closed go out before this row's results,
	// when this row moved stream time (Kafka Streams emits them only
	// then).
	if r.Ts == j.streamTime {
		j.emitClosed(t, r)
	}
	self, other := j.right, j.left
	lo, hi := r.Ts-j.After, r.Ts+j.Before // other side is left
	if fromLeft {
		self, other = j.left, j.right
		lo, hi = r.Ts-j.Before, r.Ts+j.After
	}
	if r.Ts > self.seen {
		self.seen, j.stDirty = r.Ts, true
	}
	k := j.stateKey(key, r)
	jr := self.newRow(r.Row, r.Ts, key)
	osk := other.key(k)
	var orows []*joinRow
	if osk != nil {
		orows = osk.rows
	}
	for _, o := range orows {
		if o.ts < lo || o.ts > hi || !j.visible(other, o) {
			continue
		}
		// A row's matched flag only matters, and is only stored, on a
		// side whose unmatched rows an outer join emits: an inner join
		// would otherwise rewrite the other row's changelog entry on
		// every first match.
		if !o.matched() && j.outerFor(!fromLeft) {
			other.markMatched(osk, o)
		}
		jr.setFlag(rowMatched, true)
		j.emit(t, r, fromLeft, jr.row, o.row, key, max(r.Ts, o.ts), false)
	}
	if !jr.matched() && j.outerFor(fromLeft) && (!j.HasGrace || hi < j.streamTime) {
		// Without GRACE outer joins emit unmatched rows eagerly; with
		// it, a row whose window has already closed goes out now.
		jr.setFlag(rowMatched, true)
		j.emit(t, r, fromLeft, jr.row, nil, key, r.Ts, false)
	}
	if j.visible(self, jr) {
		sk := self.addKey(k)
		self.keepRow(sk, jr)
		j.schedule(fromLeft, sk, jr)
	}
	j.forget(self)
}

// retention is how long a stream row stays in its side's window store:
// the window (before plus after) plus grace.
func (j *JoinSpec) retention() int64 { return j.Before + j.After + j.Grace }

// visible tells whether a side's window store still holds a row: Kafka
// Streams fetches only rows newer than the side's stream time minus the
// retention.
func (j *JoinSpec) visible(s *joinState, jr *joinRow) bool {
	return inRetention(jr.ts, s.seen, j.retention())
}

// emitClosed emits, with GRACE, the null-padded rows of outer joins that
// never matched and whose window stream time has passed. Rows wait in a
// heap by deadline, so a record costs O(log rows), not a walk of the
// window; a store-backed side's rows that were in the store by the last
// commit wait in its time index instead (closeStored).
func (j *JoinSpec) emitClosed(t *Task, r *Rec) {
	var closed []closedRow
	for len(j.deadlines) > 0 && j.deadlines[0].at < j.streamTime {
		d := j.deadlines.pop()
		side := j.right
		if d.isLeft {
			side = j.left
		}
		if !slices.Contains(d.key.rows, d.row) {
			continue // already removed, or replaced by a restore
		}
		if !d.row.matched() {
			side.markMatched(d.key, d.row)
			closed = append(closed, closedRow{d.row, d.key.ks, d.isLeft})
		}
	}
	closed = j.closeStored(closed)
	// Oldest first, left before right, then by key and arrival, so
	// output does not depend on map or heap order.
	slices.SortFunc(closed, closedRow.compare)
	for _, c := range closed {
		j.emit(t, r, c.isLeft, c.row.row, nil, c.row.key, c.row.ts, false)
	}
}

// closedRow is a row emitClosed emits: its key's state key and side.
type closedRow struct {
	row    *joinRow
	ks     string
	isLeft bool
}

func (c closedRow) compare(d closedRow) int {
	switch {
	case c.row.ts != d.row.ts:
		return cmp.Compare(c.row.ts, d.row.ts)
	case c.isLeft != d.isLeft:
		if c.isLeft {
			return -1
		}
		return 1
	case c.ks != d.ks:
		return strings.Compare(c.ks, d.ks)
	}
	return cmp.Compare(c.row.seq(), d.row.seq())
}

// forget drops the rows a side's window store no longer holds (see
// visible), oldest first: those added since the last commit from the
// heap, a store-backed side's others through its time index.
func (j *JoinSpec) forget(s *joinState) {
	for len(s.expiry) > 0 && s.expiry[0].at <= s.seen {
		d := s.expiry.pop()
		i := slices.Index(d.key.rows, d.row)
		if i < 0 {
			continue // already removed, or replaced by a restore
		}
		s.removeRow(d.key, i)
	}
	if s.win != nil {
		s.expireStored()
	}
}

// schedule queues a stream row's deadlines: with GRACE, the time after
// which an outer join emits it unmatched; always, the time it leaves the
// window store.
func (j *JoinSpec) schedule(isLeft bool, sk *sideKey, jr *joinRow) {
	after, side := j.After, j.left
	if !isLeft {
		after, side = j.Before, j.right
	}
	if j.HasGrace && j.outerFor(isLeft) && !jr.matched() {
		j.deadlines.push(deadline{at: jr.ts + after + j.Grace, isLeft: isLeft, key: sk, row: jr})
	}
	side.expiry.push(deadline{at: jr.ts + j.retention(), isLeft: isLeft, key: sk, row: jr})
}

// deadline is when something happens to a row of a stream-stream join:
// its outer-join close, or its removal from its side's window store.
type deadline struct {
	at     int64
	isLeft bool
	key    *sideKey
	row    *joinRow
}

// deadlineHeap holds deadlines, the earliest at [0].
type deadlineHeap = minHeap[deadline]

//lint:ignore U1000 called by minHeap through its type constraint, which staticcheck does not follow
func (d deadline) less(e deadline) bool { return d.at < e.at }

// rowChunk is how many stream rows a rowArena allocates at a time.
const rowChunk = 64

// rowArena hands out a side's joinRows, copies of their values and its
// keys from chunks, so that keeping a row costs a share of an allocation,
// not two. A chunk lives while any of its rows is held; rows leave a
// window store about in the order they came, so few chunks are held back
// by a straggler.
type rowArena struct {
	rows []joinRow
	vals []any
	keys []sideKey
	ptrs []*joinRow
}

// keyRows is the room for rows a new key gets from the arena's chunk:
// a stream key often holds more than one.
const keyRows = 2

// newKey returns a key without rows.
func (a *rowArena) newKey(ks string) *sideKey {
	if len(a.keys) == cap(a.keys) {
		a.keys = make([]sideKey, 0, rowChunk)
		a.ptrs = make([]*joinRow, rowChunk*keyRows)
	}
	n := len(a.keys)
	a.keys = append(a.keys, sideKey{ks: ks, rows: a.ptrs[n*keyRows : n*keyRows : (n+1)*keyRows]})
	return &a.keys[n]
}

// newRow returns a joinRow holding a copy of row, which the caller may
// then reuse.
func (a *rowArena) newRow(row []any, ts int64, key any) *joinRow {
	if len(a.rows) == cap(a.rows) {
		a.rows = make([]joinRow, 0, rowChunk)
	}
	if cap(a.vals)-len(a.vals) < len(row) {
		a.vals = make([]any, 0, rowChunk*len(row))
	}
	n := len(a.vals)
	a.vals = append(a.vals, row...)
	a.rows = append(a.rows, joinRow{row: a.vals[n:len(a.vals):len(a.vals)], ts: ts, key: key})
	return &a.rows[len(a.rows)-1]
}

// tableTable applies a change on one table and emits the joined row, a
// null-padded row or a tombstone as ksqlDB's table-table joins do.
func (j *JoinSpec) tableTable(t *Task, r *Rec, fromLeft bool, key any, self, other *joinState) {
	if key == nil {
		return
	}
	k := j.stateKey(key, r)
	hadSelf := len(self.rowsOf(k)) > 0
	j.updateKey(self, k, key, r)
	var o *joinRow
	if rows := other.rowsOf(k); len(rows) > 0 {
		o = rows[0]
	}
	ts := r.Ts
	if o != nil {
		ts = max(ts, o.ts)
	}
	var otherRow []any
	if o != nil {
		otherRow = o.row
	}
	selfOuter, otherOuter := j.outerFor(fromLeft), j.outerFor(!fromLeft)
	if !r.Tombstone {
		if o != nil || selfOuter {
			j.emit(t, r, fromLeft, r.Row, otherRow, key, ts, false)
		}
		return
	}
	// self was deleted
	switch {
	case o != nil && otherOuter:
		j.emit(t, r, !fromLeft, o.row, nil, key, ts, false)
	case o != nil || (hadSelf && selfOuter):
		j.emit(t, r, fromLeft, nil, nil, key, ts, true)
	}
}

// update stores a table row (or deletes it on a tombstone).
func (j *JoinSpec) update(s *joinState, key any, r *Rec) {
	if key == nil {
		return
	}
	j.updateKey(s, j.stateKey(key, r), key, r)
}

// updateKey stores a table row under state key k (or deletes it).
func (j *JoinSpec) updateKey(s *joinState, k []byte, key any, r *Rec) {
	sk := s.addKey(k)
	s.touch(sk)
	if r.Tombstone {
		s.setRows(sk, nil)
		return
	}
	s.setRows(sk, []*joinRow{{row: append([]any(nil), r.Row...), ts: r.Ts, key: key}})
}

// outerFor reports whether an unmatched row from this side is emitted.
func (j *JoinSpec) outerFor(left bool) bool {
	switch j.Kind {
	case FullJoin:
		return true
	case LeftJoin:
		return left
	case RightJoin:
		return !left
	}
	return false
}

// emit builds the combined row from the two sides (nil = nulls) and
// passes it on.
func (j *JoinSpec) emit(t *Task, r *Rec, selfIsLeft bool, self, other []any, key any, ts int64, tombstone bool) {
	lrow, rrow := other, self
	if selfIsLeft {
		lrow, rrow = self, other
	}
	out := j.out
	for i := range out {
		out[i] = nil
	}
	copy(out[:j.LeftWidth], lrow)
	copy(out[j.LeftWidth:j.LeftWidth+j.RightWidth], rrow)
	if j.KeyFill >= 0 && out[j.KeyFill] == nil {
		out[j.KeyFill] = key
	}
	out[j.KeySlot()] = key
	out[j.TimeSlot()] = ts
	// The operators after the join copy what they keep of the record.
	j.outRec = Rec{Row: out, Ts: ts, Headers: r.Headers, Partition: r.Partition, Tombstone: tombstone,
		Windowed: r.Windowed, WindowStart: r.WindowStart, WindowEnd: r.WindowEnd}
	j.Next.Process(t, &j.outRec)
}

// keyString is the state key of a join key; rows of windowed sources
// only meet rows of the same window.
func (j *JoinSpec) keyString(k any, r *Rec) string { return string(j.stateKey(k, r)) }

// stateKey is keyString's key in a buffer the next call reuses.
func (j *JoinSpec) stateKey(k any, r *Rec) []byte {
	j.keyBuf = appendKey(j.keyBuf[:0], []any{k})
	switch {
	case r.Windowed && j.SessionWindows:
		j.keyBuf = fmt.Appendf(j.keyBuf, "@%d/%d", r.WindowStart, r.WindowEnd)
	case r.Windowed:
		j.keyBuf = fmt.Appendf(j.keyBuf, "@%d", r.WindowStart)
	}
	return j.keyBuf
}
