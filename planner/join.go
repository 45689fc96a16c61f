package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// joinSide is one source of a join and where its row sits in the
// combined row.
type joinSide struct {
	src    *metastore.Source
	alias  string // as written, or the source name
	layout *runtime.Source
	scope  *scope // the source's own row
	offset int    // slot of the source row within the combined row
}

// joinScope resolves references over a combined join row: qualified by
// alias or source name, or unqualified when unique.
type joinScope struct {
	sides  []*joinSide
	extra  []scopeCol // ROWKEY, ROWTIME of the join result
	clause string
	// synthetic is set when the result key is a synthetic column: a FULL
	// OUTER join, or criteria with no source column equal to the key.
	synthetic bool
	// keyName names the result key: ROWKEY, or for a synthetic key the
	// first of ROWKEY, ROWKEY_1, … no source column is called.
	keyName string
	// viable are the source columns equal to the result key.
	viable []sql.Expr
}

// sidesWith counts the sources that have a column called name, pseudo
// columns included (every source has a ROWTIME).
func (s *joinScope) sidesWith(name string) int {
	n := 0
	for _, sd := range s.sides {
		for _, c := range sd.scope.cols {
			if c.name == name {
				n++
				break
			}
		}
	}
	return n
}

func (s *joinScope) withClause(c string) *joinScope {
	x := *s
	x.clause = c
	return &x
}

func (s *joinScope) side(q string) *joinSide {
	for _, sd := range s.sides {
		if q == sd.alias || q == sd.src.Name {
			return sd
		}
	}
	return nil
}

// Column implements expr.Resolver.
func (s *joinScope) Column(ref *sql.ColumnRef) (int, *types.Type, error) {
	if ref.Qualifier != "" {
		sd := s.side(ref.Qualifier)
		if sd == nil {
			return 0, nil, errorAt(ref.P, "'%s' is not a valid stream/table name or alias.", ref.Qualifier)
		}
		for _, c := range sd.scope.cols {
			if c.name == ref.Name {
				return sd.offset + c.slot, c.typ, nil
			}
		}
		return 0, nil, errorAtLine(ref.P, "%s column '%s.%s' cannot be resolved.", s.clause, ref.Qualifier, ref.Name)
	}
	for _, c := range s.extra {
		if c.name == ref.Name {
			return c.slot, c.typ, nil
		}
	}
	var hits []string
	slot, typ := 0, (*types.Type)(nil)
	for _, sd := range s.sides {
		for _, c := range sd.scope.cols {
			if c.name == ref.Name && !c.pseudo {
				hits = append(hits, sd.alias+"."+c.name)
				slot, typ = sd.offset+c.slot, c.typ
			}
		}
	}
	switch len(hits) {
	case 1:
		return slot, typ, nil
	case 0:
		return 0, nil, errorAtLine(ref.P, "%s column '%s' cannot be resolved.", s.clause, ref.Name)
	}
	return 0, nil, errorAtLine(ref.P, "Column '%s' is ambiguous. Could be %s.", ref.Name, joinOr(hits))
}

// joinStep is one planned binary join.
type joinStep struct {
	spec                *runtime.JoinSpec
	leftExpr, rightExpr sql.Expr
	kind                string
	scope               *joinScope // the sides joined before this step
}

