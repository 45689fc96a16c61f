package runtime

// partitionState is implemented by operators that keep state per input
// partition, so the state of a partition that moves to another server
// can be dropped (it is rebuilt by whoever processes the partition next).
type partitionState interface {
	DropPartition(p int32)
}

// statesFrom lists the stateful operators reachable from op.
func statesFrom(op Op) []partitionState {
	var out []partitionState
	seen := map[Op]bool{}
	for op != nil && !seen[op] {
		seen[op] = true
		if s, ok := op.(partitionState); ok {
			out = append(out, s)
		}
		// Join state is the query's, not per partition; sinks and
		// repartitions end a chain.
		next := NextOps(op)
		op = nil
		if len(next) == 1 {
			op = next[0]
		}
	}
	return out
}

// revoke drops the state that the records of topic's partitions built.
func (t *Task) revoke(topic string, partitions []int32) {
	in := t.inputs[topic]
	if in == nil {
		return
	}
	entry := in.Next
	if in.Internal != nil {
		entry = in.Internal.Next
	}
	for _, s := range statesFrom(entry) {
		for _, p := range partitions {
			s.DropPartition(p)
		}
	}
}
