package runtime

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/state"
)

// Window kinds for WindowSpec.Kind.
const (
	Tumbling = "TUMBLING"
	Hopping  = "HOPPING"
	Session  = "SESSION"
)

// WindowSpec configures a windowed aggregation; durations in ms.
type WindowSpec struct {
	Kind    string
	Size    int64 // SESSION: the inactivity gap
	Advance int64 // HOPPING
	Grace   int64
	// Retention is how long a window is kept after its start passes out
	// of stream time: RETENTION, or size plus grace.
	Retention int64
	// Final emits one row per window once stream time passes its end
	// plus grace (EMIT FINAL) instead of every update.
	Final bool
}

// Aggregate groups rows by key expressions and folds aggregate functions
// over each group, emitting the group's key values followed by the
// function results (and, windowed, with Rec.Window set).
//
// Over a table it receives TableChanges: a retraction undoes a row's old
// contribution to its group, which re-emits (e.g. COUNT 0), as ksqlDB's
// table aggregations do.
type Aggregate struct {
	Keys  []*expr.Compiled
	Funcs []*expr.Aggregate
	// Args[i] are the per-row argument expressions of Funcs[i].
	Args   [][]*expr.Compiled
	Window *WindowSpec
	Next   Op

	// Instance state: the task's groups, the groups changed or deleted
	// since the last flush (each listed once, flagged groupDirty) and the
	// keys marked changed at restore or left by a re-keyed session,
	// windows in closing order (EMIT FINAL), the sessions of each key, and
	// the task's stream time.
	groups      *groupTable
	dirtyGroups []*group
	dirtyKeys   map[string]bool
	rekeyedFrom []string
	closing     closeQueue              // EMIT FINAL windows by the time they close
	expiring    closeQueue              // EMIT CHANGES time windows by the time they expire
	sessions    map[string]*keySessions // key prefix -> the key's sessions (session.go)
	// sessionExpiry schedules the keys whose sessions expire (EMIT
	// CHANGES), by when the first does.
	sessionExpiry minHeap[sessionDue]
	streamTime    int64
	stDirty       bool
	store         string
	out           []any
	keyBuf        []byte
	// flushKey and flushVal are flushChanges' buffers.
	flushKey, flushVal []byte
	// Per-record scratch: the key values and the functions' arguments
	// of the row being processed (a group copies what it keeps).
	keyVals []any
	argVals [][]any
	emitted Rec
	// Session merging's scratch: a key's prefix and the sessions a row
	// merges.
	prefixBuf []byte
	merged    []sessionRef
	// windows memoizes windowSuffix and windowBounds.
	windows [8]windowMemo
	// recent remembers the window groups of recent keys (hopping windows).
	recent *recentKeys

	// backing, when set (a local Pebble store), holds every group; groups
	// is then a cache of the groups in use, emptied down to cacheLimit
	// after each committed batch, so state can outgrow memory. gone lists
	// groups deleted since, whose deletion the store has not seen yet.
	backing    state.Store
	gone       map[string]bool
	cacheLimit int // 0: defaultCacheLimit

	// cache, when set, holds each group's latest output until the
	// task commits (output caching; see cache.go).
	cache *outputCache
	// resultsMayHaveBytes: a result may be a string or bytes, which
	// the output cache counts.
	resultsMayHaveBytes bool
	// fallible lists the Funcs whose accumulators can fail (a DECIMAL
	// SUM that overflows); checked after each change of a group.
	fallible []int
}

// defaultCacheLimit is how many groups a store-backed aggregate keeps
// decoded between batches.
const defaultCacheLimit = 100_000

// lookup returns a group: from the cache, else (store-backed) from the
// store.
func (a *Aggregate) lookup(gk string) *group {
	if g := a.groups.get(gk); g != nil {
		return g
	}
	if a.backing == nil || a.gone[gk] {
		return nil
	}
	v, ok, err := a.backing.Get([]byte(gk))
	if err != nil || !ok {
		return nil
	}
	g, err := a.decodeGroup(gk, v)
	if err != nil {
		return nil
	}
	a.groups.put(g)
	return g
}

