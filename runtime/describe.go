package runtime

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Describer is an operator that can say what it does in one line. Every
// operator of this package is one; EXPLAIN shows the lines.
type Describer interface {
	Describe() string
}

// Describe says what the filter does.
func (f *Filter) Describe() string {
	if f.IsTable {
		return "FILTER (table: a key whose row stops passing is deleted)"
	}
	return "FILTER"
}

// Describe says what the re-keying does.
func (k *Rekey) Describe() string {
	return fmt.Sprintf("REKEY (PARTITION BY: %d key %s, %d value %s carried)",
		len(k.Keys), plural(len(k.Keys), "expression"), len(k.Carry), plural(len(k.Carry), "column"))
}

// Describe says what the projection computes.
func (p *Project) Describe() string {
	return fmt.Sprintf("PROJECT (%d %s, %d key)", len(p.Exprs), plural(len(p.Exprs), "column"), p.NumKey)
}

// Describe names the table functions.
func (tf *TableFunctions) Describe() string {
	names := make([]string, len(tf.Funcs))
	for i, f := range tf.Funcs {
		names[i] = f.Fn.Name
	}
	return "FLATMAP (one row per element of " + strings.Join(names, ", ") + ")"
}

// Describe says what the change log operator does.
func (c *TableChanges) Describe() string {
	return "TABLE CHANGES (an update retracts the key's previous row)"
}

// Describe lists the aggregate functions and the window.
func (a *Aggregate) Describe() string {
	names := make([]string, len(a.Funcs))
	for i, f := range a.Funcs {
		names[i] = f.Name
	}
	s := fmt.Sprintf("AGGREGATE (GROUP BY %d %s", len(a.Keys), plural(len(a.Keys), "key"))
	if len(names) > 0 {
		s += ": " + strings.Join(names, ", ")
	}
	if w := a.Window; w != nil {
		s += "; WINDOW " + w.Describe()
	}
	return s + ")"
}

// Describe renders a window's kind and durations.
func (w *WindowSpec) Describe() string {
	var b strings.Builder
	b.WriteString(w.Kind)
	switch w.Kind {
	case Session:
		fmt.Fprintf(&b, " GAP %s", millis(w.Size))
	case Hopping:
		fmt.Fprintf(&b, " SIZE %s ADVANCE BY %s", millis(w.Size), millis(w.Advance))
	default:
		fmt.Fprintf(&b, " SIZE %s", millis(w.Size))
	}
	fmt.Fprintf(&b, " GRACE %s RETENTION %s", millis(w.Grace), millis(w.Retention))
	if w.Final {
		b.WriteString(" EMIT FINAL")
	}
	return b.String()
}

// Describe names the internal topic the rows are written to.
func (p *Repartition) Describe() string {
	return fmt.Sprintf("REPARTITION (topic: %s, %d key %s)", p.Topic, len(p.Keys), plural(len(p.Keys), "expression"))
}

// Describe says which side of which join this entry point is.
func (o *JoinLeft) Describe() string { return "JOIN left side: " + o.J.Describe() }

// Describe says which side of which join this entry point is.
func (o *JoinRight) Describe() string { return "JOIN right side: " + o.J.Describe() }

// Describe renders the join kind, the kinds of both sides and the window.
func (j *JoinSpec) Describe() string {
	side := func(table bool) string {
		if table {
			return "table"
		}
		return "stream"
	}
	s := fmt.Sprintf("%s %s-%s", j.Kind, side(j.LeftTable), side(j.RightTable))
	if j.FK != nil {
		s += " foreign-key"
	}
	s += " join"
	if !j.LeftTable && !j.RightTable {
		s += fmt.Sprintf(" WITHIN (%s BEFORE, %s AFTER)", millis(j.Before), millis(j.After))
		if j.HasGrace {
			s += " GRACE " + millis(j.Grace)
		}
	}
	return s
}

// Describe names the sink topic.
func (s *TopicSink) Describe() string {
	d := "SINK (topic: " + s.Topic
	if s.Window != "" {
		d += ", " + s.Window + " windowed key"
	}
	if s.Timestamp != nil {
		d += ", record time from the output row"
	}
	return d + ")"
}

// Describe says where the rows go.
func (s *EmitSink) Describe() string { return "EMIT (rows to the client)" }

// DescribeOp is op's one-line description, or its Go type for an
// operator that cannot describe itself.
func DescribeOp(op Op) string {
	if d, ok := op.(Describer); ok {
		return d.Describe()
	}
	return fmt.Sprintf("%T", op)
}

// NextOps returns the operators op calls: none for a sink.
func NextOps(op Op) []Op {
	var next Op
	switch o := op.(type) {
	case *Filter:
		next = o.Next
	case *NullSlots:
		next = o.Next
	case *KeepSlots:
		next = o.Next
	case *Rekey:
		next = o.Next
	case *Project:
		next = o.Next
	case *TableFunctions:
		next = o.Next
	case *TableChanges:
		next = o.Next
	case *Aggregate:
		next = o.Next
	case *JoinLeft:
		next = o.J.Next
	case *JoinRight:
		next = o.J.Next
	}
	if next == nil {
		return nil
	}
	return []Op{next}
}

// Describe renders the topology as text: one sub-topology per input topic
// with the chain of operators its rows run through. A chain that joins
// one already shown (the other side of a join) refers to it instead of
// repeating it.
func (t *Topology) Describe() string {
	var b strings.Builder
	b.WriteString("Topologies:\n")
	shown := map[*JoinSpec]int{}
	for i, in := range t.Inputs {
		fmt.Fprintf(&b, "   Sub-topology: %d\n", i)
		if in.Internal != nil {
			fmt.Fprintf(&b, "    Source: %s (repartition topic)\n", in.InternalTopic)
		} else {
			kind := "stream"
			if in.Source.IsTable {
				kind = "table"
			}
			fmt.Fprintf(&b, "    Source: %s (%s", in.Source.Topic, kind)
			if in.Source.Window != "" {
				fmt.Fprintf(&b, ", %s windowed key", in.Source.Window)
			}
			b.WriteString(")\n")
		}
		op := in.Next
		if in.Internal != nil {
			op = in.Internal.Next
		}
		for op != nil {
			fmt.Fprintf(&b, "      --> %s\n", DescribeOp(op))
			if j := joinOf(op); j != nil {
				if sub, ok := shown[j]; ok {
					fmt.Fprintf(&b, "      (continues as in sub-topology %d)\n", sub)
					break
				}
				shown[j] = i
			}
			next := NextOps(op)
			if len(next) == 0 {
				break
			}
			op = next[0]
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// joinOf is the join an entry point belongs to.
func joinOf(op Op) *JoinSpec {
	switch o := op.(type) {
	case *JoinLeft:
		return o.J
	case *JoinRight:
		return o.J
	}
	return nil
}

// millis renders a duration in milliseconds compactly ("1m30s", "500ms").
func millis(ms int64) string {
	if ms == 0 {
		return "0"
	}
	if ms > math.MaxInt64/int64(time.Millisecond) || ms < math.MinInt64/int64(time.Millisecond) {
		return fmt.Sprintf("%dms", ms)
	}
	return (time.Duration(ms) * time.Millisecond).String()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