// planJoin plans a (left-deep, possibly N-way) join query.
func (p *Planner) planJoin(q *sql.Query, mode Mode, sinkName string) (*QueryPlan, error) {
	if tf := tableFunctionIn(q); tf != "" {
		return nil, errorf("Table functions over joins are not supported yet: %s. Join into a stream first, then apply %s to it.", tf, tf)
	}
	var rels []*sql.Table
	var joins []*sql.Join
	var flatten func(r sql.Relation)
	flatten = func(r sql.Relation) {
		switch x := r.(type) {
		case *sql.Table:
			rels = append(rels, x)
		case *sql.Join:
			flatten(x.Left)
			rels = append(rels, x.Right)
			joins = append(joins, x)
		}
	}
	flatten(q.From)
	js := &joinScope{}
	plan := &QueryPlan{Limit: q.Limit}
	var kafkaFmt []string
	for _, t := range rels {
		src := p.ms.Source(t.Name)
		if src == nil {
			return nil, unknownSource(t.P, t.Name, p.ms.SourceNames())
		}
		layout, err := p.sourceLayout(src)
		if err != nil {
			return nil, err
		}
		alias := t.Alias
		if alias == "" {
			alias = t.Name
		}
		if src.ValueFormat.Name == "KAFKA" {
			kafkaFmt = append(kafkaFmt, src.Name)
		}
		js.sides = append(js.sides, &joinSide{src: src, alias: alias, layout: layout, scope: sourceScope(src, alias, layout)})
		plan.Sources = append(plan.Sources, src.Name)
	}
	for i, a := range js.sides {
		for _, b := range js.sides[i+1:] {
			if a.src == b.src && len(js.sides) > 2 {
				return nil, errorf("N-way joins do not support multiple occurrences of the same source. Source: '%s'", a.src.Name)
			}
			if a.src == b.src {
				return nil, errorf("Can not join '%s' to '%s': self joins are not yet supported.", a.src.Name, b.src.Name)
			}
		}
	}
	if err := checkJoinWindows(js.sides); err != nil {
		return nil, err
	}
	if len(kafkaFmt) > 0 {
		return nil, errorf("Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", strings.Join(kafkaFmt, ", "))
	}
	if plan.From == nil {
		plan.From = js.sides[0].src
	}
	plan.Window = js.sides[0].src.Window

	if err := checkJoinAmbiguity(q, js); err != nil {
		return nil, err
	}
	if err := checkJoinCriteria(joins, js); err != nil {
		return nil, err
	}

	// Plan the join steps left-deep first: step i joins the combined row
	// of the previous steps with source i+1. Operators are wired after
	// the key formats are resolved, which needs every step.
	leftWidth := js.sides[0].layout.Width()
	leftTable := js.sides[0].src.IsTable
	var steps []*joinStep
	for i, j := range joins {
		right := js.sides[i+1]
		right.offset = leftWidth
		done := &joinScope{sides: js.sides[:i+1], clause: "JOIN"}
		step, err := p.joinStep(j, done, right, leftTable, leftWidth)
		if err != nil {
			return nil, err
		}
		step.scope = done
		steps = append(steps, step)
		leftWidth = step.spec.Width()
		leftTable = leftTable && right.src.IsTable
	}
	kp, err := p.resolveJoinKeys(steps, js)
	if err != nil {
		return nil, err
	}
	if p.AppID == "" {
		kp = nil // a transient query runs in one place: nothing to co-partition
	}

	// Wire the operators: a side the key plan repartitions reaches its
	// join through an internal topic keyed by the join expression in the
	// join's key format, so matching rows share a partition whichever
	// server owns it.
	leftTable = js.sides[0].src.IsTable
	early := p.streamSideFilter(q.Where, joins, js)
	unread := unreadColumns(q, joins, js)
	if unread == nil {
		unread = make([][]int, len(js.sides))
	}
	for i, sd := range js.sides {
		readOnly(sd.layout, sd.src, unread[i])
	}
	leftInput := &runtime.Input{Source: js.sides[0].layout, Step: joinSideStep(len(steps), 0, "Left") + ".Source"}
	plan.Inputs = append(plan.Inputs, leftInput)
	attachLeft := func(op runtime.Op) { leftInput.Next = op }
	for i, step := range steps {
		right := js.sides[i+1]
		leftEntry, rightEntry := runtime.Op(&runtime.JoinLeft{J: step.spec}), runtime.Op(&runtime.JoinRight{J: step.spec})
		prefix := joinPrefix(len(steps), i)
		step.spec.Step = prefix + "Join"
		if kp != nil {
			sk := kp.steps[i]
			if sk.left != nil {
				leftEntry = p.repartitionJoinSide(plan, sk.left, step.spec.LeftKey, leftEntry, prefix+"LeftSourceKeyed")
			}
			if sk.right != nil {
				rightEntry = p.repartitionJoinSide(plan, sk.right, step.spec.RightKey, rightEntry, prefix+"RightSourceKeyed")
			}
			step.spec.Stores = sk.stores
			p.registerJoinStoreKeys(sk, step.spec.LeftKey.Type)
		}
		if i == 0 {
			leftEntry = dropUnread(unread[0], leftEntry)
			if early != nil {
				early.Next, leftEntry = leftEntry, early
			}
		}
		rightEntry = dropUnread(unread[i+1], rightEntry)
		attachLeft(leftEntry)
		plan.Inputs = append(plan.Inputs, &runtime.Input{Source: right.layout, Next: rightEntry, Step: joinSideStep(len(steps), i, "Right") + ".Source"})
		spec := step.spec
		attachLeft = func(op runtime.Op) { spec.Next = op }
		leftTable = leftTable && right.src.IsTable
	}
	last := steps[len(steps)-1].spec
	// The result is keyed by a synthetic column when no source column
	// equals its key (ksqlDB's viable key columns).
	js.viable = viableKeyColumns(steps, &joinScope{sides: js.sides})
	js.synthetic = len(js.viable) == 0
	js.keyName = "ROWKEY"
	if js.synthetic {
		js.keyName = syntheticKeyName(js.sides)
	}
	js.extra = []scopeCol{
		{name: js.keyName, typ: p.joinKeyType(steps[len(steps)-1], js), slot: last.KeySlot()},
		{name: "ROWTIME", typ: types.BigintType, slot: last.TimeSlot(), pseudo: true},
	}
	plan.ResultIsTable = leftTable

	// WHERE applies to the joined rows.
	head := newChain(&runtime.Input{})
	head.tail = attachLeft
	if q.Where != nil {
		w, err := expr.Compile(q.Where, js.withClause("WHERE"), p.fns)
		if err != nil {
			return nil, wrapf(err, "Error in WHERE expression: %v", js.joinNames(err.Error()))
		}
		if w.Type != nil && w.Type.Kind != types.Boolean {
			return nil, errorf("Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.", sql.FormatExpr(q.Where), w.Type)
		}
		head.add(&runtime.Filter{Pred: w, IsTable: leftTable, KeySlots: []int{last.KeySlot()}, Step: stepWhere})
	}

	items, err := p.expandJoinSelect(q, js)
	if err != nil {
		return nil, err
	}
	if p.IsAggregateQuery(q) {
		if len(q.PartitionBy) > 0 {
			return nil, errorf("PARTITION BY and GROUP BY cannot be used together.")
		}
		head.first = nil // the join's inputs are already in plan.Inputs
		agg, err := p.finishAggregate(q, mode, sinkName, joinAggInput(js, last, leftTable), items, head, plan)
		if err == nil {
			err = p.checkJoinPartitions(steps, js)
		}
		return agg, err
	}
	var keyIdx []int
	if len(q.PartitionBy) > 0 {
		if leftTable {
			return nil, errorf("Invalid result type. PARTITION BY is not supported on tables: `%s` is a TABLE.", sinkName)
		}
		if keyIdx, err = p.partitionedJoinKeyItems(q.PartitionBy, js, items, sinkName); err != nil {
			return nil, err
		}
		if mode != Persistent {
			keyIdx = nil // a push query has no key of its own
		}
	} else if mode == Persistent {
		keyIdx, err = p.joinKeyItems(steps, js, items, sinkName)
		if err != nil {
			return nil, err
		}
		if ref, ok := items[keyIdx[0]].expr.(*sql.ColumnRef); ok && !(ref.Qualifier == "" && ref.Name == js.keyName) {
			if slot, _, err := js.withClause("SELECT").Column(ref); err == nil {
				last.KeyFill = slot
			}
		}
	}
	pr, err := p.project(items, keyIdx, mode, js.withClause("SELECT"), projectOptions{rejectMapKeys: true, rejectReserved: true, keyName: func(it selectItem) string {
		if ref, ok := it.expr.(*sql.ColumnRef); ok {
			if sd := js.side(ref.Qualifier); sd != nil {
				return sd.alias + "_" + ref.Name
			}
		}
		return it.name
	}})
	if err != nil {
		return nil, err
	}
	if err := p.checkJoinPartitions(steps, js); err != nil {
		return nil, err
	}
	out, proj := pr.schema, pr.op
	head.add(proj)
	plan.Output = out
	plan.NumKey = len(keyIdx)
	plan.Out = proj
	return plan, nil
}

