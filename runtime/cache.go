package runtime

import "slices"

// Output caching, as Kafka Streams does it for ksqlDB's table
// aggregations (cache.max.bytes.buffering, commit.interval.ms): between
// two commits an aggregate keeps only the latest row of each group and
// emits those rows at the commit, so a key updated a thousand times in a
// commit interval costs one output record, not a thousand. EMIT FINAL
// aggregates emit once per window anyway and are not cached.

// outputCache holds the latest pending output of each group, in the order
// the groups were first updated since the last commit.
type outputCache struct {
	index map[string]int // group key -> position in recs
	recs  []Rec
	bytes int64
}

// cachedRowBytes approximates the memory of one cached row: what
// cache.max.bytes.buffering is measured against.
func cachedRowBytes(gk string, row []any) int64 {
	n := int64(len(gk)) + 96 + 16*int64(len(row))
	for _, v := range row {
		switch x := v.(type) {
		case string:
			n += int64(len(x))
		case []byte:
			n += int64(len(x))
		}
	}
	return n
}

// put keeps r (copied) as the group's pending output.
func (c *outputCache) put(gk string, r *Rec) {
	if c.index == nil {
		c.index = map[string]int{}
	}
	if i, ok := c.index[gk]; ok {
		// The group's earlier row is overwritten in place: a group
		// updated many times per commit costs no allocation per update.
		old := &c.recs[i]
		row := old.Row
		c.bytes -= cachedRowBytes(gk, row)
		*old = *r
		old.Row = append(row[:0], r.Row...)
		c.bytes += cachedRowBytes(gk, old.Row)
		return
	}
	cp := *r
	cp.Row = slices.Clone(r.Row)
	c.index[gk] = len(c.recs)
	c.recs = append(c.recs, cp)
	c.bytes += cachedRowBytes(gk, cp.Row)
}

// drain hands every pending output to emit, oldest group first, and
// empties the cache.
func (c *outputCache) drain(emit func(*Rec)) {
	recs := c.recs
	c.recs = nil
	clear(c.index)
	c.bytes = 0
	for i := range recs {
		emit(&recs[i])
	}
}

// flushCache emits the aggregate's cached outputs downstream.
func (a *Aggregate) flushCache(t *Task) {
	if a.cache == nil || len(a.cache.recs) == 0 {
		return
	}
	a.cache.drain(func(r *Rec) { a.Next.Process(t, r) })
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
