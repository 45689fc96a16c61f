package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/eddysql/eddy/api"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/serde"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// Stream runs a SELECT: a push query (EMIT CHANGES) until ctx ends or its
// LIMIT is reached, or a pull query that scans the source once. emit gets
// the header, each row and a final message; an emit error stops the query.
func (e *Engine) Stream(ctx context.Context, text string, props map[string]string, emit func(api.StreamedRow) error) error {
	stmts, err := sql.Parse(text)
	if err != nil {
		return classify(err, text)
	}
	if len(stmts) != 1 {
		return classify(&stmtErr{msg: "Expected exactly one SELECT statement."}, text)
	}
	sel, ok := stmts[0].(*sql.Select)
	if !ok {
		return classify(&stmtErr{msg: "Expected a SELECT statement."}, text)
	}
	if err := checkProps(props); err != nil {
		return classify(err, text)
	}
	cfg := e.config(props)
	pull := sel.Query.Emit == sql.EmitNone
	p := planner.New(e.ms, e.fns, cfg, e.opts.Registry)
	p.Partitions = e.partitionsOf(ctx)
	p.Pull = pull
	var plan *planner.QueryPlan
	var marks []string
	if pull {
		plan, marks, err = e.planPull(sel.Query, p)
	} else if l := sel.Query.Limit; l != nil && *l < 0 {
		// As pull queries say: it would otherwise stream without end.
		err = &stmtErr{msg: "Push queries don't support negative integers in the LIMIT clause."}
	} else {
		plan, err = p.PlanQuery(sel.Query, planner.Push, "")
	}
	if err != nil {
		return classify(err, text)
	}
	id := fmt.Sprintf("transient_%s_%d", plan.From.Name, rand.Int64())
	scalable := scalablePush(sel.Query, plan, cfg)
	if scalable {
		id = fmt.Sprintf("SCALABLE_PUSH_QUERY_%d", rand.Int64())
	}
	schemaText := headerSchema(plan.Output)
	if pull {
		schemaText = pullHeaderSchema(plan, marks)
	}
	hdr := &api.QueryHeader{QueryID: id, Schema: schemaText}
	for _, c := range plan.Output.Columns {
		hdr.Columns = append(hdr.Columns, api.Column{Name: c.Name, Type: c.Type.String()})
	}
	// A push query sends its header once it is subscribed (at the end
	// offsets of that moment), so a client that writes as soon as it
	// has the header sees that write. Rows from before that (a backlog
	// an in-memory cluster delivers inside Subscribe) wait in early.
	var (
		headerMu   sync.Mutex
		headerSent bool
		early      []*api.Row
	)
	sendHeader := func() error {
		headerMu.Lock()
		defer headerMu.Unlock()
		headerSent = true
		if err := emit(api.StreamedRow{Header: hdr}); err != nil {
			return err
		}
		for _, r := range early {
			if err := emit(api.StreamedRow{Row: r}); err != nil {
				return err
			}
		}
		early = nil
		return nil
	}
	if pull {
		if err := sendHeader(); err != nil {
			return err
		}
	}
	limit := -1
	if plan.Limit != nil {
		limit = *plan.Limit
	}
	var emitErr error
	count := 0
	// A pull query that aggregates (it cannot group) answers with the
	// aggregate over everything it read: the last of the running rows.
	var final *api.Row
	aggregates := pull && p.IsAggregateQuery(sel.Query)
	plan.Out.Next = &runtime.EmitSink{DropTombstones: !plan.ResultIsTable, DropKeyless: scalable && !plan.ResultIsTable && len(plan.From.Schema.Key()) > 0, Emit: func(row []any, tombstone bool) bool {
		if limit >= 0 && count >= limit {
			return false
		}
		if ctx.Err() != nil {
			// Ended (close-query, TERMINATE, the client left): the
			// task may still be working through what it fetched, and
			// stopping it waits for that; none of it goes out.
			return false
		}
		r := &api.Row{Columns: make([]any, len(row)), Tombstone: tombstone}
		for i, v := range row {
			r.Columns[i] = JSONValue(v, plan.Output.Columns[i].Type)
		}
		if aggregates {
			final = r
			return true
		}
		headerMu.Lock()
		if !headerSent {
			early = append(early, r)
		} else {
			emitErr = emit(api.StreamedRow{Row: r})
		}
		headerMu.Unlock()
		if emitErr != nil {
			return false
		}
		count++
		return limit < 0 || count < limit
	}}
	topo := &runtime.Topology{ID: id, Inputs: plan.Inputs, NoCommit: true}
	if pull {
		run, err := e.pull(ctx, topo, plan, sel.Query.Where, &emitErr)
		if err != nil {
			return err
		}
		if aggregates && final == nil {
			run.EmitEmptyAggregates()
		}
		if final != nil && limit != 0 {
			if err := emit(api.StreamedRow{Row: final}); err != nil {
				return err
			}
			count++
		}
		if limit >= 0 && count >= limit {
			return emit(api.StreamedRow{FinalMessage: "Limit Reached"})
		}
		return emit(api.StreamedRow{FinalMessage: "Query Completed"})
	}
	if limit == 0 {
		// Nothing to wait for: no row can be emitted.
		if err := sendHeader(); err != nil {
			return err
		}
		return emit(api.StreamedRow{FinalMessage: "Limit Reached"})
	}
	topo.Group = "_confluent-ksql-" + e.sid + "transient_" + id
	if err := pushCaching(topo, cfg); err != nil {
		return classify(err, text)
	}
	topo.Reset = kafka.Latest
	if strings.EqualFold(cfg.Get("auto.offset.reset", ""), "earliest") {
		topo.Reset = kafka.Earliest
	}
	q, err := runtime.Start(ctx, e.cluster, topo, runtime.Options{Log: e.processingLog(), Logf: e.opts.Logf})
	if err != nil {
		return classify(err, text)
	}
	defer q.Stop()
	if err := sendHeader(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return nil
	case <-q.Done():
	}
	if emitErr != nil {
		return emitErr
	}
	if err := q.Err(); err != nil {
		return classify(err, text)
	}
	return emit(api.StreamedRow{FinalMessage: "Limit Reached"})
}

