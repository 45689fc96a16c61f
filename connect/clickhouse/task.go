package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/connect"
)

// coord identifies a record by where it was read.
type coord struct {
	topic     string
	partition int32
	offset    int64
}

func coordOf(r *connect.Record) coord { return coord{r.Topic, r.Partition, r.Offset} }

// tableInfo is a target table's insertable columns, as read at a time.
type tableInfo struct {
	cols []column
	read time.Time
}

// task is one sink task. Put inserts before it returns, so a record
// ClickHouse refuses comes back from Put as a *connect.RecordError (the
// runtime routes rejections it hears of from Put); Flush has nothing left
// to wait for.
type task struct {
	s  *settings
	c  *client
	tc connect.TaskContext

	mu sync.Mutex
	// acked holds records inserted since the last Flush: after a failure
	// the runtime puts a batch again (or the rest of it after a
	// rejection), and those already in ClickHouse are not inserted twice.
	acked  map[coord]bool
	tables map[string]*tableInfo
	buf    []byte
}

func newTask(cfg connect.Config) (*task, error) {
	s, err := parse(cfg)
	if err != nil {
		return nil, err
	}
	return &task{s: s, acked: map[coord]bool{}, tables: map[string]*tableInfo{}}, nil
}

func (t *task) Start(ctx context.Context, tc connect.TaskContext) error {
	t.c, t.tc = newClient(t.s), tc
	return nil
}

func (t *task) Stop() error {
	if t.c != nil {
		t.c.close()
	}
	return nil
}

// Flush forgets the acknowledged records: the runtime commits their
// offsets now.
func (t *task) Flush(ctx context.Context) error {
	t.mu.Lock()
	clear(t.acked)
	t.mu.Unlock()
	return nil
}

// Put inserts recs, one INSERT per table (per insert.max.rows rows), in
// the order the tables first appear. Records that cannot become rows are
// returned as rejected; an insert that fails for a reason other than its
// data is an error, so the runtime retries the batch.
func (t *task) Put(ctx context.Context, recs []connect.Record) error {
	var order []string
	byTable := map[string][]*connect.Record{}
	for i := range recs {
		r := &recs[i]
		if r.Value == nil || t.isAcked(coordOf(r)) {
			continue // tombstones: ClickHouse's sink does not delete
		}
		tb := t.s.table(r.Topic)
		if _, ok := byTable[tb]; !ok {
			order = append(order, tb)
		}
		byTable[tb] = append(byTable[tb], r)
	}
	var failed []connect.FailedRecord
	for _, tb := range order {
		rej, err := t.putTable(ctx, tb, byTable[tb])
		failed = append(failed, rej...)
		if err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return &connect.RecordError{Failed: failed}
	}
	return nil
}

// putTable inserts one table's records in chunks of insert.max.rows.
func (t *task) putTable(ctx context.Context, table string, recs []*connect.Record) ([]connect.FailedRecord, error) {
	info, err := t.columns(ctx, table, false)
	if err != nil {
		return nil, err
	}
	var failed []connect.FailedRecord
	for len(recs) > 0 {
		n := min(len(recs), t.s.batchRows)
		rej, err := t.insert(ctx, table, info, recs[:n])
		failed = append(failed, rej...)
		if err != nil {
			if isSchemaError(err) {
				t.forget(table) // read the columns again on the retry
			}
			return failed, err
		}
		recs = recs[n:]
	}
	return failed, nil
}

// insert encodes recs and inserts them as one block. When ClickHouse
// refuses the block for its data, the record at fault is found (by the
// row the error names, else by inserting the records one by one) and
// rejected, and the rest is inserted.
func (t *task) insert(ctx context.Context, table string, info *tableInfo, recs []*connect.Record) ([]connect.FailedRecord, error) {
	var failed []connect.FailedRecord
	for len(recs) > 0 {
		body, rows, cols, rej := t.encode(info, recs)
		failed = append(failed, rej...)
		if len(rows) == 0 {
			return failed, nil
		}
		err := t.send(ctx, table, cols, body, len(rows))
		if err == nil {
			t.ackAll(rows)
			return failed, nil
		}
		se, data := isDataError(err)
		if !data {
			return failed, err
		}
		if n := se.row(); n >= 1 && n <= len(rows) {
			failed = append(failed, connect.FailedRecord{Record: *rows[n-1], Reason: se.Error()})
			recs = append(rows[:n-1:n-1], rows[n:]...)
			continue
		}
		if len(rows) == 1 {
			return append(failed, connect.FailedRecord{Record: *rows[0], Reason: se.Error()}), nil
		}
		for _, r := range rows { // no row named: find the culprits one by one
			rej, err := t.insert(ctx, table, info, []*connect.Record{r})
			failed = append(failed, rej...)
			if err != nil {
				return failed, err
			}
		}
		return failed, nil
	}
	return failed, nil
}