// group is one group's state, in 48 bytes (a third of a COUNT's heap per
// key): the key it is stored under, its key values then its accumulators
// (one allocation per key), the latest record time, its window's start,
// where its pending output sits in the output cache, and flags.
//
// vals points at the first of exactly len(a.Keys)+len(a.Funcs) values,
// allocated together by newGroup and never resized: valsOf rebuilds the
// slice from that length, which saves the slice header's length and
// capacity (nil when there are no values).
type group struct {
	key   string
	vals  *any
	maxTs int64
	// start is a windowed group's window start; its end is start plus
	// the size, or for a session read from the key (see windowOf).
	start int64
	// cacheAt is 1 plus the index of the group's pending output in the
	// output cache, valid only while that entry holds this group (see
	// cachedAt): a drained cache leaves stale values behind.
	cacheAt int32
	flags   uint8
}

// Group flags.
const (
	// groupDirty: the group is in dirtyGroups.
	groupDirty uint8 = 1 << iota
	// groupDetached: the group has left the group table (deleted, or
	// merged into another session).
	groupDetached
	// groupEvicted: a store-backed group no longer in memory, which only
	// a session's entry in its key's list still points at (for its key).
	groupEvicted
)

// newGroup makes the group stored under gk, of the given key values and
// window start, with no accumulators set.
func (a *Aggregate) newGroup(gk string, keys []any, start int64) *group {
	g := &group{key: gk, maxTs: math.MinInt64, start: start}
	if n := len(a.Keys) + len(a.Funcs); n > 0 {
		vals := make([]any, n)
		copy(vals, keys)
		g.vals = &vals[0]
	}
	return g
}

// valsOf is a group's key values then accumulators (see group.vals).
func (a *Aggregate) valsOf(g *group) []any {
	return unsafe.Slice(g.vals, len(a.Keys)+len(a.Funcs))
}

// windowOf returns a windowed group's bounds: a time window's end is its
// start plus the size; a session's end is read from the end of its key
// (groupKey writes "start/end" in decimal after the key values, so the
// key's last '/' is the window's).
func (a *Aggregate) windowOf(g *group) (start, end int64) {
	if a.Window == nil {
		return 0, 0
	}
	if a.Window.Kind != Session {
		return g.start, g.start + a.Window.Size
	}
	end, _ = strconv.ParseInt(g.key[strings.LastIndexByte(g.key, '/')+1:], 10, 64)
	return g.start, end
}

func (a *Aggregate) keysOf(g *group) []any { return a.valsOf(g)[:len(a.Keys)] }
func (a *Aggregate) accsOf(g *group) []any { return a.valsOf(g)[len(a.Keys):] }

// changed marks a group to be written at the next flush.
func (a *Aggregate) changed(g *group) {
	if g.flags&groupDirty == 0 {
		g.flags |= groupDirty
		a.dirtyGroups = append(a.dirtyGroups, g)
	}
}

func (a *Aggregate) init() {
	if a.groups != nil {
		return
	}
	a.groups = newGroupTable()
	a.dirtyKeys = map[string]bool{}
	a.gone = map[string]bool{}
	a.sessions = map[string]*keySessions{}
	n := len(a.Keys) + len(a.Funcs)
	if a.Window != nil {
		n += 2 // WINDOWSTART, WINDOWEND
	}
	a.out = make([]any, n)
	a.streamTime = math.MinInt64
	for i, f := range a.Funcs {
		a.resultsMayHaveBytes = a.resultsMayHaveBytes || resultMayHaveBytes(f.ReturnType)
		if f.Fallible {
			a.fallible = append(a.fallible, i)
		}
	}
}

