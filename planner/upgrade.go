package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// CREATE OR REPLACE of a running query keeps its id, consumer group,
// state stores and internal topics, so the new query must read and keep
// its state as the old one did. ksqlDB decides this on its physical plan:
// filters and projections may change freely ("passive" steps), while
// sources, sinks, re-keying and aggregations ("enforcing" steps) must
// match property by property, and steps it has not reasoned about (joins,
// windowed and table aggregations, table functions) refuse any upgrade.
// UpgradeSteps describes a query by those enforcing steps, sink first;
// CheckUpgrade compares two descriptions with ksqlDB's messages.

// UpgradeStep is one enforcing step of a persistent query's plan, named
// as ksqlDB names its plan steps.
type UpgradeStep struct {
	Kind string
	// Unsupported marks a step no upgrade may cross.
	Unsupported bool
	// Props are the properties that must match, in ksqlDB's order.
	Props []StepProp
}

// StepProp is a named property of an UpgradeStep, as text.
type StepProp struct{ Name, Value string }

func (s UpgradeStep) isSource() bool { return s.Kind == "StreamSource" || s.Kind == "TableSource" }

func (s UpgradeStep) isJoin() bool { return strings.HasSuffix(s.Kind, "Join") }

// SinkStep is the step writing a query's output to sink.
func SinkStep(sink *metastore.Source) UpgradeStep {
	kind := "StreamSink"
	if sink.IsTable {
		kind = "TableSink"
	}
	return UpgradeStep{Kind: kind, Props: []StepProp{
		{"formats", formatsText(sink)},
		{"topicName", sink.Topic},
		{"timestampColumn", timestampText(sink)},
	}}
}

// UpgradeSteps describes q's enforcing steps below its sink, in the
// order ksqlDB's plan reaches them from the sink. q must already have
// been planned against ms (its sources exist).
func UpgradeSteps(ms *metastore.Metastore, fns *expr.Registry, q *sql.Query) []UpgradeStep {
	var steps []UpgradeStep
	src := sourceOf(ms, q.From)
	if len(q.GroupBy) > 0 {
		switch {
		case q.Window != nil:
			steps = append(steps, UpgradeStep{Kind: "StreamWindowedAggregate", Unsupported: true})
		case src != nil && src.IsTable:
			steps = append(steps, UpgradeStep{Kind: "TableAggregate", Unsupported: true})
		default:
			steps = append(steps, aggregateStep(fns, q, src))
			if groupsByKey(q.GroupBy, src) {
				steps = append(steps, UpgradeStep{Kind: "StreamGroupByKey", Props: []StepProp{{"internal formats", internalFormats(src)}}})
			} else {
				steps = append(steps, UpgradeStep{Kind: "StreamGroupBy", Props: []StepProp{
					{"group by clause", exprList(q.GroupBy)},
					{"internal formats", internalFormats(src)},
				}})
			}
		}
	} else if len(q.PartitionBy) > 0 {
		steps = append(steps, UpgradeStep{Kind: "StreamSelectKey", Props: []StepProp{{"keyExpressions", exprList(q.PartitionBy)}}})
	}
	if hasTableFunction(q) {
		steps = append(steps, UpgradeStep{Kind: "StreamFlatMap", Unsupported: true})
	}
	if j, ok := q.From.(*sql.Join); ok {
		return append(steps, UpgradeStep{Kind: joinKind(ms, j), Unsupported: true})
	}
	return append(steps, sourceStep(src))
}

// CheckUpgrade reports why a query of steps old cannot be replaced by
// one of steps new, or nil when it can.
func CheckUpgrade(old, new []UpgradeStep) error {
	for i, o := range old {
		if o.Unsupported {
			return errorf("Upgrades not yet supported for %s", o.Kind)
		}
		if i >= len(new) {
			return errorf("Query is not upgradeable. Plan step of type %s must have matching class. Values differ: %s vs. nothing", o.Kind, o.Kind)
		}
		n := new[i]
		if o.isSource() && !n.isSource() {
			if n.isJoin() {
				return errorf("Query is not upgradeable. Cannot change a non-join source into a join source.")
			}
			return errorf("Query is not upgradeable. Cannot add a %s step that is not in the original query plan.", n.Kind)
		}
		if o.Kind != n.Kind {
			return errorf("Query is not upgradeable. Plan step of type %s must have matching class. Values differ: %s vs. %s", o.Kind, o.Kind, n.Kind)
		}
		for j, p := range o.Props {
			if j < len(n.Props) && p.Value != n.Props[j].Value {
				return errorf("Query is not upgradeable. Plan step of type %s must have matching %s. Values differ: %s vs. %s", o.Kind, p.Name, p.Value, n.Props[j].Value)
			}
		}
	}
	return nil
}

