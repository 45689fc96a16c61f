package runtime

import (
	"fmt"

	"github.com/eddysql/eddy/state"
)

// storeCache is what a table operator keyed by state key (a table
// filter, TableChanges) needs to keep its state in its local store
// (ksql.state.store=pebble) rather than in memory: its map of entries is
// then a cache of the keys in use, trimmed to the limit after each
// committed batch. gone lists the keys deleted since that batch, whose
// deletion the store has not seen yet; err is the first failed read,
// which fails the next flush.
type storeCache struct {
	backing state.Store
	gone    map[string]bool
	limit   int
	peak    int // the most entries the cache held since it was last made anew
	err     error
}

func newStoreCache(s state.Store, limit int) *storeCache {
	if limit <= 0 {
		limit = defaultCacheLimit
	}
	return &storeCache{backing: s, gone: map[string]bool{}, limit: limit}
}

// get reads key k from the store: false when it holds none, or k was
// deleted since the last committed batch.
func (c *storeCache) get(k string) ([]byte, bool) {
	if c.gone[k] {
		return nil, false
	}
	v, ok, err := c.backing.Get([]byte(k))
	if err != nil {
		c.fail(k, err)
		return nil, false
	}
	return v, ok
}

func (c *storeCache) fail(k string, err error) {
	if c.err == nil {
		c.err = fmt.Errorf("state %q: %w", k, err)
	}
}

// deleted notes a key deleted, set notes one set again.
func (c *storeCache) deleted(k string) { c.gone[k] = true }

func (c *storeCache) set(k string) {
	if len(c.gone) > 0 {
		delete(c.gone, k)
	}
}

// trim drops entries of m not in dirty down to the limit, once a batch
// is in the store (a deleted key's deletion with it); see trimCache.
func trim[V any](c *storeCache, m map[string]V, dirty map[string]bool) map[string]V {
	c.gone = emptied(c.gone)
	return trimCache(m, c.limit, &c.peak, func(k string, _ V) bool { return dirty[k] })
}

// trimCache drops entries of m, a store-backed operator's cache, down to
// limit, but for those keep says must stay (changed since the store got
// them), and returns m, or a copy when m once held many more entries than
// it does now (a map keeps its table when emptied); peak is the most m
// held since it was last made anew.
func trimCache[V any](m map[string]V, limit int, peak *int, keep func(k string, v V) bool) map[string]V {
	return trimWeighted(m, len(m), limit, peak, keep, func(V) int { return 1 })
}

// trimWeighted is trimCache of entries that weigh what weight says, total
// for all of m: it drops entries until what is left weighs limit, calling
// weight once for each entry it drops.
func trimWeighted[V any](m map[string]V, total, limit int, peak *int, keep func(k string, v V) bool, weight func(V) int) map[string]V {
	*peak = max(*peak, len(m))
	excess := total - limit
	for k, v := range m {
		if excess <= 0 {
			break
		}
		if !keep(k, v) {
			delete(m, k)
			excess -= weight(v)
		}
	}
	if *peak > 2*len(m)+1024 {
		m2 := make(map[string]V, len(m))
		for k, v := range m {
			m2[k] = v
		}
		m, *peak = m2, len(m2)
	}
	return m
}
