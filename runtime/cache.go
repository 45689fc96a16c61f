package runtime

import "github.com/eddysql/eddy/types"

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
	g     *group
	rec   Rec // everything but Row
	bytes int64
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

// outputBytes is cachedRowBytes of the row emitWindow would build for g,
// without building it: only results that may be strings or bytes are
// computed.
func (a *Aggregate) outputBytes(g *group, tombstone bool) int64 {
	n := int64(len(g.key)) + 96 + 16*int64(len(a.out))
	for _, v := range a.keysOf(g) {
		n += valueBytes(v)
	}
	if tombstone {
		return n
	}
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

// put makes r (its Row ignored) the pending output of group g.
func (a *Aggregate) cachePut(g *group, r *Rec) {
	c := a.cache
	n := a.outputBytes(g, r.Tombstone)
	i, ok := a.cachedAt(g)
	if !ok && len(c.detached) > 0 {
		// A detached group's entry, or the entry a new group takes
		// over from the detached group of its key.
		if i, ok = c.detached[g.key]; ok && g.flags&groupDetached == 0 {
			delete(c.detached, g.key)
			g.cacheAt = int32(i + 1)
		}
	}
	if ok {
		e := &c.entries[i]
		c.bytes += n - e.bytes
		e.g, e.rec, e.bytes = g, *r, n
		e.rec.Row = nil
		return
	}
	i = len(c.entries)
	c.entries = append(c.entries, cachedOutput{g: g, rec: *r, bytes: n})
	c.entries[i].rec.Row = nil
	c.bytes += n
	if g.flags&groupDetached != 0 {
		if c.detached == nil {
			c.detached = map[string]int{}
		}
		c.detached[g.key] = i
	} else {
		g.cacheAt = int32(i + 1)
	}
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
		e.rec.Row = a.outputRow(make([]any, len(a.out)), e.g, e.rec.WindowStart, e.rec.WindowEnd, e.rec.Tombstone)
		a.Next.Process(t, &e.rec)
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
