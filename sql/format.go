package sql

import (
	"strconv"
	"strings"

	"github.com/eddysql/eddy/types"
)

// FormatExpr renders an expression the way ksqlDB does in EXPLAIN output
// and error messages: binary operators and predicates parenthesised,
// e.g. (A + B), (X > 100), CAST(A AS STRING), S->F, ARR[1], 'str'.
func FormatExpr(e Expr) string {
	var b strings.Builder
	formatExpr(&b, e)
	return b.String()
}

// FormatIdent renders a name, back-quoting it unless it would read back
// unchanged as an unquoted identifier.
func FormatIdent(name string) string {
	if needsQuote(name) {
		return types.QuoteIdent(name)
	}
	return name
}

func needsQuote(name string) bool {
	if name == "" || reserved[name] {
		return true
	}
	for i, r := range name {
		switch {
		case r >= 'A' && r <= 'Z', r == '_':
		case (r >= '0' && r <= '9' || r == '@') && i > 0:
		default:
			return true
		}
	}
	return false
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func formatList(b *strings.Builder, es []Expr) {
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		formatExpr(b, e)
	}
}

func formatExpr(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case nil:
		b.WriteString("null")
	case *NullLit:
		b.WriteString("null")
	case *BoolLit:
		b.WriteString(strconv.FormatBool(x.Val))
	case *IntLit:
		b.WriteString(strconv.FormatInt(x.Val, 10))
	case *DecimalLit:
		b.WriteString(x.Text)
	case *DoubleLit:
		b.WriteString(types.FormatDouble(x.Val))
	case *StringLit:
		b.WriteString(quoteString(x.Val))
	case *TypedLit:
		b.WriteString(x.Type + " " + quoteString(x.Val))
	case *ColumnRef:
		if x.Qualifier != "" {
			b.WriteString(FormatIdent(x.Qualifier) + ".")
		}
		b.WriteString(FormatIdent(x.Name))
	case *LambdaVar:
		b.WriteString(FormatIdent(x.Name))
	case *IntervalUnit:
		b.WriteString(x.Unit)
	case *Deref:
		formatExpr(b, x.Base)
		b.WriteString("->" + FormatIdent(x.Field))
	case *Subscript:
		formatExpr(b, x.Base)
		b.WriteByte('[')
		formatExpr(b, x.Index)
		b.WriteByte(']')
	case *Unary:
		if x.Op == "NOT" {
			b.WriteString("(NOT ")
			formatExpr(b, x.X)
			b.WriteByte(')')
			return
		}
		inner := FormatExpr(x.X)
		if strings.HasPrefix(inner, "-") || strings.HasPrefix(inner, "+") {
			inner = "(" + inner + ")" // "--" would start a comment
		}
		b.WriteString(x.Op + inner)
	case *Binary:
		b.WriteByte('(')
		formatExpr(b, x.L)
		b.WriteString(" " + x.Op + " ")
		formatExpr(b, x.R)
		b.WriteByte(')')
	case *IsNull:
		b.WriteByte('(')
		formatExpr(b, x.X)
		if x.Not {
			b.WriteString(" IS NOT NULL)")
		} else {
			b.WriteString(" IS NULL)")
		}
	case *Between:
		b.WriteByte('(')
		formatExpr(b, x.X)
		if x.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" BETWEEN ")
		formatExpr(b, x.Lo)
		b.WriteString(" AND ")
		formatExpr(b, x.Hi)
		b.WriteByte(')')
	case *In:
		b.WriteByte('(')
		formatExpr(b, x.X)
		if x.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		formatList(b, x.List)
		b.WriteString("))")
	case *Like:
		b.WriteByte('(')
		formatExpr(b, x.X)
		if x.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" LIKE ")
		formatExpr(b, x.Pattern)
		if x.Escape != "" {
			b.WriteString(" ESCAPE " + quoteString(x.Escape))
		}
		b.WriteByte(')')
	case *Case:
		b.WriteString("(CASE")
		if x.Operand != nil {
			b.WriteByte(' ')
			formatExpr(b, x.Operand)
		}
		for _, w := range x.Whens {
			b.WriteString(" WHEN ")
			formatExpr(b, w.Cond)
			b.WriteString(" THEN ")
			formatExpr(b, w.Result)
		}
		if x.Else != nil {
			b.WriteString(" ELSE ")
			formatExpr(b, x.Else)
		}
		b.WriteString(" END)")
	case *Cast:
		b.WriteString("CAST(")
		formatExpr(b, x.X)
		b.WriteString(" AS " + x.To.String() + ")")
	case *Call:
		b.WriteString(x.Name + "(")
		if x.Star {
			b.WriteByte('*')
		}
		formatList(b, x.Args)
		b.WriteByte(')')
	case *ArrayCtor:
		b.WriteString("ARRAY[")
		formatList(b, x.Elems)
		b.WriteByte(']')
	case *MapCtor:
		b.WriteString("MAP(")
		for i := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			formatExpr(b, x.Keys[i])
			b.WriteString(":=")
			formatExpr(b, x.Values[i])
		}
		b.WriteByte(')')
	case *StructCtor:
		b.WriteString("STRUCT(")
		for i, f := range x.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(FormatIdent(f.Name) + ":=")
			formatExpr(b, f.Value)
		}
		b.WriteByte(')')
	case *Lambda:
		if len(x.Params) == 1 {
			b.WriteString(FormatIdent(x.Params[0]))
		} else {
			b.WriteByte('(')
			for i, n := range x.Params {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(FormatIdent(n))
			}
			b.WriteByte(')')
		}
		b.WriteString(" => ")
		formatExpr(b, x.Body)
	case *AtTimeZone:
		formatExpr(b, x.X)
		b.WriteString(" AT TIME ZONE " + quoteString(x.Zone))
	default:
		b.WriteString("<?>")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// FormatType renders a SQL type as ksqlDB's formatter does: STRUCT field
