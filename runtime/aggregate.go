package runtime

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/eddysql/eddy/expr"
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

	parts map[int32]*aggPart // groups per input partition
	cur   *aggPart           // the partition of the record in hand
	// streamTime is the query's: like Kafka Streams' test driver (and a
	// single task), every partition advances the same clock.
	streamTime int64
	out        []any
	keyBuf     []byte
}

// aggPart is the state of one input partition. It goes when the
// partition is revoked and is rebuilt by reprocessing when the partition
// is assigned again.
type aggPart struct {
	groups map[string]*group
}

// DropPartition forgets a revoked partition's state.
func (a *Aggregate) DropPartition(p int32) { delete(a.parts, p) }

type group struct {
	keys       []any
	accs       []any
	maxTs      int64
	start, end int64 // window bounds
}

func (a *Aggregate) init(partition int32) {
	if a.parts == nil {
		a.parts = map[int32]*aggPart{}
		n := len(a.Keys) + len(a.Funcs)
		if a.Window != nil {
			n += 2 // WINDOWSTART, WINDOWEND
		}
		a.out = make([]any, n)
		a.streamTime = math.MinInt64
	}
	a.cur = a.parts[partition]
	if a.cur == nil {
		a.cur = &aggPart{groups: map[string]*group{}}
		a.parts[partition] = a.cur
	}
}

func (a *Aggregate) Process(t *Task, r *Rec) {
	a.init(r.Partition)
	if r.Tombstone {
		return // aggregations skip null values; table deletes arrive as retractions
	}
	keys, ok := a.evalKeys(t, r.Row)
	if !ok {
		return
	}
	args := a.evalArgs(t, r.Row)
	if a.Window != nil {
		a.processWindowed(t, r, keys, args)
		return
	}
	gk := a.groupKey(keys, 0, 0)
	g := a.group(gk, keys, 0, 0)
	if r.Retract {
		for i, f := range a.Funcs {
			if f.Undo != nil {
				g.accs[i] = f.Undo(g.accs[i], args[i])
			}
		}
	} else {
		a.add(g, args)
	}
	g.maxTs = max(g.maxTs, r.Ts)
	a.emit(t, r, g, false)
}

// processWindowed assigns the row to its windows (dropping late ones),
// updates them and emits per the emit strategy.
func (a *Aggregate) processWindowed(t *Task, r *Rec, keys []any, args [][]any) {
	w := a.Window
	a.streamTime = max(a.streamTime, r.Ts)
	switch w.Kind {
	case Session:
		a.processSession(t, r, keys, args)
	default:
		size, adv := w.Size, w.Size
		if w.Kind == Hopping {
			adv = w.Advance
		}
		// Window starts are multiples of adv with start <= ts < start+size,
		// visited oldest first.
		first := r.Ts - floorMod(r.Ts, adv)
		for first-adv > r.Ts-size && first-adv >= 0 {
			first -= adv
		}
		for start := first; start <= r.Ts; start += adv {
			end := start + size
			if end+w.Grace <= a.streamTime {
				continue // late: the window has closed
			}
			gk := a.groupKey(keys, start, end)
			g := a.group(gk, keys, start, end)
			a.add(g, args)
			g.maxTs = max(g.maxTs, r.Ts)
			if !w.Final {
				a.emit(t, r, g, false)
			}
		}
	}
	if w.Final {
		a.emitClosed(t, r)
	}
}

// processSession merges the row with every session of its key within the
// gap, emitting tombstones for the sessions it replaces.
func (a *Aggregate) processSession(t *Task, r *Rec, keys []any, args [][]any) {
	w := a.Window
	prefix := string(appendKey(nil, keys))
	start, end := r.Ts, r.Ts
	var merged []*group
	var mergedKeys []string
	for gk, g := range a.cur.groups {
		if len(gk) < len(prefix) || gk[:len(prefix)] != prefix || !sameKeys(g.keys, keys) {
			continue
		}
		if g.end+w.Size >= r.Ts && g.start-w.Size <= r.Ts {
			merged = append(merged, g)
			mergedKeys = append(mergedKeys, gk)
		}
	}
	if len(merged) == 0 && r.Ts+w.Size+w.Grace <= a.streamTime {
		return // late: a new session that would already have closed
	}
	sort.Slice(merged, func(i, j int) bool { return merged[i].start < merged[j].start })
	var acc []any
	maxTs := r.Ts
	for _, g := range merged {
		start, end = min(start, g.start), max(end, g.end)
		maxTs = max(maxTs, g.maxTs)
	}
	for i, g := range merged {
		delete(a.cur.groups, mergedKeys[i])
		if !w.Final {
			a.emit(t, r, g, true)
		}
		if acc == nil {
			acc = g.accs
			continue
		}
		for j, f := range a.Funcs {
			if f.Merge != nil {
				acc[j] = f.Merge(acc[j], g.accs[j])
			}
		}
	}
	gk := a.groupKey(keys, start, end)
	g := a.group(gk, keys, start, end)
	if acc != nil {
		g.accs = acc
	}
	a.add(g, args)
	g.maxTs = maxTs
	if !w.Final {
		a.emit(t, r, g, false)
	}
}

