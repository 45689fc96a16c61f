package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/internal/options"
)

// Source options.
const (
	optMode          = "mode"
	optIncColumn     = "incrementing.column.name"
	optTSColumn      = "timestamp.column.name"
	optTables        = "table.whitelist"
	optTablesExclude = "table.blacklist"
	optQuery         = "query"
	optTopicPrefix   = "topic.prefix"
	optPollInterval  = "poll.interval.ms"
	optBatchMaxRows  = "batch.max.rows"
	optTSDelay       = "timestamp.delay.interval.ms"
	optTSInitial     = "timestamp.initial"
	optTablePoll     = "table.poll.interval.ms"
	optNumeric       = "numeric.mapping"
	optValidateNN    = "validate.non.null"

	modeBulk      = "bulk"
	modeIncr      = "incrementing"
	modeTS        = "timestamp"
	modeTSIncr    = "timestamp+incrementing"
	numericNone   = "none"
	numericBest   = "best_fit"
	numericPrec   = "precision_only"
	offsetIncr    = "incrementing"
	offsetTS      = "timestamp"
	offsetTSNanos = "timestamp_nanos"
)

var sourceSpec = []connect.ConfigField{
	{Name: optMode, Type: connect.TypeString, Required: true, Enum: []string{modeBulk, modeIncr, modeTS, modeTSIncr}, Doc: "bulk: the whole table every poll.interval.ms. incrementing: rows whose incrementing.column.name is above the largest seen (new rows; updates are not seen). timestamp: rows whose timestamp.column.name is after the latest seen and before now minus timestamp.delay.interval.ms (new and updated rows; a row given the same timestamp as one already read, after it was read, is missed). timestamp+incrementing: both, ordered by timestamp then id, so rows sharing a timestamp are not missed."},
	{Name: optIncColumn, Type: connect.TypeString, Doc: "The strictly increasing integer column (modes incrementing and timestamp+incrementing)."},
	{Name: optTSColumn, Type: connect.TypeList, Doc: "The last-modified timestamp column (modes timestamp and timestamp+incrementing); with several, the first that is not null counts (COALESCE)."},
	{Name: optTables, Type: connect.TypeList, Aliases: []string{"table.include.list"}, Doc: "The tables to read (schema.table names a PostgreSQL schema's). Default: every table of the connection's schema (PostgreSQL) or database (MySQL) but those in table.blacklist."},
	{Name: optTablesExclude, Type: connect.TypeList, Aliases: []string{"table.exclude.list"}, Doc: "Tables not to read, when table.whitelist is empty."},
	{Name: optQuery, Type: connect.TypeString, Doc: "Read the result of this SELECT instead of tables, into the topic named topic.prefix. The mode's condition is applied around it (SELECT * FROM (query) WHERE …), so it may have its own WHERE."},
	{Name: optTopicPrefix, Type: connect.TypeString, Required: true, Doc: "Prefix of the topic names: a table's rows go to <topic.prefix><table>, a query's to <topic.prefix>."},
	{Name: optPollInterval, Type: connect.TypeInt, Default: "5000", Doc: "Milliseconds between two reads of the same table."},
	{Name: optBatchMaxRows, Type: connect.TypeInt, Default: "100", Doc: "Most rows handed to Kafka at once; a read larger than that goes out in several batches, each followed by its offset."},
	{Name: optTSDelay, Type: connect.TypeLong, Default: "0", Doc: "Milliseconds a row's timestamp must be in the past before it is read, leaving transactions that began earlier the time to commit."},
	{Name: optTSInitial, Type: connect.TypeLong, Doc: "Timestamp modes, on a first start: read rows after this epoch-millisecond time; -1 means now (only rows changed from now on). Default: from the beginning."},
	{Name: optTablePoll, Type: connect.TypeLong, Default: "60000", Doc: "Accepted for compatibility; the table list is read when the task starts."},
	{Name: optNumeric, Type: connect.TypeString, Default: numericNone, Enum: []string{numericNone, numericBest, numericPrec}, Doc: "none and precision_only: NUMERIC/DECIMAL columns become Connect Decimals with the column's scale. best_fit: those without a fractional part become INT8..INT64 by precision, the others FLOAT64 (when precision is at most 18)."},
	{Name: optValidateNN, Type: connect.TypeBoolean, Default: "true", Doc: "Accepted for compatibility."},
}

type sourceSettings struct {
	target    *target
	mode      string
	incColumn string
	tsColumns []string
	tables    []string
	exclude   map[string]bool
	query     string
	prefix    string
	poll      time.Duration
	maxRows   int
	delay     time.Duration
	tsInitial *int64
	bestFit   bool
	quote     bool
}

