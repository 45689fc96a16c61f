package runtime

import "github.com/eddysql/eddy/types"

// Output caching, as Kafka Streams does it for ksqlDB's table
// aggregations (cache.max.bytes.buffering, commit.interval.ms): between
// two commits an aggregate keeps only the latest row of each group and
// emits those rows at the commit, so a key updated a thousand times in a
// commit interval costs one output record, not a thousand. EMIT FINAL
// aggregates emit once per window anyway and are not cached.

// outputCache holds the latest pending output of each group, in the order
// the groups were first updated since the last commit.
type outputCache struct {
	index   map[string]int // group key -> position in entries
	entries []cachedOutput
	bytes   int64
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

// put makes r (its Row ignored) the pending output of group g.
func (a *Aggregate) cachePut(g *group, r *Rec) {
	c := a.cache
	if c.index == nil {
		c.index = map[string]int{}
	}
	n := a.outputBytes(g, r.Tombstone)
	if i, ok := c.index[g.key]; ok {
		e := &c.entries[i]
		c.bytes += n - e.bytes
		e.g, e.rec, e.bytes = g, *r, n
		e.rec.Row = nil
		return
	}
	c.index[g.key] = len(c.entries)
	c.entries = append(c.entries, cachedOutput{g: g, rec: *r, bytes: n})
	c.entries[len(c.entries)-1].rec.Row = nil
	c.bytes += n
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
	clear(c.index)
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
