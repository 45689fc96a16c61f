package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/metastore"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/runtime"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/types"
)

// A pull query (a SELECT without EMIT) sees everything written before it
// started. A stream's records are read from its topic once, in topic
// order. A table is read from its materialized store (materialize.go):
// the latest record per key, in the order ksqlDB's state store scan
// returns them: partition by partition, and within one by the serialized
// key's bytes (for a windowed key, the key bytes then the window), which
// is what decides the rows a LIMIT keeps. tableScan computes the same
// from the topic when there is no store.

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

// pull runs the query's topology once over its source's records: a
// stream's records from its topic, a table's latest record per key from
// its materialized store, looked up by key when where pins the keys. A
// table's store, and a stream's topic on a broker, are read a chunk at a
// time and the reading stops when the query wants no more rows (a LIMIT
// reached, an emit error), so that a query's cost and memory follow what
// it returns, not the source's size. It returns the run for its caller
// to finish (see runtime.Once.EmitEmptyAggregates).
func (e *Engine) pull(ctx context.Context, topo *runtime.Topology, plan *planner.QueryPlan, where sql.Expr, emitErr *error) (*runtime.Once, error) {
	log, flushLog := e.pullLog()
	defer flushLog()
	run := runtime.NewOnce(topo, log)
	feed := func(recs []kafka.Record) bool {
		return run.Process(recs) && ctx.Err() == nil
	}
	var err error
	if plan.From.IsTable {
		err = e.pullTable(ctx, plan.From, where, feed)
	} else if sc, ok := e.cluster.(kafka.TopicScanner); ok {
		err = sc.ScanTopic(ctx, plan.From.Topic, feed) // its errors name the topic
	} else {
		var recs []kafka.Record
		if recs, err = e.cluster.ReadAll(ctx, plan.From.Topic); err == nil {
			feed(recs)
		}
	}
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("read %s: %w", plan.From.Topic, ctx.Err())
	}
	return run, *emitErr
}

// pullTable feeds a table's latest record per key in state-store order,
// or only the records of the keys where pins or of the key range it
// bounds, until feed returns false.
// It reads the table's materialized store once that has caught up with
// the end offsets listed now, and scans the topic when they cannot be
// listed (a topic that does not exist) or the store cannot catch up.
func (e *Engine) pullTable(ctx context.Context, src *metastore.Source, where sql.Expr, feed func([]kafka.Record) bool) error {
	e.commitWriter(ctx, src)
	ends, err := kafka.StableEndOffsets(ctx, e.cluster, src.Topic)
	if err != nil || len(ends) == 0 {
		return e.scanTable(ctx, src, feed)
	}
	t, err := e.table(ctx, src, int32(len(ends)))
	if err != nil {
		return err
	}
	starts := func() (map[int32]int64, error) {
		if l, ok := e.cluster.(kafka.StartOffsetLister); ok {
			return l.StartOffsets(ctx, src.Topic)
		}
		return map[int32]int64{}, nil // every log starts at 0: wait
	}
	if err := t.waitFor(ctx, ends, starts); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("read %s: %w", src.Topic, ctx.Err())
		}
		e.opts.Logf("pull query on %s reads the topic: materialized table: %v", src.Name, err)
		return e.scanTable(ctx, src, feed)
	}
	retention := int64(0)
	if src.Window != nil {
		retention = src.Window.RetentionMs
	}
	if keys, ok := e.pullKeys(src, where); ok {
		recs, err := t.lookup(src.Topic, keys)
		if err != nil {
			return err
		}
		if retention > 0 {
			recs = t.retained(recs, retention)
		}
		feed(recs)
		return nil
	}
	lo, hi := pullKeyRange(src, where)
	return t.scan(src.Topic, lo, hi, retention, feed)
}

