// Package sql holds eddy's SQL front end: the lexer, the parser for the
// ksqlDB dialect, the AST, and errors that name line and column.
//
// Identifiers in the AST are already normalised: unquoted identifiers are
// upper-cased, quoted ones (`x` or "x") keep their case.
package sql

import "github.com/eddysql/eddy/types"

// Pos is a 1-based line and column in the statement text.
type Pos struct{ Line, Col int }

// ---------------------------------------------------------------------------
// Expressions

// Expr is any expression node.
type Expr interface{ Position() Pos }

type (
	// NullLit is NULL.
	NullLit struct{ P Pos }
	// BoolLit is TRUE or FALSE.
	BoolLit struct {
		P   Pos
		Val bool
	}
	// IntLit is an integer literal: INT when it fits 32 bits, else BIGINT.
	IntLit struct {
		P   Pos
		Val int64
	}
	// DecimalLit is a literal with a fraction and no exponent (1.50, .5):
	// DECIMAL with precision and scale from the text.
	DecimalLit struct {
		P    Pos
		Text string
	}
	// DoubleLit is a literal with an exponent (1.5E3).
	DoubleLit struct {
		P   Pos
		Val float64
	}
	// StringLit is a '...' literal, quotes already unescaped.
	StringLit struct {
		P   Pos
		Val string
	}
	// TypedLit is a type-constructor literal such as TIMESTAMP '2020-01-01'.
	TypedLit struct {
		P    Pos
		Type string
		Val  string
	}
	// ColumnRef names a column, optionally qualified by a source or alias.
	ColumnRef struct {
		P         Pos
		Qualifier string // "" when unqualified
		Name      string
	}
	// Deref is struct field access: Base->Field.
	Deref struct {
		P     Pos
		Base  Expr
		Field string
	}
	// Subscript is arr[i] (1-based, negative from the end) or map[k].
	Subscript struct {
		P     Pos
		Base  Expr
		Index Expr
	}
	// Unary is -x, +x or NOT x.
	Unary struct {
		P  Pos
		Op string // "-", "+", "NOT"
		X  Expr
	}
	// Binary is an arithmetic, comparison, logical or concatenation
	// operator. Op is one of + - * / % || = <> < <= > >= AND OR,
	// "IS DISTINCT FROM" and "IS NOT DISTINCT FROM". != is normalised to <>.
	Binary struct {
		P    Pos
		Op   string
		L, R Expr
	}
	// IsNull is x IS [NOT] NULL.
	IsNull struct {
		P   Pos
		X   Expr
		Not bool
	}
	// Between is x [NOT] BETWEEN lo AND hi.
	Between struct {
		P         Pos
		X, Lo, Hi Expr
		Not       bool
	}
	// In is x [NOT] IN (list...).
	In struct {
		P    Pos
		X    Expr
		List []Expr
		Not  bool
	}
	// Like is x [NOT] LIKE pattern [ESCAPE 'c'].
	Like struct {
		P       Pos
		X       Expr
		Pattern Expr
		Escape  string // "" when absent
		Not     bool
	}
	// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
	Case struct {
		P       Pos
		Operand Expr // nil for a searched CASE
		Whens   []When
		Else    Expr // nil when absent
	}
	// Cast is CAST(x AS type).
	Cast struct {
		P  Pos
		X  Expr
		To *types.Type
	}
	// Call is a function call. Name is upper-cased. Star is COUNT(*).
	Call struct {
		P    Pos
		Name string
		Args []Expr
		Star bool
	}
	// ArrayCtor is ARRAY[e, ...].
	ArrayCtor struct {
		P     Pos
		Elems []Expr
	}
	// MapCtor is MAP(k := v, ...).
	MapCtor struct {
		P      Pos
		Keys   []Expr
		Values []Expr
	}
	// StructCtor is STRUCT(name := v, ...).
	StructCtor struct {
		P      Pos
		Fields []StructFieldExpr
	}
	// Lambda is x => body or (x, y) => body.
	Lambda struct {
		P      Pos
		Params []string
		Body   Expr
	}
	// LambdaVar is a reference to a lambda parameter inside its body.
	LambdaVar struct {
		P    Pos
		Name string
	}
	// AtTimeZone is x AT TIME ZONE 'zone'.
	AtTimeZone struct {
		P    Pos
		X    Expr
		Zone string
	}
)

