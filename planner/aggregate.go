package planner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Synthetic column names of the post-aggregation row. They cannot clash
// with user names: the lexer never produces '$' in identifiers.
func gbName(i int) string  { return fmt.Sprintf("$GB%d", i) }
func aggName(i int) string { return fmt.Sprintf("$AGG%d", i) }

// IsAggregateQuery reports whether q groups or calls aggregate functions.
func (p *Planner) IsAggregateQuery(q *sql.Query) bool {
	if len(q.GroupBy) > 0 || q.Having != nil || q.Window != nil {
		return true
	}
	found := false
	for _, si := range q.Select {
		if si.Expr != nil {
			sql.Walk(si.Expr, func(e sql.Expr) bool {
				if c, ok := e.(*sql.Call); ok && p.fns.IsAggregate(c.Name) {
					found = true
				}
				return !found
			})
		}
	}
	return found
}

// aggregation is the analysed GROUP BY part of a query.
type aggregation struct {
	keys     []sql.Expr // GROUP BY expressions
	keyNorm  []string
	calls    []*sql.Call // distinct aggregate calls
	callNorm []string
	post     *scope // scope of the post-aggregation row
}

// aggInput is what an aggregation reads: one source's rows, or a join's
// combined rows.
type aggInput struct {
	name     string // for messages
	scope    clauseResolver
	norm     func(sql.Expr) string // structural comparison text
	isTable  bool
	keySlots []int                 // a table input's key slots, for TableChanges
	window   *metastore.WindowInfo // a windowed single source
	byKey    func(keys []sql.Expr) bool
	kafkaFmt []string // sources using the KAFKA value format
	// valueFormat is the leftmost source's value format, which ksqlDB
	// also uses for the aggregation's state store.
	valueFormat serde.Format
	qualified   func(sql.Expr) string
	// display adjusts names in messages (joins show I1_BAR for I1.BAR).
	display func(string) string
	// push is set for push queries, which may aggregate without GROUP BY
	// (all rows form one group).
	push bool
	// noWindowBounds: a join's rows, over which ksqlDB resolves no
	// WINDOWSTART or WINDOWEND, even when the aggregation is windowed.
	noWindowBounds bool
}

// clauseResolver is a resolver that can name the clause in its errors.
type clauseResolver interface {
	expr.Resolver
	clauseScope(clause string) expr.Resolver
}

func (s *scope) clauseScope(c string) expr.Resolver     { return s.withClause(c) }
func (s *joinScope) clauseScope(c string) expr.Resolver { return s.withClause(c) }

// sourceAggInput describes a single source for aggregation.
func sourceAggInput(src *metastore.Source, srcScope *scope) *aggInput {
	in := &aggInput{
		name: src.Name, scope: srcScope, isTable: src.IsTable, window: src.Window,
		norm:        func(e sql.Expr) string { return normExpr(e, src.Name, srcScope.alias) },
		byKey:       func(keys []sql.Expr) bool { return groupsBySourceKey(keys, src) },
		qualified:   func(e sql.Expr) string { return qualifiedText(e, src.Name) },
		display:     func(m string) string { return m },
		valueFormat: src.ValueFormat,
	}
	for i := range src.Schema.Key() {
		in.keySlots = append(in.keySlots, i)
	}
	if src.ValueFormat.Name == "KAFKA" {
		in.kafkaFmt = []string{src.Name}
	}
	return in
}

