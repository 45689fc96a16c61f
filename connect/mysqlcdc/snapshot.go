package mysqlcdc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/eddysql/eddy/connect"
)

// snapshot reads every captured table inside one consistent-snapshot
// transaction whose binlog position it learns at the same instant, and
// returns the position streaming continues from: that one, or the one
// where an interrupted snapshot began (see plan.interrupted). Rows are read
// in primary-key chunks (keyset pagination) and handed on as they come,
// so a large table never sits in memory.
func (t *task) snapshot(ctx context.Context, schemaOnly bool) (position, error) {
	started := time.Now()
	conn, err := t.db.Conn(ctx)
	if err != nil {
		return position{}, fmt.Errorf("mysql connector: snapshot connection to %s: %w", t.s.addr(), err)
	}
	defer conn.Close()
	start, err := t.beginSnapshot(ctx, conn)
	if err != nil {
		return position{}, err
	}
	// Whatever happens, end the transaction before the connection returns
	// to the pool.
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	t.tc.Logf("snapshot at binlog %s:%d (gtids %q)", start.file, start.pos, start.gtids)
	tables, err := readTables(ctx, conn, t.s, "", "")
	if err != nil {
		return position{}, fmt.Errorf("mysql connector: snapshot of %s: %w", t.s.addr(), err)
	}
	order := make([]*table, 0, len(tables))
	t.hist = newHistory()
	for id, tb := range tables {
		t.tables[id] = tb
		t.hist.put(id, defOf(tb))
		order = append(order, tb)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].id() < order[j].id() })
	if len(order) == 0 {
		t.tc.Logf("no table matches the include and exclude lists")
	}
	// resume is where streaming starts, with the definitions as of then:
	// here, or where an interrupted snapshot began. The snapshot's offsets
	// carry it, so that a further interruption still streams from there.
	resume := start
	resume.schemas = t.hist.encoded
	streamHist := t.hist
	if in := t.plan.interrupted; in != nil {
		resume = *in
		if streamHist, err = parseHistory(in.schemas); err != nil {
			return position{}, fmt.Errorf("mysql connector: the interrupted snapshot's offset: %w", err)
		}
	}
	resume.snapshot = true
	done := resume
	done.snapshot = false
	if schemaOnly {
		t.tc.Logf("snapshot.mode=schema_only: read the definitions of %d tables; streaming from %s:%d", len(order), done.file, done.pos)
		return done, nil
	}

	// The newest record is held back so the snapshot's last record can be
	// marked "last" and carry the completed offset.
	var held *connect.Record
	emit := func(r connect.Record) error {
		if held != nil {
			if err := t.emit(ctx, *held); err != nil {
				return err
			}
		}
		held = &r
		return nil
	}
	total := 0
	for i, tb := range order {
		n, err := t.snapshotTable(ctx, conn, tb, start, resume.offset(), i, len(order), emit)
		if err != nil {
			return position{}, err
		}
		total += n
	}
	if held != nil {
		env := held.Value.(*connect.Struct)
		env.Values["source"].(*connect.Struct).Values["snapshot"] = "last"
		held.SourceOffset = done.offset()
		if err := t.emit(ctx, *held); err != nil {
			return position{}, err
		}
	}
	if err := t.flush(ctx); err != nil {
		return position{}, err
	}
	if streamHist != t.hist {
		// The binlog since the interrupted snapshot is read with the
		// definitions of then, and follows its DDL from there.
		t.hist = streamHist
		clear(t.tables)
	}
	el := time.Since(started)
	t.tc.Logf("snapshot done: %d rows of %d tables in %s", total, len(order), el.Round(time.Millisecond))
	t.snapshotDone = fmt.Sprintf("snapshot done: %d rows of %d tables", total, len(order))
	t.tc.SetProgress(t.snapshotDone + "; streaming the binlog")
	return done, nil
}