// When is one WHEN ... THEN ... arm.
type When struct {
	Cond, Result Expr
}

// StructFieldExpr is one name := value entry of a STRUCT constructor.
type StructFieldExpr struct {
	Name  string
	Value Expr
}

func (e *NullLit) Position() Pos    { return e.P }
func (e *BoolLit) Position() Pos    { return e.P }
func (e *IntLit) Position() Pos     { return e.P }
func (e *DecimalLit) Position() Pos { return e.P }
func (e *DoubleLit) Position() Pos  { return e.P }
func (e *StringLit) Position() Pos  { return e.P }
func (e *TypedLit) Position() Pos   { return e.P }
func (e *ColumnRef) Position() Pos  { return e.P }
func (e *Deref) Position() Pos      { return e.P }
func (e *Subscript) Position() Pos  { return e.P }
func (e *Unary) Position() Pos      { return e.P }
func (e *Binary) Position() Pos     { return e.P }
func (e *IsNull) Position() Pos     { return e.P }
func (e *Between) Position() Pos    { return e.P }
func (e *In) Position() Pos         { return e.P }
func (e *Like) Position() Pos       { return e.P }
func (e *Case) Position() Pos       { return e.P }
func (e *Cast) Position() Pos       { return e.P }
func (e *Call) Position() Pos       { return e.P }
func (e *ArrayCtor) Position() Pos  { return e.P }
func (e *MapCtor) Position() Pos    { return e.P }
func (e *StructCtor) Position() Pos { return e.P }
func (e *Lambda) Position() Pos     { return e.P }
func (e *LambdaVar) Position() Pos  { return e.P }
func (e *AtTimeZone) Position() Pos { return e.P }

// ---------------------------------------------------------------------------
// Queries

// EmitKind says how a SELECT emits.
type EmitKind int

const (
	EmitNone    EmitKind = iota // a pull query (no EMIT clause)
	EmitChanges                 // EMIT CHANGES
	EmitFinal                   // EMIT FINAL
)

// Query is a SELECT.
type Query struct {
	P           Pos
	Select      []SelectItem
	From        Relation
	Window      *Window
	Where       Expr
	GroupBy     []Expr
	PartitionBy []Expr
	Having      Expr
	Emit        EmitKind
	Limit       *int
}

// SelectItem is one projection: an expression with an optional alias, or a
// star: `*`, `src.*` (StarQualifier) or `struct->*` (Expr set, Star true).
type SelectItem struct {
	P             Pos
	Expr          Expr
	Alias         string
	Star          bool
	StarQualifier string
}

// Relation is a FROM item: a *Table or a *Join.
type Relation interface{ Position() Pos }

// Table is a named source with an optional alias.
type Table struct {
	P     Pos
	Name  string
	Alias string
}

// JoinKind is INNER, LEFT, RIGHT or FULL.
type JoinKind string

const (
	InnerJoin JoinKind = "INNER"
	LeftJoin  JoinKind = "LEFT"
	RightJoin JoinKind = "RIGHT"
	FullJoin  JoinKind = "FULL"
)

// Join is left JOIN right [WITHIN ...] ON cond.
type Join struct {
	P      Pos
	Kind   JoinKind
	Left   Relation
	Right  *Table
	Within *Within
	On     Expr
}

// Within is a stream-stream join window, in milliseconds.
type Within struct {
	Before, After int64
	Grace         *int64
	// Text holds the durations as ksqlDB prints them ("10 SECONDS"),
	// for quoting the statement; empty where not parsed from text.
	Text struct{ Before, After, Grace string }
}

func (t *Table) Position() Pos { return t.P }
func (j *Join) Position() Pos  { return j.P }

