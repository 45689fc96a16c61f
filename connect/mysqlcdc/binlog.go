package mysqlcdc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/eddysql/eddy/connect"
)

// gtidTracker keeps the set of completed transactions as the stream
// advances, in the server's own GTID dialect: MariaDB's one
// domain-server-sequence per domain, or MySQL's uuid:interval sets.
type gtidTracker struct {
	// enabled: the start position had a GTID set, so the set is complete
	// and offsets carry it. Started from a file and position, the set
	// would only hold what was seen since, so offsets leave it out.
	enabled bool
	mariaDB bool
	domains map[uint32]string // MariaDB: domain -> "d-s-n"
	mysql   gomysql.GTIDSet   // MySQL
}

func newGTIDTracker(mariaDB bool, set string) (*gtidTracker, error) {
	g := &gtidTracker{enabled: set != "", mariaDB: mariaDB, domains: map[uint32]string{}}
	if mariaDB {
		for _, part := range strings.Split(set, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			id, err := gomysql.ParseMariadbGTID(part)
			if err != nil {
				return nil, fmt.Errorf("GTID %q: %w", part, err)
			}
			g.domains[id.DomainID] = part
		}
		return g, nil
	}
	s, err := gomysql.ParseMysqlGTIDSet(set)
	if err != nil {
		return nil, fmt.Errorf("GTID set %q: %w", set, err)
	}
	g.mysql = s
	return g, nil
}

func (g *gtidTracker) add(gtid string) {
	if gtid == "" {
		return
	}
	if g.mariaDB {
		if id, err := gomysql.ParseMariadbGTID(gtid); err == nil {
			g.domains[id.DomainID] = gtid
		}
		return
	}
	g.mysql.Update(gtid)
}

func (g *gtidTracker) String() string {
	if !g.enabled {
		return ""
	}
	if !g.mariaDB {
		return cleanGTIDs(g.mysql.String())
	}
	keys := make([]int, 0, len(g.domains))
	for d := range g.domains {
		keys = append(keys, int(d))
	}
	sort.Ints(keys)
	parts := make([]string, len(keys))
	for i, d := range keys {
		parts[i] = g.domains[uint32(d)]
	}
	return strings.Join(parts, ",")
}

// txState is the transaction being read.
type txState struct {
	open        bool
	file        string
	pos         uint32 // where it starts: a restart position
	gtidsBefore string // completed transactions before it
	gtid        string // its own GTID, if any
	events      int    // rows events seen so far
	thread      *int64
}

