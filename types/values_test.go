package types

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// putAll fills a map with Put, the reference semantics.
func putAll(keys, vals []any) *MapVal {
	m := NewMap(0)
	for i, k := range keys {
		m.Put(k, vals[i])
	}
	return m
}

// buildAll fills a map with a MapBuilder.
func buildAll(keys, vals []any) *MapVal {
	b := NewMapBuilder(0)
	for i, k := range keys {
		b.Put(k, vals[i])
	}
	return b.Map()
}

// TestMapBuilderMatchesPut: the builder keeps Put's order, first position
// and last value for repeated keys, small and large (indexed), with keys
// of several types, NaN (never equal) and a key type the index skips.
func TestMapBuilderMatchesPut(t *testing.T) {
	bytesKey := []byte("b") // not hashable: scanned for
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 5, mapIndexMin - 1, mapIndexMin, mapIndexMin + 1, 100, 2000} {
		for trial := range 5 {
			keys, vals := make([]any, n), make([]any, n)
			for i := range keys {
				switch rng.IntN(8) {
				case 0:
					keys[i] = int32(rng.IntN(n/2 + 1))
				case 1:
					keys[i] = int64(rng.IntN(n/2 + 1)) // never == the int32 of the same number
				case 2:
					keys[i] = math.NaN()
				case 3:
					keys[i] = nil
				case 4:
					keys[i] = DateVal(rng.IntN(4))
				case 5:
					if i == n/2 {
						keys[i] = bytesKey
						break
					}
					fallthrough
				default:
					keys[i] = fmt.Sprint("k", rng.IntN(n/2+1))
				}
				vals[i] = i
			}
			want, got := putAll(keys, vals), buildAll(keys, vals)
			if !sameMap(want, got) {
				t.Fatalf("n=%d trial %d: builder %v, Put %v", n, trial, got, want)
			}
		}
	}
}

// sameMap compares two maps entry by entry, NaN keys matching by position.
func sameMap(a, b *MapVal) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Keys {
		ka, kb := a.Keys[i], b.Keys[i]
		fa, aNaN := ka.(float64)
		fb, bNaN := kb.(float64)
		if aNaN && bNaN && math.IsNaN(fa) && math.IsNaN(fb) {
			ka, kb = nil, nil
		}
		if !reflect.DeepEqual(ka, kb) || !reflect.DeepEqual(a.Vals[i], b.Vals[i]) {
			return false
		}
	}
	return true
}

// BenchmarkMapBuilder fills maps of n distinct keys, then as many again
// repeated: ns/entry should not grow with n.
func BenchmarkMapBuilder(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		keys := make([]any, 2*n)
		for i := range n {
			keys[i] = fmt.Sprint("key-", i)
			keys[n+i] = keys[i]
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				m := NewMapBuilder(0)
				for i, k := range keys {
					m.Put(k, i)
				}
				if m.Map().Len() != n {
					b.Fatal(m.Map().Len())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/entry")
		})
	}
}

// Keys that == cannot compare (BYTES, ARRAY, STRUCT) compare by content,
// where == panicked: TRANSFORM can key a map on any type.
func TestMapUncomparableKeys(t *testing.T) {
	for _, k := range []func() any{
		func() any { return []byte("ab") },
		func() any { return []any{int32(1), []byte("x")} },
		func() any { return StructVal{int32(1), nil} },
	} {
		m := NewMap(0)
		m.Put(k(), 1)
		m.Put(k(), 2)
		b := NewMapBuilder(0)
		b.Put(k(), 1)
		b.Put(k(), 2)
		if v, ok := m.Get(k()); !ok || v != 2 || m.Len() != 1 || b.Map().Len() != 1 {
			t.Errorf("%#v: get %v %v, len %d, builder len %d", k(), v, ok, m.Len(), b.Map().Len())
		}
	}
}