func (a *Aggregate) Process(t *Task, r *Rec) {
	a.init()
	if r.Tombstone {
		return // aggregations skip null values; table deletes arrive as retractions
	}
	if r.Old != nil {
		a.processChange(t, r)
		return
	}
	keys, ok := a.evalKeys(t, r.Row, a.keyVals, !r.Retract)
	if !ok {
		return
	}
	a.keyVals = keys
	args := a.evalArgs(t, r.Row, a.argVals)
	a.argVals = args
	if a.Window != nil {
		a.processWindowed(t, r, keys, args)
		return
	}
	g := a.group(keys, 0, 0)
	if r.Retract {
		a.undo(t, g, args)
	} else {
		a.add(t, g, args)
	}
	g.maxTs = max(g.maxTs, r.Ts)
	a.emit(t, r, g, false)
}

// emitEmpty emits the one group of an aggregate without keys when no
// row made it: its functions' initial values.
func (a *Aggregate) emitEmpty(t *Task) {
	a.init()
	if a.groups.len() > 0 {
		return
	}
	a.emit(t, &Rec{}, a.group(nil, 0, 0), false)
}

// processChange applies a table update. When the row stays in its group,
// the old row's contribution is removed and the new row's added before
// one result is emitted (Kafka Streams' KTableAggregate since KIP-904);
// when it moves, the old group is retracted and the new one added, each
// emitting.
func (a *Aggregate) processChange(t *Task, r *Rec) {
	oldKeys, oldOK := a.evalKeys(t, r.Old, nil, false) // reported when it was new
	newKeys, newOK := a.evalKeys(t, r.Row, nil, true)
	if !oldOK || !newOK || !sameKeys(oldKeys, newKeys) {
		if oldOK {
			rec := *r
			rec.Row, rec.Old, rec.Retract = r.Old, nil, true
			a.Process(t, &rec)
		}
		if newOK {
			rec := *r
			rec.Old, rec.Retract = nil, false
			a.Process(t, &rec)
		}
		return
	}
	oldArgs := a.evalArgs(t, r.Old, nil)
	args := a.evalArgs(t, r.Row, nil)
	g := a.group(newKeys, 0, 0)
	a.undo(t, g, oldArgs)
	a.add(t, g, args)
	g.maxTs = max(g.maxTs, r.Ts)
	a.emit(t, r, g, false)
}

// undo removes a row's contribution from a group.
func (a *Aggregate) undo(t *Task, g *group, args [][]any) {
	accs := a.accsOf(g)
	for i, f := range a.Funcs {
		if f.Undo != nil {
			accs[i] = f.Undo(accs[i], args[i])
		}
	}
	a.checkFailures(t, g)
}

// checkFailures fails the task when one of g's accumulators holds an
// error, as ksqlDB fails a query whose DECIMAL SUM overflows: going on
// would write a sum that misses the record. (The failed batch is not
// committed, so no stored state holds the error; state an older eddy
// stored with one fails at the group's next change.)
func (a *Aggregate) checkFailures(t *Task, g *group) {
	if len(a.fallible) == 0 {
		return
	}
	accs := a.accsOf(g)
	for _, i := range a.fallible {
		if err := expr.AggregateErr(accs[i]); err != nil {
			// Worded as Kafka Streams wraps a processor's exception.
			where := ""
			if c := t.cur; c != nil {
				where = fmt.Sprintf(" topic=%s, partition=%d, offset=%d,", c.Topic, c.Partition, c.Offset)
			}
			t.fail(fmt.Errorf("Exception caught in process.%s cause: %s: %w", where, a.Funcs[i].Name, err))
			return
		}
	}
}

// advance moves the task's stream time.
func (a *Aggregate) advance(ts int64) {
	if ts > a.streamTime {
		a.streamTime = ts
		a.stDirty = true
	}
}

