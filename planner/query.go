package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Mode says what a query feeds.
type Mode int

const (
	// Push is a transient SELECT ... EMIT CHANGES: output is the projection.
	Push Mode = iota
	// Persistent is CSAS, CTAS or INSERT INTO ... SELECT: output has a key.
	Persistent
)

// QueryPlan is an analysed query, ready for the engine to attach a sink.
type QueryPlan struct {
	From *metastore.Source
	// Output is the result schema; for Persistent the key columns are
	// marked and come first, matching the projection's order.
	Output *types.Schema
	// ResultIsTable is true when the query produces a table.
	ResultIsTable bool
	NumKey        int
	// Limit for push queries, nil when absent.
	Limit *int
	// Inputs are the topology's inputs; rows end in Out, whose Next the
	// engine sets to a sink.
	Inputs []*runtime.Input
	Out    *runtime.Project
	// Window describes a windowed result key, nil otherwise.
	Window *metastore.WindowInfo
	// Sources names every source the query reads (joins read several).
	Sources []string
	// InternalTopics are the repartition topics the query writes and
	// reads; the engine creates them before starting it.
	InternalTopics []string
	// KeyColumns marks, for a push or pull query, the output columns that
	// come from the source's key (pull headers show them as KEY).
	KeyColumns []bool
	// Verbatim lists the output columns of a persistent projection of
	// one stream that copy a source column nothing else reads (see
	// PassThrough).
	Verbatim []Verbatim
	// VerbatimKey says such a projection's key columns are the source's
	// key columns, in order and unchanged, and UnreadKey that nothing
	// else in the query reads them (see PassThrough).
	VerbatimKey, UnreadKey bool
}

// checkReservedSelect rejects a persistent query selecting a pseudo column
// (ROWTIME, WINDOWSTART, …) under its own name, before anything else is
// resolved, as ksqlDB's analysis of the projection does. A join names a
// qualified column after its source (S1_ROWTIME), so only unqualified
// references count there.
func checkReservedSelect(q *sql.Query) error {
	_, single := q.From.(*sql.Table)
	for _, si := range q.Select {
		if si.Star || si.Alias != "" {
			continue
		}
		if ref, ok := si.Expr.(*sql.ColumnRef); ok && reservedColumns[ref.Name] && (ref.Qualifier == "" || single) {
			return errorf("Reserved column name in select: `%s`. Please remove or alias the column.", ref.Name)
		}
	}
	return nil
}

// selectItem is one expanded projection entry.
type selectItem struct {
	expr  sql.Expr
	name  string
	alias bool // named by AS, not generated
	star  bool // expanded from *
}