// stream follows the binlog from start until ctx ends or the connection
// fails (the runtime then restarts the task from the stored offset).
func (t *task) stream(ctx context.Context, start position) error {
	cfg := replication.BinlogSyncerConfig{
		ServerID:                t.s.serverID,
		Flavor:                  t.info.flavor(),
		Host:                    t.s.host,
		Port:                    uint16(t.s.port),
		User:                    t.s.user,
		Password:                t.s.password,
		TimestampStringLocation: time.UTC,
		HeartbeatPeriod:         5 * time.Second,
		ReadTimeout:             30 * time.Second,
		DisableRetrySync:        true, // restarts go through the stored offsets
		EventCacheCount:         1024,
		Logger:                  slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()

	useGTID := start.gtids != "" && t.info.gtids
	tracker, err := newGTIDTracker(t.info.mariaDB, start.gtids)
	if err != nil {
		return fmt.Errorf("mysql connector: stored offset: %w", err)
	}
	var streamer *replication.BinlogStreamer
	if useGTID {
		var set gomysql.GTIDSet
		if t.info.mariaDB {
			set, err = gomysql.ParseMariadbGTIDSet(start.gtids)
		} else {
			set, err = gomysql.ParseMysqlGTIDSet(start.gtids)
		}
		if err == nil {
			streamer, err = syncer.StartSyncGTID(set)
		}
	} else {
		streamer, err = syncer.StartSync(gomysql.Position{Name: start.file, Pos: start.pos})
	}
	if err != nil {
		return t.streamError(err)
	}
	how := fmt.Sprintf("%s:%d", start.file, start.pos)
	if useGTID {
		how = "GTID " + start.gtids
	}
	t.tc.Logf("streaming the binlog of %s from %s", t.s.addr(), how)

	file := start.file
	var tx txState
	skipEvents, skipRows := start.event, start.row
	resumed := skipEvents > 0 || skipRows > 0
	begin := func(pos uint32, gtid string) {
		tx = txState{open: true, file: file, pos: pos, gtidsBefore: tracker.String(), gtid: gtid}
	}
	commit := func() {
		tracker.add(tx.gtid)
		tx = txState{}
		resumed, skipEvents, skipRows = false, 0, 0
	}
	for {
		ev, err := streamer.GetEvent(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return t.streamError(err)
		}
		t.showHeld()
		h := ev.Header
		evStart := h.LogPos - h.EventSize
		switch e := ev.Event.(type) {
		case *replication.RotateEvent:
			// The position shows the new file at once; a position
			// inside a file is shown at most once a second, the newest
			// held back until then (see streamPosition).
			file = string(e.NextLogName)
			if !tx.open {
				t.streamPosition(file, uint32(e.Position))
			}
		case *replication.MariadbGTIDEvent:
			begin(evStart, e.GTID.String())
		case *replication.GTIDEvent:
			if next, err := e.GTIDNext(); err == nil {
				begin(evStart, cleanGTIDs(next.String()))
			} else {
				begin(evStart, "")
			}
		case *replication.QueryEvent:
			q := strings.TrimSpace(string(e.Query))
			switch strings.ToUpper(q) {
			case "BEGIN":
				if !tx.open {
					begin(evStart, "")
				}
				thread := int64(e.SlaveProxyID)
				tx.thread = &thread
				continue
			case "COMMIT":
				commit()
				if err := t.flush(ctx); err != nil {
					return err
				}
				continue
			}
			if !tx.open {
				begin(evStart, "")
			}
			if err := t.onDDL(ctx, e, q, h, tx, tracker, file); err != nil {
				return err
			}
			commit()
			if err := t.flush(ctx); err != nil {
				return err
			}
			t.streamPosition(file, h.LogPos)
		case *replication.XIDEvent:
			commit()
			if err := t.flush(ctx); err != nil {
				return err
			}
			t.streamPosition(file, h.LogPos)
		case *replication.TableMapEvent:
			if err := t.checkTableMap(ctx, e); err != nil {
				return err
			}
		case *replication.RowsEvent:
			if !tx.open {
				begin(evStart, "")
			}
			idx := tx.events
			tx.events++
			if resumed && idx < skipEvents {
				continue
			}
			skip := 0
			if resumed && idx == skipEvents {
				skip = skipRows
			}
			if err := t.onRows(ctx, e, h, tx, idx, skip); err != nil {
				return err
			}
		default:
			// Between transactions the server writes events of its own
			// (a binlog checkpoint, the GTID list of a new file): the
			// stream is past them too. A heartbeat is no position.
			if !tx.open && h.LogPos != 0 && h.EventType != replication.HEARTBEAT_EVENT {
				t.streamPosition(file, h.LogPos)
			}
		}
	}
}

func (t *task) streamError(err error) error {
	var me *gomysql.MyError
	if errors.As(err, &me) && me.Code == 1236 {
		return fmt.Errorf("mysql connector: %s cannot serve the binlog from the stored position (purged? set snapshot.mode=when_needed to take a new snapshot): %s", t.s.addr(), me.Message)
	}
	return fmt.Errorf("mysql connector: binlog stream from %s: %w", t.s.addr(), err)
}

// lookupTable returns the captured table's definition as of the stream
// position: from the schema history, or, for a table it does not hold
// yet, from information_schema (then kept in the history); nil when the
// table is not captured.
func (t *task) lookupTable(ctx context.Context, db, name string) (*table, error) {
	id := db + "." + name
	if tb, ok := t.tables[id]; ok {
		return tb, nil
	}
	if !t.s.captures(db, name) {
		t.tables[id] = nil
		return nil, nil
	}
	if d, ok := t.hist.get(id); ok {
		tb, err := tableOf(t.s, db, name, d)
		if err != nil {
			return nil, fmt.Errorf("mysql connector: the definition of %s: %w", id, err)
		}
		t.tables[id] = tb
		return tb, nil
	}
	found, err := readTables(ctx, t.db, t.s, db, name)
	if err != nil {
		return nil, fmt.Errorf("mysql connector: reading the definition of %s: %w", id, err)
	}
	tb := found[id]
	if tb == nil {
		t.tc.Logf("%s appears in the binlog but no longer exists; its changes up to its removal are skipped", id)
	} else {
		t.hist.put(id, defOf(tb))
	}
	t.tables[id] = tb
	return tb, nil
}

// checkTableMap re-reads a table's definition from information_schema
// when the binlog's column count disagrees with the one the history holds
// (a DDL statement it could not follow).
func (t *task) checkTableMap(ctx context.Context, e *replication.TableMapEvent) error {
	db, name := string(e.Schema), string(e.Table)
	tb, err := t.lookupTable(ctx, db, name)
	if err != nil || tb == nil || len(tb.cols) == int(e.ColumnCount) {
		return err
	}
	t.tc.Logf("%s has %d columns in the binlog but %d in the definition followed so far; reading it from information_schema", tb.id(), e.ColumnCount, len(tb.cols))
	delete(t.tables, db+"."+name)
	t.hist.remove(db + "." + name)
	if tb, err = t.lookupTable(ctx, db, name); err != nil || tb == nil {
		return err
	}
	if len(tb.cols) != int(e.ColumnCount) {
		t.tc.Logf("%s has %d columns in the binlog but %d now; the table changed again since this event was written, so columns are matched by position", tb.id(), e.ColumnCount, len(tb.cols))
	}
	return nil
}

func (t *task) onRows(ctx context.Context, e *replication.RowsEvent, h *replication.EventHeader, tx txState, idx, skip int) error {
	if e.Table == nil {
		return nil
	}
	tb, err := t.lookupTable(ctx, string(e.Table.Schema), string(e.Table.Table))
	if err != nil || tb == nil {
		return err
	}
	now := time.Now()
	src := source{tsMs: int64(h.Timestamp) * 1000, snapshot: "false", db: tb.db, table: tb.name,
		serverID: int64(h.ServerID), gtid: tx.gtid, file: tx.file, pos: int64(tx.pos), thread: tx.thread}
	at := position{file: tx.file, pos: tx.pos, gtids: tx.gtidsBefore, event: idx, schemas: t.hist.encoded}
	change := func(n int, op string, before, after []any) error {
		var bv, av []any
		var err error
		if before != nil {
			if bv, err = tb.convertRow(before); err != nil {
				return fmt.Errorf("mysql connector: %s:%d: %w", tx.file, h.LogPos, err)
			}
		}
		if after != nil {
			if av, err = tb.convertRow(after); err != nil {
				return fmt.Errorf("mysql connector: %s:%d: %w", tx.file, h.LogPos, err)
			}
		}
		src.row = int32(n)
		if op == "u" && tb.keyChanged(bv, av) {
			// Debezium writes a key change as a delete of the old key (and
			// its tombstone) and a create of the new one; an update keyed
			// by the new key alone would leave the old row in every table
			// and upserting sink downstream. Until the create is written
			// the row is not done, so a crash replays all three.
			at.row = n
			partial := at.offset()
			del := t.s.changeRecords(tb, "d", bv, nil, src, partial, partial, now)
			at.row = n + 1
			cre := t.s.changeRecords(tb, "c", nil, av, src, at.offset(), nil, now)
			// As Debezium: the delete (and its tombstone, which copies the
			// delete's headers) names the new key, the create the old one,
			// so a consumer can tell a move from a delete and an insert.
			newKey := keyHeader(pkUpdateNewKey, tb, av)
			for i := range del {
				del[i].Headers = append(del[i].Headers, newKey)
			}
			cre[0].Headers = append(cre[0].Headers, keyHeader(pkUpdateOldKey, tb, bv))
			return t.emit(ctx, append(del, cre...)...)
		}
		var partial map[string]any
		if op == "d" && t.s.tombstones {
			at.row = n
			partial = at.offset()
		}
		at.row = n + 1
		return t.emit(ctx, t.s.changeRecords(tb, op, bv, av, src, at.offset(), partial, now)...)
	}
	switch e.Type() {
	case replication.EnumRowsEventTypeInsert:
		for n, row := range e.Rows {
			if n >= skip {
				if err := change(n, "c", nil, row); err != nil {
					return err
				}
			}
		}
	case replication.EnumRowsEventTypeUpdate:
		for n := 0; n+1 < len(e.Rows); n += 2 {
			if n/2 >= skip {
				if err := change(n/2, "u", e.Rows[n], e.Rows[n+1]); err != nil {
					return err
				}
			}
		}
	case replication.EnumRowsEventTypeDelete:
		for n, row := range e.Rows {
			if n >= skip {
				if err := change(n, "d", row, nil); err != nil {
					return err
				}
			}
		}
	}
	// Hand records on at once when Poll is waiting; otherwise keep
	// filling the batch.
	if len(t.pending) > 0 {
		select {
		case t.batches <- t.pending:
			t.pending = nil
		default:
		}
	}
	return nil
}

// onDDL forgets cached table definitions (they are re-read from
// information_schema on the next table map) and writes the statement to
// the schema-change topic when include.schema.changes is on.
func (t *task) onDDL(ctx context.Context, e *replication.QueryEvent, q string, h *replication.EventHeader, tx txState, tracker *gtidTracker, file string) error {
	upper := strings.ToUpper(q)
	if strings.HasPrefix(upper, "SAVEPOINT") || strings.HasPrefix(upper, "ROLLBACK") || strings.HasPrefix(upper, "XA ") {
		return nil
	}
	db := string(e.Schema)
	t.followDDL(db, q)
	if !t.s.schemaChanges || db == "" || !t.s.capturesDB(db) || !ddlTouchesCaptured(t.s, db, q) {
		return nil
	}
	// The offset is the position after the statement: DDL commits on its own.
	tracker.add(tx.gtid)
	after := tracker.String()
	off := position{file: file, pos: h.LogPos, gtids: after, schemas: t.hist.encoded}.offset()
	src := source{tsMs: int64(h.Timestamp) * 1000, snapshot: "false", db: db, serverID: int64(h.ServerID),
		gtid: tx.gtid, file: file, pos: int64(tx.pos)}
	thread := int64(e.SlaveProxyID)
	src.thread = &thread
	now := time.Now()
	rec := connect.Record{
		Topic: t.s.prefix, Partition: -1, Timestamp: now,
		KeySchema:   schemaChangeKeySchema,
		Key:         &connect.Struct{Schema: schemaChangeKeySchema, Values: map[string]any{"databaseName": db}},
		ValueSchema: schemaChangeValueSchema,
		Value: &connect.Struct{Schema: schemaChangeValueSchema, Values: map[string]any{
			"source": t.s.sourceStruct(src), "ts_ms": now.UnixMilli(),
			"databaseName": db, "schemaName": nil, "ddl": q,
		}},
		SourcePartition: t.s.partition, SourceOffset: off,
	}
	return t.emit(ctx, rec)
}

// ddlTouchesCaptured reports whether a DDL statement names a captured
// table, or names no table at all (CREATE DATABASE and the like), so the
// schema-change topic carries the DDL of the tables the connector
// captures, not that of every table beside them.
func ddlTouchesCaptured(s *settings, db, q string) bool {
	f := strings.Fields(strings.NewReplacer("(", " ( ", ",", " , ", ";", " ").Replace(q))
	named := false
	for i := 0; i < len(f); i++ {
		if !strings.EqualFold(f[i], "TABLE") && !strings.EqualFold(f[i], "TO") {
			continue
		}
		j := i + 1
		for j < len(f) && (strings.EqualFold(f[j], "IF") || strings.EqualFold(f[j], "NOT") || strings.EqualFold(f[j], "EXISTS")) {
			j++
		}
		if j >= len(f) {
			break
		}
		name := strings.ReplaceAll(f[j], "`", "")
		tdb, table := db, name
		if d, tb, ok := strings.Cut(name, "."); ok {
			tdb, table = d, tb
		}
		named = true
		if s.captures(tdb, table) {
			return true
		}
	}
	return !named
}

// followDDL updates the schema history with a DDL statement, so that the
// rows events after it are read with the definitions it leaves. A
// statement about captured tables that cannot be followed makes the task
// read their definitions from information_schema again, as of now.
func (t *task) followDDL(db, q string) {
	st, err := parseDDL(q, db)
	if err != nil {
		if ddlTouchesCaptured(t.s, db, q) {
			t.tc.Logf("cannot follow %q (%v); table definitions will be read again from information_schema, which may be newer than this binlog position", q, err)
			t.hist = newHistory()
			clear(t.tables)
		}
		return
	}
	touched, err := t.hist.apply(st, t.info.mariaDB, t.s.captures)
	if err != nil {
		t.tc.Logf("cannot follow %q (%v); its table's definition will be read again from information_schema, which may be newer than this binlog position", q, err)
	}
	for _, id := range touched {
		delete(t.tables, id)
	}
}