// emitClosed emits (EMIT FINAL) every window whose end plus grace stream
// time has passed, oldest first, and forgets it.
func (a *Aggregate) emitClosed(t *Task, r *Rec) {
	type closedGroup struct {
		part *aggPart
		key  string
		g    *group
	}
	var closed []closedGroup
	for _, part := range a.parts {
		for gk, g := range part.groups {
			switch {
			case g.start < a.streamTime-a.Window.Retention:
				// The window's store segment has expired: like Kafka
				// Streams, it is dropped without ever being emitted.
				delete(part.groups, gk)
			case g.end+a.Window.Grace <= a.streamTime:
				closed = append(closed, closedGroup{part, gk, g})
			}
		}
	}
	sort.Slice(closed, func(i, j int) bool {
		if closed[i].g.start != closed[j].g.start {
			return closed[i].g.start < closed[j].g.start
		}
		return closed[i].key < closed[j].key
	})
	for _, c := range closed {
		a.emit(t, r, c.g, false)
		delete(c.part.groups, c.key)
	}
}

func (a *Aggregate) evalKeys(t *Task, row []any) ([]any, bool) {
	keys := make([]any, len(a.Keys))
	for i, k := range a.Keys {
		v := k.Eval(&t.ectx, row)
		if v == nil {
			return nil, false // rows with a null grouping key are dropped
		}
		keys[i] = v
	}
	return keys, true
}

func (a *Aggregate) evalArgs(t *Task, row []any) [][]any {
	args := make([][]any, len(a.Funcs))
	for i, exprs := range a.Args {
		vals := make([]any, len(exprs))
		for j, e := range exprs {
			vals[j] = e.Eval(&t.ectx, row)
		}
		args[i] = vals
	}
	return args
}

func (a *Aggregate) group(gk string, keys []any, start, end int64) *group {
	g := a.cur.groups[gk]
	if g == nil {
		g = &group{keys: keys, accs: make([]any, len(a.Funcs)), maxTs: math.MinInt64, start: start, end: end}
		for i, f := range a.Funcs {
			g.accs[i] = f.Init()
		}
		a.cur.groups[gk] = g
	}
	return g
}

func (a *Aggregate) add(g *group, args [][]any) {
	for i, f := range a.Funcs {
		g.accs[i] = f.Add(g.accs[i], args[i])
	}
}

// emit sends a group's current row downstream.
func (a *Aggregate) emit(t *Task, r *Rec, g *group, tombstone bool) {
	out := a.out
	copy(out, g.keys)
	n := len(g.keys)
	for i, f := range a.Funcs {
		if tombstone {
			out[n+i] = nil
		} else {
			out[n+i] = f.Result(g.accs[i])
		}
	}
	ts := g.maxTs
	if ts == math.MinInt64 {
		ts = r.Ts
	}
	rec := Rec{Row: out, Ts: ts, Headers: r.Headers, Partition: r.Partition, Tombstone: tombstone}
	if a.Window != nil {
		rec.Windowed, rec.WindowStart, rec.WindowEnd = true, g.start, g.end
		out[n+len(a.Funcs)], out[n+len(a.Funcs)+1] = g.start, g.end
	}
	a.Next.Process(t, &rec)
}

func (a *Aggregate) groupKey(keys []any, start, end int64) string {
	a.keyBuf = appendKey(a.keyBuf[:0], keys)
	if a.Window != nil {
		a.keyBuf = strconv.AppendInt(a.keyBuf, start, 10)
		a.keyBuf = append(a.keyBuf, '/')
		a.keyBuf = strconv.AppendInt(a.keyBuf, end, 10)
	}
	return string(a.keyBuf)
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

func floorMod(x, m int64) int64 {
	r := x % m
	if r < 0 {
		r += m
	}
	return r
}