// processWindowed assigns the row to its windows (dropping late ones),
// updates them and emits per the emit strategy.
func (a *Aggregate) processWindowed(t *Task, r *Rec, keys []any, args [][]any) {
	w := a.Window
	a.advance(r.Ts)
	switch w.Kind {
	case Session:
		a.processSession(t, r, keys, args)
	default:
		size, adv := w.Size, w.Size
		if w.Kind == Hopping {
			adv = w.Advance
		}
		// Window starts are multiples of adv with start <= ts < start+size,
		// visited oldest first; idx is start/adv (one division per
		// record, not one per window).
		idx := floorDiv(r.Ts, adv)
		first := idx * adv
		for first-adv > r.Ts-size && first-adv >= 0 {
			first -= adv
			idx--
		}
		// The key values' encoding is the same for every window: made
		// once, each window's bounds appended to it.
		a.keyBuf = appendKey(a.keyBuf[:0], keys)
		n := len(a.keyBuf)
		// A hopping window's record updates several groups of its key:
		// remembered from the key's last record, they cost no lookup.
		var rk *recentKey
		if w.Kind == Hopping {
			if a.recent == nil {
				a.recent = newRecentKeys()
			}
			rk = a.recent.of(a.keyBuf)
		}
		for start := first; start <= r.Ts; start, idx = start+adv, idx+1 {
			end := start + size
			if end+w.Grace <= a.streamTime {
				// Late: the window has closed. Counted per window
				// skipped, as Kafka Streams' KStreamWindowAggregate
				// records a dropped record for each: a HOPPING
				// window's record may count several times, or once
				// while its newer windows still take it.
				t.stats.Late.Add(1)
				continue
			}
			g := rk.group(idx, start)
			if g != nil {
				a.changed(g)
			} else {
				a.keyBuf = append(a.keyBuf[:n], a.windowAt(idx, start, end).suffix...)
				g = a.groupAt(a.keyBuf, keys, start)
				rk.remember(idx, g)
			}
			a.add(t, g, args)
			g.maxTs = max(g.maxTs, r.Ts)
			if !w.Final {
				a.emitWindow(t, r, g, start, end, false)
			}
		}
	}
	if w.Final {
		a.emitClosed(t, r)
	} else {
		a.expire()
	}
}

// expiry is when an EMIT CHANGES time window leaves the state: once
// stream time passes its start plus the retention, as Kafka Streams drops
// a window store's expired segments. No record can reach it by then (it
// closed at end plus grace), so forgetting it loses nothing but memory.
// (A session expires by its end: see expireSessions.)
func (a *Aggregate) expiry(g *group) int64 {
	return g.start + a.Window.Retention
}

// expire forgets the windows whose retention stream time has passed,
// oldest first.
func (a *Aggregate) expire() {
	if a.Window.Kind == Session {
		a.expireSessions()
		return
	}
	for {
		c, ok := a.expiring.next()
		if !ok || c.end >= a.streamTime {
			return
		}
		for _, key := range a.expiring.pop() {
			if g := a.lookup(key); g != nil && a.expiry(g) == c.end {
				a.deleteGroup(key)
			}
		}
	}
}

// sessionClosed tells whether a session ending at end has closed: no
// record can reach it once stream time is past its end plus the gap plus
// the grace period (Kafka Streams' KStreamSessionWindowAggregate), since
// a record within the gap of its end would extend it.
func (a *Aggregate) sessionClosed(end int64) bool {
	return end+a.Window.Size+a.Window.Grace < a.streamTime
}

// closed tells whether a window (EMIT FINAL) may be emitted: a time
// window once stream time reaches its end plus grace, a session once it
// has closed.
func (a *Aggregate) closed(end int64) bool {
	if a.Window.Kind == Session {
		return a.sessionClosed(end)
	}
	return end+a.Window.Grace <= a.streamTime
}