// joinStep validates one join's type and criteria and builds its spec.
func (p *Planner) joinStep(j *sql.Join, left *joinScope, right *joinSide, leftTable bool, leftWidth int) (*joinStep, error) {
	rightTable := right.src.IsTable
	kind := string(j.Kind)
	eq, ok := j.On.(*sql.Binary)
	if ok && (eq.Op == "AND" || eq.Op == "OR") {
		return nil, errorf("Invalid join condition: joins on multiple conditions are not yet supported. Got %s.", sql.FormatExpr(j.On))
	}
	if !ok || eq.Op != "=" {
		return nil, errorf("Unsupported join expression: %s. Only equality joins on one column pair are supported.", sql.FormatExpr(j.On))
	}
	// Resolve both operands over both sides first, so unknown and
	// ambiguous columns are reported as such; then each operand must
	// reference exactly one side.
	both := &joinScope{sides: append(append([]*joinSide{}, left.sides...), right), clause: "JOIN ON"}
	rightScope := &scope{srcName: right.src.Name, alias: right.alias, cols: right.scope.cols, clause: "JOIN ON"}
	sidesOf := func(e sql.Expr) (l, r bool, err error) {
		sql.Walk(e, func(x sql.Expr) bool {
			ref, ok := x.(*sql.ColumnRef)
			if !ok || err != nil {
				return err == nil
			}
			slot, _, e2 := both.Column(ref)
			switch {
			case e2 != nil:
				err = e2
			case slot >= leftWidth:
				r = true
			default:
				l = true
			}
			return true
		})
		return
	}
	lexpr, rexpr := eq.L, eq.R
	ll, lr, err := sidesOf(lexpr)
	if err != nil {
		return nil, err
	}
	rl, rr, err := sidesOf(rexpr)
	if err != nil {
		return nil, err
	}
	bad := func(e sql.Expr) error {
		return errorf("Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.", sql.FormatExpr(e), sql.FormatExpr(j.On))
	}
	switch {
	case !(ll || lr):
		return nil, bad(lexpr)
	case !(rl || rr):
		return nil, bad(rexpr)
	case lr && !ll && rl && !rr:
		lexpr, rexpr = rexpr, lexpr
	case ll && !lr && rr && !rl:
	default:
		return nil, bad(lexpr)
	}
	switch {
	case !leftTable && !rightTable && j.Within == nil:
		return nil, errorf("Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select")
	case (leftTable || rightTable) && j.Within != nil:
		what := "Stream-Table"
		if leftTable && rightTable {
			what = "Table-Table"
		}
		return nil, errorf("A window definition was provided for a %s join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to submit your query again.", what)
	case leftTable && !rightTable:
		return nil, errorf("Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s %s %s.", exprSource(lexpr, left).src.Name, joinWords(kind), right.src.Name)
	case !leftTable && rightTable && (kind == "RIGHT" || kind == "FULL"):
		return nil, errorf("Invalid join type: %s-outer join not supported for stream-table join. Got %s %s %s.", strings.ToLower(kind), left.sides[len(left.sides)-1].src.Name, joinWords(kind), right.src.Name)
	}
	lc, err := expr.Compile(lexpr, left.withClause("JOIN ON"), p.fns)
	if err != nil {
		return nil, wrap(err)
	}
	rc, err := expr.Compile(rexpr, rightScope, p.fns)
	if err != nil {
		return nil, wrap(err)
	}
	if lc.Type != nil && rc.Type != nil && !lc.Type.Equal(rc.Type) {
		return nil, errorf("Invalid join condition: types don't match. Got %s{%s} = %s{%s}.", sql.FormatExpr(lexpr), lc.Type, sql.FormatExpr(rexpr), rc.Type)
	}
	foreignKey := leftTable && rightTable && isPrimaryKeyRef(rexpr, right) && !keyOfSide(lexpr, left)
	if right.src.Window != nil && !foreignKey && (!isPrimaryKeyRef(rexpr, right) || !keyOfSide(lexpr, left)) {
		return nil, errorf("Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.")
	}
	if rightTable && !isPrimaryKeyRef(rexpr, right) {
		if leftTable {
			return nil, errorf("Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s = %s.", sql.FormatExpr(qualify(lexpr, both)), sql.FormatExpr(qualify(rexpr, both)))
		}
		return nil, errorf("Invalid join condition: stream-table joins require to join on the table's primary key. Got %s = %s.", sql.FormatExpr(qualify(lexpr, both)), sql.FormatExpr(qualify(rexpr, both)))
	}
	// A table joined on an expression that is not its key, to the right
	// table's key, is a foreign-key join.
	var fk *runtime.ForeignKey
	if foreignKey {
		switch kind {
		case "FULL":
			return nil, errorf("Invalid join type: full-outer join not supported for foreign-key table-table join. Got %s %s %s.", left.sides[len(left.sides)-1].src.Name, joinWords(kind), right.src.Name)
		case "RIGHT":
			return nil, errorf("RIGHT OUTER JOIN on a foreign key is not supported")
		}
		if left.sides[0].src.Window != nil || right.src.Window != nil {
			return nil, errorf("Foreign-key table-table joins are not supported on windowed tables.")
		}
		if len(left.sides) > 1 {
			return nil, errorf("Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got %s = %s.", sql.FormatExpr(qualify(lexpr, both)), sql.FormatExpr(qualify(rexpr, both)))
		}
		sd := left.sides[0]
		pk, err := expr.Compile(&sql.ColumnRef{Qualifier: sd.alias, Name: sd.src.Schema.Key()[0].Name}, left, p.fns)
		if err != nil {
			return nil, wrap(err)
		}
		fk = &runtime.ForeignKey{LeftPK: pk}
	}
	spec := &runtime.JoinSpec{
		Kind: kind, LeftTable: leftTable, RightTable: rightTable,
		LeftWidth: leftWidth, RightWidth: right.layout.Width(),
		LeftKey: lc, RightKey: rc, KeyFill: -1, FK: fk,
		SessionWindows: right.src.Window != nil && right.src.Window.Type == "SESSION",
	}
	if w := j.Within; w != nil {
		spec.Before, spec.After = w.Before, w.After
		if w.Grace != nil {
			spec.Grace, spec.HasGrace = *w.Grace, true
		} else {
			spec.Grace = 24 * 3600 * 1000
		}
	}
	st := &joinStep{spec: spec, leftExpr: lexpr, rightExpr: rexpr, kind: kind}
	if fk != nil {
		// A foreign-key join's result is keyed by the left table's key.
		sd := left.sides[0]
		st.leftExpr = &sql.ColumnRef{Qualifier: sd.alias, Name: sd.src.Schema.Key()[0].Name}
		st.rightExpr = st.leftExpr
	}
	return st, nil
}

