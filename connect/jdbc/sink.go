package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/internal/options"
)

// Sink options.
const (
	optInsertMode  = "insert.mode"
	optBatchSize   = "batch.size"
	optDelete      = "delete.enabled"
	optTableFormat = "table.name.format"
	optPKMode      = "pk.mode"
	optPKFields    = "pk.fields"
	optFields      = "fields.whitelist"
	optAutoCreate  = "auto.create"
	optAutoEvolve  = "auto.evolve"
	optMaxRetries  = "max.retries"
	optRetryBackMs = "retry.backoff.ms"
	optWriteTimeMs = "write.timeout.ms"
	optLockTimeMs  = "lock.timeout.ms"

	pkNone        = "none"
	pkKafka       = "kafka"
	pkRecordKey   = "record_key"
	pkRecordValue = "record_value"

	modeInsert = "insert"
	modeUpsert = "upsert"
	modeUpdate = "update"
)

const typeMappingDoc = "Column types (PostgreSQL / MySQL): INT8 SMALLINT / TINYINT, INT16 SMALLINT, INT32 INT, INT64 BIGINT, FLOAT32 REAL / FLOAT, FLOAT64 DOUBLE PRECISION / DOUBLE, BOOLEAN BOOLEAN / TINYINT, STRING TEXT (VARCHAR(256) in a MySQL key), BYTES BYTEA / BLOB (VARBINARY(256) in a MySQL key), Decimal DECIMAL / DECIMAL(65,scale), Date DATE, Time TIME / TIME(3), Timestamp TIMESTAMP / DATETIME(3) (UTC); arrays, maps and nested structs have no column type and are rejected. A required field becomes NOT NULL (but for columns added by auto.evolve, which are always nullable)."

var sinkSpec = []connect.ConfigField{
	{Name: optInsertMode, Type: connect.TypeString, Default: modeInsert, Enum: []string{modeInsert, modeUpsert, modeUpdate}, Doc: "insert: plain INSERT statements (a key written twice fails). upsert: INSERT … ON CONFLICT (pk) DO UPDATE on PostgreSQL, INSERT … ON DUPLICATE KEY UPDATE on MySQL, so writing a record again leaves one row: the idempotent choice, since records are delivered at least once. update: UPDATE … WHERE pk; a row that does not exist is not created. upsert and update need a pk.mode other than none."},
	{Name: optBatchSize, Type: connect.TypeInt, Default: "3000", Doc: "Most rows in one multi-row statement. Every batch the consumer hands over is written in a single transaction, whatever its size."},
	{Name: optDelete, Type: connect.TypeBoolean, Default: "false", Doc: "true: a record with a null value (a tombstone) deletes the row with its key; needs pk.mode=record_key. false: a tombstone is rejected as a bad record (errors.tolerance decides)."},
	{Name: optTableFormat, Type: connect.TypeString, Default: "${topic}", Doc: "The table a topic is written to; ${topic} stands for the topic name. A dotted name (commerce.orders) names the PostgreSQL schema or the MySQL database too."},
	{Name: optPKMode, Type: connect.TypeString, Default: pkNone, Enum: []string{pkNone, pkKafka, pkRecordKey, pkRecordValue}, Doc: "Where the primary key comes from. none: no key. kafka: the record's topic, partition and offset, in columns named by pk.fields (default __connect_topic, __connect_partition, __connect_offset). record_key: the key's fields (a struct key; pk.fields picks some) or the key itself (a primitive key, in the column pk.fields names, default __connect_key). record_value: the value fields pk.fields names (all of them when empty)."},
	{Name: optPKFields, Type: connect.TypeList, Doc: "The primary key's column names; see pk.mode."},
	{Name: optFields, Type: connect.TypeList, Aliases: []string{"fields.include"}, Doc: "The value fields written as columns (all when empty). Key columns are written in any case."},
	{Name: optAutoCreate, Type: connect.TypeBoolean, Default: "false", Doc: "Create a missing table with CREATE TABLE, its columns from the record schema (key columns first, as the PRIMARY KEY). " + typeMappingDoc},
	{Name: optAutoEvolve, Type: connect.TypeBoolean, Default: "false", Doc: "Add a column with ALTER TABLE … ADD when a record has a field the table lacks (columns are never dropped or altered). Without it such a record is rejected."},
	{Name: optMaxRetries, Type: connect.TypeInt, Default: "10", Doc: "Accepted for compatibility: a failed transaction is retried with the runtime's backoff until it commits or the connector stops, and the task's status shows the error meanwhile."},
	{Name: optRetryBackMs, Type: connect.TypeInt, Default: "3000", Doc: "Accepted for compatibility (see max.retries and errors.retry.delay.max.ms)."},
	{Name: optWriteTimeMs, Type: connect.TypeLong, Default: "60000", Doc: "eddy's own: how long one batch's transaction may take before it is abandoned and retried, with the task's status saying so (a database that hangs, a lock wait that lock.timeout.ms does not end). 0: no limit."},
	{Name: optLockTimeMs, Type: connect.TypeLong, Default: "10000", Doc: "eddy's own: how long a write waits for a lock another session holds on its table or rows (LOCK TABLE, a long transaction) before the database ends the wait; the batch's transaction is then rolled back and retried with backoff until the lock goes, and the task's status names the table and the lock meanwhile. The database enforces it: PostgreSQL's lock_timeout, MySQL's and MariaDB's lock_wait_timeout and innodb_lock_wait_timeout (in whole seconds, rounded up), set for the sink's transactions only. 0: the database's own limits (PostgreSQL waits for ever, MySQL a year for a table lock and 50 s for a row), so only write.timeout.ms ends the wait."},
}

