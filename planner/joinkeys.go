package planner

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/expr"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Co-partitioning needs more than equal key values: a producer places a
// record by the hash of its serialized key, so the same key written as
// KAFKA and as DELIMITED (or under two Schema Registry ids) lands in
// partitions of different numbers, and the two rows never meet in one
// task. So every join has one key format, ksqlDB's rule (KLIP-33):
//
//   - a side that is read as it is (already keyed by its join expression)
//     prefers its source's key format; a side that must be re-keyed has no
//     preference;
//   - the join takes the left side's preference, else the right side's,
//     else the first source key format that is not NONE, else the
//     configured default key format;
//   - a side whose source key format differs, or that is re-keyed, goes
//     through an internal topic keyed in the join's format; with a format
//     that carries a registry schema id (AVRO, JSON_SR, PROTOBUF) every
//     side does, since two topics' ids differ even for the same schema.
//
// An inner join of an N-way join that is re-keyed on the way to the next
// join resolves its own format; one that is not shares the outer join's.

// joinRepartition is one join side routed through an internal topic.
type joinRepartition struct {
	topic  string
	format serde.Format
	table  bool
}

// joinStepKeys says which sides of one join step are repartitioned, and
// the name of the step's store when ksqlDB names it for a repartition.
type joinStepKeys struct {
	format      serde.Format
	left, right *joinRepartition
	stores      []string
}

// joinKeyPlan is the resolved key formats of a (possibly N-way) join.
type joinKeyPlan struct {
	steps []joinStepKeys
}

// resolveJoinKeys applies the rule above to the planned steps.
func (p *Planner) resolveJoinKeys(steps []*joinStep, js *joinScope) (*joinKeyPlan, error) {
	kp := &joinKeyPlan{steps: make([]joinStepKeys, len(steps))}
	n := len(steps)
	prefix := func(i int) string { return strings.Repeat("L_", n-1-i) }
	leaf := func(i int) *joinSide { return js.sides[i] }

	// Which sides need re-keying, and whether a nested join's result
	// reaches step i as it is (its key is equivalent to the criteria).
	rightNeeds := make([]bool, n)
	leftNeeds := make([]bool, n)
	fk := make([]bool, n)
	for i, st := range steps {
		fk[i] = st.spec.FK != nil
		right := js.sides[i+1]
		rightNeeds[i] = !right.src.IsTable && !isPrimaryKeyRef(st.rightExpr, right)
		if i == 0 {
			leftNeeds[i] = !js.sides[0].src.IsTable && !keyOfSide(st.leftExpr, st.scope)
		} else {
			leftNeeds[i] = !inEquivalence(steps[:i], st.leftExpr, st.scope)
		}
	}
	// A side's preference is the key format of the source it reads as it
	// is; a windowed source's format includes its window.
	var preferred func(i int) *joinSide
	preferred = func(i int) *joinSide {
		switch {
		case fk[i]:
			return leaf(0)
		case leftNeeds[i]:
		case i == 0:
			return leaf(0)
		default:
			if sd := preferred(i - 1); sd != nil {
				return sd
			}
		}
		if !rightNeeds[i] {
			return leaf(i + 1)
		}
		return nil
	}
	var fail error
	var set func(i int, f joinKeyFormat)
	resolve := func(i int) {
		var f joinKeyFormat
		if sd := preferred(i); sd != nil {
			f = joinKeyFormat{format: sd.src.KeyFormat, window: sd.src.Window}
		} else {
			f = joinKeyFormat{format: p.defaultJoinKeyFormat(js.sides[:i+2])}
		}
		set(i, f)
	}
	// repartition records a side routed through topic, unless it is
	// windowed: a windowed key is re-keyed only when a registry format
	// forces it and the key itself stays (ksqlDB's SchemaKStream.selectKey).
	repartition := func(topic string, f joinKeyFormat, windowed, table, needs, forced bool) *joinRepartition {
		if windowed && (needs || !forced) && fail == nil {
			fail = errorf("Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.")
		}
		return &joinRepartition{topic: topic, format: f.format, table: table}
	}
	set = func(i int, f joinKeyFormat) {
		sk := &kp.steps[i]
		sk.format = f.format
		if fk[i] {
			return // a foreign-key join is not co-partitioned
		}
		name := p.AppID + "-" + prefix(i)
		forced := serde.IsSchemaRegistryFormat(f.format.Name)
		right := leaf(i + 1)
		if forced || rightNeeds[i] || !f.sameAs(right) {
			topic := name + "Join-right-repartition"
			if right.src.IsTable {
				topic = name + "RightSourceKeyed-SelectKey-repartition"
			}
			sk.right = repartition(topic, f, right.src.Window != nil, right.src.IsTable, rightNeeds[i], forced)
		}
		leftTable := steps[i].spec.LeftTable
		leftTopic := name + "Join-left-repartition"
		switch {
		case leftTable:
			leftTopic = name + "LeftSourceKeyed-SelectKey-repartition"
		case right.src.IsTable:
			leftTopic = name + "Join-repartition" // the stream side of a stream-table join
		}
		windowed := leaf(0).src.Window != nil
		switch {
		case i == 0:
			if forced || leftNeeds[i] || !f.sameAs(leaf(0)) {
				sk.left = repartition(leftTopic, f, windowed, leftTable, leftNeeds[i], forced)
			}
		case leftNeeds[i]:
			sk.left = repartition(leftTopic, f, windowed, leftTable, true, forced)
			resolve(i - 1)
		default:
			set(i-1, f)
		}
	}
	resolve(n - 1)
	if fail != nil {
		return nil, fail
	}
	kp.nameStores(steps, js)
	return kp, nil
}