func isPrimaryKeyRef(e sql.Expr, side *joinSide) bool {
	ref, ok := e.(*sql.ColumnRef)
	keys := side.src.Schema.Key()
	return ok && len(keys) == 1 && ref.Name == keys[0].Name
}

func (p *Planner) joinKeyType(st *joinStep, js *joinScope) *types.Type {
	return st.spec.LeftKey.Type
}

// expandJoinSelect names projection entries over a join: `*` and `x.*`
// give ALIAS_COLUMN names, qualified references ALIAS_COLUMN, unique
// unqualified ones keep their name.
func (p *Planner) expandJoinSelect(q *sql.Query, js *joinScope) ([]selectItem, error) {
	var items []selectItem
	for _, si := range q.Select {
		switch {
		case si.Star && si.Expr == nil:
			sides := js.sides
			if si.StarQualifier == "" && js.synthetic {
				items = append(items, selectItem{expr: &sql.ColumnRef{P: si.P, Name: js.keyName}, name: js.keyName, alias: true, star: true})
			}
			if si.StarQualifier != "" {
				sd := js.side(si.StarQualifier)
				if sd == nil {
					return nil, errorf("'%s' is not a valid stream/table name or alias.", si.StarQualifier)
				}
				sides = []*joinSide{sd}
			}
			for _, sd := range sides {
				cols := starColumns(sd)
				if len(q.PartitionBy) > 0 {
					cols = partitionedStarColumns(sd)
				}
				for _, c := range cols {
					items = append(items, selectItem{expr: &sql.ColumnRef{P: si.P, Qualifier: sd.alias, Name: c}, name: sd.alias + "_" + c, alias: true, star: true})
				}
			}
		case si.Star:
			fields, err := p.expandStructStar(si, js.withClause("SELECT"))
			if err != nil {
				return nil, err
			}
			items = append(items, fields...)
		default:
			it := selectItem{expr: si.Expr, name: si.Alias, alias: si.Alias != ""}
			if ref, ok := si.Expr.(*sql.ColumnRef); ok && it.name == "" && ref.Qualifier != "" && js.sidesWith(ref.Name) > 1 {
				// A name several sources have is prefixed with its alias.
				alias := ref.Qualifier
				if sd := js.side(ref.Qualifier); sd != nil {
					alias = sd.alias
				}
				it.name = alias + "_" + ref.Name
			}
			items = append(items, it)
		}
	}
	gen := 0
	taken := map[string]bool{}
	for _, it := range items {
		if it.name != "" {
			taken[it.name] = true
		}
	}
	for i := range items {
		if items[i].name != "" {
			continue
		}
		switch e := items[i].expr.(type) {
		case *sql.ColumnRef:
			items[i].name = e.Name
			continue
		case *sql.Deref:
			if !taken[e.Field] {
				items[i].name = e.Field
				taken[e.Field] = true
				continue
			}
		}
		for {
			name := fmt.Sprintf("KSQL_COL_%d", gen)
			gen++
			if !taken[name] {
				items[i].name, taken[name] = name, true
				break
			}
		}
	}
	return items, nil
}