// expired tells whether a window closing now has left Kafka Streams'
// store already, so it is dropped unemitted: a time window once stream
// time passes its start plus the retention; a session once the store
// segment holding its end has expired. Session stores drop whole
// segments (of half the retention, at least a minute) and filter
// nothing finer, so a session outlives its retention by up to a segment.
func (a *Aggregate) expired(start, end int64) bool {
	w := a.Window
	if w.Kind != Session {
		// The window store behind EMIT FINAL keeps its own time: the
		// latest window start put into it, that of the window holding
		// stream time. Judged by the record time instead, a window
		// closed by a record a moment past its end (grace 0) would
		// count as expired and be lost.
		step := a.step()
		return start < floorDiv(a.streamTime, step)*step-w.Retention
	}
	interval := max(w.Retention/2, 60_000)
	return floorDiv(end, interval) < floorDiv(a.streamTime-w.Retention, interval)
}

// emitClosed emits (EMIT FINAL) every window that has closed, oldest
// first (then by key), and forgets it. Windows wait in a closeQueue, so
// a record costs no walk of the open windows.
func (a *Aggregate) emitClosed(t *Task, r *Rec) {
	for {
		c, ok := a.closing.next()
		if !ok || !a.closed(c.end) {
			return
		}
		for _, key := range a.closing.pop() {
			g := a.lookup(key)
			if g == nil {
				continue // merged away or already emitted
			}
			start, end := a.windowOf(g)
			if end != c.end || start != c.start {
				continue
			}
			// A window that has left the store by the time it is seen
			// closing is dropped without being emitted, as Kafka
			// Streams drops it (stream time jumped past its retention).
			if !a.expired(start, end) {
				a.emitWindow(t, r, g, start, end, false)
			}
			a.deleteGroup(key)
		}
	}
}

// deleteGroup forgets a group.
func (a *Aggregate) deleteGroup(gk string) {
	if g := a.removeGroup(gk); g != nil {
		a.changed(g) // the flush writes its key deleted
	}
}

// removeGroup takes a group out of the table and the indexes, detached.
func (a *Aggregate) removeGroup(gk string) *group {
	g := a.lookup(gk)
	if g == nil {
		return nil
	}
	a.detachGroup(g)
	if a.Window != nil && a.Window.Kind == Session {
		a.unindexSession(g)
	}
	return g
}

// detachGroup takes a group out of the table, its pending output filed
// under its key; the indexes still hold it.
func (a *Aggregate) detachGroup(g *group) {
	a.groups.del(g.key)
	g.flags |= groupDetached
	a.cacheDetach(g)
	if a.backing != nil {
		a.gone[g.key] = true
	}
}

// evalKeys evaluates the grouping keys into dst (allocated when too
// short); false when one is null, which report says to log.
func (a *Aggregate) evalKeys(t *Task, row []any, dst []any, report bool) ([]any, bool) {
	t.step = StepGroupBy
	keys := dst
	if len(keys) != len(a.Keys) {
		keys = make([]any, len(a.Keys))
	}
	for i, k := range a.Keys {
		v := k.Value(&t.ectx, row)
		if v == nil {
			if report {
				reportNullGroupKey(t, i)
			}
			return nil, false // rows with a null grouping key are dropped
		}
		keys[i] = v
	}
	return keys, true
}

// reportNullGroupKey logs a row dropped for a null grouping key, as
// ksqlDB's GroupByParamsFactory does: silently dropped, a user could not
// tell why a count missed it.
func reportNullGroupKey(t *Task, i int) {
	t.report("RECORD_PROCESSING_ERROR", fmt.Errorf("Group-by column with index %d resolved to null. The source row will be excluded from the table.", i))
}