// headerSchema renders the push-query header schema: no KEY markers.
func headerSchema(s *types.Schema) string {
	var parts []string
	for _, c := range s.Columns {
		parts = append(parts, types.QuoteIdent(c.Name)+" "+c.Type.String())
	}
	return strings.Join(parts, ", ")
}

// scalablePush reports whether a push query qualifies as a scalable push
// query in ksqlDB's terms (ksql.query.push.v2.enabled, a simple query over
// the output of a persistent query, reading from latest); eddy runs it the
// same way, but reports it under that name so clients see the same ids.
func scalablePush(q *sql.Query, plan *planner.QueryPlan, cfg planner.Config) bool {
	if !strings.EqualFold(cfg.Get("ksql.query.push.v2.enabled", "false"), "true") || q.Emit == sql.EmitNone {
		return false
	}
	if _, single := q.From.(*sql.Table); !single || len(q.GroupBy) > 0 || q.Window != nil || len(q.PartitionBy) > 0 {
		return false
	}
	return plan.From.CreatedBy != "" && !strings.EqualFold(cfg.Get("auto.offset.reset", "latest"), "earliest")
}

// pushCaching makes a push query's table aggregation keep its latest
// row per key and send only that every commit.interval.ms, as ksqlDB's
// transient queries do, when cache.max.bytes.buffering is set (bare or
// ksql.streams.-prefixed) by the session or the server's file: ksqlDB's
// tutorials set it so that each key shows once. Unset, every update
// reaches the client at once, as eddy's push queries always did.
func pushCaching(topo *runtime.Topology, cfg planner.Config) error {
	if _, ok := cfg["cache.max.bytes.buffering"]; !ok {
		if _, ok := cfg["ksql.streams.cache.max.bytes.buffering"]; !ok {
			return nil
		}
	}
	return setCaching(topo, cfg)
}

// JSONValue converts a row value to its REST JSON form.
func JSONValue(v any, t *types.Type) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case types.TimestampVal:
		return time.UnixMilli(int64(x)).UTC().Format("2006-01-02T15:04:05.000")
	case types.DateVal:
		return time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02")
	case types.TimeVal:
		return types.FormatTime(x) // ApiJsonMapper writes SqlTimeTypes.formatTime
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e, elemType(t))
		}
		return out
	case *types.MapVal:
		out := make(map[string]any, x.Len())
		for i, k := range x.Keys {
			out[fmt.Sprint(k)] = JSONValue(x.Vals[i], elemType(t))
		}
		return out
	case types.StructVal:
		// Fields in the schema's order, as ksqlDB writes them.
		var out api.Object
		for i, e := range x {
			if t != nil && i < len(t.Fields) {
				out.Keys = append(out.Keys, t.Fields[i].Name)
				out.Values = append(out.Values, JSONValue(e, t.Fields[i].Type))
			}
		}
		return out
	case float64:
		return x
	}
	if d, ok := v.(decimal.Decimal); ok {
		if t != nil && t.Kind == types.Decimal {
			return jsonNumber(d.StringFixed(int32(t.Scale)))
		}
		return jsonNumber(d.String())
	}
	return v
}

// jsonNumber keeps a decimal's digits exactly in JSON output.
type jsonNumber string

func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

func elemType(t *types.Type) *types.Type {
	if t == nil {
		return nil
	}
	return t.Elem
}