// commitWriter has the query writing src commit the outputs its cache
// holds back, here and on the other servers running its tasks
// (Options.CommitOnPeers), so that the pull query reading src next sees
// every update made before it rather than those of the last commit
// interval (ksqlDB's pull queries read through the caches).
func (e *Engine) commitWriter(ctx context.Context, src *metastore.Source) {
	if src.CreatedBy == "" {
		return
	}
	e.mu.Lock()
	rq := e.queries[src.CreatedBy]
	e.mu.Unlock()
	if rq == nil || !rq.CachesOutputs() {
		return // the other servers run it as this one would
	}
	if err := rq.CommitNow(ctx); err != nil {
		e.opts.Logf("pull query on %s: commit %s's cached outputs: %v", src.Name, src.CreatedBy, err)
	}
	if e.opts.CommitOnPeers != nil {
		e.opts.CommitOnPeers(ctx, src.CreatedBy, e.appID(src.CreatedBy))
	}
}

// ErrQueryNotHere: CommitCached of a query this server does not run.
var ErrQueryNotHere = errors.New("no such persistent query")

// CommitCached has persistent query id, as it runs on this server,
// commit the outputs its cache holds back (runtime.Query.CommitNow): a
// pull query on another server asks it so (Options.CommitOnPeers).
func (e *Engine) CommitCached(ctx context.Context, id string) error {
	e.mu.Lock()
	rq := e.queries[id]
	e.mu.Unlock()
	if rq == nil {
		return fmt.Errorf("%s: %w", id, ErrQueryNotHere)
	}
	return rq.CommitNow(ctx)
}

// scanTable reads a table's topic to its end and feeds the latest
// record per key.
func (e *Engine) scanTable(ctx context.Context, src *metastore.Source, feed func([]kafka.Record) bool) error {
	recs, err := e.cluster.ReadAll(ctx, src.Topic)
	if err != nil {
		return err // it names the topic
	}
	parts := int32(1)
	if info, ok, err := e.cluster.Topic(ctx, src.Topic); err == nil && ok && info.Partitions > 0 {
		parts = info.Partitions
	}
	feed(tableScan(recs, src, parts))
	return nil
}

// maxLookupKeys bounds the keys a pull query looks up one by one; a
// WHERE clause that pins more (a cross product of long IN lists) scans.
const maxLookupKeys = 10_000

// pullKeys returns the encoded (unwindowed) keys where pins src's key
// columns to, when it pins them all in every disjunct with literals
// eddy can encode exactly; ok is false when the query must scan.
func (e *Engine) pullKeys(src *metastore.Source, where sql.Expr) (keys [][]byte, ok bool) {
	pins, ok := planner.PullKeyPins(where, src)
	if !ok {
		return nil, false
	}
	ks := e.lookupKeySerde(src)
	if ks == nil {
		return nil, false
	}
	cols := src.Schema.Key()
	seen := map[string]bool{}
	for _, pinned := range pins {
		// The cross product of each key column's literals.
		tuples := [][]any{{}}
		for _, c := range cols {
			var next [][]any
			for _, lit := range pinned[c.Name] {
				v, fits, ok := keyLiteral(lit, c.Type)
				if !ok {
					return nil, false
				}
				if !fits {
					continue // no key of this type equals it
				}
				for _, t := range tuples {
					next = append(next, append(slices.Clone(t), v))
				}
			}
			if len(next) > maxLookupKeys {
				return nil, false
			}
			tuples = next
		}
		for _, t := range tuples {
			b, err := ks.Encode(t)
			if err != nil {
				return nil, false
			}
			if !seen[string(b)] {
				seen[string(b)] = true
				keys = append(keys, b)
			}
		}
		if len(keys) > maxLookupKeys {
			return nil, false
		}
	}
	return keys, true
}

// pullKeyRange returns the bounds [lo, hi) on the key bytes of the rows
// where may select, for a scan of the store to read only those (nil:
// unbounded). It bounds only a single key in the KAFKA format whose bytes
// order as its values compare: a STRING, or an INT or BIGINT (big-endian
// two's complement, in which negative numbers order after the others, so
// a range across zero is left unbounded). A windowed key is its key's
// bytes then the window's, so for a STRING only the lower bound holds.
func pullKeyRange(src *metastore.Source, where sql.Expr) (lo, hi []byte) {
	if !strings.EqualFold(src.KeyFormat.Name, "KAFKA") {
		return nil, nil
	}
	l, h, hasLo, hasHi := planner.PullKeyBounds(where, src)
	switch kind := src.Schema.Key()[0].Type.Kind; {
	case !hasLo && !hasHi:
		return nil, nil
	case kind != types.String:
		return intKeyRange(kind == types.Int, l, h, hasLo, hasHi)
	}
	if hasLo {
		lo = []byte(l.(string))
	}
	if hasHi && src.Window == nil {
		hi = append([]byte(h.(string)), 0) // just past h
	}
	return lo, hi
}