type sinkSettings struct {
	target       *target
	insertMode   string
	pkMode       string
	pkFields     []string
	tableFormat  string
	deletes      bool
	autoCreate   bool
	autoEvolve   bool
	batchSize    int
	writeTimeout time.Duration   // 0: none
	lockTimeout  time.Duration   // 0: the database's
	fields       map[string]bool // nil: every field
	quote        bool
}

func parseSink(cfg connect.Config) (*sinkSettings, error) {
	r := options.New(cfg, append(commonSpec(), sinkSpec...))
	s := &sinkSettings{
		insertMode:   r.OneOf(optInsertMode, modeInsert, modeUpsert, modeUpdate),
		pkMode:       r.OneOf(optPKMode, pkNone, pkKafka, pkRecordKey, pkRecordValue),
		pkFields:     r.List(optPKFields),
		tableFormat:  r.String(optTableFormat),
		deletes:      r.Bool(optDelete),
		autoCreate:   r.Bool(optAutoCreate),
		autoEvolve:   r.Bool(optAutoEvolve),
		batchSize:    int(r.Int(optBatchSize)),
		writeTimeout: time.Duration(r.Int(optWriteTimeMs)) * time.Millisecond,
		lockTimeout:  time.Duration(r.Int(optLockTimeMs)) * time.Millisecond,
		quote:        r.OneOf(optQuoteIdents, "always", "never") == "always",
	}
	if fs := r.List(optFields); len(fs) > 0 {
		s.fields = map[string]bool{}
		for _, f := range fs {
			s.fields[f] = true
		}
	}
	tg, err := parseURL(r.String(optURL), r.String(optUser), r.String(optPassword))
	if err != nil {
		r.Fail("%v", err)
	}
	s.target = tg
	if s.batchSize < 1 {
		r.Fail("Invalid value %d for configuration %s: must be at least 1", s.batchSize, optBatchSize)
	}
	if s.tableFormat == "" {
		r.Fail("Invalid value for configuration %s: must not be empty", optTableFormat)
	}
	if s.pkMode == pkNone && s.insertMode != modeInsert {
		r.Fail("insert.mode=%s needs a primary key: set pk.mode to kafka, record_key or record_value", s.insertMode)
	}
	if s.deletes && s.pkMode != pkRecordKey {
		r.Fail("delete.enabled=true needs pk.mode=record_key (a tombstone has only its key to say which row to delete)")
	}
	if s.pkMode == pkKafka {
		if len(s.pkFields) == 0 {
			s.pkFields = []string{"__connect_topic", "__connect_partition", "__connect_offset"}
		} else if len(s.pkFields) != 3 {
			r.Fail("pk.mode=kafka needs three pk.fields (topic, partition and offset column names), or none for the defaults")
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// coord identifies a record by where it was read.
type coord struct {
	topic     string
	partition int32
	offset    int64
}

// sinkTask writes each Put in one transaction. A record the database
// refuses for good comes back from Put as a *connect.RecordError (the
// runtime routes rejections it hears of from Put only), so Put writes
// and commits before it returns and Flush has nothing left to do.
type sinkTask struct {
	s  *sinkSettings
	d  dialect
	db *sql.DB
	tc connect.TaskContext

	mu sync.Mutex
	// acked holds records committed since the last Flush: after a
	// rejection the runtime puts the rest of a batch again, and those
	// already in the database are not written twice.
	acked map[coord]bool
	// tables caches the columns of tables known to exist.
	tables map[tableID]map[string]bool
}

func newSinkTask(cfg connect.Config) (*sinkTask, error) {
	s, err := parseSink(cfg)
	if err != nil {
		return nil, err
	}
	return &sinkTask{s: s, d: s.target.dialect, acked: map[coord]bool{}, tables: map[tableID]map[string]bool{}}, nil
}

func (t *sinkTask) Start(ctx context.Context, tc connect.TaskContext) error {
	db, err := t.s.target.open()
	if err != nil {
		return err
	}
	t.db, t.tc = db, tc
	return nil
}

func (t *sinkTask) Stop() error {
	if t.db != nil {
		return t.db.Close()
	}
	return nil
}

func (t *sinkTask) Flush(ctx context.Context) error {
	t.mu.Lock()
	clear(t.acked)
	t.mu.Unlock()
	return nil
}

func (t *sinkTask) logf(format string, args ...any) {
	if t.tc != nil {
		t.tc.Logf(format, args...)
	}
}

func (t *sinkTask) quote(s string) string {
	if t.s.quote {
		return t.d.quoteIdent(s)
	}
	return s
}

func (t *sinkTask) quoteTable(id tableID) string {
	if id.schema == "" {
		return t.quote(id.name)
	}
	return t.quote(id.schema) + "." + t.quote(id.name)
}

// norm is the name the database stores for an identifier, for comparing
// with information_schema.
func (t *sinkTask) norm(s string) string {
	if t.d.caseInsensitiveColumns() || (!t.s.quote && t.d.foldsUnquoted()) {
		return strings.ToLower(s)
	}
	return s
}

func (t *sinkTask) Put(ctx context.Context, recs []connect.Record) error {
	var failed []connect.FailedRecord
	ops := make([]*op, 0, len(recs))
	t.mu.Lock()
	for i := range recs {
		rec := &recs[i]
		if t.acked[coord{rec.Topic, rec.Partition, rec.Offset}] {
			continue
		}
		o, err := t.s.toOp(rec)
		if err != nil {
			failed = append(failed, connect.FailedRecord{Record: *rec, Reason: err.Error()})
			continue
		}
		ops = append(ops, o)
	}
	t.mu.Unlock()
	if len(failed) > 0 {
		// Nothing written: the runtime puts the others again.
		return &connect.RecordError{Failed: failed}
	}
	if len(ops) == 0 {
		return nil
	}
	if err := t.bounded(ctx, func(ctx context.Context) error { return t.ensureTables(ctx, ops) }); err != nil {
		return err // a *connect.RecordError names records whose table cannot take them
	}
	err := t.bounded(ctx, func(ctx context.Context) error { return t.writeAll(ctx, ops) })
	if err == nil {
		t.ack(ops)
		return nil
	}
	if !t.permanent(err) {
		return fmt.Errorf("write to %s at %s: %w", t.d.name(), t.s.target.display, err)
	}
	// Something in the batch is refused for good: find which records,
	// write the others, and hand the culprits back.
	t.logf("%s refused a batch (%v); writing its %d records one by one to find the bad ones", t.d.name(), err, len(ops))
	var rejected []connect.FailedRecord
	err = t.bounded(ctx, func(ctx context.Context) (err error) {
		rejected, err = t.writeEach(ctx, ops)
		return err
	})
	if err != nil {
		return fmt.Errorf("write to %s at %s: %w", t.d.name(), t.s.target.display, err)
	}
	if len(rejected) > 0 {
		return &connect.RecordError{Failed: rejected}
	}
	return nil
}

// errWriteTimeout says a transaction outlived write.timeout.ms.
var errWriteTimeout = errors.New("no answer from the database in time (a lock held by another session?)")

// bounded runs one transaction within write.timeout.ms: a statement
// waiting on a lock would otherwise hold the task, RUNNING and silent,
// for as long as the lock is held.
func (t *sinkTask) bounded(ctx context.Context, write func(context.Context) error) error {
	if t.s.writeTimeout <= 0 {
		return write(ctx)
	}
	wctx, cancel := context.WithTimeoutCause(ctx, t.s.writeTimeout, errWriteTimeout)
	defer cancel()
	err := write(wctx)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(wctx), errWriteTimeout) {
		return fmt.Errorf("%w after %s (write.timeout.ms): %v", errWriteTimeout, t.s.writeTimeout, err)
	}
	return err
}

func (t *sinkTask) ack(ops []*op) {
	t.mu.Lock()
	for _, o := range ops {
		t.acked[coord{o.rec.Topic, o.rec.Partition, o.rec.Offset}] = true
	}
	t.mu.Unlock()
}

// begin starts a transaction whose lock waits end after lock.timeout.ms.
func (t *sinkTask) begin(ctx context.Context) (*sql.Tx, error) {
	tx, err := t.db.BeginTx(ctx, nil)
	if err != nil || t.s.lockTimeout <= 0 {
		return tx, err
	}
	stmt := t.d.lockTimeout(t.s.lockTimeout)
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("%s: %w", stmt, err)
	}
	return tx, nil
}

// lockError says which table a lock wait that lock.timeout.ms ended was
// for, keeping the database's error; other errors pass as they are.
func (t *sinkTask) lockError(table tableID, err error) error {
	if t.s.lockTimeout > 0 && t.d.lockTimedOut(err) {
		return fmt.Errorf("table %s is locked by another session: gave up waiting after %v (lock.timeout.ms): %w", table, t.s.lockTimeout, err)
	}
	return err
}

// writeAll writes every op in one transaction, consecutive ops of the
// same table, kind and columns as multi-row statements.
func (t *sinkTask) writeAll(ctx context.Context, ops []*op) error {
	tx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ops = t.s.reorder(ops)
	for start := 0; start < len(ops); {
		end := start + 1
		for end < len(ops) && ops[end].sameShape(ops[start]) {
			end++
		}
		if err := t.writeRun(ctx, tx, ops[start:end]); err != nil {
			return t.lockError(ops[start].table, err)
		}
		start = end
	}
	return tx.Commit()
}

// writeEach writes every op in one transaction, each behind a savepoint,
// and returns the records the database refused.
func (t *sinkTask) writeEach(ctx context.Context, ops []*op) ([]connect.FailedRecord, error) {
	tx, err := t.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var rejected []connect.FailedRecord
	var written []*op
	for _, o := range ops {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT eddy_rec"); err != nil {
			return nil, err
		}
		err := t.writeRun(ctx, tx, []*op{o})
		if err == nil {
			written = append(written, o)
			continue
		}
		if !t.permanent(err) {
			return nil, t.lockError(o.table, err)
		}
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT eddy_rec"); rerr != nil {
			return nil, rerr
		}
		rejected = append(rejected, connect.FailedRecord{Record: *o.rec, Reason: fmt.Sprintf("%s refused the row for %s: %v", t.d.name(), o.table, err)})
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	t.ack(written)
	return rejected, nil
}