// Print streams a topic's records as text lines, as PRINT does.
func (e *Engine) Print(ctx context.Context, text string, props map[string]string, emit func(line string) error) error {
	stmts, err := sql.Parse(text)
	if err != nil {
		return classify(err, text)
	}
	pr, ok := stmts[0].(*sql.Print)
	if !ok || len(stmts) != 1 {
		return classify(&stmtErr{msg: "Expected a PRINT statement."}, text)
	}
	topic := pr.Topic
	if _, ok, err := e.cluster.Topic(ctx, topic); err != nil {
		return err
	} else if !ok {
		// Unquoted names are upper-cased by the parser; try the name as
		// typed in lower case before giving up, as topics usually are.
		if _, ok2, _ := e.cluster.Topic(ctx, strings.ToLower(topic)); ok2 {
			topic = strings.ToLower(topic)
		} else {
			return classify(&stmtErr{msg: fmt.Sprintf("Could not find topic '%s', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.", pr.Topic)}, text)
		}
	}
	reset := kafka.Latest
	if pr.FromBeginning {
		reset = kafka.Earliest
	}
	interval := max(pr.Interval, 1)
	limit := -1
	if pr.Limit != nil {
		limit = *pr.Limit
	}
	seen, printed := 0, 0
	// Each side's candidate formats narrow with every record polled, as
	// in ksqlDB: a batch is observed whole first, so all its records
	// render in the formats that survive it, and the format lines are
	// printed (before the batch's records) whenever they change.
	keys := serde.NewPrintFormats(e.opts.Registry, true)
	vals := serde.NewPrintFormats(e.opts.Registry, false)
	shownKey, shownVal := "", ""
	done := make(chan error, 1)
	handler := func(ctx context.Context, batch []kafka.Record) error {
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			keys.Observe(r.Key)
			vals.Observe(r.Value)
		}
		if d := keys.Describe(); d != shownKey {
			shownKey = d
			if err := emit("Key format: " + d); err != nil {
				return err
			}
		}
		if d := vals.Describe(); d != shownVal {
			shownVal = d
			if err := emit("Value format: " + d); err != nil {
				return err
			}
		}
		for _, r := range batch {
			seen++
			if (seen-1)%interval != 0 {
				continue
			}
			line := fmt.Sprintf("rowtime: %s, key: %s, value: %s, partition: %d",
				time.UnixMilli(r.Timestamp).UTC().Format("2006/01/02 15:04:05.000 Z"), keys.Render(r.Key), vals.Render(r.Value), r.Partition)
			if err := emit(line); err != nil {
				return err
			}
			printed++
			if limit >= 0 && printed >= limit {
				select {
				case done <- nil:
				default:
				}
				return errPrintDone
			}
		}
		return nil
	}
	if limit == 0 {
		return nil // no record to print
	}
	if pr.FromBeginning && strings.EqualFold(props[PrintToEndProperty], "true") {
		return e.printToEnd(ctx, topic, handler)
	}
	sub, err := e.cluster.Subscribe(ctx, kafka.SubscribeOptions{
		Group: "_confluent-ksql-" + e.sid + "print_" + fmt.Sprint(rand.Int64()), Topics: []string{topic}, Reset: reset, NoCommit: true,
	}, handler)
	if err != nil {
		return err
	}
	defer sub.Close()
	select {
	case <-ctx.Done():
	case <-done:
	case <-sub.Done():
		if err := sub.Err(); err != nil && !errors.Is(err, errPrintDone) {
			return err
		}
	}
	return nil
}

var errPrintDone = errors.New("print limit reached")

// printToEnd feeds handler, in batches, the records topic holds now (to
// its last stable offsets) and returns: the console's Preview ends once
// it has shown a small topic whole instead of waiting for more records.
func (e *Engine) printToEnd(ctx context.Context, topic string, handler func(context.Context, []kafka.Record) error) error {
	ends, err := e.cluster.EndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	from := make(map[int32]int64, len(ends))
	for p := range ends {
		from[p] = 0 // ReadPartitions starts at the log's start
	}
	const batchSize = 500
	var batch []kafka.Record
	_, err = e.cluster.ReadPartitions(ctx, topic, from, func(r kafka.Record) error {
		batch = append(batch, r)
		if len(batch) < batchSize {
			return nil
		}
		err := handler(ctx, batch)
		batch = nil
		return err
	})
	if err == nil {
		err = handler(ctx, batch)
	}
	if errors.Is(err, errPrintDone) || ctx.Err() != nil {
		return nil
	}
	return err
}

// PrintToEndProperty, set to true in a PRINT … FROM BEGINNING request's
// properties, ends the PRINT once it has printed every record its topic
// held when it started (eddy's own; the console's Preview sets it).
const PrintToEndProperty = "eddy.print.to.end"