// intKeyRange returns the bounds [lo, hi) on the big-endian bytes of an
// INT (4 bytes) or BIGINT (8 bytes) key k with l <= k (when hasLo) and
// k <= h (when hasHi), whose l and h are int64. Those bytes order as
// unsigned numbers: the range is contiguous when it does not cross from
// negative to non-negative keys, and left unbounded when it does. Keys
// are fixed-width, so the first key past h bounds a windowed key too.
func intKeyRange(isInt bool, l, h any, hasLo, hasHi bool) (lo, hi []byte) {
	minKey, maxKey := int64(math.MinInt64), int64(math.MaxInt64)
	if isInt {
		minKey, maxKey = math.MinInt32, math.MaxInt32
	}
	from, to := minKey, maxKey
	if hasLo {
		from = max(l.(int64), minKey)
	}
	if hasHi {
		to = min(h.(int64), maxKey)
	}
	enc := func(v int64) []byte {
		if isInt {
			return binary.BigEndian.AppendUint32(nil, uint32(int32(v)))
		}
		return binary.BigEndian.AppendUint64(nil, uint64(v))
	}
	switch {
	case from > to:
		return enc(0), enc(0) // nothing can match
	case from < 0 && to >= 0:
		return nil, nil
	case to == -1:
		return enc(from), nil // the greatest bytes
	}
	// to+1 past maxKey wraps to minKey, whose bytes come next.
	return enc(from), enc(to + 1)
}

// keyLiteral returns the value of a literal PullKeyPins accepted as a
// key column of type t holds it. fits is false for an integer out of an
// INT column's range; ok is false when the literal's type is not t's.
func keyLiteral(lit sql.Expr, t *types.Type) (v any, fits, ok bool) {
	neg := false
	if u, isUnary := lit.(*sql.Unary); isUnary && u.Op == "-" {
		neg, lit = true, u.X
	}
	switch x := lit.(type) {
	case *sql.StringLit:
		if t.Kind != types.String || neg {
			return nil, false, false
		}
		return x.Val, true, true
	case *sql.IntLit:
		n := x.Val
		if neg {
			n = -n
		}
		switch t.Kind {
		case types.Int:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, false, true
			}
			return int32(n), true, true
		case types.Bigint:
			return n, true, true
		}
	}
	return nil, false, false
}

// tableScan keeps the latest record of each key that is not a delete, in
// state-store order: by the partition that holds the key's state, then by
// key bytes. A windowed table written by a persistent query keeps its
// state in the partition of the key without its window (the aggregation's
// input is partitioned by that key), while its topic is partitioned by the
// whole windowed key; any other table's state is in its topic partition.
func tableScan(recs []kafka.Record, src *metastore.Source, parts int32) []kafka.Record {
	kind := runtime.Tumbling
	if src.Window != nil && strings.EqualFold(src.Window.Type, "SESSION") {
		kind = runtime.Session
	}
	partOf := func(r *kafka.Record) int32 {
		if src.Window != nil && src.CreatedBy != "" && r.Key != nil {
			if inner, _, _, err := runtime.SplitWindow(r.Key, kind, src.Window.SizeMs); err == nil {
				return kafka.KeyPartition(inner, parts)
			}
		}
		return r.Partition
	}
	latest := map[string]int{}
	streamTime := map[int32]int64{} // per state partition, as tableState keeps it
	final := src.Window != nil && emitsFinal(src)
	for i := range recs {
		latest[string(recs[i].Key)] = i
		if src.Window != nil && recs[i].Key != nil {
			if at, ok := storeTime(&recs[i], kind, src.Window.SizeMs, final); ok {
				p := partOf(&recs[i])
				streamTime[p] = max(streamTime[p], at)
			}
		}
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
		part := partOf(&r)
		if src.Window != nil && src.Window.RetentionMs > 0 && !windowLive(r.Key, kind, src.Window.SizeMs, src.Window.RetentionMs, streamTime[part]) {
			continue // past the retention of the query writing it
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