// planAggregate plans GROUP BY / aggregate functions / WINDOW / HAVING
// on top of chain, returning the scope and expressions the projection is
// compiled against. The rewritten select items replace items in place.
func (p *Planner) planAggregate(q *sql.Query, in *aggInput, items []selectItem, chain *chain, plan *QueryPlan) (*aggregation, *runtime.Aggregate, error) {
	if len(in.kafkaFmt) > 0 {
		return nil, nil, errorf("Source(s) %s are using the 'KAFKA' value format. This format does not yet support GROUP BY.", strings.Join(in.kafkaFmt, ", "))
	}
	// Unknown functions are reported before aggregate-shape errors.
	for _, it := range items {
		var unknown error
		sql.Walk(it.expr, func(e sql.Expr) bool {
			if c, ok := e.(*sql.Call); ok && !p.fns.Has(c.Name) && !p.fns.IsAggregate(c.Name) && unknown == nil {
				_, unknown = expr.Compile(c, in.scope, p.fns)
			}
			return unknown == nil
		})
		if unknown != nil {
			return nil, nil, wrap(unknown)
		}
	}
	ag := &aggregation{}
	// read records the input slots the keys and arguments read: all a
	// repartition topic needs to carry.
	read := map[int]bool{}
	gbScope := slotRecorder{in.scope.clauseScope("GROUP BY"), read}
	op := &runtime.Aggregate{}
	for _, k := range q.GroupBy {
		var agg string
		sql.Walk(k, func(e sql.Expr) bool {
			if c, ok := e.(*sql.Call); ok && p.fns.IsAggregate(c.Name) {
				agg = c.Name
			}
			return agg == ""
		})
		if agg != "" {
			return nil, nil, errorf("GROUP BY does not support aggregate functions: %s is an aggregate function.", agg)
		}
		c, err := expr.Compile(k, gbScope, p.fns)
		if err != nil {
			return nil, nil, wrap(err)
		}
		n := in.norm(k)
		for _, seen := range ag.keyNorm {
			if seen == n {
				return nil, nil, errorf("Duplicate GROUP BY expression: %s", in.qualified(k))
			}
		}
		ag.keys = append(ag.keys, k)
		ag.keyNorm = append(ag.keyNorm, n)
		op.Keys = append(op.Keys, c)
	}

	// Collect the distinct aggregate calls of SELECT and HAVING.
	collect := func(e sql.Expr) error {
		var err error
		sql.Walk(e, func(x sql.Expr) bool {
			c, ok := x.(*sql.Call)
			if !ok || !p.fns.IsAggregate(c.Name) || err != nil {
				return err == nil
			}
			for _, a := range c.Args {
				sql.Walk(a, func(y sql.Expr) bool {
					if inner, ok := y.(*sql.Call); ok && p.fns.IsAggregate(inner.Name) && err == nil {
						err = errorf("Aggregate functions can not be nested: %s", sql.FormatExpr(c))
					}
					return err == nil
				})
			}
			n := in.norm(c)
			for _, seen := range ag.callNorm {
				if seen == n {
					return false
				}
			}
			ag.calls = append(ag.calls, c)
			ag.callNorm = append(ag.callNorm, n)
			return false
		})
		return err
	}
	for _, it := range items {
		if err := collect(it.expr); err != nil {
			return nil, nil, err
		}
	}
	if q.Having != nil {
		if err := collect(q.Having); err != nil {
			return nil, nil, err
		}
	}
	if len(ag.calls) == 0 && q.Window != nil && len(q.GroupBy) == 0 {
		return nil, nil, errorf("WINDOW clause requires a GROUP BY clause.")
	}
	if len(ag.calls) == 0 {
		return nil, nil, errorf("GROUP BY requires aggregate functions in either the SELECT or HAVING clause.")
	}
	if len(q.GroupBy) == 0 {
		// Without GROUP BY every selected column must be aggregated; a
		// push query then aggregates all rows as one group.
		var bad []sql.Expr
		for _, it := range items {
			if _, err := ag.rewrite(it.expr, in, "SELECT"); err != nil {
				bad = append(bad, it.expr)
			}
		}
		if len(bad) > 0 {
			return nil, nil, nonAggregate(bad)
		}
		if q.Window != nil {
			return nil, nil, errorf("WINDOW clause requires a GROUP BY clause.")
		}
		if !in.push {
			var calls []string
			for _, c := range ag.calls {
				if c.Star {
					// ksqlDB counts rows as COUNT(ROWTIME) and says so.
					c = &sql.Call{P: c.P, Name: c.Name, Args: []sql.Expr{&sql.ColumnRef{Name: "ROWTIME"}}}
				}
				calls = append(calls, sql.FormatExpr(c))
			}
			return nil, nil, errorf("%s AS SELECT statement does not support aggregate function [%s] without a GROUP BY clause.", "CREATE TABLE", strings.Join(calls, ", "))
		}
	}
	argScope := slotRecorder{in.scope.clauseScope("SELECT"), read}
	// Aggregates read the statement's properties
	// (ksql.functions.collect_list.limit, ...collect_set.limit).
	aggFns, err := p.fns.WithAggregateConfig(p.cfg)
	if err != nil {
		return nil, nil, wrap(err)
	}
	var tableOnly []string
	var tableOnlyAt sql.Pos // the first of them
	for _, c := range ag.calls {
		var args []expr.AggArg
		var compiled []*expr.Compiled
		for _, a := range c.Args {
			ce, err := expr.Compile(a, argScope, p.fns)
			if err != nil {
				return nil, nil, wrap(err)
			}
			aa := expr.AggArg{Type: ce.Type, Text: expr.FormatExpr(a)}
			if _, lit := expr.TypeOfLiteral(a); lit {
				aa.Const, aa.Value = true, ce.Eval(&expr.Context{}, nil)
			}
			args = append(args, aa)
			compiled = append(compiled, ce)
		}
		f, err := aggFns.ResolveAggregate(c.Name, args)
		if err != nil {
			return nil, nil, wrapAt(c.P, err)
		}
		if in.isTable && f.Undo == nil {
			if len(tableOnly) == 0 {
				tableOnlyAt = c.P
			}
			tableOnly = append(tableOnly, c.Name)
		}
		var perRow []*expr.Compiled
		for _, i := range f.Args {
			perRow = append(perRow, compiled[i])
		}
		op.Funcs = append(op.Funcs, f)
		op.Args = append(op.Args, perRow)
	}
	if len(tableOnly) > 0 {
		return nil, nil, errorAt(tableOnlyAt, "The aggregation functions %s cannot be applied to a table source, only to a stream source.", joinAnd(dedupe(tableOnly)))
	}
	if err := checkIntermediateState(op.Funcs, in.valueFormat); err != nil {
		return nil, nil, err
	}

	// The post-aggregation row: grouping keys, results, window bounds.
	post := &scope{srcName: in.name}
	for i, c := range op.Keys {
		post.cols = append(post.cols, scopeCol{name: gbName(i), typ: c.Type, slot: i, namespace: types.KeyColumn})
	}
	for i, f := range op.Funcs {
		post.cols = append(post.cols, scopeCol{name: aggName(i), typ: f.ReturnType, slot: len(op.Keys) + i})
	}
	if q.Window != nil {
		if in.isTable {
			return nil, nil, errorf("Windowed aggregation is not supported on tables: `%s` is a TABLE.", in.name)
		}
		op.Window = windowSpec(q.Window, q.Emit == sql.EmitFinal)
		if err := retentionProblem(q.Window, op.Window); err != nil {
			return nil, nil, err
		}
	} else if q.Emit == sql.EmitFinal {
		return nil, nil, errorf("EMIT FINAL is only supported for windowed aggregations.")
	}
	ag.post = post
	if in.window != nil && !in.byKey(ag.keys) && !(p.Pull && len(ag.keys) == 0) {
		return nil, nil, errorf("Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.")
	}
	// Without GROUP BY every row meets the one group through the
	// repartition topic (a constant key: one partition, one task).
	repartition := p.AppID != "" && (!in.byKey(ag.keys) || len(ag.keys) == 0)
	if repartition {
		// Only the columns the aggregation reads travel (and, for a
		// table, the key its changes are tracked by): Nexmark's q12
		// repartitioned whole 240-byte bids to count them per bidder.
		keep := slices.Sorted(maps.Keys(read))
		if in.isTable {
			keep = slices.Compact(slices.Sorted(slices.Values(append(keep, in.keySlots...))))
		}
		chain.add(&runtime.KeepSlots{Keep: keep})
	}
	if in.isTable {
		// Updates and deletes retract the row's old contribution.
		chain.add(&runtime.TableChanges{KeySlots: in.keySlots})
	}
	if repartition {
		// Rows meet their group through a repartition topic keyed by the
		// grouping expressions, so servers sharing the query each own a
		// set of groups.
		topic := p.AppID + "-Aggregate-GroupBy-repartition"
		chain.add(&runtime.Repartition{Topic: topic, Keys: op.Keys, DropNullKeys: true, Step: runtime.StepGroupBy})
		in := &runtime.Input{Internal: &runtime.RepartitionInput{}, InternalTopic: topic}
		plan.Inputs = append(plan.Inputs, in)
		plan.InternalTopics = append(plan.InternalTopics, topic)
		next := newInternalChain(in)
		next.first = chain.first
		*chain = *next
	}
	chain.add(op)
	return ag, op, nil
}

