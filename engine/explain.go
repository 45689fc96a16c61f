package engine

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// explain answers EXPLAIN <query id> with the running query's plan,
// topology, state and counters, and EXPLAIN <statement> by planning the
// statement in a sandbox without running it.
func (e *Engine) explain(ctx context.Context, st *sql.Explain, props map[string]string) (api.Entity, error) {
	var desc api.QueryDescription
	var err error
	if st.Statement != nil {
		desc, err = e.explainStatement(ctx, st.Statement, props)
	} else {
		desc, err = e.explainQuery(strings.ToUpper(st.QueryID))
	}
	if err != nil {
		return nil, err
	}
	return &api.QueryDescriptionEntity{Type: "queryDescription", StatementText: st.Text(), QueryDescription: desc, Warnings: []api.Warning{}}, nil
}

// queryDescriptions answers SHOW QUERIES EXTENDED: every persistent
// query as EXPLAIN describes it.
func (e *Engine) queryDescriptions(text string) (api.Entity, error) {
	list := &api.QueryDescriptionList{Type: "query_descriptions", StatementText: text, QueryDescriptions: []api.QueryDescription{}, Warnings: []api.Warning{}}
	for _, q := range e.ms.Queries() {
		desc, err := e.explainQuery(q.ID)
		if err != nil {
			continue // dropped meanwhile
		}
		list.QueryDescriptions = append(list.QueryDescriptions, desc)
	}
	return list, nil
}

// explainQuery describes a persistent query of the catalog.
func (e *Engine) explainQuery(id string) (api.QueryDescription, error) {
	q := e.ms.Query(id)
	if q == nil {
		return api.QueryDescription{}, &stmtErr{msg: fmt.Sprintf("Query with id:%s does not exist, use SHOW QUERIES to view the full set of queries.", id)}
	}
	desc := e.persistentDescription(q)
	e.mu.Lock()
	rq := e.queries[id]
	e.mu.Unlock()
	if rq == nil {
		// In the catalog but not running here (it failed to start).
		desc.State = "NOT_RUNNING"
		return desc, nil
	}
	desc.State = rq.State()
	desc.Topology = rq.Topology.Describe() + "\n" + rq.DescribeRuntime()
	c := rq.Counts()
	desc.Statistics = fmt.Sprintf("messages-in: %d, messages-out: %d", c.In, c.Out)
	desc.ErrorStats = fmt.Sprintf("processing-errors: %d", c.Errors)
	if last := rq.LastError(); last > 0 {
		desc.ErrorStats += ", last-failed: " + statTime(last)
	}
	desc.QueryErrors = append(desc.QueryErrors, e.failures.of(id)...)
	if err := rq.Err(); err != nil && len(desc.QueryErrors) == 0 {
		// Failed a moment ago: watchQuery has yet to record it.
		at := rq.FailedAt()
		if at == 0 {
			at = time.Now().UnixMilli()
		}
		desc.QueryErrors = append(desc.QueryErrors, api.QueryError{Timestamp: at, ErrorMessage: err.Error(), Type: "UNKNOWN"})
	}
	return desc, nil
}

// persistentDescription is what the catalog says about a persistent
// query: its fields (the sink's columns), sources, sinks and the
// execution plan of its statement.
func (e *Engine) persistentDescription(q *metastore.Query) api.QueryDescription {
	desc := api.QueryDescription{
		ID: q.ID, StatementText: q.SQL, Sources: append([]string{}, q.Sources...), Sinks: []string{q.Sink},
		QueryType: "PERSISTENT", OverriddenProperties: maps.Clone(q.Overrides), QueryErrors: []api.QueryError{},
	}
	if desc.OverriddenProperties == nil {
		desc.OverriddenProperties = map[string]string{}
	}
	if sink := e.ms.Source(q.Sink); sink != nil {
		desc.Fields = queryFields(sink.Schema)
		if sink.Window != nil {
			desc.WindowType = sink.Window.Type
		}
	}
	if stmts, err := sql.Parse(q.SQL); err == nil && len(stmts) == 1 {
		desc.ExecutionPlan = e.executionPlan(stmts[0], q.ID)
	}
	return desc
}

// queryFields are a result schema's columns as FieldInfo.
func queryFields(s *types.Schema) []api.FieldInfo {
	var out []api.FieldInfo
	for _, c := range s.Columns {
		f := api.FieldInfo{Name: c.Name, Schema: schemaInfo(c.Type)}
		if c.Namespace == types.KeyColumn {
			f.Type = "KEY"
		}
		out = append(out, f)
	}
	return out
}