// joinKeyFormat is a join's key format: a format and, for windowed
// sources, the window, which is part of how a key is serialized.
type joinKeyFormat struct {
	format serde.Format
	window *metastore.WindowInfo
}

// sameAs reports whether side's source writes keys as f does.
func (f joinKeyFormat) sameAs(side *joinSide) bool {
	w := side.src.Window
	switch {
	case !sameKeyFormat(f.format, side.src.KeyFormat):
		return false
	case (f.window == nil) != (w == nil):
		return false
	case w == nil:
		return true
	}
	return f.window.Type == w.Type && (w.Type == "SESSION" || f.window.SizeMs == w.SizeMs)
}

// nameStores names the join stores ksqlDB names differently from eddy's
// defaults (runtime.JoinSpec.Stores): a repartitioned table side's store
// is <L_…>Left/RightSourceKeyed-Materialize, and a stream-stream join
// keeps each side's window in a store Kafka Streams names by a counter
// of the topology's nodes, KSTREAM-JOINTHIS-0000000008-store and the
// like. The counter advances as ksqlDB builds the topology: a join's
// table side before its other side, else left before right; per stream
// source 3 nodes (source, value transform, peek), per table source 5 (11
// when it is re-keyed through a repartition topic), per re-keyed stream
// side 1 (select key) plus 3 (the repartition's sink, filter, source),
// per join side 1 (the alias prefixing), per stream-stream join 3 (its
// two window stores and the merge).
func (kp *joinKeyPlan) nameStores(steps []*joinStep, js *joinScope) {
	n := len(steps)
	counter := 0
	leaf := func(sd *joinSide, r *joinRepartition) {
		switch {
		case sd.src.IsTable && r != nil:
			counter += 11
		case sd.src.IsTable:
			counter += 5
		case r != nil:
			counter += 3 + 1 + 3
		default:
			counter += 3
		}
		counter++ // the alias prefixing
	}
	var build func(i int)
	build = func(i int) {
		sk := &kp.steps[i]
		right := js.sides[i+1]
		buildLeft := func() {
			if i == 0 {
				leaf(js.sides[0], sk.left)
				return
			}
			build(i - 1)
			if sk.left != nil {
				counter += 1 + 3
			}
			counter++
		}
		if right.src.IsTable {
			leaf(right, sk.right)
			buildLeft()
		} else {
			buildLeft()
			leaf(right, sk.right)
		}
		prefix := strings.Repeat("L_", n-1-i)
		st := steps[i]
		switch {
		case st.spec.FK != nil:
		case !st.spec.LeftTable && !st.spec.RightTable:
			this, other := "JOINTHIS", "JOINOTHER"
			switch st.kind {
			case "LEFT":
				other = "OUTEROTHER"
			case "FULL":
				this, other = "OUTERTHIS", "OUTEROTHER"
			}
			name := func(kind string, at int) string { return fmt.Sprintf("KSTREAM-%s-%010d-store", kind, at) }
			if st.kind == "RIGHT" {
				// ksqlDB runs a right join as the right stream's left join.
				sk.stores = []string{name("OUTEROTHER", counter+1), name("JOINTHIS", counter)}
			} else {
				sk.stores = []string{name(this, counter), name(other, counter+1)}
			}
			counter += 3
		case sk.left != nil || sk.right != nil:
			l, r := "KafkaTopic_"+prefix+"Left-Reduce", "KafkaTopic_"+prefix+"Right-Reduce"
			if sk.left != nil {
				l = prefix + "LeftSourceKeyed-Materialize"
			}
			if sk.right != nil {
				r = prefix + "RightSourceKeyed-Materialize"
			}
			switch {
			case st.spec.LeftTable:
				sk.stores = []string{l, r}
			case sk.right != nil:
				sk.stores = []string{r} // only the table side keeps rows
			}
		}
	}
	build(n - 1)
}