// encode writes recs as JSONEachRow lines; records that cannot become a
// row are returned as rejected. cols lists the columns to name in the
// INSERT: every insertable one, except DEFAULT columns no record gives a
// value for (so the server computes them).
func (t *task) encode(info *tableInfo, recs []*connect.Record) (body []byte, rows []*connect.Record, cols []string, failed []connect.FailedRecord) {
	body = t.buf[:0]
	used := make([]bool, len(info.cols))
	for _, r := range recs {
		start := len(body)
		var err error
		body, err = appendRow(body, info.cols, r)
		if err != nil {
			body = body[:start]
			failed = append(failed, connect.FailedRecord{Record: *r, Reason: err.Error()})
			continue
		}
		rows = append(rows, r)
		if vals, _, err := fieldsOf(r); err == nil {
			for i, c := range info.cols {
				if !used[i] && c.hasDefault {
					if _, v, ok := lookup(vals, c.name); ok && v != nil {
						used[i] = true
					}
				}
			}
		}
	}
	for i, c := range info.cols {
		if !c.hasDefault || used[i] {
			cols = append(cols, quoteIdent(c.name))
		}
	}
	t.buf = body
	return body, rows, cols, failed
}

// send runs one INSERT, as one block: max_insert_block_size covers the
// rows so that a refused row leaves nothing of the block behind.
func (t *task) send(ctx context.Context, table string, cols []string, body []byte, rows int) error {
	ctx, cancel := context.WithTimeout(ctx, t.s.timeout)
	defer cancel()
	sql := "INSERT INTO " + quoteIdent(table) + " (" + strings.Join(cols, ", ") + ") FORMAT JSONEachRow"
	params := append([][2]string{{"max_insert_block_size", strconv.Itoa(max(rows, 1048576))}}, t.s.chSettings...)
	if _, err := t.c.query(ctx, sql, body, params...); err != nil {
		if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("insert into %s.%s at %s: no answer within %v: %w", t.s.database, table, t.c.base, t.s.timeout, err)
		}
		return fmt.Errorf("insert into %s.%s: %w", t.s.database, table, err)
	}
	return nil
}

// columns returns a table's insertable columns, read from system.columns
// (again when fresh is set or tableRefreshInterval has passed).
func (t *task) columns(ctx context.Context, table string, fresh bool) (*tableInfo, error) {
	t.mu.Lock()
	info := t.tables[table]
	t.mu.Unlock()
	if info != nil && !fresh && (t.s.refresh <= 0 || time.Since(info.read) < t.s.refresh) {
		return info, nil
	}
	qctx, cancel := context.WithTimeout(ctx, t.s.timeout)
	defer cancel()
	out, err := t.c.query(qctx, "SELECT name, type, default_kind FROM system.columns WHERE database = "+
		quoteString(t.s.database)+" AND table = "+quoteString(table)+" FORMAT JSONEachRow", nil)
	if err != nil {
		return nil, fmt.Errorf("reading the columns of %s.%s: %w", t.s.database, table, err)
	}
	info = &tableInfo{read: time.Now()}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var c struct {
			Name        string `json:"name"`
			Type        string `json:"type"`
			DefaultKind string `json:"default_kind"`
		}
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("reading the columns of %s.%s: %w", t.s.database, table, err)
		}
		switch c.DefaultKind {
		case "MATERIALIZED", "ALIAS", "EPHEMERAL":
			continue // computed by the server, never inserted
		}
		info.cols = append(info.cols, column{name: c.Name, typ: parseType(c.Type), hasDefault: c.DefaultKind == "DEFAULT"})
	}
	if len(info.cols) == 0 {
		return nil, fmt.Errorf("table %s.%s does not exist at %s (the ClickHouse sink writes into existing tables: create it, or map the topic to another with %s)", t.s.database, table, t.c.base, optTopic2Table)
	}
	t.mu.Lock()
	t.tables[table] = info
	t.mu.Unlock()
	return info, nil
}

func (t *task) forget(table string) {
	t.mu.Lock()
	delete(t.tables, table)
	t.mu.Unlock()
}

func (t *task) isAcked(c coord) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.acked[c]
}

func (t *task) ackAll(recs []*connect.Record) {
	t.mu.Lock()
	for _, r := range recs {
		t.acked[coordOf(r)] = true
	}
	t.mu.Unlock()
}