// explainStatement plans a statement without running it. A persistent
// query is created in a sandbox (a copy of the catalog over a cluster
// that records nothing), then described as if it ran; a SELECT is
// planned as the push or pull query it would be.
func (e *Engine) explainStatement(ctx context.Context, st sql.Statement, props map[string]string) (api.QueryDescription, error) {
	switch s := st.(type) {
	case *sql.Select:
		return e.explainSelect(s, props)
	case *sql.CreateAsSelect, *sql.InsertInto:
		sb := e.sandbox()
		defer sb.Close()
		ent, err := sb.execute(ctx, st, props, true)
		if err != nil {
			return api.QueryDescription{}, err
		}
		cs, ok := ent.(*api.CurrentStatus)
		if !ok || cs.CommandStatus.QueryID == "" {
			msg := "the statement would not start a query"
			if ok {
				msg = cs.CommandStatus.Message
			}
			return api.QueryDescription{}, &stmtErr{msg: "Cannot EXPLAIN the statement: " + msg}
		}
		id := cs.CommandStatus.QueryID
		q := sb.ms.Query(id)
		if q == nil {
			return api.QueryDescription{}, &stmtErr{msg: "Cannot EXPLAIN the statement: its query was not planned."}
		}
		desc := sb.persistentDescription(q)
		desc.StatementText = st.Text()
		if rq := sb.queries[id]; rq != nil {
			desc.Topology = rq.Topology.Describe()
		}
		return desc, nil
	}
	return api.QueryDescription{}, &stmtErr{msg: "EXPLAIN is only supported for queries: SELECT, CREATE STREAM|TABLE ... AS SELECT and INSERT INTO ... SELECT."}
}

// explainSelect plans a transient query.
func (e *Engine) explainSelect(s *sql.Select, props map[string]string) (api.QueryDescription, error) {
	p := planner.New(e.ms, e.fns, e.config(props), e.opts.Registry)
	pull := s.Query.Emit == sql.EmitNone
	var plan *planner.QueryPlan
	var err error
	if pull {
		plan, _, err = e.planPull(s.Query, p)
	} else {
		plan, err = p.PlanQuery(s.Query, planner.Push, "")
	}
	if err != nil {
		return api.QueryDescription{}, err
	}
	desc := api.QueryDescription{
		StatementText: s.Text(), Sources: append([]string{}, plan.Sources...), Sinks: []string{},
		QueryType: "PUSH", OverriddenProperties: map[string]string{}, QueryErrors: []api.QueryError{},
		ExecutionPlan: e.executionPlan(s, ""),
	}
	if pull {
		desc.QueryType = "PULL"
	}
	for i, c := range plan.Output.Columns {
		f := api.FieldInfo{Name: c.Name, Schema: schemaInfo(c.Type)}
		if c.Namespace == types.KeyColumn || (i < len(plan.KeyColumns) && plan.KeyColumns[i]) {
			f.Type = "KEY"
		}
		desc.Fields = append(desc.Fields, f)
	}
	if plan.Window != nil {
		desc.WindowType = plan.Window.Type
	}
	if plan.Out != nil {
		plan.Out.Next = &runtime.EmitSink{}
		desc.Topology = (&runtime.Topology{Inputs: plan.Inputs}).Describe()
	}
	return desc, nil
}

// planStep is one node of an execution plan: a logical step with what
// it works on, and the steps feeding it.
type planStep struct {
	kind   string
	detail []string
	inputs []*planStep
}

// executionPlan renders a query statement as a tree of logical steps,
// from the sink down to the sources, each with what it computes.
func (e *Engine) executionPlan(st sql.Statement, queryID string) string {
	var q *sql.Query
	var sink *planStep
	switch s := st.(type) {
	case *sql.CreateAsSelect:
		q = s.Query
		sink = e.sinkStep(s.Name, queryID)
	case *sql.InsertInto:
		q = s.Query
		sink = e.sinkStep(s.Target, queryID)
	case *sql.Select:
		q = s.Query
		sink = &planStep{kind: "OUTPUT", detail: []string{"Rows to the client"}}
		if q.Limit != nil {
			sink.detail = append(sink.detail, fmt.Sprintf("Limit: %d", *q.Limit))
		}
	default:
		return ""
	}
	top := e.queryStep(q)
	sink.inputs = []*planStep{top}
	var b strings.Builder
	writeStep(&b, sink, 0)
	return strings.TrimSuffix(b.String(), "\n")
}

func (e *Engine) sinkStep(name, queryID string) *planStep {
	st := &planStep{kind: "SINK", detail: []string{"Name: " + name}}
	if src := e.ms.Source(name); src != nil {
		st.detail = append(st.detail, "Topic: "+src.Topic, "Formats: KEY "+src.KeyFormat.Name+", VALUE "+src.ValueFormat.Name,
			"Schema: "+src.Schema.String())
	}
	if queryID != "" {
		st.detail = append(st.detail, "Query: "+queryID)
	}
	return st
}