// PlanQuery analyses a SELECT against the catalog. The logical order is
// FROM, WHERE, PARTITION BY (re-keys the row), SELECT.
func (p *Planner) PlanQuery(q *sql.Query, mode Mode, sinkName string) (*QueryPlan, error) {
	if q.PartitionBy != nil && len(q.PartitionBy) == 0 { // PARTITION BY ()
		return nil, errorf("PARTITION BY requires at least one expression")
	}
	if err := checkQualifiers(q); err != nil {
		return nil, err
	}
	if err := ResolveCastTypes(p.ms, queryExprs(q)...); err != nil {
		return nil, err
	}
	if mode == Persistent {
		if err := checkReservedSelect(q); err != nil {
			return nil, err
		}
	}
	from, ok := q.From.(*sql.Table)
	if !ok {
		return p.planJoin(q, mode, sinkName)
	}
	src := p.ms.Source(from.Name)
	if src == nil {
		return nil, unknownSource(from.P, from.Name, p.ms.SourceNames())
	}
	if mode == Persistent && src.IsTable && src.Window != nil {
		return nil, errorf("KSQL does not support persistent queries on windowed tables.")
	}
	layout, err := p.sourceLayout(src)
	if err != nil {
		return nil, err
	}
	srcScope := sourceScope(src, from.Alias, layout)
	readOnly(layout, src, unreadSourceColumns(q, srcScope))
	layout.NoRowMeta = !src.IsTable && !p.IsAggregateQuery(q) && !readsRowMeta(q)
	plan := &QueryPlan{From: src, ResultIsTable: src.IsTable, Limit: q.Limit, Window: src.Window, Sources: []string{src.Name}}
	chain := newChain(&runtime.Input{Source: layout, Step: stepSource})

	if q.Where != nil {
		w, err := expr.Compile(q.Where, srcScope.withClause("WHERE"), p.fns)
		if err != nil {
			return nil, wrapf(err, "Error in WHERE expression: %v", err)
		}
		if w.Type != nil && w.Type.Kind != types.Boolean {
			return nil, errorf("Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.", sql.FormatExpr(q.Where), w.Type)
		}
		chain.add(&runtime.Filter{Pred: w, IsTable: src.IsTable, NumKey: len(src.Schema.Key()), Step: stepWhere})
	}

	if p.IsAggregateQuery(q) {
		if len(q.PartitionBy) > 0 {
			return nil, errorf("PARTITION BY and GROUP BY cannot be used together.")
		}
		if tf := tableFunctionIn(q); tf != "" {
			return nil, errorf("Table functions cannot be used with aggregations: %s.", tf)
		}
		items, err := p.expandSelect(q, srcScope, src, from)
		if err != nil {
			return nil, err
		}
		return p.finishAggregate(q, mode, sinkName, sourceAggInput(src, srcScope), items, chain, plan)
	}

	// keyExprs are the expressions that define each key column, for
	// matching projection entries against them.
	sel := srcScope
	keyExprs := map[string]sql.Expr{}
	for _, k := range src.Schema.Key() {
		keyExprs[k.Name] = &sql.ColumnRef{Name: k.Name}
	}
	if len(q.PartitionBy) > 0 {
		if src.IsTable {
			return nil, errorf("Invalid result type. PARTITION BY is not supported on tables: `%s` is a TABLE.", src.Name)
		}
		var rekey *runtime.Rekey
		sel, keyExprs, rekey, err = p.partitionBy(q.PartitionBy, src, srcScope)
		if err != nil {
			return nil, err
		}
		if rekey != nil {
			chain.add(rekey)
		}
	}

	items, err := p.expandSelect(q, sel, src, from)
	if err != nil {
		return nil, err
	}
	items, sel, tableFuncs, err := p.tableFunctions(items, sel)
	if err != nil {
		return nil, err
	}
	if tableFuncs != nil {
		chain.add(tableFuncs)
	}
	if mode == Push && src.Window != nil {
		items = withWindowBounds(q, items, src)
	}
	if mode == Persistent {
		for _, it := range items {
			if reservedColumns[it.name] && !it.star {
				if it.alias {
					return nil, errorf("`%s` is a reserved column name. You cannot use it as an alias for a column.", it.name)
				}
				return nil, errorf("Reserved column name in select: `%s`. Please remove or alias the column.", it.name)
			}
		}
	}

	var keyIdx []int // indexes into items that form the key, in output order
	if mode == Persistent {
		// ksqlDB types the projection (resolving its functions) before it
		// looks for the key columns in it.
		for _, it := range items {
			if _, err := expr.Compile(it.expr, sel.withClause("SELECT"), p.fns); err != nil {
				return nil, wrap(err)
			}
		}
		keyIdx, err = p.keyItems(sel, keyExprs, items, sinkName, src, from, len(q.PartitionBy) > 0)
		if err != nil {
			return nil, err
		}
	}
	pr, err := p.project(items, keyIdx, mode, sel.withClause("SELECT"), projectOptions{rejectMapKeys: true})
	if err != nil {
		return nil, err
	}
	out, proj := pr.schema, pr.op
	if mode == Push {
		// A push or pull query has no key of its own, but reports which
		// columns come from the source key; a table's deletes keep them.
		for _, it := range pr.items {
			plan.KeyColumns = append(plan.KeyColumns, isKeyRef(it.expr, sel))
			proj.KeyOnly = append(proj.KeyOnly, readsOnlyKeyScope(it.expr, sel))
		}
	}
	chain.add(proj)
	if mode == Persistent && !src.IsTable && len(q.PartitionBy) == 0 && tableFuncs == nil {
		plan.Verbatim = verbatimColumns(q.Where, pr.items, len(keyIdx), srcScope, layout)
		plan.VerbatimKey, plan.UnreadKey = verbatimKey(q.Where, pr.items, len(keyIdx), srcScope, layout)
	}
	plan.Output = out
	plan.NumKey = len(keyIdx)
	plan.Inputs = []*runtime.Input{chain.input}
	plan.Out = proj
	return plan, nil
}

