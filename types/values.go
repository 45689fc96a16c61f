package types

import "bytes"

// DateVal is a SQL DATE: days since 1970-01-01.
type DateVal int32

// TimeVal is a SQL TIME: milliseconds since midnight.
type TimeVal int32

// TimestampVal is a SQL TIMESTAMP: milliseconds since the epoch, UTC.
type TimestampVal int64

// StructVal is a STRUCT value, positional by the fields of its Type.
type StructVal []any

// MapVal is a MAP value that keeps insertion order, so output is stable.
type MapVal struct {
	Keys []any
	Vals []any
}

// NewMap returns an empty map with room for n entries.
func NewMap(n int) *MapVal { return &MapVal{Keys: make([]any, 0, n), Vals: make([]any, 0, n)} }

// Len returns the number of entries.
func (m *MapVal) Len() int {
	if m == nil {
		return 0
	}
	return len(m.Keys)
}

// Get returns the value stored under k.
func (m *MapVal) Get(k any) (any, bool) {
	if m == nil {
		return nil, false
	}
	for i, mk := range m.Keys {
		if keyEqual(mk, k) {
			return m.Vals[i], true
		}
	}
	return nil, false
}

// Put sets k to v, replacing an existing entry in place. It scans the
// keys, so filling a map of n entries with Put takes O(n²): build maps of
// many entries (decoded, or computed from data) with a MapBuilder.
func (m *MapVal) Put(k, v any) {
	if i := m.scan(k); i >= 0 {
		m.Vals[i] = v
		return
	}
	m.Keys = append(m.Keys, k)
	m.Vals = append(m.Vals, v)
}

// scan returns the position of key k, or -1.
func (m *MapVal) scan(k any) int {
	for i, mk := range m.Keys {
		if keyEqual(mk, k) {
			return i
		}
	}
	return -1
}

// keyEqual compares map keys with ==, except BYTES, ARRAY and STRUCT
// keys, which == cannot compare (it panics): those compare by content,
// as the Java values behind ksqlDB's maps do.
func keyEqual(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && elemsEqual(x, y)
	case StructVal:
		y, ok := b.(StructVal)
		return ok && elemsEqual(x, y)
	}
	return a == b
}

func elemsEqual(x, y []any) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !keyEqual(x[i], y[i]) {
			return false
		}
	}
	return true
}

// mapIndexMin is the size from which a MapBuilder indexes its keys:
// below it a scan is cheaper than hashing.
const mapIndexMin = 16

// MapBuilder fills a MapVal entry by entry in time linear in the entries.
// It keeps Put's semantics exactly: insertion order, and a repeated key
// keeps its first position and takes the last value (keys compare as
// keyEqual does). Once the map is large, keys of the hashable value
// types are found through an index; any other key is scanned for as Put
// does.
type MapBuilder struct {
	m     *MapVal
	index map[any]int // hashable key → position; nil while the map is small
}

// NewMapBuilder returns a builder of an empty map with room for n entries.
func NewMapBuilder(n int) MapBuilder { return MapBuilder{m: NewMap(n)} }

// Put sets k to v, replacing an existing entry in place.
func (b *MapBuilder) Put(k, v any) {
	m := b.m
	if b.index == nil && len(m.Keys) >= mapIndexMin {
		b.index = make(map[any]int, 2*len(m.Keys))
		for i, mk := range m.Keys {
			if hashable(mk) {
				b.index[mk] = i
			}
		}
	}
	i := -1
	switch {
	case b.index == nil || !hashable(k):
		// A key of another type is never == a hashable one.
		i = m.scan(k)
	default:
		if j, ok := b.index[k]; ok {
			i = j
		} else {
			b.index[k] = len(m.Keys)
		}
	}
	if i >= 0 {
		m.Vals[i] = v
		return
	}
	m.Keys = append(m.Keys, k)
	m.Vals = append(m.Vals, v)
}

// Map returns the map built.
func (b *MapBuilder) Map() *MapVal { return b.m }

// hashable reports that k is of a value type a Go map can key on with
// the meaning of == (NaN never matches; 0 and -0 do).
func hashable(k any) bool {
	switch k.(type) {
	case nil, string, bool, int32, int64, float64, DateVal, TimeVal, TimestampVal:
		return true
	}
	return false
}

// Row is a positional row: one value per column of the schema it was
// resolved against at plan time.
type Row []any