// beginSnapshot starts the consistent-snapshot transaction on conn and
// reads the binlog position it corresponds to. MariaDB reports that
// position itself (binlog_snapshot_file/position); MySQL needs the global
// read lock held for the instant between the two.
func (t *task) beginSnapshot(ctx context.Context, conn *sql.Conn) (position, error) {
	var p position
	exec := func(q string) error {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mysql connector: %s on %s: %w", q, t.s.addr(), err)
		}
		return nil
	}
	if err := exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return p, err
	}
	if t.info.mariaDB {
		if err := exec("START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
			return p, err
		}
		rows, err := conn.QueryContext(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
		if err != nil {
			return p, fmt.Errorf("mysql connector: reading the snapshot's binlog position on %s: %w", t.s.addr(), err)
		}
		for rows.Next() {
			var name, value string
			if err := rows.Scan(&name, &value); err != nil {
				rows.Close()
				return p, err
			}
			switch strings.ToLower(name) {
			case "binlog_snapshot_file":
				p.file = value
			case "binlog_snapshot_position":
				n, _ := strconv.ParseUint(value, 10, 32)
				p.pos = uint32(n)
			}
		}
		rows.Close()
		if p.file == "" {
			return p, fmt.Errorf("mysql connector: %s did not report binlog_snapshot_file; is the binary log on?", t.s.addr())
		}
		var g nullString
		if err := conn.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, ?)", p.file, p.pos).Scan(&g); err != nil {
			return p, fmt.Errorf("mysql connector: BINLOG_GTID_POS on %s: %w", t.s.addr(), err)
		}
		p.gtids = string(g)
		return p, nil
	}
	locked := false
	if t.s.lockingMode == "minimal" {
		if _, err := conn.ExecContext(ctx, "FLUSH TABLES WITH READ LOCK"); err != nil {
			var me *mysql.MySQLError
			if errors.As(err, &me) && me.Number == 1227 {
				return p, fmt.Errorf("mysql connector: user %q on %s lacks the RELOAD privilege for the snapshot's FLUSH TABLES WITH READ LOCK (grant it, or set snapshot.locking.mode=none when no DDL runs during the snapshot): %s", t.s.user, t.s.addr(), me.Message)
			}
			return p, fmt.Errorf("mysql connector: FLUSH TABLES WITH READ LOCK on %s: %w", t.s.addr(), err)
		}
		locked = true
	}
	defer func() {
		if locked {
			conn.ExecContext(context.Background(), "UNLOCK TABLES")
		}
	}()
	if err := exec("START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
		return p, err
	}
	file, pos, gtids, err := binlogPosition(ctx, conn, t.info)
	if err != nil {
		return p, fmt.Errorf("mysql connector: reading the binlog position of %s: %w", t.s.addr(), err)
	}
	p.file, p.pos = file, pos
	if t.info.gtids {
		p.gtids = gtids
	}
	if locked {
		locked = false
		if err := exec("UNLOCK TABLES"); err != nil {
			return p, err
		}
	}
	return p, nil
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// snapshotTable reads one table in primary-key order, fetchSize rows per
// query, each query continuing after the last key read.
func (t *task) snapshotTable(ctx context.Context, conn *sql.Conn, tb *table, at position, offset map[string]any, index, count int, emit func(connect.Record) error) (int, error) {
	var estimate int64
	conn.QueryRowContext(ctx, "SELECT COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", tb.db, tb.name).Scan(&estimate)
	t.tc.Logf("snapshot of %s (table %d of %d, about %d rows)", tb.id(), index+1, count, estimate)
	started := time.Now()

	cols := make([]string, len(tb.cols))
	for i, c := range tb.cols {
		cols[i] = quoteIdent(c.name)
	}
	from := " FROM " + quoteIdent(tb.db) + "." + quoteIdent(tb.name)
	var orderBy string
	if len(tb.pk) > 0 {
		keys := make([]string, len(tb.pk))
		for i, k := range tb.pk {
			keys[i] = quoteIdent(tb.cols[k].name)
		}
		orderBy = " ORDER BY " + strings.Join(keys, ", ") + " LIMIT " + strconv.Itoa(t.s.fetchSize)
	}
	selectList := "SELECT " + strings.Join(cols, ", ") + from

	raw := make([]sql.RawBytes, len(tb.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	row := make([]any, len(raw))
	var lastKey []any
	n := 0
	for {
		q, args := selectList, []any(nil)
		if len(tb.pk) > 0 {
			if lastKey != nil {
				var where string
				where, args = keysetPredicate(tb, lastKey)
				q += " WHERE " + where
			}
			q += orderBy
		}
		rows, err := conn.QueryContext(ctx, q, args...)
		if err != nil {
			return n, fmt.Errorf("mysql connector: snapshot of %s: %w", tb.id(), err)
		}
		chunk := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return n, fmt.Errorf("mysql connector: snapshot of %s: %w", tb.id(), err)
			}
			for i, r := range raw {
				if r == nil {
					row[i] = nil
				} else {
					row[i] = r // converters copy what they keep
				}
			}
			vals, err := tb.convertRow(row)
			if err != nil {
				rows.Close()
				return n, fmt.Errorf("mysql connector: snapshot: %w", err)
			}
			now := time.Now()
			src := source{tsMs: now.UnixMilli(), snapshot: "true", db: tb.db, table: tb.name, serverID: 0, file: at.file, pos: int64(at.pos)}
			for _, r := range t.s.changeRecords(tb, "r", nil, vals, src, offset, nil, now) {
				if err := emit(r); err != nil {
					rows.Close()
					return n, err
				}
			}
			if len(tb.pk) > 0 {
				lastKey = keyArgs(tb, raw)
			}
			n++
			chunk++
		}
		if err := rows.Close(); err != nil {
			return n, fmt.Errorf("mysql connector: snapshot of %s: %w", tb.id(), err)
		}
		t.progress("snapshot: %d of about %d rows of %s (table %d of %d)", n, estimate, tb.id(), index+1, count)
		if len(tb.pk) == 0 || chunk < t.s.fetchSize {
			break
		}
	}
	el := time.Since(started)
	t.tc.Logf("snapshot of %s: %d rows in %s", tb.id(), n, el.Round(time.Millisecond))
	return n, nil
}