// joinKeyItems finds the projection entry that becomes the join result's
// key: one selecting a join expression equivalent to the last join's (or
// ROWKEY for a FULL OUTER join, whose key may come from either side).
func (p *Planner) joinKeyItems(steps []*joinStep, js *joinScope, items []selectItem, sinkName string) ([]int, error) {
	last := steps[len(steps)-1]
	sel := js.withClause("SELECT")
	slotOf := func(e sql.Expr) (int, bool) { return columnSlot(sel, e) }
	if js.synthetic {
		for i, it := range items {
			if ref, ok := it.expr.(*sql.ColumnRef); ok && ref.Name == js.keyName && ref.Qualifier == "" {
				return []int{i}, nil
			}
		}
		return nil, errorf("Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build `%s` must include the join expression %s in its projection (eg, SELECT %s...).\n%s was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased.", sinkName, js.keyName, js.keyName, js.keyName)
	}
	// Equivalent join expressions, in the order they appear.
	cands := []sql.Expr{}
	norms := map[string]bool{}
	add := func(e sql.Expr) {
		n := sql.FormatExpr(e)
		if !norms[n] {
			norms[n] = true
			cands = append(cands, e)
		}
	}
	// Only plain columns can be selected as the key.
	if _, ok := last.leftExpr.(*sql.ColumnRef); ok {
		add(last.leftExpr)
	}
	if _, ok := last.rightExpr.(*sql.ColumnRef); ok {
		add(last.rightExpr)
	}
	for changed := true; changed; {
		changed = false
		for _, st := range steps[:len(steps)-1] {
			l, r := sql.FormatExpr(st.leftExpr), sql.FormatExpr(st.rightExpr)
			if (norms[l] || norms[r]) && !(norms[l] && norms[r]) {
				add(st.leftExpr)
				add(st.rightExpr)
				changed = true
			}
		}
	}
	if len(cands) == 0 {
		// Neither expression of the last join is a column, but an earlier
		// join's column equals its key (A.ID = f(B.ID) JOIN … ON f(B.ID) = …).
		for _, v := range js.viable {
			add(v)
		}
	}
	// Order candidates by the join order for messages.
	var ordered []sql.Expr
	for _, st := range steps {
		for _, e := range []sql.Expr{st.leftExpr, st.rightExpr} {
			if norms[sql.FormatExpr(e)] {
				ordered = append(ordered, e)
				delete(norms, sql.FormatExpr(e))
			}
		}
	}
	for _, c := range ordered {
		cs, cIsCol := slotOf(c)
		var found []int
		for i, it := range items {
			if is, ok := slotOf(it.expr); ok && cIsCol && is == cs {
				found = append(found, i)
			} else if !cIsCol && sql.FormatExpr(it.expr) == sql.FormatExpr(c) {
				found = append(found, i)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found, nil
		}
		var names []string
		for _, i := range found {
			names = append(names, items[i].name)
		}
		return nil, errorf("The projection contains a key column (`%s`) more than once, aliased as: %s.", items[found[0]].name, joinAnd(sortedStrings(names)))
	}
	if ref, ok := last.leftExpr.(*sql.ColumnRef); ok && last.spec.FK != nil {
		return nil, errorf("Primary key column missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (%s). Missing column: `%s`.", ref.Qualifier, ref.Name)
	}
	var texts []string
	for _, c := range ordered {
		texts = append(texts, sql.FormatExpr(c))
	}
	noun := "join expression"
	if len(texts) > 1 {
		noun += "s"
	}
	return nil, errorf("The query used to build `%s` must include the %s %s in its projection (eg, SELECT %s...).", sinkName, noun, joinOr(texts), texts[0])
}

// partitionedJoinKeyItems finds the projection entries that become the
// key of a join result re-keyed by PARTITION BY: one per partitioning
// expression, which the projection must select. The sink's producer then
// places each row by that key, as a repartition would.
func (p *Planner) partitionedJoinKeyItems(exprs []sql.Expr, js *joinScope, items []selectItem, sinkName string) ([]int, error) {
	sel := js.withClause("PARTITION BY")
	slotOf := func(e sql.Expr) (int, bool) { return columnSlot(sel, e) }
	var idx, missing []int
	for n, pe := range exprs {
		if _, isNull := pe.(*sql.NullLit); isNull {
			return nil, errorf("PARTITION BY NULL is not supported on joins.")
		}
		if _, err := expr.Compile(pe, sel, p.fns); err != nil {
			return nil, wrapf(err, "%s", js.joinNames(err.Error()))
		}
		want := sql.FormatExpr(qualify(pe, js))
		ps, pIsCol := slotOf(pe)
		var found []int
		for i, it := range items {
			if is, ok := slotOf(it.expr); ok && pIsCol && is == ps {
				found = append(found, i)
			} else if !pIsCol && sql.FormatExpr(qualify(it.expr, js)) == want {
				found = append(found, i)
			}
		}
		switch len(found) {
		case 0:
			missing = append(missing, n)
		case 1:
			idx = append(idx, found[0])
		default:
			var names []string
			for _, i := range found {
				names = append(names, items[i].name)
			}
			return nil, errorf("The projection contains a key column (`%s`) more than once, aliased as: %s.", items[found[0]].name, joinAnd(sortedStrings(names)))
		}
	}
	if len(missing) > 0 {
		var shown []string
		for _, n := range missing {
			shown = append(shown, sql.FormatExpr(qualify(exprs[n], js)))
		}
		noun := "partitioning expression"
		if len(shown) > 1 {
			noun += "s"
		}
		return nil, errorf("The query used to build `%s` must include the %s %s in its projection (eg, SELECT %s...).", sinkName, noun, joinAnd(shown), strings.Join(shown, ", "))
	}
	return idx, nil
}

func joinOr(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func sortedStrings(xs []string) []string {
	out := append([]string{}, xs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// joinWords renders a join kind as ksqlDB's messages do.
func joinWords(kind string) string {
	switch kind {
	case "LEFT":
		return "LEFT [OUTER] JOIN"
	case "RIGHT":
		return "RIGHT [OUTER] JOIN"
	case "FULL":
		return "[FULL] OUTER JOIN"
	}
	return "[INNER] JOIN"
}

// qualify prefixes unqualified column references with the source that
// owns them, for messages.
func qualify(e sql.Expr, js *joinScope) sql.Expr {
	return sql.Rewrite(e, func(x sql.Expr) sql.Expr {
		ref, ok := x.(*sql.ColumnRef)
		if !ok || ref.Qualifier != "" {
			return nil
		}
		for _, sd := range js.sides {
			for _, c := range sd.scope.cols {
				if c.name == ref.Name {
					return &sql.ColumnRef{P: ref.P, Qualifier: sd.src.Name, Name: ref.Name}
				}
			}
		}
		return nil
	})
}

// checkJoinWindows rejects joins between windowed and non-windowed
// sources, and between different window kinds.
func checkJoinWindows(sides []*joinSide) error {
	for i := 1; i < len(sides); i++ {
		a, b := sides[0].src, sides[i].src
		switch {
		case (a.Window == nil) != (b.Window == nil):
			w, n := a, b
			if a.Window == nil {
				w, n = b, a
			}
			return errorf("Can not join windowed source to non-windowed source.\n`%s` is %s windowed\n`%s` is not windowed", w.Name, w.Window.Type, n.Name)
		case a.Window != nil && (a.Window.Type == "SESSION") != (b.Window.Type == "SESSION"):
			return errorf("Incompatible windowed sources.\nLeft source: %s\nRight source: %s\nSession windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\nHopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources", a.Window.Type, b.Window.Type)
		}
	}
	return nil
}

// keyOfSide reports whether e is the single key column of one of the
// sides already joined.
func keyOfSide(e sql.Expr, js *joinScope) bool {
	ref, ok := e.(*sql.ColumnRef)
	if !ok {
		return false
	}
	for _, sd := range js.sides {
		if (ref.Qualifier == "" || ref.Qualifier == sd.alias || ref.Qualifier == sd.src.Name) && isPrimaryKeyRef(ref, sd) {
			return true
		}
	}
	return false
}

// joinAggInput describes a join's combined rows for aggregation. Column
// references compare by the slot they resolve to, so L.ID, ID and an
// alias-qualified reference to the same column match.
func joinAggInput(js *joinScope, last *runtime.JoinSpec, table bool) *aggInput {
	var names []string
	for _, sd := range js.sides {
		names = append(names, sd.src.Name)
	}
	canon := func(e sql.Expr) sql.Expr {
		return sql.Rewrite(e, func(x sql.Expr) sql.Expr {
			if ref, ok := x.(*sql.ColumnRef); ok {
				if slot, _, err := js.Column(ref); err == nil {
					return &sql.ColumnRef{P: ref.P, Name: fmt.Sprintf("#%d", slot)}
				}
			}
			return nil
		})
	}
	in := &aggInput{
		name:      strings.Join(names, ", "),
		scope:     js,
		norm:      func(e sql.Expr) string { return sql.FormatExpr(canon(e)) },
		isTable:   table,
		window:    js.sides[0].src.Window,
		byKey:     func([]sql.Expr) bool { return false },
		qualified: func(e sql.Expr) string { return sql.FormatExpr(e) },
		display:   js.joinNames,
		// ksqlDB's aggregation store uses the leftmost source's format.
		valueFormat: js.sides[0].src.ValueFormat,
		// ksqlDB resolves no window bounds over a join's rows.
		noWindowBounds: true,
	}
	if table {
		in.keySlots = []int{last.KeySlot()}
	}
	return in
}

// joinNames rewrites alias-qualified names in a message to the column
// names a join gives them (I1.BAR → I1_BAR), as ksqlDB reports them.
func (s *joinScope) joinNames(msg string) string {
	for _, sd := range s.sides {
		msg = strings.ReplaceAll(msg, sd.alias+".", sd.alias+"_")
	}
	return msg
}

// starColumns are the columns `*` takes from one side of a join: its key,
// then, for a windowed source, the window bounds, then its values.
func starColumns(sd *joinSide) []string {
	var out []string
	vis := sd.scope.visible()
	for _, c := range vis {
		if c.namespace == types.KeyColumn {
			out = append(out, c.name)
		}
	}
	if sd.src.Window != nil {
		out = append(out, "WINDOWSTART", "WINDOWEND")
	}
	for _, c := range vis {
		if c.namespace != types.KeyColumn {
			out = append(out, c.name)
		}
	}
	return out
}

// partitionedStarColumns is * of one join side when the join result is
// re-keyed by PARTITION BY: ksqlDB then carries every column through the
// repartition as a value, pseudo columns included, in the order value
// columns, ROWTIME, ROWPARTITION, ROWOFFSET, key columns.
func partitionedStarColumns(sd *joinSide) []string {
	var out []string
	vis := sd.scope.visible()
	for _, c := range vis {
		if c.namespace != types.KeyColumn {
			out = append(out, c.name)
		}
	}
	for _, c := range sd.scope.cols {
		if c.pseudo && (c.name == "ROWTIME" || c.name == "ROWPARTITION" || c.name == "ROWOFFSET") {
			out = append(out, c.name)
		}
	}
	for _, c := range vis {
		if c.namespace == types.KeyColumn {
			out = append(out, c.name)
		}
	}
	if sd.src.Window != nil {
		out = append(out, "WINDOWSTART", "WINDOWEND")
	}
	return out
}

// columnSlot is the row slot of e when e is a column the join scope
// resolves.
func columnSlot(js *joinScope, e sql.Expr) (int, bool) {
	ref, ok := e.(*sql.ColumnRef)
	if !ok {
		return 0, false
	}
	s, _, err := js.Column(ref)
	return s, err == nil
}