// isKeyRef reports whether e names a key column (or window bound) of the
// scope.
func isKeyRef(e sql.Expr, s *scope) bool {
	ref, ok := e.(*sql.ColumnRef)
	if !ok {
		return false
	}
	for _, c := range s.cols {
		if c.name == ref.Name {
			return c.namespace == types.KeyColumn || c.name == "WINDOWSTART" || c.name == "WINDOWEND"
		}
	}
	return false
}

// readsOnlyKeyScope reports whether every column e reads is a key column
// (or window bound) of the scope.
func readsOnlyKeyScope(e sql.Expr, s *scope) bool {
	only := true
	sql.Walk(e, func(x sql.Expr) bool {
		if ref, ok := x.(*sql.ColumnRef); ok && !isKeyRef(ref, s) {
			only = false
		}
		return only
	})
	return only
}

// partitionBy plans PARTITION BY: the new key columns are computed from
// the source row, and the row is reshaped into the new keys, the value
// columns not moved into the key, the old key columns, then the pseudo
// columns.
func (p *Planner) partitionBy(exprs []sql.Expr, src *metastore.Source, srcScope *scope) (*scope, map[string]sql.Expr, *runtime.Rekey, error) {
	isNull := func(e sql.Expr) bool { _, ok := e.(*sql.NullLit); return ok }
	if len(exprs) > 1 {
		for _, e := range exprs {
			if isNull(e) {
				return nil, nil, nil, errorf("Cannot PARTITION BY multiple columns including NULL")
			}
		}
	}
	// PARTITION BY the existing key changes nothing.
	if keys := src.Schema.Key(); len(keys) == len(exprs) {
		same := true
		for i, e := range exprs {
			if ref, ok := e.(*sql.ColumnRef); !ok || ref.Name != keys[i].Name {
				same = false
			}
		}
		if same {
			kx := map[string]sql.Expr{}
			for _, k := range keys {
				kx[k.Name] = &sql.ColumnRef{Name: k.Name}
			}
			return srcScope, kx, nil, nil
		}
	}
	taken := map[string]bool{}
	for _, c := range src.Schema.Columns {
		taken[c.Name] = true
	}
	pbScope := srcScope.withClause("PARTITION BY")
	inter := &scope{srcName: srcScope.srcName, alias: srcScope.alias}
	keyExprs := map[string]sql.Expr{}
	moved := map[string]bool{}
	gen := 0
	plan := &runtime.Rekey{}
	if !(len(exprs) == 1 && isNull(exprs[0])) {
		for _, e := range exprs {
			c, err := expr.Compile(e, pbScope, p.fns)
			if err != nil {
				msg := err.Error()
				if ref, ok := e.(*sql.ColumnRef); ok && strings.Contains(msg, "cannot be resolved") {
					msg = fmt.Sprintf("PARTITION BY column '%s' cannot be resolved. '%s' must be a column in the source schema since PARTITION BY is applied on the input.", ref.Name, ref.Name)
				}
				return nil, nil, nil, wrapf(err, "%s", msg)
			}
			var name string
			switch x := e.(type) {
			case *sql.ColumnRef:
				name = x.Name
				moved[x.Name] = true
			case *sql.Deref:
				name = x.Field
			default:
				for {
					name = fmt.Sprintf("KSQL_COL_%d", gen)
					gen++
					if !taken[name] {
						break
					}
				}
			}
			taken[name] = true
			keyExprs[name] = e
			inter.cols = append(inter.cols, scopeCol{name: name, typ: c.Type, slot: len(plan.Keys), namespace: types.KeyColumn})
			plan.Keys = append(plan.Keys, c)
			plan.KeyOnly = append(plan.KeyOnly, readsOnlyKeys(e, src))
		}
	}
	var carried []scopeCol
	for _, c := range srcScope.cols {
		if !c.pseudo && c.namespace != types.KeyColumn && !moved[c.name] {
			carried = append(carried, c)
		}
	}
	for _, c := range srcScope.cols {
		if c.namespace == types.KeyColumn && !moved[c.name] {
			c.namespace = types.ValueColumn
			carried = append(carried, c)
		}
	}
	for _, c := range srcScope.cols {
		if c.pseudo {
			carried = append(carried, c)
		}
	}
	for _, c := range carried {
		plan.Carry = append(plan.Carry, c.slot)
		c.slot = len(plan.Keys) + len(plan.Carry) - 1
		inter.cols = append(inter.cols, c)
	}
	return inter, keyExprs, plan, nil
}

