package planner

import (
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Verbatim is an output value column that copies a source value column
// unchanged, which nothing else in the query reads.
type Verbatim struct {
	Out  int // the column's index in the output schema
	Slot int // the source row slot it copies
}

// verbatimColumns finds the Verbatim columns of a projection of one
// stream (no PARTITION BY, table functions or aggregation, which are the
// caller's to rule out): the value items that are a bare reference to a
// source value column that no other item, nor WHERE, mentions. Names are
// counted whatever their qualifier: counting a column that is not read
// costs only the saving. The source's TIMESTAMP column is read by the
// source itself, so it never qualifies.
func verbatimColumns(where sql.Expr, items []selectItem, numKey int, sc *scope, layout *runtime.Source) []Verbatim {
	mentions := columnMentions(where, items)
	var out []Verbatim
	for i := numKey; i < len(items); i++ {
		ref, ok := items[i].expr.(*sql.ColumnRef)
		if !ok || mentions[ref.Name] != 1 {
			continue
		}
		for _, c := range sc.cols {
			if c.name != ref.Name || c.pseudo || c.namespace != types.ValueColumn {
				continue
			}
			if ts := layout.Timestamp; ts == nil || ts.Column != c.slot {
				out = append(out, Verbatim{Out: i, Slot: c.slot})
			}
			break
		}
	}
	return out
}

// columnMentions counts the references to each column name in WHERE and
// the SELECT items, whatever their qualifier.
func columnMentions(where sql.Expr, items []selectItem) map[string]int {
	mentions := map[string]int{}
	count := func(e sql.Expr) {
		sql.Walk(e, func(x sql.Expr) bool {
			if ref, ok := x.(*sql.ColumnRef); ok {
				mentions[ref.Name]++
			}
			return true
		})
	}
	count(where)
	for _, it := range items {
		count(it.expr)
	}
	return mentions
}

// verbatimKey reports whether the output's key columns are the source's
// key columns, each a bare reference in the source's order, of a source
// with a plain (not windowed) key; and, if so, whether nothing else in
// the query (WHERE, another item, the source's TIMESTAMP) reads them.
func verbatimKey(where sql.Expr, items []selectItem, numKey int, sc *scope, layout *runtime.Source) (verbatim, unread bool) {
	if numKey == 0 || numKey != layout.NumKey || layout.Window != "" || len(items) < numKey {
		return false, false
	}
	mentions := columnMentions(where, items)
	unread = true
	for i := range numKey {
		ref, ok := items[i].expr.(*sql.ColumnRef)
		if !ok {
			return false, false
		}
		found := false
		for _, c := range sc.cols {
			if c.name == ref.Name && !c.pseudo {
				found = c.namespace == types.KeyColumn && c.slot == i
				break
			}
		}
		if !found {
			return false, false
		}
		if mentions[ref.Name] != 1 || (layout.Timestamp != nil && layout.Timestamp.Column == i) {
			unread = false
		}
	}
	return true, unread
}

// PassThrough lets a persistent query's source hand its Verbatim columns
// to sink as the bytes they were read from, where the formats allow it
// (serde.PassThrough: JSON to JSON), so that they are neither decoded
// into values nor encoded again, and its sink write the input record's
// key as the output's when the key is verbatim too (the key is still
// decoded: that checks it). A column the sink reads its record time
// from is left alone. Call it once the sink is the projection's Next.
// Such a query keeps no state, so its rows die with their record, as
// serde.PassThrough requires.
func PassThrough(plan *QueryPlan, sink *runtime.TopicSink) {
	if len(plan.Inputs) != 1 || plan.Inputs[0].Source == nil || plan.Out.Next != sink {
		return
	}
	layout := plan.Inputs[0].Source
	// A verbatim key whose formats write a value as the bytes it was read
	// from is the input record's key itself.
	sink.KeyFromInput = plan.VerbatimKey && sink.Window == "" && serde.SameBytes(layout.KeySerde, sink.KeySerde)
	if sink.KeyFromInput && plan.UnreadKey && (sink.Timestamp == nil || sink.Timestamp.Column >= sink.NumKey) {
		// Then only the sink reads the key columns, and it does not: they
		// are only checked.
		layout.KeySerde = serde.Reading(layout.KeySerde, nil)
	}
	if len(plan.Verbatim) == 0 {
		return
	}
	var from, to []int
	for _, v := range plan.Verbatim {
		if sink.Timestamp != nil && sink.Timestamp.Column == v.Out {
			continue
		}
		from = append(from, v.Slot-layout.NumKey)
		to = append(to, v.Out-sink.NumKey)
	}
	layout.ValueSerde = serde.PassThrough(layout.ValueSerde, sink.ValueSerde, from, to)
}
