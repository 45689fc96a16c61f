package runtime

import "fmt"

// A Topology is a plan: the planner builds its operators once and nobody
// mutates them while records flow. Each task runs its own instance, a
// copy of the operator graph with empty state, so the tasks of one query
// (one per input partition) never share state.

// instance is one task's copy of a topology's operator graph.
type instance struct {
	inputs map[string]*Input // by topic
	states []stateOp         // stateful operators, in topology order
	cached []*Aggregate      // aggregates whose outputs wait for the commit
}

// instantiate copies the topology's operator graph with fresh state.
func instantiate(topo *Topology) *instance {
	c := &cloner{ops: map[Op]Op{}, joins: map[*JoinSpec]*JoinSpec{}, names: storeNames(topo), cache: topo.CacheBytes > 0}
	inst := &instance{inputs: map[string]*Input{}}
	for _, in := range topo.Inputs {
		cp := *in
		if in.Internal != nil {
			ri := &RepartitionInput{Next: c.op(in.Internal.Next)}
			cp.Internal = ri
		} else {
			cp.Next = c.op(in.Next)
		}
		inst.inputs[cp.Topic()] = &cp
	}
	inst.states = c.states
	inst.cached = c.cached
	return inst
}

type cloner struct {
	ops    map[Op]Op
	joins  map[*JoinSpec]*JoinSpec
	names  map[any]string // spec operator -> store name
	states []stateOp
	cache  bool // aggregates cache their outputs until the commit
	cached []*Aggregate
}

func (c *cloner) op(o Op) Op {
	if o == nil {
		return nil
	}
	if x, ok := c.ops[o]; ok {
		return x
	}
	switch v := o.(type) {
	case *NullSlots:
		x := &NullSlots{Slots: v.Slots}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		return x
	case *KeepSlots:
		x := &KeepSlots{Keep: v.Keep}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		return x
	case *Filter:
		x := &Filter{Pred: v.Pred, IsTable: v.IsTable, NumKey: v.NumKey, KeySlots: v.KeySlots, Step: v.Step}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		if x.IsTable {
			x.store = c.names[v]
			c.states = append(c.states, x)
		}
		return x
	case *Rekey:
		x := &Rekey{Keys: v.Keys, KeyOnly: v.KeyOnly, Carry: v.Carry}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		return x
	case *Project:
		x := &Project{Exprs: v.Exprs, NumKey: v.NumKey, KeyOnly: v.KeyOnly, Step: v.Step}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		return x
	case *TableFunctions:
		x := &TableFunctions{Funcs: v.Funcs, Width: v.Width}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		return x
	case *TableChanges:
		x := &TableChanges{KeySlots: v.KeySlots, store: c.names[v]}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		c.states = append(c.states, x)
		return x
	case *Aggregate:
		x := &Aggregate{Keys: v.Keys, Funcs: v.Funcs, Args: v.Args, Window: v.Window, store: c.names[v]}
		c.ops[o] = x
		x.Next = c.op(v.Next)
		c.states = append(c.states, x)
		if c.cache && (x.Window == nil || !x.Window.Final) {
			x.cache = &outputCache{}
			c.cached = append(c.cached, x)
		}
		return x
	case *JoinLeft:
		x := &JoinLeft{J: c.join(v.J)}
		c.ops[o] = x
		return x
	case *JoinRight:
		x := &JoinRight{J: c.join(v.J)}
		c.ops[o] = x
		return x
	case *Repartition:
		x := &Repartition{Topic: v.Topic, Keys: v.Keys, DropNullKeys: v.DropNullKeys, KeySerde: v.KeySerde, Step: v.Step}
		c.ops[o] = x
		return x
	case *TopicSink, *EmitSink:
		return o // stateless ends of a chain: shared
	}
	panic(fmt.Sprintf("runtime: cannot instantiate operator %T", o))
}

func (c *cloner) join(j *JoinSpec) *JoinSpec {
	if x, ok := c.joins[j]; ok {
		return x
	}
	x := &JoinSpec{
		Kind: j.Kind, LeftTable: j.LeftTable, RightTable: j.RightTable,
		LeftWidth: j.LeftWidth, RightWidth: j.RightWidth, LeftKey: j.LeftKey, RightKey: j.RightKey,
		KeyFill: j.KeyFill, Before: j.Before, After: j.After, Grace: j.Grace, HasGrace: j.HasGrace,
		FK: j.FK, SessionWindows: j.SessionWindows, Stores: j.Stores, Step: j.Step, store: c.names[j],
	}
	c.joins[j] = x
	x.Next = c.op(j.Next)
	if len(j.Stores) == 2 && j.FK == nil {
		c.states = append(c.states, &joinSideStore{j: x, tag: 'L', name: j.Stores[0]}, &joinSideStore{j: x, tag: 'R', name: j.Stores[1]})
	} else {
		c.states = append(c.states, x)
	}
	return x
}

// storeNames names every stateful operator of a topology's plan, the way
// ksqlDB names the state stores behind them where it has a name for
// them; a second operator of the same kind gets a numbered name.
func storeNames(topo *Topology) map[any]string {
	names := map[any]string{}
	used := map[string]int{}
	name := func(key any, base string) {
		if _, ok := names[key]; ok {
			return
		}
		used[base]++
		if n := used[base]; n > 1 {
			base = fmt.Sprintf("%s-%d", base, n)
		}
		names[key] = base
	}
	seen := map[Op]bool{}
	var walk func(op Op)
	walk = func(op Op) {
		for op != nil && !seen[op] {
			seen[op] = true
			switch v := op.(type) {
			case *Filter:
				if v.IsTable {
					name(v, "Filter-Materialize")
				}
			case *TableChanges:
				name(v, "KsqlTopic-Reduce")
			case *Aggregate:
				name(v, "Aggregate-Aggregate-Materialize")
			case *JoinLeft:
				name(v.J, joinStoreName(v.J))
			case *JoinRight:
				name(v.J, joinStoreName(v.J))
			}
			next := NextOps(op)
			op = nil
			if len(next) == 1 {
				op = next[0]
			}
		}
	}
	for _, in := range topo.Inputs {
		if in.Internal != nil {
			walk(in.Internal.Next)
		} else {
			walk(in.Next)
		}
	}
	return names
}

func joinStoreName(j *JoinSpec) string {
	switch {
	case len(j.Stores) > 0:
		return j.Stores[0]
	case j.FK != nil:
		return "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE"
	case j.LeftTable && j.RightTable:
		return "SourceKeyed-Materialize"
	case j.LeftTable || j.RightTable:
		if j.LeftTable {
			return "KafkaTopic_Left-Reduce"
		}
		return "KafkaTopic_Right-Reduce"
	}
	return "KSTREAM-JOIN-store"
}

// Stores lists the names of the topology's state stores (EXPLAIN).
func (t *Topology) Stores() []string {
	inst := instantiate(t)
	out := make([]string, len(inst.states))
	for i, s := range inst.states {
		out[i] = s.storeName()
	}
	return out
}