// defaultJoinKeyFormat is the key format of a join whose sides are all
// re-keyed: the first source's that is not NONE, else the default.
func (p *Planner) defaultJoinKeyFormat(sides []*joinSide) serde.Format {
	for _, sd := range sides {
		if sd.src.KeyFormat.Name != serde.None {
			return sd.src.KeyFormat
		}
	}
	return serde.Format{Name: strings.ToUpper(p.cfg.Get("ksql.persistence.default.format.key", "KAFKA")), Props: map[string]string{}}
}

// sameKeyFormat reports whether keys written in a and b have the same
// bytes: the same format with the same settings.
func sameKeyFormat(a, b serde.Format) bool {
	return strings.EqualFold(a.Name, b.Name) && maps.Equal(writerProps(a.Props), writerProps(b.Props))
}

// writerProps drops the properties that only say which registered schema
// a source was read with; an internal topic registers its own.
func writerProps(props map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if !strings.Contains(strings.ToUpper(k), "SCHEMA_ID") {
			out[k] = v
		}
	}
	return out
}

// inEquivalence reports whether e is equivalent to the key of the join
// formed by steps: one of the last join's expressions, or of an earlier
// join the last one's criteria chain to. An outer join's key equals
// neither side's expression (either may be null), so nothing is.
func inEquivalence(steps []*joinStep, e sql.Expr, scope *joinScope) bool {
	return equivalenceSet(steps, scope)[canonJoinExpr(e, scope)]
}

// canonJoinExpr identifies a join expression: a column by its slot (A.ID,
// ID and an alias-qualified ID are one), else its text.
func canonJoinExpr(x sql.Expr, scope *joinScope) string {
	if s, ok := columnSlot(scope, x); ok {
		return fmt.Sprintf("#%d", s)
	}
	return sql.FormatExpr(x)
}

