package runtime

import (
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/types"
)

// Output caching, as Kafka Streams does it for ksqlDB's table
// aggregations (cache.max.bytes.buffering, commit.interval.ms): between
// two commits an aggregate keeps only the latest row of each group and
// emits those rows at the commit, so a key updated a thousand times in a
// commit interval costs one output record, not a thousand. EMIT FINAL
// aggregates emit once per window anyway and are not cached.

// outputCache holds the latest pending output of each group, in the order
// the groups were first updated since the last commit. A group in the
// group table finds its entry through group.cacheAt, with no lookup by
// key; detached indexes the entries of groups that have left the table
// (a deleted window, a merged session), which a new group of the same
// key takes over.
type outputCache struct {
	detached map[string]int // group key -> position in entries
	entries  []cachedOutput
	bytes    int64
}

// cachedOutput is a group's pending output. The row itself is built when
// the cache drains, from the group: every change to a non-final group's
// accumulators is followed by its emit (which updates this entry), so the
// group holds at the drain exactly what it held at its last emit, and an
// update costs no row copy and no boxing of results. A deleted group
// keeps its values, so its last output still drains as it was.
type cachedOutput struct {
	g          *group
	headers    []kafka.Header
	ts         int64
	start, end int64 // the window, as it was at the output
	// keyBytes is the size of the row's key values and overhead, the
	// same for every output of the group; bytes adds its results'.
	keyBytes, bytes int64
	partition       int32
	tombstone       bool
}

func valueBytes(v any) int64 {
	switch x := v.(type) {
	case string:
		return int64(len(x))
	case []byte:
		return int64(len(x))
	}
	return 0
}

// keyBytes is the size the cache counts for a row of g but its results:
// the key, the row's overhead and its key values' bytes.
func (a *Aggregate) keyBytes(g *group) int64 {
	n := int64(len(g.key)) + 96 + 16*int64(len(a.out))
	for _, v := range a.keysOf(g) {
		n += valueBytes(v)
	}
	return n
}

// resultBytes is the size of g's results that may be strings or bytes,
// the only ones computed.
func (a *Aggregate) resultBytes(g *group) int64 {
	var n int64
	for i, f := range a.Funcs {
		if resultMayHaveBytes(f.ReturnType) {
			n += valueBytes(f.Result(a.accsOf(g)[i]))
		}
	}
	return n
}

// resultMayHaveBytes tells whether a result of type t may be a string or
// bytes value, whose length the cache counts.
func resultMayHaveBytes(t *types.Type) bool {
	return t == nil || t.Kind == types.String || t.Kind == types.Bytes || t.Kind == types.Named
}

// cachedAt returns the index of a group's pending output. g.cacheAt may
// be stale (set before the cache last drained, or for an entry a group of
// the same key has taken over): it counts only while its entry holds g.
// A detached group's cacheAt is 0.
func (a *Aggregate) cachedAt(g *group) (int, bool) {
	if a.cache == nil {
		return 0, false
	}
	i := int(g.cacheAt) - 1
	return i, i >= 0 && i < len(a.cache.entries) && a.cache.entries[i].g == g
}

// cacheDetach files the pending output of a group leaving the group table
// under its key.
func (a *Aggregate) cacheDetach(g *group) {
	if i, ok := a.cachedAt(g); ok {
		c := a.cache
		if c.detached == nil {
			c.detached = map[string]int{}
		}
		c.detached[g.key] = i
	}
	g.cacheAt = 0
}

// cachePut makes the output of group g for the input record r (its
// headers and partition), at time ts, of the window [start, end), the
// group's pending output.
func (a *Aggregate) cachePut(g *group, r *Rec, ts, start, end int64, tombstone bool) {
	c := a.cache
	i, ok := a.cachedAt(g)
	if !ok && len(c.detached) > 0 {
		// A detached group's entry, or the entry a new group takes
		// over from the detached group of its key.
		if i, ok = c.detached[g.key]; ok && g.flags&groupDetached == 0 {
			delete(c.detached, g.key)
			g.cacheAt = int32(i + 1)
		}
	}
	if !ok {
		i = len(c.entries)
		c.entries = append(c.entries, cachedOutput{})
		if g.flags&groupDetached != 0 {
			if c.detached == nil {
				c.detached = map[string]int{}
			}
			c.detached[g.key] = i
		} else {
			g.cacheAt = int32(i + 1)
		}
	}
	e := &c.entries[i]
	if e.g != g {
		e.g, e.keyBytes = g, a.keyBytes(g)
	}
	n := e.keyBytes
	if !tombstone && a.resultsMayHaveBytes {
		n += a.resultBytes(g)
	}
	c.bytes += n - e.bytes
	e.bytes, e.headers, e.ts, e.start, e.end, e.partition, e.tombstone = n, r.Headers, ts, start, end, r.Partition, tombstone
}

// flushCache emits the aggregate's cached outputs downstream, oldest
// group first, each in a row of its own (downstream may keep it), and
// empties the cache.
func (a *Aggregate) flushCache(t *Task) {
	c := a.cache
	if c == nil || len(c.entries) == 0 {
		return
	}
	entries := c.entries
	c.entries = nil
	if len(c.detached) > 4096 {
		c.detached = nil // as emptied
	}
	clear(c.detached)
	c.bytes = 0
	for i := range entries {
		e := &entries[i]
		rec := &a.emitted
		*rec = Rec{Ts: e.ts, Headers: e.headers, Partition: e.partition, Tombstone: e.tombstone,
			Row: a.outputRow(make([]any, len(a.out)), e.g, e.start, e.end, e.tombstone)}
		if a.Window != nil {
			rec.Windowed, rec.WindowStart, rec.WindowEnd = true, e.start, e.end
		}
		a.Next.Process(t, rec)
	}
	// The next interval's entries reuse the array, but not a large one
	// (a burst would keep its size for good); it pins no group.
	clear(entries)
	if cap(entries) <= 1<<16 {
		c.entries = entries[:0]
	}
}

// flushCaches emits every cached aggregate output of the task.
func (t *Task) flushCaches() {
	for _, a := range t.inst.cached {
		a.flushCache(t)
	}
}

// cacheBytes is the size of the task's cached outputs.
func (t *Task) cacheBytes() int64 {
	var n int64
	for _, a := range t.inst.cached {
		n += a.cache.bytes
	}
	return n
}