// names back-quoted only when they would not read back unchanged.
func FormatType(t *types.Type) string {
	var b strings.Builder
	formatType(&b, t)
	return b.String()
}

func formatType(b *strings.Builder, t *types.Type) {
	switch {
	case t == nil:
		b.WriteString("NULL")
	case t.Kind == types.Array:
		b.WriteString("ARRAY<")
		formatType(b, t.Elem)
		b.WriteString(">")
	case t.Kind == types.Map:
		b.WriteString("MAP<")
		formatType(b, t.Key)
		b.WriteString(", ")
		formatType(b, t.Elem)
		b.WriteString(">")
	case t.Kind == types.Struct:
		b.WriteString("STRUCT<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(FormatIdent(f.Name) + " ")
			formatType(b, f.Type)
		}
		b.WriteString(">")
	default:
		b.WriteString(t.String())
	}
}

// FormatCreateSource renders CREATE STREAM/TABLE as ksqlDB's SqlFormatter
// does when it rewrites a statement (its schema and format injectors):
// the elements in order, then the WITH properties sorted by name. The
// closing semicolon ksqlDB's has is left out, as from every statement
// text eddy keeps (Statement.Text).
func FormatCreateSource(st *CreateSource) string {
	var b strings.Builder
	formatCreateHead(&b, st.OrReplace, st.Source, st.IsTable, st.IfNotExists, st.Name)
	if len(st.Elements) > 0 {
		b.WriteString(" (")
		for i, el := range st.Elements {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(FormatIdent(el.Name) + " " + FormatType(el.Type))
			switch {
			case el.PrimaryKey:
				b.WriteString(" PRIMARY KEY")
			case el.Key:
				b.WriteString(" KEY")
			case el.Headers && el.HeaderKey != "":
				b.WriteString(" HEADER(" + quoteString(el.HeaderKey) + ")")
			case el.Headers:
				b.WriteString(" HEADERS")
			}
		}
		b.WriteString(")")
	}
	formatWith(&b, st.Props)
	return b.String()
}

// formatCreateHead writes "CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF
// NOT EXISTS] name".
func formatCreateHead(b *strings.Builder, orReplace, source, table, ifNotExists bool, name string) {
	b.WriteString("CREATE ")
	if orReplace {
		b.WriteString("OR REPLACE ")
	}
	if source {
		b.WriteString("SOURCE ")
	}
	if table {
		b.WriteString("TABLE ")
	} else {
		b.WriteString("STREAM ")
	}
	if ifNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(FormatIdent(name))
}