// CheckSourceUpgrade reports why the catalog entry old cannot become
// new under CREATE OR REPLACE, as ksqlDB's metastore checks it: the same
// kind, topic, formats and timestamp column, and every old column still
// there, in the same place with the same type (new value columns may
// follow them).
func CheckSourceUpgrade(old, new *metastore.Source) error {
	var issues []string
	prop := func(name, a, b string) {
		if a != b {
			issues = append(issues, fmt.Sprintf("DataSource '%s' has %s = %s which is not upgradeable to %s", old.Name, name, a, b))
		}
	}
	prop("type", sourceType(old), sourceType(new))
	prop("topic", topicText(old), topicText(new))
	prop("timestampColumn", timestampText(old), timestampText(new))
	if why := schemaUpgradeIssue(old.Schema, new.Schema); why != "" {
		issues = append(issues, fmt.Sprintf("DataSource '%s' has schema = %s which is not upgradeable to %s. (%s)", old.Name, old.Schema, new.Schema, why))
	}
	if len(issues) == 0 {
		return nil
	}
	return errorf("Cannot upgrade data source: %s", strings.Join(issues, "\n\tAND "))
}

// schemaUpgradeIssue names the old columns new lacks or moved: key
// columns first, as ksqlDB compares them.
func schemaUpgradeIssue(old, new *types.Schema) string {
	if missing := missingColumns(old, new, func(c types.Column) bool { return c.Namespace == types.KeyColumn }); len(missing) > 0 {
		return "Key columns must be identical. The following key columns are changed, missing or reordered: [" + strings.Join(missing, ", ") + "]"
	}
	if missing := missingColumns(old, new, func(types.Column) bool { return true }); len(missing) > 0 {
		return "The following columns are changed, missing or reordered: [" + strings.Join(missing, ", ") + "]"
	}
	return ""
}

// missingColumns lists, in old's order, the columns old has (of those in)
// that new does not have under the same name, type, namespace and place
// among its namespace's columns.
func missingColumns(old, new *types.Schema, in func(types.Column) bool) []string {
	// A column's place and what it is: its text, as ksqlDB's
	// Column.toString writes it (`COL1` INTEGER KEY), says name, type,
	// namespace and header key.
	type placed struct {
		index int
		text  string
	}
	place := func(s *types.Schema) []placed {
		var out []placed
		count := map[types.Namespace]int{}
		for _, c := range s.Columns {
			if !in(c) {
				continue
			}
			out = append(out, placed{count[c.Namespace], (&types.Schema{Columns: []types.Column{c}}).String()})
			count[c.Namespace]++
		}
		return out
	}
	have := place(new)
	var missing []string
	for _, c := range place(old) {
		if !slices.Contains(have, c) {
			missing = append(missing, c.text)
		}
	}
	return missing
}

func sourceType(s *metastore.Source) string {
	if s.IsTable {
		return "KTABLE"
	}
	return "KSTREAM"
}

func topicText(s *metastore.Source) string {
	return fmt.Sprintf("%s (%s)", s.Topic, formatsText(s))
}

// formatsText renders a source's key and value formats with the
// properties that change how records are written.
func formatsText(s *metastore.Source) string {
	return "key " + formatText(s.KeyFormat) + ", value " + formatText(s.ValueFormat)
}

func formatText(f serde.Format) string {
	var props []string
	for _, k := range []string{serde.PropDelimiter, serde.PropWrapSingleValue} {
		if v, ok := f.Props[k]; ok {
			props = append(props, k+"="+v)
		}
	}
	if len(props) == 0 {
		return f.Name
	}
	return f.Name + "{" + strings.Join(props, ", ") + "}"
}

func timestampText(s *metastore.Source) string {
	switch {
	case s.Timestamp == "":
		return "none"
	case s.TimestampFormat != "":
		return "`" + s.Timestamp + "` (" + s.TimestampFormat + ")"
	}
	return "`" + s.Timestamp + "`"
}

