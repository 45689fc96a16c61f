package types

import "strings"

// Namespace says where a column lives in a Kafka record.
type Namespace int

const (
	ValueColumn Namespace = iota
	KeyColumn
	HeaderColumn // HEADERS (all headers) or HEADER('k') (one header)
)

// Column is one column of a logical schema.
type Column struct {
	Name      string
	Type      *Type
	Namespace Namespace
	// HeaderKey is the header name for HEADER('k'); empty for HEADERS.
	HeaderKey string
}

// Schema is a logical schema: the key columns, then value and header
// columns, in declaration order.
type Schema struct {
	Columns []Column
}

// Key returns the key columns in order.
func (s *Schema) Key() []Column { return s.filter(KeyColumn) }

// Value returns the value columns in order.
func (s *Schema) Value() []Column { return s.filter(ValueColumn) }

// Headers returns the header columns in order.
func (s *Schema) Headers() []Column { return s.filter(HeaderColumn) }

func (s *Schema) filter(ns Namespace) []Column {
	var out []Column
	for _, c := range s.Columns {
		if c.Namespace == ns {
			out = append(out, c)
		}
	}
	return out
}

// Find returns the index of the column named name (exact match), or -1.
func (s *Schema) Find(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// String renders the schema as ksqlDB's logical schema text:
// "`ID` BIGINT KEY, `V` STRING".
func (s *Schema) String() string {
	var b strings.Builder
	for i, c := range s.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(c.Name))
		b.WriteByte(' ')
		b.WriteString(c.Type.String())
		switch c.Namespace {
		case KeyColumn:
			b.WriteString(" KEY")
		case HeaderColumn:
			if c.HeaderKey != "" {
				b.WriteString(" HEADER('" + strings.ReplaceAll(c.HeaderKey, "'", "''") + "')")
			} else {
				b.WriteString(" HEADERS")
			}
		}
	}
	return b.String()
}