// evalArgs evaluates each function's arguments into dst (allocated when
// not of the right shape). Functions keep argument values, never the
// slices, so dst can be reused for the next row.
func (a *Aggregate) evalArgs(t *Task, row []any, dst [][]any) [][]any {
	t.step = stepPrepare
	args := dst
	if len(args) != len(a.Funcs) {
		args = make([][]any, len(a.Funcs))
	}
	for i, exprs := range a.Args {
		vals := args[i]
		if len(vals) != len(exprs) {
			vals = make([]any, len(exprs))
		}
		for j, e := range exprs {
			vals[j] = e.Value(&t.ectx, row)
		}
		args[i] = vals
	}
	return args
}

// group returns the group of the key values and window, made when new,
// and marks it changed. The encoded key is a string only for a new group
// (or a lookup in the store): finding a group in memory allocates nothing.
func (a *Aggregate) group(keys []any, start, end int64) *group {
	return a.groupAt(a.appendGroupKey(keys, start, end), keys, start)
}

// groupAt is group for a key already encoded (kb), of a window starting
// at start.
func (a *Aggregate) groupAt(kb []byte, keys []any, start int64) *group {
	g := a.groups.getBytes(kb)
	if g == nil && a.backing != nil {
		g = a.lookup(string(kb))
	}
	if g == nil {
		g = a.newGroup(string(kb), keys, start)
		accs := a.accsOf(g)
		for i, f := range a.Funcs {
			accs[i] = f.Init()
		}
		a.addGroup(g)
	}
	a.changed(g)
	return g
}

// addGroup indexes a new group: by closing time for EMIT FINAL, by key
// for session merges.
func (a *Aggregate) addGroup(g *group) {
	a.attachGroup(g)
	a.index(g)
}

// attachGroup puts a group in the table, unindexed.
func (a *Aggregate) attachGroup(g *group) {
	g.flags &^= groupDetached
	a.groups.put(g)
	if len(a.gone) > 0 {
		delete(a.gone, g.key)
	}
}

// index files a group under its closing time and its key's sessions.
func (a *Aggregate) index(g *group) {
	if a.Window == nil {
		return
	}
	start, end := a.windowOf(g)
	switch {
	case a.Window.Final:
		a.closing.push(end, start, g.key)
	case a.Window.Kind != Session:
		a.expiring.push(a.expiry(g), start, g.key)
	}
	if a.Window.Kind == Session {
		a.indexSession(g, start, end)
	}
}

func (a *Aggregate) add(t *Task, g *group, args [][]any) {
	for i, f := range a.Funcs {
		accs := a.accsOf(g)
		accs[i] = f.Add(accs[i], args[i])
	}
	a.checkFailures(t, g)
}

// emit sends a group's current row downstream.
func (a *Aggregate) emit(t *Task, r *Rec, g *group, tombstone bool) {
	start, end := a.windowOf(g)
	a.emitWindow(t, r, g, start, end, tombstone)
}

// emitWindow is emit for callers that know the group's window bounds
// (a windowed group's key holds them, but reading them back costs a
// parse per output).
func (a *Aggregate) emitWindow(t *Task, r *Rec, g *group, start, end int64, tombstone bool) {
	ts := g.maxTs
	if ts == math.MinInt64 {
		ts = r.Ts
	}
	if a.cache != nil {
		a.cachePut(g, r, ts, start, end, tombstone)
		return
	}
	// The record handed on lives in the aggregate, as its row does: a
	// local's address passed through the Op interface would escape, one
	// allocation per output.
	rec := &a.emitted
	*rec = Rec{Ts: ts, Headers: r.Headers, Partition: r.Partition, Tombstone: tombstone,
		Row: a.outputRow(a.out, g, start, end, tombstone)}
	if a.Window != nil {
		rec.Windowed, rec.WindowStart, rec.WindowEnd = true, start, end
	}
	a.Next.Process(t, rec)
}