func parseSource(cfg connect.Config) (*sourceSettings, error) {
	r := options.New(cfg, append(commonSpec(), sourceSpec...))
	s := &sourceSettings{
		mode:      r.OneOf(optMode, modeBulk, modeIncr, modeTS, modeTSIncr),
		incColumn: r.String(optIncColumn),
		tsColumns: r.List(optTSColumn),
		tables:    r.List(optTables),
		exclude:   map[string]bool{},
		query:     r.String(optQuery),
		prefix:    r.String(optTopicPrefix),
		poll:      time.Duration(r.Int(optPollInterval)) * time.Millisecond,
		maxRows:   int(r.Int(optBatchMaxRows)),
		delay:     time.Duration(r.Int(optTSDelay)) * time.Millisecond,
		bestFit:   r.OneOf(optNumeric, numericNone, numericBest, numericPrec) == numericBest,
		quote:     r.OneOf(optQuoteIdents, "always", "never") == "always",
	}
	for _, t := range r.List(optTablesExclude) {
		s.exclude[t] = true
	}
	if r.String(optTSInitial) != "" {
		v := r.Int(optTSInitial)
		s.tsInitial = &v
	}
	tg, err := parseURL(r.String(optURL), r.String(optUser), r.String(optPassword))
	if err != nil {
		r.Fail("%v", err)
	}
	s.target = tg
	if s.prefix == "" && s.query == "" {
		r.Fail("Missing required configuration %q which has no default value.", optTopicPrefix)
	}
	if s.query != "" && len(s.tables) > 0 {
		r.Fail("query and table.whitelist are mutually exclusive")
	}
	if (s.mode == modeIncr || s.mode == modeTSIncr) && s.incColumn == "" {
		r.Fail("mode=%s needs incrementing.column.name", s.mode)
	}
	if (s.mode == modeTS || s.mode == modeTSIncr) && len(s.tsColumns) == 0 {
		r.Fail("mode=%s needs timestamp.column.name", s.mode)
	}
	if s.maxRows < 1 {
		r.Fail("Invalid value %d for configuration %s: must be at least 1", s.maxRows, optBatchMaxRows)
	}
	if s.poll <= 0 {
		s.poll = 5 * time.Second
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// querier is one table (or the query) and how far it has been read.
type querier struct {
	table     tableID // zero for the query
	topic     string
	partition map[string]any
	next      time.Time // when to read it again
	incr      int64
	ts        time.Time
}

type sourceTask struct {
	s  *sourceSettings
	d  dialect
	db *sql.DB
	tc connect.TaskContext

	queriers []*querier
	// The read in progress: its rows stay open across polls.
	cur    *querier
	rows   *sql.Rows
	reader *rowReader
}

func newSourceTask(cfg connect.Config) (*sourceTask, error) {
	s, err := parseSource(cfg)
	if err != nil {
		return nil, err
	}
	return &sourceTask{s: s, d: s.target.dialect}, nil
}

func (t *sourceTask) quote(s string) string {
	if t.s.quote {
		return t.d.quoteIdent(s)
	}
	return s
}

func (t *sourceTask) quoteTable(id tableID) string {
	if id.schema == "" {
		return t.quote(id.name)
	}
	return t.quote(id.schema) + "." + t.quote(id.name)
}

func (t *sourceTask) Start(ctx context.Context, tc connect.TaskContext, offsets func(map[string]any) (map[string]any, bool)) error {
	db, err := t.s.target.open()
	if err != nil {
		return err
	}
	t.db, t.tc = db, tc
	var qs []*querier
	if t.s.query != "" {
		qs = append(qs, &querier{topic: t.s.prefix, partition: map[string]any{"query": "query"}})
	} else {
		names := t.s.tables
		if len(names) == 0 {
			if names, err = t.listTables(ctx); err != nil {
				return err
			}
		}
		for _, n := range names {
			id := parseTableID(n)
			qs = append(qs, &querier{table: id, topic: t.s.prefix + id.name, partition: map[string]any{"table": id.String()}})
		}
	}
	initial := time.Unix(0, 0).UTC()
	if t.s.tsInitial != nil {
		if *t.s.tsInitial == -1 {
			initial = time.Now().UTC()
		} else {
			initial = time.UnixMilli(*t.s.tsInitial).UTC()
		}
	}
	for _, q := range qs {
		q.incr, q.ts = -1, initial
		if off, ok := offsets(q.partition); ok {
			if v, ok := connect.AsInt64(off[offsetIncr]); ok {
				q.incr = v
			}
			if ms, ok := connect.AsInt64(off[offsetTS]); ok {
				ns, _ := connect.AsInt64(off[offsetTSNanos])
				q.ts = time.UnixMilli(ms).UTC().Truncate(time.Second).Add(time.Duration(ns))
			}
		}
	}
	t.queriers = qs
	return nil
}

func (t *sourceTask) listTables(ctx context.Context) ([]string, error) {
	rows, err := t.db.QueryContext(ctx, t.d.tablesQuery())
	if err != nil {
		return nil, fmt.Errorf("list the tables of %s: %w", t.s.target.display, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if !t.s.exclude[n] {
			out = append(out, n)
		}
	}
	return out, rows.Err()
}

func (t *sourceTask) Stop() error {
	t.closeRows()
	if t.db != nil {
		return t.db.Close()
	}
	return nil
}

func (t *sourceTask) Commit(context.Context) error { return nil }

func (t *sourceTask) closeRows() {
	if t.rows != nil {
		t.rows.Close()
	}
	t.rows, t.cur, t.reader = nil, nil, nil
}

// Poll returns up to batch.max.rows rows of the read in progress, or
// starts the read of the table that is due next.
func (t *sourceTask) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.rows == nil {
		var due *querier
		for _, q := range t.queriers {
			if due == nil || q.next.Before(due.next) {
				due = q
			}
		}
		if due == nil {
			sleepCtx(ctx, time.Second)
			return nil, nil
		}
		if wait := time.Until(due.next); wait > 0 {
			sleepCtx(ctx, min(wait, time.Second))
			return nil, nil
		}
		if err := t.open(ctx, due); err != nil {
			due.next = time.Now().Add(t.s.poll)
			return nil, err
		}
	}
	q := t.cur
	var out []connect.Record
	for len(out) < t.s.maxRows {
		if !t.rows.Next() {
			err := t.rows.Err()
			t.closeRows()
			q.next = time.Now().Add(t.s.poll)
			if err != nil {
				return out, fmt.Errorf("read %s: %w", t.what(q), err)
			}
			break
		}
		rec, err := t.reader.record(t.rows)
		if err != nil {
			t.closeRows()
			return nil, fmt.Errorf("read %s: %w", t.what(q), err)
		}
		rec.Topic, rec.Partition = q.topic, -1
		if t.s.mode != modeBulk {
			if t.reader.incIdx >= 0 {
				v, _ := connect.AsInt64(rec.Value.(*connect.Struct).Values[t.reader.incName])
				q.incr = v
			}
			if t.reader.tsIdx != nil {
				q.ts = t.reader.lastTS
			}
			rec.SourcePartition = q.partition
			rec.SourceOffset = q.offset(t.s.mode)
		}
		out = append(out, rec)
	}
	return out, nil
}

func (t *sourceTask) what(q *querier) string {
	if q.table.name == "" {
		return "the query"
	}
	return "table " + q.table.String()
}

func (q *querier) offset(mode string) map[string]any {
	off := map[string]any{}
	if mode == modeIncr || mode == modeTSIncr {
		off[offsetIncr] = q.incr
	}
	if mode == modeTS || mode == modeTSIncr {
		off[offsetTS] = q.ts.UnixMilli()
		off[offsetTSNanos] = int64(q.ts.Nanosecond())
	}
	return off
}

// open starts reading q's new rows.
func (t *sourceTask) open(ctx context.Context, q *querier) error {
	from := t.quoteTable(q.table)
	name := q.table.name
	if q.table.name == "" {
		from = "(" + t.s.query + ") eddy_query"
		name = ""
	}
	var ts string
	if len(t.s.tsColumns) == 1 {
		ts = t.quote(t.s.tsColumns[0])
	} else if len(t.s.tsColumns) > 1 {
		ts = "COALESCE(" + strings.Join(quoteAll(t.s.tsColumns, t.quote), ",") + ")"
	}
	inc := t.quote(t.s.incColumn)
	var where, order string
	var args []any
	p := func(v any) string { args = append(args, v); return t.d.param(len(args)) }
	end := time.Now().UTC().Add(-t.s.delay)
	switch t.s.mode {
	case modeIncr:
		where = inc + " > " + p(q.incr)
		order = inc
	case modeTS:
		where = ts + " > " + p(q.ts) + " AND " + ts + " < " + p(end)
		order = ts
	case modeTSIncr:
		where = ts + " < " + p(end) + " AND ((" + ts + " = " + p(q.ts) + " AND " + inc + " > " + p(q.incr) + ") OR " + ts + " > " + p(q.ts) + ")"
		order = ts + "," + inc
	}
	stmt := "SELECT * FROM " + from
	if where != "" {
		stmt += " WHERE " + where + " ORDER BY " + order
	}
	rows, err := t.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("query %s at %s: %w", t.what(q), t.s.target.display, err)
	}
	rd, err := newRowReader(rows, name, t.s)
	if err != nil {
		rows.Close()
		return fmt.Errorf("%s: %w", t.what(q), err)
	}
	t.cur, t.rows, t.reader = q, rows, rd
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}
