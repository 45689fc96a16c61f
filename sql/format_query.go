package sql

import (
	"slices"
	"strconv"
	"strings"
)

// FormatCreateAsSelect renders CREATE … AS SELECT as ksqlDB's SqlFormatter
// does: ksqlDB quotes a statement so rewritten under an error found while
// planning it. The query is printed as given; the planner qualifies its
// columns and names its projections first (see planner.StatementText).
func FormatCreateAsSelect(st *CreateAsSelect) string {
	var b strings.Builder
	formatCreateHead(&b, st.OrReplace, false, st.IsTable, st.IfNotExists, st.Name)
	formatWith(&b, st.Props)
	b.WriteString(" AS ")
	formatQuery(&b, st.Query)
	return strings.TrimRight(b.String(), "\n")
}

// FormatInsertInto renders INSERT INTO … SELECT as FormatCreateAsSelect
// does CREATE … AS SELECT.
func FormatInsertInto(st *InsertInto) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + FormatIdent(st.Target) + " ")
	if len(st.Props) > 0 {
		formatWith(&b, st.Props)
		b.WriteString(" ")
	}
	formatQuery(&b, st.Query)
	return strings.TrimRight(b.String(), "\n")
}

// formatWith writes " WITH (A=x, B=y)", the properties sorted by name, or
// nothing when there are none.
func formatWith(b *strings.Builder, props Props) {
	if len(props) == 0 {
		return
	}
	sorted := slices.Clone(props)
	slices.SortStableFunc(sorted, func(a, b Prop) int { return strings.Compare(a.Name, b.Name) })
	b.WriteString(" WITH (")
	for i, p := range sorted {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name + "=" + FormatExpr(p.Value))
	}
	b.WriteString(")")
}

// formatQuery writes a persistent query, a clause a line: the projections
// one a line when there are several, EMIT CHANGES when no EMIT was written.
func formatQuery(b *strings.Builder, q *Query) {
	b.WriteString("SELECT")
	for i, si := range q.Select {
		switch {
		case len(q.Select) == 1:
			b.WriteString(" ")
		case i == 0:
			b.WriteString("\n  ")
		default:
			b.WriteString(",\n  ")
		}
		formatSelectItem(b, si)
	}
	b.WriteString("\nFROM ")
	formatRelation(b, q.From)
	b.WriteString("\n")
	if w := q.Window; w != nil {
		b.WriteString("WINDOW" + formatWindow(w) + "\n")
	}
	if q.Where != nil {
		b.WriteString("WHERE " + FormatExpr(q.Where) + "\n")
	}
	if len(q.GroupBy) > 0 {
		b.WriteString("GROUP BY ")
		formatList(b, q.GroupBy)
		b.WriteString("\n")
	}
	if len(q.PartitionBy) > 0 {
		b.WriteString("PARTITION BY ")
		formatList(b, q.PartitionBy)
		b.WriteString("\n")
	}
	if q.Having != nil {
		b.WriteString("HAVING " + FormatExpr(q.Having) + "\n")
	}
	if q.Emit == EmitFinal {
		b.WriteString("EMIT FINAL\n")
	} else {
		b.WriteString("EMIT CHANGES\n")
	}
	if q.Limit != nil {
		b.WriteString("LIMIT " + strconv.Itoa(*q.Limit) + "\n")
	}
}

func formatSelectItem(b *strings.Builder, si SelectItem) {
	switch {
	case si.Star && si.Expr == nil:
		if si.StarQualifier != "" {
			b.WriteString(FormatIdent(si.StarQualifier) + ".")
		}
		b.WriteString("*")
		return
	case si.Star:
		formatExpr(b, si.Expr)
		b.WriteString("->*")
		return
	}
	formatExpr(b, si.Expr)
	if si.Alias != "" {
		b.WriteString(" " + FormatIdent(si.Alias))
	}
}

// joinWords are the join types as ksqlDB's formatter spells them.
var joinWords = map[JoinKind]string{InnerJoin: "INNER", LeftJoin: "LEFT OUTER", RightJoin: "RIGHT OUTER", FullJoin: "FULL OUTER"}

func formatRelation(b *strings.Builder, r Relation) {
	switch x := r.(type) {
	case *Table:
		formatTable(b, x)
	case *Join:
		formatRelation(b, x.Left)
		b.WriteString("\n" + joinWords[x.Kind] + " JOIN ")
		formatTable(b, x.Right)
		if w := x.Within; w != nil {
			before, after := durationText(w.Text.Before, w.Before), durationText(w.Text.After, w.After)
			if before == after {
				b.WriteString(" WITHIN " + before)
			} else {
				b.WriteString(" WITHIN (" + before + ", " + after + ")")
			}
			if w.Grace != nil {
				b.WriteString(" GRACE PERIOD " + durationText(w.Text.Grace, *w.Grace))
			}
		}
		b.WriteString(" ON (" + FormatExpr(x.On) + ")")
	}
}

// formatTable writes a source with its alias, the source's name when
// none was written.
func formatTable(b *strings.Builder, t *Table) {
	alias := t.Alias
	if alias == "" {
		alias = t.Name
	}
	b.WriteString(FormatIdent(t.Name) + " " + FormatIdent(alias))
}

// formatWindow writes a WINDOW clause's window as ksqlDB's window
// expressions print themselves, spaces around the parentheses and commas.
func formatWindow(w *Window) string {
	var b strings.Builder
	b.WriteString(" " + string(w.Kind) + " ( ")
	size := durationText(w.Text.Size, w.Size)
	switch w.Kind {
	case Hopping:
		b.WriteString("SIZE " + size + " , ADVANCE BY " + durationText(w.Text.Advance, w.Advance))
	case Session:
		b.WriteString(size)
	default:
		b.WriteString("SIZE " + size)
	}
	if w.Retention != nil {
		b.WriteString(" , RETENTION " + durationText(w.Text.Retention, *w.Retention))
	}
	if w.Grace != nil {
		b.WriteString(" , GRACE PERIOD " + durationText(w.Text.Grace, *w.Grace))
	}
	b.WriteString(" ) ")
	return b.String()
}

// durationText is a duration as written (text), or in milliseconds
// written in the largest unit that divides it.
func durationText(text string, ms int64) string {
	if text != "" {
		return text
	}
	return formatDuration(ms)
}

// durationUnits are the units a duration in milliseconds is written in
// when its text is not known: the largest that divides it.
var durationUnits = []struct {
	name string
	ms   int64
}{{"DAYS", 86_400_000}, {"HOURS", 3_600_000}, {"MINUTES", 60_000}, {"SECONDS", 1000}, {"MILLISECONDS", 1}}

func formatDuration(ms int64) string {
	for _, u := range durationUnits {
		if ms != 0 && ms%u.ms == 0 || u.ms == 1 {
			return strconv.FormatInt(ms/u.ms, 10) + " " + u.name
		}
	}
	return ""
}
