package runtime

// Before 2026-12-02 20:40 UTC (408a4aa) eddy kept each join's sides in
// one store, named by joinStoreName (KSTREAM-JOIN-store for a
// stream–stream join, KafkaTopic_Left-Reduce for a repartitioned table
// side); it now names them as ksqlDB does, a store per side
// (JoinSpec.Stores). A query started before keeps its state in the
// earlier store's changelog, which the newer names never read: the rows
// a stream–stream join held in its windows would be lost at the
// upgrade. The runtime still runs the single store, so such a query
// keeps it, as ksqlDB keeps a running query's topology across upgrades.

// EarlierJoinStores lists the changelogs of the topology's joins as an
// eddy before per-side join stores named them (earlier), and as eddy
// names them now (current). Both are empty when no join names its
// stores, or the topology keeps no changelog.
func (t *Topology) EarlierJoinStores() (earlier, current []string) {
	joins := t.namedJoins()
	if len(joins) == 0 || t.NoCommit || t.Group == "" {
		return nil, nil
	}
	kept := make([][]string, len(joins))
	for i, j := range joins {
		kept[i], j.Stores = j.Stores, nil
	}
	names := storeNames(t)
	for i, j := range joins {
		j.Stores = kept[i]
		earlier = append(earlier, ChangelogTopic(t.Group, names[j]))
		for _, s := range j.Stores {
			current = append(current, ChangelogTopic(t.Group, s))
		}
	}
	return earlier, current
}

// KeepEarlierJoinStores makes every join of the topology keep its sides
// in the one store an earlier eddy named (see EarlierJoinStores). All
// joins move together, as the earlier names number stores of one kind
// in the order the topology holds them.
func (t *Topology) KeepEarlierJoinStores() {
	for _, j := range t.namedJoins() {
		j.Stores = nil
	}
}

// namedJoins lists the joins whose stores JoinSpec.Stores names, in the
// order storeNames meets them.
func (t *Topology) namedJoins() []*JoinSpec {
	var out []*JoinSpec
	seen := map[*JoinSpec]bool{}
	note := func(j *JoinSpec) {
		if len(j.Stores) > 0 && !seen[j] {
			seen[j] = true
			out = append(out, j)
		}
	}
	for _, in := range t.Inputs {
		walkChain(in.head(), func(op Op) bool {
			switch v := op.(type) {
			case *JoinLeft:
				note(v.J)
			case *JoinRight:
				note(v.J)
			}
			return true
		})
	}
	return out
}