// keyArgs keeps the last row's key as typed query arguments, so the next
// chunk compares with the column's own semantics (integers as integers,
// binary as bytes, text in the column's collation).
func keyArgs(tb *table, raw []sql.RawBytes) []any {
	out := make([]any, len(tb.pk))
	for i, k := range tb.pk {
		c := tb.cols[k]
		b := raw[k]
		switch c.dataType {
		case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
			if c.unsigned {
				u, _ := strconv.ParseUint(string(b), 10, 64)
				out[i] = u
			} else {
				s, _ := strconv.ParseInt(string(b), 10, 64)
				out[i] = s
			}
		case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit":
			out[i] = append([]byte(nil), b...)
		default:
			out[i] = string(b)
		}
	}
	return out
}

// keysetPredicate is "key > last" for a (composite) primary key, spelled
// out as (a > ?) OR (a = ? AND b > ?) … so every server uses the index.
func keysetPredicate(tb *table, last []any) (string, []any) {
	var ors []string
	var args []any
	for i := range tb.pk {
		var ands []string
		for j := 0; j <= i; j++ {
			c := tb.cols[tb.pk[j]]
			ph := "?"
			if c.dataType == "decimal" || c.dataType == "numeric" {
				ph = fmt.Sprintf("CAST(? AS DECIMAL(%d,%d))", c.precision, c.scale)
			}
			op := "="
			if j == i {
				op = ">"
			}
			ands = append(ands, quoteIdent(c.name)+" "+op+" "+ph)
			args = append(args, last[j])
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return strings.Join(ors, " OR "), args
}
