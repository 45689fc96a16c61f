package engine

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// A pull query (a SELECT without EMIT) reads its source topic once, to
// the end offsets at the start. A stream's records come in topic order. A
// table keeps the latest record per key and returns the rows in the order
// ksqlDB's state store scan does: partition by partition, and within one
// by the serialized key's bytes (for a windowed key, the key bytes then
// the window), which is what decides the rows a LIMIT keeps.

// planPull validates a pull query and plans it. marks holds, per output
// column, the header schema's marker for it beyond KEY: HEADER('k') or
// HEADERS for the header columns of a CREATE SOURCE TABLE, which ksqlDB
// lists after the key columns in the header of `SELECT *` (the rows keep
// the declared order).
func (e *Engine) planPull(q *sql.Query, p *planner.Planner) (plan *planner.QueryPlan, marks []string, err error) {
	if err := p.ValidatePull(q); err != nil {
		return nil, nil, err
	}
	plan, err = p.PlanQuery(q, planner.Push, "")
	if err != nil {
		return nil, nil, planner.PullWhereError(err, q.Where)
	}
	src := plan.From
	if !src.IsTable || !src.IsSource || len(q.Select) != 1 || !q.Select[0].Star || q.Select[0].Expr != nil {
		return plan, nil, nil
	}
	marks = make([]string, len(plan.Output.Columns))
	for i, out := range plan.Output.Columns {
		for _, col := range src.Schema.Columns {
			if col.Name == out.Name && col.Namespace == types.HeaderColumn {
				marks[i] = " HEADERS"
				if col.HeaderKey != "" {
					marks[i] = " HEADER('" + strings.ReplaceAll(col.HeaderKey, "'", "''") + "')"
				}
			}
		}
	}
	return plan, marks, nil
}

// pullHeaderSchema renders a pull query's header: a table's key columns
// are marked KEY; columns with marks are listed after the key columns
// that precede them, as ksqlDB lists a source table's header columns.
func pullHeaderSchema(plan *planner.QueryPlan, marks []string) string {
	if !plan.From.IsTable {
		return headerSchema(plan.Output)
	}
	var lead, rest []string
	for i, c := range plan.Output.Columns {
		p := types.QuoteIdent(c.Name) + " " + c.Type.String()
		switch {
		case i < len(plan.KeyColumns) && plan.KeyColumns[i]:
			p += " KEY"
			if len(rest) == 0 {
				lead = append(lead, p)
				continue
			}
		case i < len(marks) && marks[i] != "":
			lead = append(lead, p+marks[i])
			continue
		}
		rest = append(rest, p)
	}
	return strings.Join(append(lead, rest...), ", ")
}

// pull scans the source topic once and runs the query's topology over the
// records: for a table, the latest record of each key in state-store
// order.
func (e *Engine) pull(ctx context.Context, topo *runtime.Topology, plan *planner.QueryPlan, emitErr *error) error {
	recs, err := e.cluster.ReadAll(ctx, plan.From.Topic)
	if err != nil {
		return fmt.Errorf("read %s: %w", plan.From.Topic, err)
	}
	if plan.From.IsTable {
		parts := int32(1)
		if info, ok, err := e.cluster.Topic(ctx, plan.From.Topic); err == nil && ok && info.Partitions > 0 {
			parts = info.Partitions
		}
		recs = tableScan(recs, plan.From, parts)
	}
	if err := runtime.RunOnce(topo, recs, e.processingLog(true)); err != nil {
		return err
	}
	return *emitErr
}

// tableScan keeps the latest record of each key that is not a delete, in
// state-store order: by the partition that holds the key's state, then by
// key bytes. A windowed table written by a persistent query keeps its
// state in the partition of the key without its window (the aggregation's
// input is partitioned by that key), while its topic is partitioned by the
// whole windowed key; any other table's state is in its topic partition.
func tableScan(recs []kafka.Record, src *metastore.Source, parts int32) []kafka.Record {
	latest := map[string]int{}
	for i, r := range recs {
		latest[string(r.Key)] = i
	}
	type scanned struct {
		part int32
		rec  kafka.Record
	}
	var kept []scanned
	for i, r := range recs {
		if latest[string(r.Key)] != i || r.Value == nil {
			continue
		}
		part := r.Partition
		if src.Window != nil && src.CreatedBy != "" && r.Key != nil {
			kind := runtime.Tumbling
			if strings.EqualFold(src.Window.Type, "SESSION") {
				kind = runtime.Session
			}
			if inner, _, _, err := runtime.SplitWindow(r.Key, kind, src.Window.SizeMs); err == nil {
				part = kafka.KeyPartition(inner, parts)
			}
		}
		kept = append(kept, scanned{part, r})
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if kept[i].part != kept[j].part {
			return kept[i].part < kept[j].part
		}
		return bytes.Compare(kept[i].rec.Key, kept[j].rec.Key) < 0
	})
	out := make([]kafka.Record, len(kept))
	for i, k := range kept {
		out[i] = k.rec
	}
	return out
}