// WindowKind is TUMBLING, HOPPING or SESSION.
type WindowKind string

const (
	Tumbling WindowKind = "TUMBLING"
	Hopping  WindowKind = "HOPPING"
	Session  WindowKind = "SESSION"
)

// Window is a WINDOW clause; durations in milliseconds, nil when absent.
type Window struct {
	P         Pos
	Kind      WindowKind
	Size      int64 // SESSION: the gap
	Advance   int64 // HOPPING only
	Retention *int64
	Grace     *int64
	// RetentionPos is where RETENTION's duration is (when given).
	RetentionPos Pos
	// Text holds the durations as ksqlDB prints them ("1 MINUTES"), for
	// quoting the statement; empty where not parsed from text.
	Text struct{ Size, Advance, Retention, Grace string }
}

// ---------------------------------------------------------------------------
// Statements

// Statement is any parsed statement. Text returns its source text without
// the trailing semicolon, after variable substitution.
type Statement interface {
	Text() string
	Position() Pos
}

// Base carries the text and position shared by every statement.
type Base struct {
	P   Pos
	Src string
}

func (b *Base) Text() string  { return b.Src }
func (b *Base) Position() Pos { return b.P }

// Prop is one WITH property. Name is upper-cased; Value is a literal
// (*StringLit, *IntLit, *BoolLit, *DecimalLit, ...).
type Prop struct {
	Name  string
	Value Expr
}

// Props is an ordered WITH (...) list.
type Props []Prop

// Get returns the property named name (case-insensitive keys are already
// upper-cased by the parser).
func (p Props) Get(name string) (Expr, bool) {
	for _, kv := range p {
		if kv.Name == name {
			return kv.Value, true
		}
	}
	return nil, false
}

// TableElement is one column definition of CREATE STREAM/TABLE.
type TableElement struct {
	P          Pos
	Name       string
	Type       *types.Type
	Key        bool // KEY (streams)
	PrimaryKey bool // PRIMARY KEY (tables)
	Headers    bool // HEADERS or HEADER('k')
	HeaderKey  string
}