// expandStructStar expands struct->* into one entry per field, named
// after the field; single sources and joins share it.
func (p *Planner) expandStructStar(si sql.SelectItem, res expr.Resolver) ([]selectItem, error) {
	c, err := expr.Compile(si.Expr, res, p.fns)
	if err != nil {
		return nil, wrap(err)
	}
	if c.Type == nil || c.Type.Kind != types.Struct {
		return nil, errorf("Expected STRUCT type for %s->*, got %s.", sql.FormatExpr(si.Expr), c.Type)
	}
	items := make([]selectItem, 0, len(c.Type.Fields))
	for _, f := range c.Type.Fields {
		items = append(items, selectItem{expr: &sql.Deref{P: si.P, Base: si.Expr, Field: f.Name}, name: f.Name, alias: true, star: true})
	}
	return items, nil
}

// expandSelect expands stars and names every projection entry: a column
// keeps its name, s->f is named F, anything else KSQL_COL_n.
func (p *Planner) expandSelect(q *sql.Query, sel *scope, src *metastore.Source, from *sql.Table) ([]selectItem, error) {
	var items []selectItem
	for _, si := range q.Select {
		switch {
		case si.Star && si.Expr == nil:
			if si.StarQualifier != "" && si.StarQualifier != src.Name && si.StarQualifier != from.Alias {
				return nil, errorf("'%s' is not a valid stream/table name or alias.", si.StarQualifier)
			}
			for _, c := range sel.visible() {
				items = append(items, selectItem{expr: &sql.ColumnRef{P: si.P, Name: c.name}, name: c.name, alias: true, star: true})
			}
		case si.Star:
			fields, err := p.expandStructStar(si, sel.withClause("SELECT"))
			if err != nil {
				return nil, err
			}
			items = append(items, fields...)
		default:
			items = append(items, selectItem{expr: si.Expr, name: si.Alias, alias: si.Alias != ""})
		}
	}
	taken := map[string]bool{}
	for _, c := range src.Schema.Columns {
		taken[c.Name] = true // a struct field may not take a source column's name
	}
	for _, it := range items {
		if it.name != "" {
			taken[it.name] = true
		}
		if ref, ok := it.expr.(*sql.ColumnRef); ok && it.name == "" {
			taken[ref.Name] = true
		}
	}
	gen := 0
	for i := range items {
		if items[i].name == "" {
			items[i].name = projectionName(items[i].expr, taken, &gen)
		}
	}
	return items, nil
}