// writeRun writes ops of one shape in statements of up to batch.size rows.
func (t *sinkTask) writeRun(ctx context.Context, tx *sql.Tx, ops []*op) error {
	first := ops[0]
	switch {
	case first.del:
		return t.deleteRows(ctx, tx, ops)
	case t.s.insertMode == modeUpdate:
		return t.updateRows(ctx, tx, ops)
	}
	upsert := t.s.insertMode == modeUpsert
	if upsert {
		ops = lastPerKey(ops) // one statement may not touch a row twice
	}
	cols := first.columns()
	per := max(1, min(t.s.batchSize, t.d.maxParams()/max(1, len(cols))))
	for len(ops) > 0 {
		n := min(per, len(ops))
		var b strings.Builder
		b.WriteString("INSERT INTO ")
		b.WriteString(t.quoteTable(first.table))
		b.WriteString(" (")
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(t.quote(c))
		}
		b.WriteString(") VALUES ")
		args := make([]any, 0, n*len(cols))
		for r, o := range ops[:n] {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for i := range cols {
				if i > 0 {
					b.WriteByte(',')
				}
				args = append(args, o.arg(i))
				b.WriteString(t.d.param(len(args)))
			}
			b.WriteByte(')')
		}
		if upsert {
			b.WriteString(t.d.upsertSuffix(t.quote, first.keyNames(), first.valueNames()))
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

func (t *sinkTask) updateRows(ctx context.Context, tx *sql.Tx, ops []*op) error {
	first := ops[0]
	if len(first.vals) == 0 {
		return nil // nothing but the key: nothing to update
	}
	var b strings.Builder
	b.WriteString("UPDATE " + t.quoteTable(first.table) + " SET ")
	n := 0
	for i, c := range first.valueNames() {
		if i > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(t.quote(c) + "=" + t.d.param(n))
	}
	b.WriteString(" WHERE ")
	for i, c := range first.keyNames() {
		if i > 0 {
			b.WriteString(" AND ")
		}
		n++
		b.WriteString(t.quote(c) + "=" + t.d.param(n))
	}
	stmt, err := tx.PrepareContext(ctx, b.String())
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, o := range ops {
		args := make([]any, 0, n)
		for i := range o.vals {
			args = append(args, o.vals[i].value)
		}
		for i := range o.keys {
			args = append(args, o.keys[i].value)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *sinkTask) deleteRows(ctx context.Context, tx *sql.Tx, ops []*op) error {
	first := ops[0]
	var b strings.Builder
	b.WriteString("DELETE FROM " + t.quoteTable(first.table) + " WHERE ")
	for i, c := range first.keyNames() {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(t.quote(c) + "=" + t.d.param(i+1))
	}
	stmt, err := tx.PrepareContext(ctx, b.String())
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, o := range ops {
		args := make([]any, len(o.keys))
		for i := range o.keys {
			args[i] = o.keys[i].value
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// lastPerKey keeps, of ops writing the same key, only the last, in the
// place of the first (nothing else touches that key in between).
func lastPerKey(ops []*op) []*op {
	seen := make(map[string]int, len(ops))
	out := make([]*op, 0, len(ops))
	for _, o := range ops {
		k := o.keyString()
		if i, ok := seen[k]; ok {
			out[i] = o
			continue
		}
		seen[k] = len(out)
		out = append(out, o)
	}
	return out
}

// reorder arranges a batch with tombstones into few statements. Written
// in record order, each tombstone ends a run of same-shape rows, so a
// topic with one tombstone in twenty made some 900 statements of a
// 10,000-record batch instead of 2. Writes of different rows commute:
// the k-th write of each row goes in layer k, layers run in order and
// within a layer ops are grouped by shape, so the writes of one row keep
// their order. In upsert mode a write that a later one makes moot (a
// later tombstone of its row, or a later write of the same columns) is
// dropped first, so a row written many times does not make many layers.
// Batches without tombstones, or without record keys, keep their order.
func (s *sinkSettings) reorder(ops []*op) []*op {
	if s.pkMode != pkRecordKey {
		return ops
	}
	hasDel := false
	for _, o := range ops {
		if o.del {
			hasDel = true
			break
		}
	}
	if !hasDel {
		return ops
	}
	type rowKey struct {
		table tableID
		key   string
	}
	keys := make([]rowKey, len(ops))
	for i, o := range ops {
		keys[i] = rowKey{o.table, o.keyString()}
	}
	keep := make([]bool, len(ops))
	for i := range keep {
		keep[i] = true
	}
	if s.insertMode == modeUpsert {
		type rowShape struct {
			row   rowKey
			shape string
		}
		deletedLater := make(map[rowKey]bool)
		writtenLater := make(map[rowShape]bool)
		for i := len(ops) - 1; i >= 0; i-- {
			rs := rowShape{keys[i], ops[i].shape}
			if deletedLater[keys[i]] || writtenLater[rs] {
				keep[i] = false
				continue
			}
			writtenLater[rs] = true
			if ops[i].del {
				deletedLater[keys[i]] = true
			}
		}
	}
	seen := make(map[rowKey]int)
	var layers [][]*op
	for i, o := range ops {
		if !keep[i] {
			continue
		}
		l := seen[keys[i]]
		seen[keys[i]] = l + 1
		if l == len(layers) {
			layers = append(layers, nil)
		}
		layers[l] = append(layers[l], o)
	}
	out := make([]*op, 0, len(ops))
	for _, layer := range layers {
		var shapes []string
		byShape := make(map[string][]*op)
		for _, o := range layer {
			if _, ok := byShape[o.shape]; !ok {
				shapes = append(shapes, o.shape)
			}
			byShape[o.shape] = append(byShape[o.shape], o)
		}
		for _, sh := range shapes {
			out = append(out, byShape[sh]...)
		}
	}
	return out
}

// ensureTables creates missing tables and adds missing columns (as
// auto.create and auto.evolve allow) for the ops' tables.
func (t *sinkTask) ensureTables(ctx context.Context, ops []*op) error {
	var failed []connect.FailedRecord
	for _, o := range ops {
		if o.del {
			continue
		}
		cols, err := t.columnsOf(ctx, o.table, false)
		if err != nil {
			return err
		}
		if cols == nil {
			if !t.s.autoCreate {
				// Not the record's fault: the batch waits, retried with
				// backoff and named in the task's status, for the table
				// to be made (or renamed back), rather than every record
				// going to errors.tolerance.
				return fmt.Errorf("table %s does not exist and auto.create is false", o.table)
			}
			if err := t.createTable(ctx, o); err != nil {
				if t.permanent(err) {
					// Maybe another task created it meanwhile.
					if cols, _ := t.columnsOf(ctx, o.table, true); cols != nil {
						continue
					}
					failed = append(failed, connect.FailedRecord{Record: *o.rec, Reason: err.Error()})
					continue
				}
				return err
			}
			continue
		}
		missing := o.missing(cols, t.norm)
		if len(missing) == 0 {
			continue
		}
		if cols, err = t.columnsOf(ctx, o.table, true); err != nil {
			return err
		}
		if missing = o.missing(cols, t.norm); len(missing) == 0 {
			continue
		}
		if !t.s.autoEvolve {
			failed = append(failed, connect.FailedRecord{Record: *o.rec, Reason: fmt.Sprintf("table %s has no column %s and auto.evolve is false", o.table, strings.Join(missing, ", "))})
			continue
		}
		if err := t.addColumns(ctx, o, missing); err != nil {
			if t.permanent(err) {
				failed = append(failed, connect.FailedRecord{Record: *o.rec, Reason: err.Error()})
				continue
			}
			return err
		}
	}
	if len(failed) > 0 {
		return &connect.RecordError{Failed: failed}
	}
	return nil
}

// columnsOf returns a table's columns (normalized), nil when it does not
// exist; fresh reads the database rather than the cache.
func (t *sinkTask) columnsOf(ctx context.Context, id tableID, fresh bool) (map[string]bool, error) {
	if cols, ok := t.tables[id]; ok && !fresh {
		return cols, nil
	}
	look := tableID{schema: t.norm(id.schema), name: t.norm(id.name)}
	if t.d.caseInsensitiveColumns() {
		look = id // MySQL table names keep their case on Linux
	}
	q, args := t.d.columnsQuery(look)
	rows, err := t.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s in %s at %s: %w", id, t.d.name(), t.s.target.display, err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols[t.norm(c)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		delete(t.tables, id)
		return nil, nil
	}
	t.tables[id] = cols
	return cols, nil
}

func (t *sinkTask) createTable(ctx context.Context, o *op) error {
	var defs []string
	for _, c := range append(append([]column(nil), o.keys...), o.vals...) {
		typ, err := t.d.sqlType(c.schema, c.key)
		if err != nil {
			return &permanentError{fmt.Errorf("column %s: %w", c.name, err)}
		}
		def := t.quote(c.name) + " " + typ
		if c.key || !c.schema.Optional {
			def += " NOT NULL"
		}
		defs = append(defs, def)
	}
	if len(o.keys) > 0 {
		defs = append(defs, "PRIMARY KEY("+strings.Join(quoteAll(o.keyNames(), t.quote), ",")+")")
	}
	stmt := "CREATE TABLE " + t.quoteTable(o.table) + " (" + strings.Join(defs, ", ") + ")"
	if err := t.ddl(ctx, o.table, stmt); err != nil {
		return err
	}
	t.logf("created table %s", o.table)
	_, err := t.columnsOf(ctx, o.table, true)
	return err
}

// ddl runs a CREATE or ALTER TABLE within lock.timeout.ms, in a
// transaction of its own (PostgreSQL's DDL is transactional; MySQL's
// commits the transaction it is in, after the lock timeout is set).
func (t *sinkTask) ddl(ctx context.Context, table tableID, stmt string) error {
	tx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return t.lockError(table, fmt.Errorf("%s: %w", stmt, err))
	}
	return tx.Commit()
}

func (t *sinkTask) addColumns(ctx context.Context, o *op, missing []string) error {
	sort.Strings(missing)
	for _, name := range missing {
		c := o.column(name)
		typ, err := t.d.sqlType(c.schema, false)
		if err != nil {
			return &permanentError{fmt.Errorf("column %s: %w", c.name, err)}
		}
		stmt := "ALTER TABLE " + t.quoteTable(o.table) + " ADD " + t.quote(c.name) + " " + typ
		if err := t.ddl(ctx, o.table, stmt); err != nil {
			return err
		}
		t.logf("added column %s to table %s", c.name, o.table)
	}
	_, err := t.columnsOf(ctx, o.table, true)
	return err
}

func quoteAll(names []string, q func(string) string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = q(n)
	}
	return out
}