// slotRecorder resolves columns as its scope does and records the slots
// it hands out.
type slotRecorder struct {
	expr.Resolver
	read map[int]bool
}

func (r slotRecorder) Column(ref *sql.ColumnRef) (int, *types.Type, error) {
	slot, typ, err := r.Resolver.Column(ref)
	if err == nil {
		r.read[slot] = true
	}
	return slot, typ, err
}

// checkIntermediateState rejects aggregates whose intermediate state is
// an ARRAY, MAP or STRUCT (AVG's sum and count, TOPK's list...) when the
// state store's value format cannot hold such a type, as ksqlDB does when
// it builds the store's serde (e.g. DELIMITED).
func checkIntermediateState(funcs []*expr.Aggregate, f serde.Format) error {
	if f.Name == "" {
		return nil
	}
	complexState := false
	for _, fn := range funcs {
		complexState = complexState || fn.ComplexState
	}
	if !complexState {
		return nil
	}
	probe := []types.Column{{Name: "STATE", Type: types.StructOf(types.Field{Name: "F", Type: types.ArrayOf(types.BigintType)})}}
	if serde.Check(serde.Format{Name: f.Name}, probe, false) != nil {
		return errorf("One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.")
	}
	return nil
}

// rewrite maps an expression onto the post-aggregation row: grouping
// expressions and aggregate calls become synthetic column references.
// Column references left over are not grouped: an error names them.
func (ag *aggregation) rewrite(e sql.Expr, in *aggInput, clause string) (sql.Expr, error) {
	var bad []string
	out := sql.Rewrite(e, func(x sql.Expr) sql.Expr {
		n := in.norm(x)
		for i, k := range ag.keyNorm {
			if n == k {
				return &sql.ColumnRef{P: x.Position(), Name: gbName(i)}
			}
		}
		if c, ok := x.(*sql.Call); ok {
			for i, k := range ag.callNorm {
				if n == k {
					return &sql.ColumnRef{P: c.P, Name: aggName(i)}
				}
			}
		}
		if ref, ok := x.(*sql.ColumnRef); ok {
			if ref.Name == "WINDOWSTART" || ref.Name == "WINDOWEND" {
				return &sql.ColumnRef{P: ref.P, Name: ref.Name}
			}
			bad = append(bad, sql.FormatExpr(x))
			return x
		}
		return nil
	})
	if len(bad) > 0 {
		return nil, errorf("Non-aggregate %s expression not part of GROUP BY: %s", clause, strings.Join(dedupe(bad), ", "))
	}
	return out, nil
}