// projectionName names a projection written without a name, as ksqlDB
// does: a column keeps its name, s->f is named F (F_1, F_2 … when F is
// taken), anything else the first KSQL_COL_n from *gen on that is not
// taken. The name given is marked taken (a column's name already is).
func projectionName(e sql.Expr, taken map[string]bool, gen *int) string {
	switch e := e.(type) {
	case *sql.ColumnRef:
		return e.Name
	case *sql.Deref:
		name := e.Field
		for n := 1; taken[name]; n++ {
			name = fmt.Sprintf("%s_%d", e.Field, n)
		}
		taken[name] = true
		return name
	}
	for {
		name := fmt.Sprintf("KSQL_COL_%d", *gen)
		*gen++
		if !taken[name] {
			taken[name] = true
			return name
		}
	}
}

// keyItems finds the projection entries that become the output key: for
// each key column of the (re-keyed) source, an entry naming it or
// repeating its defining expression. ksqlDB requires them in the
// projection; the output key follows projection order. partitioned says
// the key comes from PARTITION BY, which changes how a missing one is named.
func (p *Planner) keyItems(sel *scope, keyExprs map[string]sql.Expr, items []selectItem, sinkName string, src *metastore.Source, from *sql.Table, partitioned bool) ([]int, error) {
	norm := func(e sql.Expr) string {
		s := sql.FormatExpr(e)
		s = strings.ReplaceAll(s, src.Name+".", "")
		if from.Alias != "" {
			s = strings.ReplaceAll(s, from.Alias+".", "")
		}
		return s
	}
	var keyNames []string
	for _, c := range sel.cols {
		if c.namespace == types.KeyColumn && !c.pseudo {
			keyNames = append(keyNames, c.name)
		}
	}
	var idx []int
	var missing bool
	for _, k := range keyNames {
		var found []int
		want := norm(keyExprs[k])
		for i, it := range items {
			if ref, ok := it.expr.(*sql.ColumnRef); (ok && ref.Name == k) || norm(it.expr) == want {
				found = append(found, i)
			}
		}
		switch {
		case len(found) == 0:
			missing = true
		case len(found) > 1:
			var names []string
			for _, i := range found {
				names = append(names, items[i].name)
			}
			return nil, errorf("The projection contains a key column (`%s`) more than once, aliased as: %s.", k, joinAnd(names))
		default:
			idx = append(idx, found[0])
		}
	}
	if missing {
		if strings.EqualFold(p.cfg.Get("ksql.new.query.planner.enabled", "false"), "true") {
			return nil, nil // the new planner drops an unselected key
		}
		if ts := p.SinkTimestampColumn; ts != "" && !slices.ContainsFunc(items, func(it selectItem) bool { return it.name == ts }) {
			return nil, errorf("The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", ts)
		}
		noun, shown := "key column", keyNames
		if len(keyExprs) > 0 && (partitioned || !sameNames(src.Schema.Key(), keyNames)) {
			noun, shown = "partitioning expression", nil
			for _, k := range keyNames {
				shown = append(shown, sql.FormatExpr(qualifyAll(keyExprs[k], src.Name)))
			}
		}
		if len(shown) > 1 {
			noun += "s"
		}
		return nil, errorf("The query used to build `%s` must include the %s %s in its projection (eg, SELECT %s...).", sinkName, noun, joinAnd(shown), strings.Join(shown, ", "))
	}
	if strings.EqualFold(p.cfg.Get("ksql.new.query.planner.enabled", "false"), "true") {
		sort.Ints(idx) // the new planner orders keys as projected
	}
	return idx, nil
}

func sameNames(cols []types.Column, names []string) bool {
	if len(cols) != len(names) {
		return false
	}
	for i, c := range cols {
		if c.Name != names[i] {
			return false
		}
	}
	return true
}

