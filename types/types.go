// Package types defines eddy's SQL types, the Go representation of their
// values, and logical schemas (ordered key, value and header columns).
//
// Value representation (a nil interface is SQL NULL):
//
//	BOOLEAN   bool
//	INT       int32
//	BIGINT    int64
//	DOUBLE    float64
//	DECIMAL   decimal.Decimal (github.com/shopspring/decimal); the column's
//	          precision and scale live in its Type, not in the value
//	STRING    string
//	BYTES     []byte
//	DATE      DateVal (days since epoch)
//	TIME      TimeVal (milliseconds of day)
//	TIMESTAMP TimestampVal (milliseconds since epoch, UTC)
//	ARRAY     []any
//	MAP       *MapVal (insertion-ordered)
//	STRUCT    StructVal (positional; field names come from the Type)
package types

import (
	"fmt"
	"strings"
)

// Kind is the top-level SQL type.
type Kind int

const (
	Unknown Kind = iota
	Boolean
	Int
	Bigint
	Double
	Decimal
	String
	Bytes
	Date
	Time
	Timestamp
	Array
	Map
	Struct
	// Named is a reference to a custom type (CREATE TYPE) that the planner
	// resolves; Type.Name holds it.
	Named
)

// Type is a SQL type. Types are immutable once built; share them freely.
type Type struct {
	Kind      Kind
	Precision int     // DECIMAL
	Scale     int     // DECIMAL
	Elem      *Type   // ARRAY element, MAP value
	Key       *Type   // MAP key
	Fields    []Field // STRUCT
	Name      string  // Named
}

// Field is one field of a STRUCT type.
type Field struct {
	Name string
	Type *Type
}

// Shared primitive types.
var (
	BooleanType   = &Type{Kind: Boolean}
	IntType       = &Type{Kind: Int}
	BigintType    = &Type{Kind: Bigint}
	DoubleType    = &Type{Kind: Double}
	StringType    = &Type{Kind: String}
	BytesType     = &Type{Kind: Bytes}
	DateType      = &Type{Kind: Date}
	TimeType      = &Type{Kind: Time}
	TimestampType = &Type{Kind: Timestamp}
)

// DecimalOf returns DECIMAL(precision, scale).
func DecimalOf(precision, scale int) *Type {
	return &Type{Kind: Decimal, Precision: precision, Scale: scale}
}

// ArrayOf returns ARRAY<elem>.
func ArrayOf(elem *Type) *Type { return &Type{Kind: Array, Elem: elem} }

// MapOf returns MAP<key, value>.
func MapOf(key, value *Type) *Type { return &Type{Kind: Map, Key: key, Elem: value} }

// StructOf returns STRUCT<fields...>.
func StructOf(fields ...Field) *Type { return &Type{Kind: Struct, Fields: fields} }

// IsNumeric reports whether t is INT, BIGINT, DECIMAL or DOUBLE.
func (t *Type) IsNumeric() bool {
	switch t.Kind {
	case Int, Bigint, Double, Decimal:
		return true
	}
	return false
}

// IsPrimitive reports whether t is neither ARRAY, MAP nor STRUCT.
func (t *Type) IsPrimitive() bool {
	return t.Kind != Array && t.Kind != Map && t.Kind != Struct
}

// BaseName is the type's name without its parameters (DECIMAL, ARRAY,
// MAP, STRUCT), as ksqlDB's format errors and REST schemas show it.
func (t *Type) BaseName() string {
	switch t.Kind {
	case Decimal:
		return "DECIMAL"
	case Array:
		return "ARRAY"
	case Map:
		return "MAP"
	case Struct:
		return "STRUCT"
	}
	return t.String()
}

// ContainsMap reports whether t is a MAP or nests one; nil holds none.
func (t *Type) ContainsMap() bool {
	if t == nil {
		return false
	}
	switch t.Kind {
	case Map:
		return true
	case Array:
		return t.Elem.ContainsMap()
	case Struct:
		for _, f := range t.Fields {
			if f.Type.ContainsMap() {
				return true
			}
		}
	}
	return false
}

// FieldIndex returns the index of the struct field named name, or -1.
// Lookup is exact first, then case-insensitive.
func (t *Type) FieldIndex(name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	for i, f := range t.Fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// Equal reports structural equality.
func (t *Type) Equal(o *Type) bool {
	if t == o {
		return true
	}
	if t == nil || o == nil || t.Kind != o.Kind {
		return false
	}
	switch t.Kind {
	case Decimal:
		return t.Precision == o.Precision && t.Scale == o.Scale
	case Array:
		return t.Elem.Equal(o.Elem)
	case Map:
		return t.Key.Equal(o.Key) && t.Elem.Equal(o.Elem)
	case Struct:
		if len(t.Fields) != len(o.Fields) {
			return false
		}
		for i := range t.Fields {
			if t.Fields[i].Name != o.Fields[i].Name || !t.Fields[i].Type.Equal(o.Fields[i].Type) {
				return false
			}
		}
		return true
	case Named:
		return t.Name == o.Name
	}
	return true
}

// String renders the type as ksqlDB does in schemas and DESCRIBE output,
// e.g. INTEGER, DECIMAL(4, 2), ARRAY<STRING>, STRUCT<`A` INTEGER>.
func (t *Type) String() string {
	if t == nil {
		return "NULL"
	}
	switch t.Kind {
	case Boolean:
		return "BOOLEAN"
	case Int:
		return "INTEGER"
	case Bigint:
		return "BIGINT"
	case Double:
		return "DOUBLE"
	case Decimal:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case String:
		return "STRING"
	case Bytes:
		return "BYTES"
	case Date:
		return "DATE"
	case Time:
		return "TIME"
	case Timestamp:
		return "TIMESTAMP"
	case Array:
		return "ARRAY<" + t.Elem.String() + ">"
	case Map:
		return "MAP<" + t.Key.String() + ", " + t.Elem.String() + ">"
	case Struct:
		var b strings.Builder
		b.WriteString("STRUCT<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(QuoteIdent(f.Name))
			b.WriteByte(' ')
			b.WriteString(f.Type.String())
		}
		b.WriteString(">")
		return b.String()
	case Named:
		return t.Name
	}
	return "UNKNOWN"
}

// QuoteIdent back-quotes an identifier, doubling embedded back-quotes.
func QuoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}