func sourceOf(ms *metastore.Metastore, r sql.Relation) *metastore.Source {
	if t, ok := r.(*sql.Table); ok {
		return ms.Source(t.Name)
	}
	return nil
}

func sourceStep(src *metastore.Source) UpgradeStep {
	if src == nil {
		return UpgradeStep{Kind: "StreamSource", Unsupported: true}
	}
	kind := "StreamSource"
	if src.IsTable {
		kind = "TableSource"
	}
	if src.Window != nil {
		return UpgradeStep{Kind: "Windowed" + kind, Unsupported: true}
	}
	return UpgradeStep{Kind: kind, Props: []StepProp{
		{"topicName", src.Topic},
		{"formats", formatsText(src)},
		{"timestampColumn", timestampText(src)},
	}}
}

// joinKind names the plan step of a query's last join.
func joinKind(ms *metastore.Metastore, j *sql.Join) string {
	left := true // a stream unless it is a table source
	if t, ok := j.Left.(*sql.Table); ok {
		if s := ms.Source(t.Name); s != nil {
			left = !s.IsTable
		}
	}
	right := ms.Source(j.Right.Name)
	switch rightIsTable := right != nil && right.IsTable; {
	case left && rightIsTable:
		return "StreamTableJoin"
	case left:
		return "StreamStreamJoin"
	}
	return "TableTableJoin"
}

// aggregateStep is a non-windowed stream aggregation: its aggregate calls
// and the columns it needs besides them, in the order ksqlDB's analysis
// meets them (SELECT, WHERE, GROUP BY, HAVING; COUNT(*) reads ROWTIME).
func aggregateStep(fns *expr.Registry, q *sql.Query, src *metastore.Source) UpgradeStep {
	var cols, calls []string
	addCol := func(name string) {
		if !slices.Contains(cols, name) {
			cols = append(cols, name)
		}
	}
	visit := func(e sql.Expr) {
		sql.Walk(e, func(x sql.Expr) bool {
			switch x := x.(type) {
			case *sql.ColumnRef:
				if src == nil || src.Schema.Find(x.Name) >= 0 || reservedColumns[x.Name] {
					addCol(x.Name)
				}
			case *sql.Call:
				if fns.IsAggregate(x.Name) {
					if x.Star || len(x.Args) == 0 {
						addCol("ROWTIME")
						calls = append(calls, strings.ToUpper(x.Name)+"(ROWTIME)")
					} else {
						calls = append(calls, sql.FormatExpr(x))
					}
				}
			}
			return true
		})
	}
	for _, si := range q.Select {
		if si.Expr != nil {
			visit(si.Expr)
		}
	}
	visit(q.Where)
	for _, g := range q.GroupBy {
		visit(g)
	}
	visit(q.Having)
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = "`" + c + "`"
	}
	return UpgradeStep{Kind: "StreamAggregate", Props: []StepProp{
		{"internal format", internalFormats(src)},
		{"columns not part of aggregate", "[" + strings.Join(quoted, ", ") + "]"},
		{"aggregate functions", "[" + strings.Join(calls, ", ") + "]"},
	}}
}

// groupsByKey reports whether a GROUP BY names exactly the source's key
// columns, in order (ksqlDB then groups without re-keying).
func groupsByKey(groupBy []sql.Expr, src *metastore.Source) bool {
	if src == nil {
		return false
	}
	key := src.Schema.Key()
	if len(key) != len(groupBy) {
		return false
	}
	for i, g := range groupBy {
		ref, ok := g.(*sql.ColumnRef)
		if !ok || ref.Name != key[i].Name {
			return false
		}
	}
	return true
}

// internalFormats are an aggregation's repartition and state formats,
// which follow its source's ("" for a join's, which refuses upgrades).
func internalFormats(src *metastore.Source) string {
	if src == nil {
		return ""
	}
	return formatsText(src)
}

func exprList(es []sql.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = sql.FormatExpr(e)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func hasTableFunction(q *sql.Query) bool {
	found := false
	for _, si := range q.Select {
		sql.Walk(si.Expr, func(x sql.Expr) bool {
			if c, ok := x.(*sql.Call); ok && expr.LookupTableFunc(c.Name) != nil {
				found = true
			}
			return !found
		})
	}
	return found
}