// qualifyAll prefixes every unqualified column reference with the
// source name, as ksqlDB's messages show expressions.
func qualifyAll(e sql.Expr, srcName string) sql.Expr {
	return sql.Rewrite(e, func(x sql.Expr) sql.Expr {
		if ref, ok := x.(*sql.ColumnRef); ok && ref.Qualifier == "" {
			return &sql.ColumnRef{P: ref.P, Qualifier: srcName, Name: ref.Name}
		}
		return nil
	})
}

// qualifiedText renders an expression with column references qualified by
// the source name, as ksqlDB's messages show them.
func qualifiedText(e sql.Expr, srcName string) string {
	if ref, ok := e.(*sql.ColumnRef); ok && ref.Qualifier == "" {
		return srcName + "." + ref.Name
	}
	return sql.FormatExpr(e)
}

// joinAnd renders "A", "A and B", "A, B and C".
func joinAnd(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// sourceLayout builds the runtime description of a source's rows.
func (p *Planner) sourceLayout(src *metastore.Source) (*runtime.Source, error) {
	ks, err := p.readSerde(src.KeyFormat, src.Schema.Key(), true, src.Topic)
	if err != nil {
		return nil, err
	}
	vs, err := p.readSerde(src.ValueFormat, src.Schema.Value(), false, src.Topic)
	if err != nil {
		return nil, err
	}
	l := &runtime.Source{
		Topic: src.Topic, KeySerde: ks, ValueSerde: vs,
		NumKey: len(src.Schema.Key()), NumValue: len(src.Schema.Value()), IsTable: src.IsTable,
	}
	if src.Window != nil {
		l.Window, l.WindowSize = src.Window.Type, src.Window.SizeMs
	}
	// Header columns sit after the value columns in the row (rowIndex).
	for _, c := range src.Schema.Columns {
		if c.Namespace == types.HeaderColumn {
			l.Headers = append(l.Headers, runtime.HeaderColumn{Key: c.HeaderKey})
		}
	}
	if src.Timestamp != "" {
		ts, err := p.timestampSpec(src.Schema, src.Timestamp, src.TimestampFormat)
		if err != nil {
			return nil, err
		}
		ts.Fatal = strings.EqualFold(p.cfg.Get("ksql.timestamp.throw.on.invalid", "false"), "true")
		l.Timestamp = ts
	}
	return l, nil
}

// timestampSpec builds an extractor for a TIMESTAMP column, reusing the
// expression library for string parsing so both agree on formats.
func (p *Planner) timestampSpec(schema *types.Schema, col, format string) (*runtime.TimestampSpec, error) {
	ci := schema.Find(col)
	if ci < 0 {
		return nil, errorf("The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", col)
	}
	idx, name := rowIndex(schema, ci), schema.Columns[ci].Name
	switch schema.Columns[ci].Type.Kind {
	case types.Bigint:
		return &runtime.TimestampSpec{Column: idx, Name: name, Extract: func(v any) (int64, bool) {
			ms, ok := v.(int64)
			return ms, ok && ms >= 0
		}}, nil
	case types.Timestamp:
		return &runtime.TimestampSpec{Column: idx, Name: name, Extract: func(v any) (int64, bool) {
			ms, ok := v.(types.TimestampVal)
			return int64(ms), ok && ms >= 0
		}}, nil
	case types.String:
		call := &sql.Call{Name: "STRINGTOTIMESTAMP", Args: []sql.Expr{&sql.ColumnRef{Name: "V"}, &sql.StringLit{Val: format}}}
		one := &types.Schema{Columns: []types.Column{{Name: "V", Type: types.StringType}}}
		c, err := expr.Compile(call, &schemaScope{one}, p.fns)
		if err != nil {
			return nil, errorf("Invalid TIMESTAMP_FORMAT '%s': %v", format, err)
		}
		var ectx expr.Context
		return &runtime.TimestampSpec{Column: idx, Name: name, Format: format, Extract: func(v any) (int64, bool) {
			ms, ok := c.Eval(&ectx, []any{v}).(int64)
			return ms, ok && ms >= 0
		}}, nil
	}
	return nil, errorf("Timestamp column, `%s`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.", col)
}

// schemaScope resolves unqualified names against a plain schema.
type schemaScope struct{ s *types.Schema }

func (s *schemaScope) Column(ref *sql.ColumnRef) (int, *types.Type, error) {
	if i := s.s.Find(ref.Name); i >= 0 {
		return i, s.s.Columns[i].Type, nil
	}
	return 0, nil, errorAt(ref.P, "column '%s' cannot be resolved.", ref.Name)
}

// SinkTimestamp builds the output-time extractor for a sink's TIMESTAMP
// property against the result schema.
func (p *Planner) SinkTimestamp(out *types.Schema, col, format string) (*runtime.TimestampSpec, error) {
	return p.timestampSpec(out, col, format)
}

// chain builds an operator chain from an input, appending operators.
// After a repartition the chain continues from the internal input; first
// stays the source input.
type chain struct {
	input *runtime.Input
	first *runtime.Input
	tail  func(runtime.Op)
}

func newChain(in *runtime.Input) *chain {
	return &chain{input: in, first: in, tail: func(op runtime.Op) { in.Next = op }}
}

// newInternalChain continues a chain at an internal topic's input.
func newInternalChain(in *runtime.Input) *chain {
	return &chain{input: in, tail: func(op runtime.Op) { in.Internal.Next = op }}
}

// add appends op; op must be one of the chainable operator types.
func (c *chain) add(op runtime.Op) {
	c.tail(op)
	switch o := op.(type) {
	case *runtime.Filter:
		c.tail = func(n runtime.Op) { o.Next = n }
	case *runtime.Rekey:
		c.tail = func(n runtime.Op) { o.Next = n }
	case *runtime.Project:
		c.tail = func(n runtime.Op) { o.Next = n }
	case *runtime.TableFunctions:
		c.tail = func(n runtime.Op) { o.Next = n }
	case *runtime.Aggregate:
		c.tail = func(n runtime.Op) { o.Next = n }
	case *runtime.TableChanges:
		c.tail = func(n runtime.Op) { o.Next = n }
	case *runtime.KeepSlots:
		c.tail = func(n runtime.Op) { o.Next = n }
	case *runtime.Repartition:
		c.tail = nil // terminal: rows continue from the internal topic
	default:
		panic(fmt.Sprintf("chain: %T cannot be followed", op))
	}
}

// readsOnlyKeys reports whether every column e references is a key column.
func readsOnlyKeys(e sql.Expr, src *metastore.Source) bool {
	only := true
	sql.Walk(e, func(x sql.Expr) bool {
		if ref, ok := x.(*sql.ColumnRef); ok && !isSourceKey(src, ref.Name) {
			only = false
		}
		return only
	})
	return only
}

func isSourceKey(src *metastore.Source, name string) bool {
	for _, k := range src.Schema.Key() {
		if k.Name == name {
			return true
		}
	}
	return false
}

// withWindowBounds puts WINDOWSTART and WINDOWEND after the key columns of
// a `SELECT *` over a windowed source, as push and pull queries show them.
func withWindowBounds(q *sql.Query, items []selectItem, src *metastore.Source) []selectItem {
	star := false
	for _, si := range q.Select {
		if si.Star && si.Expr == nil {
			star = true
		}
	}
	if !star {
		return items
	}
	nk := len(src.Schema.Key())
	first := -1 // where the star's columns start
	for i, it := range items {
		if it.star {
			first = i
			break
		}
	}
	var out []selectItem
	for i, it := range items {
		out = append(out, it)
		if i == first+nk-1 {
			for _, b := range []string{"WINDOWSTART", "WINDOWEND"} {
				out = append(out, selectItem{expr: &sql.ColumnRef{Name: b}, name: b, alias: true, star: true})
			}
		}
	}
	return out
}