type (
	// CreateSource is CREATE [OR REPLACE] [SOURCE] STREAM|TABLE.
	CreateSource struct {
		Base
		OrReplace   bool
		Source      bool // CREATE SOURCE STREAM|TABLE: read-only
		IsTable     bool
		IfNotExists bool
		Name        string
		Elements    []TableElement // nil when omitted (schema inference)
		Props       Props
	}
	// CreateAsSelect is CREATE [OR REPLACE] STREAM|TABLE ... AS SELECT.
	CreateAsSelect struct {
		Base
		OrReplace   bool
		IsTable     bool
		IfNotExists bool
		Name        string
		Props       Props
		Query       *Query
	}
	// InsertInto is INSERT INTO target [WITH (...)] SELECT ....
	InsertInto struct {
		Base
		Target string
		// TargetPos is where the target is named, for "does not exist".
		TargetPos Pos
		Props     Props
		Query     *Query
	}
	// InsertValues is INSERT INTO target [(cols)] VALUES (...).
	InsertValues struct {
		Base
		Target  string
		Columns []string // nil when omitted
		Values  []Expr
	}
	// Select is a top-level push (EMIT CHANGES/FINAL) or pull query.
	Select struct {
		Base
		Query *Query
	}
	// DropSource is DROP STREAM|TABLE [IF EXISTS] x [DELETE TOPIC].
	DropSource struct {
		Base
		IsTable     bool
		Name        string
		IfExists    bool
		DeleteTopic bool
	}
	// Terminate is TERMINATE id or TERMINATE ALL.
	Terminate struct {
		Base
		QueryID string
		All     bool
	}
	// PauseResume is PAUSE|RESUME id|ALL.
	PauseResume struct {
		Base
		Resume  bool
		QueryID string
		All     bool
	}
	// Show is SHOW|LIST <What> [EXTENDED]. What is one of STREAMS, TABLES,
	// TOPICS, QUERIES, PROPERTIES, FUNCTIONS, TYPES, VARIABLES,
	// CONNECTORS, SOURCE CONNECTORS, SINK CONNECTORS, CONNECTOR PLUGINS.
	Show struct {
		Base
		What     string
		Extended bool
		All      bool // SHOW ALL TOPICS
	}
	// Describe is DESCRIBE x [EXTENDED], DESCRIBE STREAMS|TABLES
	// [EXTENDED] (Name empty, Streams/Tables set), DESCRIBE FUNCTION f or
	// DESCRIBE CONNECTOR c.
	Describe struct {
		Base
		Name      string
		Extended  bool
		Streams   bool
		Tables    bool
		Function  bool
		Connector bool
	}
	// Explain is EXPLAIN queryId or EXPLAIN <statement>.
	Explain struct {
		Base
		QueryID   string
		Statement Statement
	}
	// SetProperty is SET 'name'='value'.
	SetProperty struct {
		Base
		Name, Value string
	}
	// UnsetProperty is UNSET 'name'.
	UnsetProperty struct {
		Base
		Name string
	}
	// AlterSystem is ALTER SYSTEM 'name'='value'.
	AlterSystem struct {
		Base
		Name, Value string
	}
	// Define is DEFINE name = 'value'.
	Define struct {
		Base
		Name, Value string
	}
	// Undefine is UNDEFINE name.
	Undefine struct {
		Base
		Name string
	}
	// RunScript is RUN SCRIPT 'path'.
	RunScript struct {
		Base
		Path string
	}
	// Print is PRINT 'topic' [FROM BEGINNING] [INTERVAL n] [LIMIT n].
	Print struct {
		Base
		Topic         string
		FromBeginning bool
		Interval      int // 0 when absent
		Limit         *int
	}
	// CreateType is CREATE TYPE [IF NOT EXISTS] name AS type.
	CreateType struct {
		Base
		Name        string
		IfNotExists bool
		Type        *types.Type
	}
	// DropType is DROP TYPE [IF EXISTS] name.
	DropType struct {
		Base
		Name     string
		IfExists bool
	}
	// AlterSource is ALTER STREAM|TABLE x ADD [COLUMN] c type, ....
	AlterSource struct {
		Base
		IsTable bool
		Name    string
		Add     []TableElement
	}
	// CreateConnector is CREATE SOURCE|SINK CONNECTOR [IF NOT EXISTS] c
	// WITH ('k'='v', ...). Property names keep their case.
	CreateConnector struct {
		Base
		Name        string
		Sink        bool
		IfNotExists bool
		Config      map[string]string
	}
	// DropConnector is DROP CONNECTOR [IF EXISTS] c.
	DropConnector struct {
		Base
		Name     string
		IfExists bool
	}
	// StopConnector is STOP CONNECTOR c (eddy's): Kafka Connect's
	// STOPPED state, which RESUME leaves.
	StopConnector struct {
		Base
		Name string
	}
	// AssertTopic is ASSERT [NOT EXISTS] TOPIC name [WITH (...)] [TIMEOUT n unit].
	AssertTopic struct {
		Base
		Name      string
		NotExists bool
		Props     Props
		TimeoutMS *int64
	}
)

// ---------------------------------------------------------------------------
// Additions made with the parser.

// IntervalUnit is a time unit passed to a function, as in
// TIMESTAMPADD(MILLISECONDS, 5, ts). Unit is the plural upper-case name:
// DAYS, HOURS, MINUTES, SECONDS or MILLISECONDS. (Singular unit words are
// ordinary identifiers in argument position and parse as *ColumnRef.)
type IntervalUnit struct {
	P    Pos
	Unit string
}

func (e *IntervalUnit) Position() Pos { return e.P }

// AssertSchema is ASSERT [NOT EXISTS] SCHEMA [SUBJECT name] [ID n]
// [TIMEOUT n unit].
type AssertSchema struct {
	Base
	NotExists bool
	Subject   *string // nil when absent
	ID        *int64  // nil when absent
	TimeoutMS *int64
}