// viableKeyColumns are the source columns equal to the key of the join
// formed by steps, as ksqlDB's JoinTree computes them: the columns among
// the earlier joins' viable keys and this join's two expressions that are
// in its equivalence set; none for a FULL OUTER join. None at all makes
// the result's key a synthetic column.
func viableKeyColumns(steps []*joinStep, scope *joinScope) []sql.Expr {
	st := steps[len(steps)-1]
	if st.kind == "FULL" {
		return nil
	}
	equiv := equivalenceSet(steps, scope)
	var cands []sql.Expr
	if len(steps) > 1 {
		cands = viableKeyColumns(steps[:len(steps)-1], scope)
	}
	cands = append(cands, st.leftExpr, st.rightExpr)
	var out []sql.Expr
	seen := map[string]bool{}
	for _, c := range cands {
		k := canonJoinExpr(c, scope)
		if _, ok := c.(*sql.ColumnRef); ok && equiv[k] && !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

// syntheticKeyName is ksqlDB's name for a synthetic join key: ROWKEY, or
// ROWKEY_n with the smallest n no source column called ROWKEY[_n] uses.
func syntheticKeyName(sides []*joinSide) string {
	used := map[int]bool{}
	for _, sd := range sides {
		for _, c := range sd.src.Schema.Columns {
			name, n := c.Name, 0
			if i := strings.LastIndexByte(name, '_'); i >= 0 {
				if v, err := strconv.Atoi(name[i+1:]); err == nil && v >= 0 && name[i+1] != '+' {
					name, n = name[:i], v
				}
			}
			if name == "ROWKEY" {
				used[n] = true
			}
		}
	}
	n := 0
	for used[n] {
		n++
	}
	if n == 0 {
		return "ROWKEY"
	}
	return "ROWKEY_" + strconv.Itoa(n)
}

// equivalenceSet is the set of expressions (canonJoinExpr) equal to the
// key of the join formed by steps.
func equivalenceSet(steps []*joinStep, scope *joinScope) map[string]bool {
	canon := func(x sql.Expr) string { return canonJoinExpr(x, scope) }
	var set func(k int) map[string]bool
	set = func(k int) map[string]bool {
		st := steps[k]
		if st.kind == "FULL" {
			return map[string]bool{}
		}
		keys := map[string]bool{canon(st.leftExpr): true, canon(st.rightExpr): true}
		if k > 0 {
			prev := set(k - 1)
			if prev[canon(st.leftExpr)] || prev[canon(st.rightExpr)] {
				for x := range prev {
					keys[x] = true
				}
			}
		}
		return keys
	}
	return set(len(steps) - 1)
}

// repartitionJoinSide routes a join side's rows through an internal topic
// keyed by its join expression in the join's key format, returning the
// operator rows enter.
func (p *Planner) repartitionJoinSide(plan *QueryPlan, r *joinRepartition, key *expr.Compiled, entry runtime.Op, step string) runtime.Op {
	ks := p.joinKeySerde(r, key.Type)
	in := &runtime.Input{Internal: &runtime.RepartitionInput{Next: entry}, InternalTopic: r.topic}
	plan.Inputs = append(plan.Inputs, in)
	plan.InternalTopics = append(plan.InternalTopics, r.topic)
	return &runtime.Repartition{Topic: r.topic, Keys: []*expr.Compiled{key}, KeySerde: ks, Step: step}
}

// registerJoinStoreKeys registers, for a join keyed in a registry format,
// the key schema of its stores' changelogs, as ksqlDB's stores serialize
// their keys in the join's key format. eddy's changelogs hold its own
// encoding; the subjects say what the keys are for registry clients.
// A source table's own store (KafkaTopic_…) has no changelog in ksqlDB.
func (p *Planner) registerJoinStoreKeys(sk joinStepKeys, typ *types.Type) {
	if !serde.IsSchemaRegistryFormat(sk.format.Name) {
		return
	}
	for _, st := range sk.stores {
		if !strings.HasPrefix(st, "KafkaTopic_") {
			p.joinKeySerde(&joinRepartition{topic: runtime.ChangelogTopic(p.AppID, st), format: sk.format}, typ)
		}
	}
}

// joinKeySerde writes a repartitioned join key. A format that cannot hold
// the key's type (KAFKA and an ARRAY) gives way to JSON, as ksqlDB's key
// format sanitizing does; a type no format holds (a MAP, which the
// projection check rejects with ksqlDB's message) keeps eddy's own row
// encoding.
func (p *Planner) joinKeySerde(r *joinRepartition, typ *types.Type) serde.Serde {
	if typ == nil {
		return nil
	}
	cols := []types.Column{{Name: "ROWKEY", Type: typ, Namespace: types.KeyColumn}}
	for _, f := range []serde.Format{{Name: r.format.Name, Props: writerProps(r.format.Props)}, {Name: serde.JSON, Props: map[string]string{}}} {
		if s, err := p.Serde(f, cols, true, r.topic); err == nil {
			return s
		}
	}
	return nil
}
