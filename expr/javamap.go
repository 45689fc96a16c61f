package expr

import (
	"slices"
	"unicode/utf16"

	"github.com/eddysql/eddy/types"
)

// ksqlDB holds a map in a java.util.HashMap sized for its entries (the
// JSON reader and the MAP constructor both use new HashMap<>(n)), so
// whatever walks a map — REDUCE's fold, MAP_KEYS — sees the entries in
// that table's bucket order rather than as written. javaMapOrder gives
// that order for a map filled in eddy's (insertion) order.

// javaMapOrder returns the indexes of m's entries in the order a
// java.util.HashMap created with capacity m.Len() and filled in order
// iterates them. Keys without a known Java hash (anything but STRING,
// INTEGER and BIGINT) keep insertion order. Buckets long enough for Java
// to turn into trees are not modelled: their entries keep insertion
// order, which Java's tree order may not match.
func javaMapOrder(m *types.MapVal) []int {
	n := m.Len()
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if n < 2 {
		return order
	}
	hashes := make([]uint32, n)
	for i, k := range m.Keys {
		h, ok := javaHash(k)
		if !ok {
			return order
		}
		hashes[i] = h ^ (h >> 16) // HashMap.hash spreads the high bits
	}
	mask := uint32(javaTableSize(n) - 1)
	// Within a bucket Java keeps insertion order (resizes split buckets
	// preserving it), so a stable sort by bucket is the iteration order.
	slices.SortStableFunc(order, func(a, b int) int {
		return int(hashes[a]&mask) - int(hashes[b]&mask)
	})
	return order
}

// javaTableSize is the table length of new HashMap<>(n) after n puts:
// the capacity rounded up to a power of two, doubled while n exceeds
// three quarters of it.
func javaTableSize(n int) int {
	size := 1
	for size < n {
		size <<= 1
	}
	for n > size*3/4 {
		size <<= 1
	}
	return size
}

// javaHash is Java's hashCode of a map key: String's over UTF-16 code
// units, Integer's value, Long's folded halves.
func javaHash(k any) (uint32, bool) {
	switch k := k.(type) {
	case string:
		var h uint32
		for _, r := range k {
			if r >= 0x10000 {
				hi, lo := utf16.EncodeRune(r)
				h = 31*h + uint32(hi)
				h = 31*h + uint32(lo)
				continue
			}
			h = 31*h + uint32(r)
		}
		return h, true
	case int32:
		return uint32(k), true
	case int64:
		return uint32(k) ^ uint32(uint64(k)>>32), true
	}
	return 0, false
}

// pickInOrder lists vals (m's keys or values) in javaMapOrder.
func pickInOrder(m *types.MapVal, vals []any) []any {
	out := make([]any, 0, len(vals))
	for _, i := range javaMapOrder(m) {
		out = append(out, vals[i])
	}
	return out
}