// outputRow fills out (len(a.out) long) with a group's output row: its
// key values, its results (nulls for a tombstone), and, windowed, the
// window's bounds.
func (a *Aggregate) outputRow(out []any, g *group, start, end int64, tombstone bool) []any {
	copy(out, a.keysOf(g))
	n := len(a.Keys)
	for i, f := range a.Funcs {
		if tombstone {
			out[n+i] = nil
		} else {
			out[n+i] = f.Result(a.accsOf(g)[i])
		}
	}
	if a.Window != nil {
		out[n+len(a.Funcs)], out[n+len(a.Funcs)+1] = a.windowBounds(start, end)
	}
	return out
}

// appendGroupKey encodes a group's key values and window into the
// aggregate's key buffer, valid until the next call.
func (a *Aggregate) appendGroupKey(keys []any, start, end int64) []byte {
	a.keyBuf = appendKey(a.keyBuf[:0], keys)
	if a.Window != nil {
		a.keyBuf = append(a.keyBuf, a.windowSuffix(start, end)...)
	}
	return a.keyBuf
}

// windowMemo is a window's key suffix and bounds, boxed for output rows
// (a boxed int64 is immutable, so the window's rows share them).
type windowMemo struct {
	start, end int64
	suffix     []byte
	boxedStart any
	boxedEnd   any
}

// window returns the memo of a window. Records arrive in time order,
// mostly, so the few windows open at a time are formatted and boxed once
// each, not once per record or output.
func (a *Aggregate) window(start, end int64) *windowMemo {
	// Consecutive windows of a time window take consecutive slots.
	return a.windowAt(floorDiv(start, a.step()), start, end)
}

// step is the distance between the starts of consecutive time windows:
// the advance of a hopping window, else the size.
func (a *Aggregate) step() int64 {
	step := a.Window.Size
	if a.Window.Kind == Hopping && a.Window.Advance > 0 {
		step = a.Window.Advance
	}
	return max(step, 1)
}

// windowAt is window for a caller that knows the window's index, its
// start divided by the step (floored).
func (a *Aggregate) windowAt(idx, start, end int64) *windowMemo {
	m := &a.windows[uint64(idx)&7]
	if m.suffix == nil || m.start != start || m.end != end {
		m.start, m.end = start, end
		m.suffix = strconv.AppendInt(m.suffix[:0], start, 10)
		m.suffix = append(m.suffix, '/')
		m.suffix = strconv.AppendInt(m.suffix, end, 10)
		m.boxedStart, m.boxedEnd = nil, nil
	}
	return m
}

// windowSuffix is a window's "start/end" in decimal, as its groups' keys
// end.
func (a *Aggregate) windowSuffix(start, end int64) []byte { return a.window(start, end).suffix }

// windowBounds is a window's start and end boxed, boxed when first asked
// for (a session's key is made once per row, its bounds boxed only if
// output).
func (a *Aggregate) windowBounds(start, end int64) (any, any) {
	m := a.window(start, end)
	if m.boxedStart == nil {
		m.boxedStart, m.boxedEnd = start, end
	}
	return m.boxedStart, m.boxedEnd
}

// appendKey encodes key values unambiguously for use as a map key.
func appendKey(b []byte, vals []any) []byte {
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b = append(b, 'N')
		case string:
			b = strconv.AppendInt(append(b, 'S'), int64(len(x)), 10)
			b = append(append(b, ':'), x...)
		case int32:
			b = strconv.AppendInt(append(b, 'I'), int64(x), 10)
		case int64:
			b = strconv.AppendInt(append(b, 'L'), x, 10)
		default:
			s := fmt.Sprintf("%T:%v", v, v)
			b = strconv.AppendInt(append(b, 'X'), int64(len(s)), 10)
			b = append(append(b, ':'), s...)
		}
		b = append(b, ';')
	}
	return b
}

func sameKeys(a, b []any) bool {
	return string(appendKey(nil, a)) == string(appendKey(nil, b))
}

// floorDiv is x/m rounded down, for m > 0, in one division.
func floorDiv(x, m int64) int64 {
	q := x / m
	if q*m > x {
		q-- // x negative and not a multiple: Go's division rounded up
	}
	return q
}