// normExpr renders an expression for structural comparison, without the
// source qualifiers.
func normExpr(e sql.Expr, srcName, alias string) string {
	s := sql.FormatExpr(e)
	s = strings.ReplaceAll(s, srcName+".", "")
	if alias != "" {
		s = strings.ReplaceAll(s, alias+".", "")
	}
	return s
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// windowSpec converts a WINDOW clause; without GRACE the grace period is
// 24 hours less the size for EMIT CHANGES and 0 for EMIT FINAL.
func windowSpec(w *sql.Window, final bool) *runtime.WindowSpec {
	ws := &runtime.WindowSpec{Kind: string(w.Kind), Size: w.Size, Advance: w.Advance, Final: final}
	switch {
	case w.Grace != nil:
		ws.Grace = *w.Grace
	case final:
		ws.Grace = 0
	default:
		ws.Grace = max(24*3600*1000-w.Size, 0)
	}
	ws.Retention = w.Size + ws.Grace
	if w.Retention != nil {
		ws.Retention = *w.Retention
	}
	return ws
}

// retentionProblem refuses a RETENTION shorter than the window's size
// (a session's gap) plus its grace period, as Kafka Streams refuses such
// a store: a window would leave the state while records may still reach
// it, and one that did would start again from nothing.
func retentionProblem(w *sql.Window, ws *runtime.WindowSpec) error {
	if w.Retention == nil || ws.Retention >= ws.Size+ws.Grace {
		return nil
	}
	what := "window store must be no smaller than its window size"
	if ws.Kind == runtime.Session {
		what = "session store must be no smaller than the session inactivity gap"
	}
	return errorAt(w.RetentionPos, "The retention period of the %s plus the grace period. Got size=[%d], grace=[%d], retention=[%d] (ms; without GRACE PERIOD, the grace is 24 hours less the size for EMIT CHANGES).",
		what, ws.Size, ws.Grace, ws.Retention)
}

// checkWindowBounds rejects WINDOWSTART and WINDOWEND where a windowed
// aggregation has no window yet: in aggregate function arguments, GROUP BY
// and HAVING. They are only for its SELECT, as in ksqlDB.
func (p *Planner) checkWindowBounds(q *sql.Query) error {
	bound := func(e sql.Expr) string {
		var name string
		if e == nil {
			return ""
		}
		sql.Walk(e, func(e sql.Expr) bool {
			if ref, ok := e.(*sql.ColumnRef); ok && (ref.Name == "WINDOWSTART" || ref.Name == "WINDOWEND") {
				name = ref.Name
			}
			return name == ""
		})
		return name
	}
	fail := func(name string) error {
		return errorf("Window bounds column %s can only be used in the SELECT clause of windowed aggregations and can not be passed to aggregate functions.\nSee https://github.com/confluentinc/ksql/issues/4397", name)
	}
	if q.Window != nil {
		var found string
		for _, si := range q.Select {
			if si.Expr == nil {
				continue
			}
			sql.Walk(si.Expr, func(e sql.Expr) bool {
				if c, ok := e.(*sql.Call); ok && p.fns.IsAggregate(c.Name) {
					for _, a := range c.Args {
						if found == "" {
							found = bound(a)
						}
					}
					return false
				}
				return found == ""
			})
		}
		for _, g := range q.GroupBy {
			if found == "" {
				found = bound(g)
			}
		}
		if found != "" {
			return fail(found)
		}
	}
	if name := bound(q.Having); name != "" {
		return fail(name)
	}
	return nil
}

// finishAggregate plans an aggregate query after its WHERE clause: the
// aggregation, HAVING, and the projection over the aggregated rows.
func (p *Planner) finishAggregate(q *sql.Query, mode Mode, sinkName string, in *aggInput, items []selectItem, chain *chain, plan *QueryPlan) (*QueryPlan, error) {
	in.push = mode == Push
	if err := p.checkWindowBounds(q); err != nil {
		return nil, err
	}
	ag, op, err := p.planAggregate(q, in, items, chain, plan)
	if err != nil {
		return nil, err
	}
	post := ag.post
	if op.Window != nil {
		n := len(post.cols)
		post.cols = append(post.cols,
			scopeCol{name: "WINDOWSTART", typ: types.BigintType, slot: n, pseudo: true},
			scopeCol{name: "WINDOWEND", typ: types.BigintType, slot: n + 1, pseudo: true})
		plan.Window = &metastore.WindowInfo{Type: op.Window.Kind, RetentionMs: op.Window.Retention}
		if op.Window.Kind != runtime.Session {
			plan.Window.SizeMs = op.Window.Size
		}
	}
	if in.noWindowBounds {
		for _, it := range items {
			var missing string
			sql.Walk(it.expr, func(x sql.Expr) bool {
				if ref, ok := x.(*sql.ColumnRef); ok && ref.Qualifier == "" && (ref.Name == "WINDOWSTART" || ref.Name == "WINDOWEND") && missing == "" {
					missing = ref.Name
				}
				return missing == ""
			})
			if missing != "" {
				return nil, errorf("SELECT column '%s' cannot be resolved.", missing)
			}
		}
	}
	var nonAgg []sql.Expr
	for i := range items {
		orig := items[i].expr
		items[i].expr, err = ag.rewrite(orig, in, "SELECT")
		if err != nil {
			nonAgg = append(nonAgg, orig)
		}
	}
	if len(nonAgg) > 0 {
		return nil, nonAggregate(nonAgg)
	}
	if q.Having != nil {
		h, err := ag.rewrite(q.Having, in, "HAVING")
		if err != nil {
			return nil, err
		}
		c, err := expr.Compile(h, post.withClause("HAVING"), p.fns)
		if err != nil {
			return nil, wrapf(err, "Error in HAVING expression: %v", in.display(restoreNames(err.Error(), ag)))
		}
		if c.Type != nil && c.Type.Kind != types.Boolean {
			return nil, errorf("Type error in HAVING expression: Should evaluate to boolean but is %s (%s) instead.", sql.FormatExpr(q.Having), c.Type)
		}
		chain.add(&runtime.Filter{Pred: c, IsTable: true, NumKey: len(op.Keys), Step: stepHaving})
	}

	// Output key: the grouping expressions, in GROUP BY order, named by
	// the projection entries that select them.
	var keyIdx []int
	if mode == Persistent {
		var missing []string
		for i := range ag.keys {
			var found []int
			for j, it := range items {
				if ref, ok := it.expr.(*sql.ColumnRef); ok && ref.Name == gbName(i) {
					found = append(found, j)
				}
			}
			switch {
			case len(found) == 0:
				missing = append(missing, sql.FormatExpr(ag.keys[i]))
			case len(found) > 1:
				return nil, errorf("The projection contains a key column more than once: `%s` and `%s`.", items[found[0]].name, items[found[1]].name)
			default:
				keyIdx = append(keyIdx, found[0])
			}
		}
		if len(missing) > 0 {
			noun := "grouping expression"
			if len(missing) > 1 {
				noun += "s"
			}
			return nil, errorf("The query used to build `%s` must include the %s %s in its projection (eg, SELECT %s...).", sinkName, noun, joinAnd(missing), strings.Join(missing, ", "))
		}
	}
	pr, err := p.project(items, keyIdx, mode, post.withClause("SELECT"), projectOptions{
		restore: func(m string) string { return restoreNames(m, ag) }, dupValues: true, rejectReserved: true,
	})
	if err != nil {
		return nil, err
	}
	out, proj := pr.schema, pr.op
	proj.Step = stepAggregateProject
	if mode == Push {
		// A push query's delete keeps the projected key columns and
		// window bounds, so a client can tell which row it deletes.
		for _, it := range pr.items {
			proj.KeyOnly = append(proj.KeyOnly, selectsGroupKey(it.expr, len(ag.keys)))
		}
	}
	chain.add(proj)
	plan.Output = out
	plan.NumKey = len(keyIdx)
	plan.ResultIsTable = true
	if chain.first != nil {
		plan.Inputs = append([]*runtime.Input{chain.first}, plan.Inputs...)
	}
	plan.Out = proj
	return plan, nil
}

// selectsGroupKey reports whether a rewritten SELECT item is one of the
// n grouping expressions or a window bound as it is: what ksqlDB's
// tombstones of a push query keep.
func selectsGroupKey(e sql.Expr, n int) bool {
	ref, ok := e.(*sql.ColumnRef)
	if !ok {
		return false
	}
	if ref.Name == "WINDOWSTART" || ref.Name == "WINDOWEND" {
		return true
	}
	for i := range n {
		if ref.Name == gbName(i) {
			return true
		}
	}
	return false
}

// restoreNames puts the original expressions back into an error message
// that mentions synthetic post-aggregation names.
func restoreNames(msg string, ag *aggregation) string {
	for i, k := range ag.keys {
		msg = strings.ReplaceAll(msg, "`"+gbName(i)+"`", sql.FormatExpr(k))
		msg = strings.ReplaceAll(msg, gbName(i), sql.FormatExpr(k))
	}
	for i, c := range ag.calls {
		msg = strings.ReplaceAll(msg, "`"+aggName(i)+"`", sql.FormatExpr(c))
		msg = strings.ReplaceAll(msg, aggName(i), sql.FormatExpr(c))
	}
	return msg
}

// groupsBySourceKey reports whether the grouping expressions are exactly
// the source's key columns, in which case rows are already partitioned by
// group and need no repartition topic.
func groupsBySourceKey(keys []sql.Expr, src *metastore.Source) bool {
	sk := src.Schema.Key()
	if len(keys) != len(sk) {
		return false
	}
	for i, k := range keys {
		ref, ok := k.(*sql.ColumnRef)
		if !ok || ref.Name != sk[i].Name {
			return false
		}
	}
	return true
}

// nonAggregate is the error for selected expressions that are neither
// aggregated nor grouped by, at the first of them.
func nonAggregate(exprs []sql.Expr) error {
	names := make([]string, len(exprs))
	for i, e := range exprs {
		names[i] = sql.FormatExpr(e)
	}
	return errorAt(exprStart(exprs[0]), "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add the column(s) to the GROUP BY or remove them from the SELECT.", strings.Join(names, ", "))
}

// exprStart is where e's text begins: the first position of its nodes
// (a binary expression's own position is its operator's).
func exprStart(e sql.Expr) sql.Pos {
	start := e.Position()
	sql.Walk(e, func(x sql.Expr) bool {
		if p := x.Position(); p.Line != 0 && (p.Line < start.Line || p.Line == start.Line && p.Col < start.Col) {
			start = p
		}
		return true
	})
	return start
}
