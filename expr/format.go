package expr

import (
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// FormatExpr renders an expression the way ksqlDB prints it in error
// messages: binary operations parenthesised, literals in SQL form.
func FormatExpr(e sql.Expr) string {
	var b strings.Builder
	formatExpr(&b, e)
	return b.String()
}

func formatIdent(s string) string {
	if s == "" {
		return "``"
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '@') {
			return types.QuoteIdent(s)
		}
	}
	return s
}

func formatList(b *strings.Builder, es []sql.Expr) {
	for i, x := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		formatExpr(b, x)
	}
}

func formatExpr(b *strings.Builder, e sql.Expr) {
	switch e := e.(type) {
	case nil:
		b.WriteString("<nil>")
	case *sql.NullLit:
		b.WriteString("NULL")
	case *sql.BoolLit:
		b.WriteString(strconv.FormatBool(e.Val))
	case *sql.IntLit:
		b.WriteString(strconv.FormatInt(e.Val, 10))
	case *sql.DecimalLit:
		b.WriteString(e.Text)
	case *sql.DoubleLit:
		b.WriteString(types.FormatDouble(e.Val))
	case *sql.StringLit:
		b.WriteString("'" + strings.ReplaceAll(e.Val, "'", "''") + "'")
	case *sql.TypedLit:
		b.WriteString(e.Type + " '" + strings.ReplaceAll(e.Val, "'", "''") + "'")
	case *sql.ColumnRef:
		if e.Qualifier != "" {
			b.WriteString(formatIdent(e.Qualifier) + ".")
		}
		b.WriteString(formatIdent(e.Name))
	case *sql.Deref:
		formatExpr(b, e.Base)
		b.WriteString("->" + formatIdent(e.Field))
	case *sql.Subscript:
		formatExpr(b, e.Base)
		b.WriteByte('[')
		formatExpr(b, e.Index)
		b.WriteByte(']')
	case *sql.Unary:
		if e.Op == "NOT" {
			b.WriteString("(NOT ")
			formatExpr(b, e.X)
			b.WriteByte(')')
			return
		}
		b.WriteString(e.Op)
		formatExpr(b, e.X)
	case *sql.Binary:
		b.WriteByte('(')
		formatExpr(b, e.L)
		b.WriteString(" " + e.Op + " ")
		formatExpr(b, e.R)
		b.WriteByte(')')
	case *sql.IsNull:
		b.WriteByte('(')
		formatExpr(b, e.X)
		if e.Not {
			b.WriteString(" IS NOT NULL)")
		} else {
			b.WriteString(" IS NULL)")
		}
	case *sql.Between:
		b.WriteByte('(')
		formatExpr(b, e.X)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" BETWEEN ")
		formatExpr(b, e.Lo)
		b.WriteString(" AND ")
		formatExpr(b, e.Hi)
		b.WriteByte(')')
	case *sql.In:
		b.WriteByte('(')
		formatExpr(b, e.X)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		formatList(b, e.List)
		b.WriteString("))")
	case *sql.Like:
		b.WriteByte('(')
		formatExpr(b, e.X)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" LIKE ")
		formatExpr(b, e.Pattern)
		if e.Escape != "" {
			b.WriteString(" ESCAPE '" + e.Escape + "'")
		}
		b.WriteByte(')')
	case *sql.Case:
		b.WriteString("(CASE")
		if e.Operand != nil {
			b.WriteByte(' ')
			formatExpr(b, e.Operand)
		}
		for _, w := range e.Whens {
			b.WriteString(" WHEN ")
			formatExpr(b, w.Cond)
			b.WriteString(" THEN ")
			formatExpr(b, w.Result)
		}
		if e.Else != nil {
			b.WriteString(" ELSE ")
			formatExpr(b, e.Else)
		}
		b.WriteString(" END)")
	case *sql.Cast:
		b.WriteString("CAST(")
		formatExpr(b, e.X)
		b.WriteString(" AS " + e.To.String() + ")")
	case *sql.Call:
		b.WriteString(e.Name + "(")
		if e.Star {
			b.WriteByte('*')
		}
		formatList(b, e.Args)
		b.WriteByte(')')
	case *sql.ArrayCtor:
		b.WriteString("ARRAY[")
		formatList(b, e.Elems)
		b.WriteByte(']')
	case *sql.MapCtor:
		b.WriteString("MAP(")
		for i := range e.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			formatExpr(b, e.Keys[i])
			b.WriteString(":=")
			formatExpr(b, e.Values[i])
		}
		b.WriteByte(')')
	case *sql.StructCtor:
		b.WriteString("STRUCT(")
		for i, f := range e.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatIdent(f.Name) + ":=")
			formatExpr(b, f.Value)
		}
		b.WriteByte(')')
	case *sql.Lambda:
		b.WriteByte('(')
		b.WriteString(strings.Join(e.Params, ", "))
		b.WriteString(") => ")
		formatExpr(b, e.Body)
	case *sql.LambdaVar:
		b.WriteString(e.Name)
	case *sql.IntervalUnit:
		b.WriteString(e.Unit)
	case *sql.AtTimeZone:
		formatExpr(b, e.X)
		b.WriteString(" AT TIME ZONE '" + e.Zone + "'")
	default:
		b.WriteString("?")
	}
}
