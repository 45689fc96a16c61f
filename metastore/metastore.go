// Package metastore is eddy's catalog: streams, tables, persistent queries
// and custom types, plus the command log that makes the catalog durable.
// The catalog in memory is always a replay of the command log.
package metastore

import (
	"fmt"
	"sort"
	"sync"

	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/types"
)

// WindowInfo describes a windowed key.
type WindowInfo struct {
	Type   string // TUMBLING, HOPPING, SESSION
	SizeMs int64  // 0 for SESSION
	// RetentionMs is how long the query writing the table keeps a window
	// (RETENTION, else size plus grace): pull queries leave out windows
	// past it. 0: unknown (a source over a windowed topic).
	RetentionMs int64
}

// Source is a stream or a table.
type Source struct {
	Name            string
	IsTable         bool
	IsSource        bool // CREATE SOURCE STREAM|TABLE: read-only
	Schema          *types.Schema
	Topic           string
	KeyFormat       serde.Format
	ValueFormat     serde.Format
	Timestamp       string // TIMESTAMP column, "" for the record time
	TimestampFormat string
	Window          *WindowInfo
	// SQL is the statement that created the source.
	SQL string
	// CreatedBy is the id of the CSAS/CTAS query that writes it, or "".
	CreatedBy string
}

// Kind returns "STREAM" or "TABLE".
func (s *Source) Kind() string {
	if s.IsTable {
		return "TABLE"
	}
	return "STREAM"
}

// Query is a persistent query.
type Query struct {
	ID      string
	SQL     string
	Sink    string   // sink source name
	Topic   string   // sink topic
	Sources []string // source names read
	// InternalTopics are its repartition topics, deleted with the query.
	InternalTopics []string
	// Overrides are the session properties it was created with.
	Overrides map[string]string
	// Paused: PAUSE stopped it reading its inputs, until RESUME.
	Paused bool
}

// Metastore holds the catalog. It is safe for concurrent use.
type Metastore struct {
	mu      sync.RWMutex
	sources map[string]*Source
	queries map[string]*Query
	types   map[string]*types.Type
}

// New returns an empty catalog.
func New() *Metastore {
	return &Metastore{
		sources: map[string]*Source{},
		queries: map[string]*Query{},
		types:   map[string]*types.Type{},
	}
}

// Clone returns an independent copy of the catalog. Entries are shared:
// the catalog replaces them rather than changing them in place.
func (m *Metastore) Clone() *Metastore {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := New()
	for k, v := range m.sources {
		c.sources[k] = v
	}
	for k, v := range m.queries {
		c.queries[k] = v
	}
	for k, v := range m.types {
		c.types[k] = v
	}
	return c
}

// Source returns the source named name, or nil.
func (m *Metastore) Source(name string) *Source {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.sources[name]
}

// PutSource adds or replaces a source.
func (m *Metastore) PutSource(s *Source) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources[s.Name] = s
}

// DropSource removes a source.
func (m *Metastore) DropSource(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sources, name)
}

// Sources returns every source sorted by name.
func (m *Metastore) Sources() []*Source {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*Source, 0, len(m.sources))
	for _, s := range m.sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SourceNames returns every source name, for "did you mean" hints.
func (m *Metastore) SourceNames() []string {
	var names []string
	for _, s := range m.Sources() {
		names = append(names, s.Name)
	}
	return names
}

// PutQuery adds or replaces a query.
func (m *Metastore) PutQuery(q *Query) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queries[q.ID] = q
}

// Query returns the query with id, or nil.
func (m *Metastore) Query(id string) *Query {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.queries[id]
}

// DropQuery removes a query.
func (m *Metastore) DropQuery(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.queries, id)
}

// Queries returns every query sorted by id.
func (m *Metastore) Queries() []*Query {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*Query, 0, len(m.queries))
	for _, q := range m.queries {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// QueriesReading returns the queries that read source name.
func (m *Metastore) QueriesReading(name string) []*Query {
	var out []*Query
	for _, q := range m.Queries() {
		for _, s := range q.Sources {
			if s == name {
				out = append(out, q)
				break
			}
		}
	}
	return out
}

// QueriesWriting returns the queries that write source name.
func (m *Metastore) QueriesWriting(name string) []*Query {
	var out []*Query
	for _, q := range m.Queries() {
		if q.Sink == name {
			out = append(out, q)
		}
	}
	return out
}

// PutType registers a custom type.
func (m *Metastore) PutType(name string, t *types.Type) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.types[name] = t
}

// Type returns a custom type, or nil.
func (m *Metastore) Type(name string) *types.Type {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.types[name]
}

// DropType removes a custom type.
func (m *Metastore) DropType(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.types, name)
}

// Types returns the custom types by name.
func (m *Metastore) Types() map[string]*types.Type {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]*types.Type, len(m.types))
	for k, v := range m.types {
		out[k] = v
	}
	return out
}

// ResolveType replaces custom type names inside t.
func (m *Metastore) ResolveType(t *types.Type) (*types.Type, error) {
	if t == nil {
		return nil, nil
	}
	switch t.Kind {
	case types.Named:
		r := m.Type(t.Name)
		if r == nil {
			return nil, fmt.Errorf("Cannot resolve unknown type: %s", t.Name)
		}
		return r, nil
	case types.Array:
		e, err := m.ResolveType(t.Elem)
		if err != nil {
			return nil, err
		}
		return types.ArrayOf(e), nil
	case types.Map:
		k, err := m.ResolveType(t.Key)
		if err != nil {
			return nil, err
		}
		v, err := m.ResolveType(t.Elem)
		if err != nil {
			return nil, err
		}
		return types.MapOf(k, v), nil
	case types.Struct:
		fs := make([]types.Field, len(t.Fields))
		for i, f := range t.Fields {
			ft, err := m.ResolveType(f.Type)
			if err != nil {
				return nil, err
			}
			fs[i] = types.Field{Name: f.Name, Type: ft}
		}
		return types.StructOf(fs...), nil
	}
	return t, nil
}
