package types

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
		if mk == k {
			return m.Vals[i], true
		}
	}
	return nil, false
}

// Put sets k to v, replacing an existing entry in place.
func (m *MapVal) Put(k, v any) {
	for i, mk := range m.Keys {
		if mk == k {
			m.Vals[i] = v
			return
		}
	}
	m.Keys = append(m.Keys, k)
	m.Vals = append(m.Vals, v)
}

// Row is a positional row: one value per column of the schema it was
// resolved against at plan time.
type Row []any