// queryStep builds the steps of a SELECT: projection, HAVING,
// aggregation, PARTITION BY, WHERE, then the sources.
func (e *Engine) queryStep(q *sql.Query) *planStep {
	var items []string
	for _, it := range q.Select {
		switch {
		case it.Star && it.Expr != nil:
			items = append(items, sql.FormatExpr(it.Expr)+"->*")
		case it.Star && it.StarQualifier != "":
			items = append(items, it.StarQualifier+".*")
		case it.Star:
			items = append(items, "*")
		case it.Alias != "":
			items = append(items, sql.FormatExpr(it.Expr)+" AS "+it.Alias)
		default:
			items = append(items, sql.FormatExpr(it.Expr))
		}
	}
	top := &planStep{kind: "PROJECT", detail: []string{"Columns: " + strings.Join(items, ", ")}}
	cur := top
	chain := func(s *planStep) {
		cur.inputs = []*planStep{s}
		cur = s
	}
	if q.Having != nil {
		chain(&planStep{kind: "FILTER", detail: []string{"HAVING " + sql.FormatExpr(q.Having)}})
	}
	if len(q.GroupBy) > 0 || q.Window != nil || e.isAggregate(q) {
		agg := &planStep{kind: "AGGREGATE"}
		if len(q.GroupBy) > 0 {
			agg.detail = append(agg.detail, "GROUP BY "+formatExprs(q.GroupBy))
		}
		if w := q.Window; w != nil {
			agg.detail = append(agg.detail, "WINDOW "+windowText(w))
		}
		chain(agg)
	}
	if len(q.PartitionBy) > 0 {
		chain(&planStep{kind: "REPARTITION", detail: []string{"PARTITION BY " + formatExprs(q.PartitionBy)}})
	}
	if q.Where != nil {
		chain(&planStep{kind: "FILTER", detail: []string{"WHERE " + sql.FormatExpr(q.Where)}})
	}
	chain(e.relationStep(q.From))
	return top
}

// isAggregate reports whether the projection calls an aggregate without
// GROUP BY (e.g. a pull query's COUNT(*)); only top-level calls are
// checked, enough for the plan text.
func (e *Engine) isAggregate(q *sql.Query) bool {
	for _, it := range q.Select {
		if c, ok := it.Expr.(*sql.Call); ok && e.fns.IsAggregate(c.Name) {
			return true
		}
	}
	return false
}

func (e *Engine) relationStep(r sql.Relation) *planStep {
	switch x := r.(type) {
	case *sql.Table:
		st := &planStep{kind: "SOURCE", detail: []string{"Name: " + x.Name}}
		if x.Alias != "" {
			st.detail[0] += " AS " + x.Alias
		}
		if src := e.ms.Source(x.Name); src != nil {
			st.kind = src.Kind() + " SOURCE"
			st.detail = append(st.detail, "Topic: "+src.Topic, "Formats: KEY "+src.KeyFormat.Name+", VALUE "+src.ValueFormat.Name,
				"Schema: "+src.Schema.String())
			if src.Window != nil {
				st.detail = append(st.detail, "Windowed: "+src.Window.Type)
			}
		}
		return st
	case *sql.Join:
		st := &planStep{kind: string(x.Kind) + " JOIN"}
		if x.On != nil {
			st.detail = append(st.detail, "ON "+sql.FormatExpr(x.On))
		}
		if w := x.Within; w != nil {
			within := fmt.Sprintf("WITHIN (%s, %s)", duration(w.Before), duration(w.After))
			if w.Grace != nil {
				within += " GRACE PERIOD " + duration(*w.Grace)
			}
			st.detail = append(st.detail, within)
		}
		st.inputs = []*planStep{e.relationStep(x.Left), e.relationStep(x.Right)}
		return st
	}
	return &planStep{kind: "SOURCE"}
}

func formatExprs(es []sql.Expr) string {
	parts := make([]string, len(es))
	for i, x := range es {
		parts[i] = sql.FormatExpr(x)
	}
	return strings.Join(parts, ", ")
}

func windowText(w *sql.Window) string {
	var s string
	switch w.Kind {
	case sql.Session:
		s = fmt.Sprintf("SESSION (%s)", duration(w.Size))
	case sql.Hopping:
		s = fmt.Sprintf("HOPPING (SIZE %s, ADVANCE BY %s)", duration(w.Size), duration(w.Advance))
	default:
		s = fmt.Sprintf("%s (SIZE %s)", w.Kind, duration(w.Size))
	}
	if w.Retention != nil {
		s += " RETENTION " + duration(*w.Retention)
	}
	if w.Grace != nil {
		s += " GRACE PERIOD " + duration(*w.Grace)
	}
	return s
}

// duration renders milliseconds in the largest exact unit.
func duration(ms int64) string {
	units := []struct {
		name string
		ms   int64
	}{{"DAYS", 86400000}, {"HOURS", 3600000}, {"MINUTES", 60000}, {"SECONDS", 1000}}
	for _, u := range units {
		if ms != 0 && ms%u.ms == 0 {
			return plural(ms/u.ms, u.name)
		}
	}
	return plural(ms, "MILLISECONDS")
}

// writeStep writes a step and, indented below it, its inputs.
func writeStep(b *strings.Builder, s *planStep, depth int) {
	fmt.Fprintf(b, "%s > [ %s ]", strings.Repeat("\t\t", depth), s.kind)
	for _, d := range s.detail {
		b.WriteString(" | " + d)
	}
	b.WriteByte('\n')
	for _, in := range s.inputs {
		writeStep(b, in, depth+1)
	}
}

// plural writes n and unit, singular for one ("1 MINUTE").
func plural(n int64, unit string) string {
	if n == 1 || n == -1 {
		unit = strings.TrimSuffix(unit, "S")
	}
	return fmt.Sprintf("%d %s", n, unit)
}
