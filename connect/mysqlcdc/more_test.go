package mysqlcdc_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/mysqlcdc"
)

func TestChunkedSnapshotOfALargeTable(t *testing.T) {
	srv := mariaDB(t)
	const n = 50000
	srv.exec(t, "DROP TABLE IF EXISTS demo.cdc_big",
		"CREATE TABLE demo.cdc_big (a INT, b VARCHAR(10), payload VARCHAR(200), PRIMARY KEY (a, b))")
	// A composite key, several b per a, so chunks end inside a run of a.
	for lo := 0; lo < n; lo += 2000 {
		var vals []string
		for i := lo; i < lo+2000; i++ {
			vals = append(vals, fmt.Sprintf("(%d, 'k%02d', REPEAT('x', 200))", i/7, i%7))
		}
		srv.exec(t, "INSERT INTO demo.cdc_big VALUES "+strings.Join(vals, ","))
	}
	r := start(t, srv.config("big", "table.include.list", "demo.cdc_big", "snapshot.fetch.size", "999",
		"max.batch.size", "500", "max.queue.size", "2000"), newOffsetStore())

	// Not polling: the reader must stop after a bounded read-ahead.
	time.Sleep(1500 * time.Millisecond)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	idle := ms.HeapAlloc

	var peak uint64
	seen := 0
	prev := ""
	deadline := time.Now().Add(2 * time.Minute)
	for seen < n {
		if time.Now().After(deadline) {
			t.Fatalf("snapshot stalled at %d of %d rows", seen, n)
		}
		for _, rec := range r.poll() {
			k := rec.Key.(*connect.Struct)
			id := fmt.Sprintf("%08d/%s", k.Get("a"), k.Get("b"))
			if id <= prev {
				t.Fatalf("row %s after %s: not in key order, or repeated", id, prev)
			}
			prev = id
			seen++
			if seen == n && field(rec, "source", "snapshot") != "last" {
				t.Errorf("the last row's source.snapshot is %v", field(rec, "source", "snapshot"))
			}
		}
		if seen%5000 < 500 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	// 50,000 rows of ~250 bytes held as records would take far more than
	// this; the read-ahead is max.queue.size records.
	const bound = 32 << 20
	if idle > bound || peak > bound+idle {
		t.Errorf("heap %d MB idle, %d MB peak while streaming 50,000 rows: not bounded", idle>>20, peak>>20)
	}
	t.Logf("heap while idle %d MB, peak %d MB", idle>>20, peak>>20)
	r.quiet(1200 * time.Millisecond)
	r.tc.mu.Lock()
	progress := strings.Join(r.tc.progress, "\n")
	r.tc.mu.Unlock()
	if !strings.Contains(progress, "of demo.cdc_big") || !strings.Contains(progress, "snapshot done: 50000 rows") {
		t.Errorf("progress reports:\n%s", progress)
	}
}

func TestIncludeAndExcludeLists(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t, "CREATE DATABASE IF NOT EXISTS cdc_other")
	for _, tb := range []string{"demo.ie_a", "demo.ie_b", "demo.ie_c", "cdc_other.ie_a"} {
		srv.exec(t, "DROP TABLE IF EXISTS "+tb, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, name VARCHAR(10), secret VARCHAR(10))",
			"INSERT INTO "+tb+" VALUES (1, 'n', 's')")
	}
	topics := func(recs []connect.Record) string {
		set := map[string]bool{}
		for _, r := range recs {
			set[r.Topic] = true
		}
		var out []string
		for k := range set {
			out = append(out, k)
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	cases := []struct {
		name   string
		opts   []string
		topics string
	}{
		{"1.x whitelist regex", []string{"table.whitelist", `demo\.ie_(a|B)`}, "ie1.demo.ie_a,ie1.demo.ie_b"},
		{"2.x include list", []string{"table.include.list", "demo.ie_c, cdc_other.ie_a"}, "ie2.cdc_other.ie_a,ie2.demo.ie_c"},
		{"database list", []string{"database.include.list", "cdc_other"}, "ie3.cdc_other.ie_a"},
		{"database whitelist and table exclude", []string{"database.whitelist", "demo", "table.exclude.list", `demo\.ie_[ab], demo\.cdc_.*, demo\.(?!ie).*`}, ""},
		{"exclude list", []string{"database.include.list", "demo", "table.blacklist", `demo\.ie_a,demo\.ie_b,demo\.cdc_.*`}, "ie5.demo.ie_c"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prefix := fmt.Sprintf("ie%d", i+1)
			reg := connect.NewRegistry()
			mysqlcdc.Register(reg)
			p, _ := reg.Lookup("mysql-cdc")
			if _, err := p.NewSource(srv.config(prefix, c.opts...)); err != nil {
				if c.topics == "" {
					return // Go's regexp has no lookahead: a clear error is right
				}
				t.Fatal(err)
			}
			if c.topics == "" {
				t.Fatal("an unsupported regular expression was accepted")
			}
			r := start(t, srv.config(prefix, c.opts...), newOffsetStore())
			var recs []connect.Record
			for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
				recs = append(recs, r.poll()...)
			}
			var mine []connect.Record
			for _, rec := range recs {
				if strings.Contains(rec.Topic, ".ie_") {
					mine = append(mine, rec)
				}
			}
			if got := topics(mine); got != c.topics {
				t.Errorf("topics %q, want %q", got, c.topics)
			}
		})
	}

	// column.exclude.list drops a column from before/after and the schema.
	r := start(t, srv.config("iecol", "table.include.list", "demo.ie_a", "column.exclude.list", `demo\.ie_a\.secret`), newOffsetStore())
	recs := r.collect(1, 20*time.Second)
	after := field(recs[0], "after").(*connect.Struct)
	if _, ok := after.Values["secret"]; ok || after.Get("name") != "n" || recs[0].ValueSchema.Field("after").Field("secret") != nil {
		t.Errorf("after %v, schema %+v", after.Values, recs[0].ValueSchema.Field("after").Fields)
	}
	srv.exec(t, "UPDATE demo.ie_a SET secret = 't', name = 'm' WHERE id = 1")
	recs = r.collect(1, 30*time.Second)
	if _, ok := field(recs[0], "after").(*connect.Struct).Values["secret"]; ok || field(recs[0], "after", "name") != "m" {
		t.Errorf("streamed after %v", structString(field(recs[0], "after")))
	}
}

func TestValidationErrors(t *testing.T) {
	srv := mariaDB(t)
	reg := connect.NewRegistry()
	mysqlcdc.Register(reg)
	p, ok := reg.Lookup("io.debezium.connector.mysql.MySqlConnector")
	if !ok || p.Kind != connect.Source {
		t.Fatal("not registered as a source")
	}
	ctx := context.Background()

	// Nothing listens on a port we just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadPort := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cfg := srv.config("bad", "database.port", deadPort, "connect.timeout.ms", "2000")
	if err := p.Validate(ctx, cfg); err == nil || !strings.Contains(err.Error(), "127.0.0.1:"+deadPort) {
		t.Errorf("unreachable server: %v", err)
	}
	task, _ := p.NewSource(cfg)
	if err := task.Start(ctx, &taskContext{t: t}, newOffsetStore().lookup); err == nil || !strings.Contains(err.Error(), "127.0.0.1:"+deadPort) {
		t.Errorf("Start against an unreachable server: %v", err)
	}

	// A user without replication privileges.
	srv.exec(t, "DROP USER IF EXISTS 'cdc_weak'@'%'", "CREATE USER 'cdc_weak'@'%' IDENTIFIED BY 'pw'", "GRANT SELECT ON demo.* TO 'cdc_weak'@'%'")
	weak := srv.config("weak", "database.user", "cdc_weak", "database.password", "pw")
	if err := p.Validate(ctx, weak); err == nil || !strings.Contains(err.Error(), "privilege") || !strings.Contains(err.Error(), "cdc_weak") {
		t.Errorf("user without privileges: %v", err)
	}
	srv.exec(t, "GRANT BINLOG MONITOR ON *.* TO 'cdc_weak'@'%'")
	if err := p.Validate(ctx, weak); err == nil || !strings.Contains(err.Error(), "REPLICATION SLAVE") {
		t.Errorf("user without REPLICATION SLAVE: %v", err)
	}
	srv.exec(t, "GRANT REPLICATION SLAVE ON *.* TO 'cdc_weak'@'%'")
	if err := p.Validate(ctx, weak); err != nil {
		t.Errorf("user with the privileges: %v", err)
	}
	wrong := srv.config("wrongpw", "database.user", "cdc_weak", "database.password", "nope")
	if err := p.Validate(ctx, wrong); err == nil || !strings.Contains(err.Error(), "cdc_weak") {
		t.Errorf("wrong password: %v", err)
	}

	// Configuration mistakes.
	for _, c := range []struct {
		kv   []string
		want string
	}{
		{[]string{"database.hostname", ""}, "database.hostname is required"},
		{[]string{"database.server.name", ""}, "topic.prefix is required"},
		{[]string{"snapshot.mode", "sometimes"}, "snapshot.mode"},
		{[]string{"decimal.handling.mode", "exact"}, "decimal.handling.mode"},
		{[]string{"database.port", "http"}, "database.port"},
		{[]string{"table.include.list", "demo.(", "table.exclude.list", "x"}, "table.include.list"},
	} {
		if _, err := p.NewSource(srv.config("cfg", c.kv...)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error about %s", c.kv, err, c.want)
		}
	}

	// Kafka Connect's schema-history keys are accepted with a warning.
	r := start(t, srv.config("jvm", "table.include.list", "demo.nothing_here",
		"database.history.kafka.bootstrap.servers", "kafka:9092", "database.history.kafka.topic", "dbhistory.demo",
		"schema.history.internal.kafka.topic", "h"), newOffsetStore())
	if !anyContains(r.tc.allLogs(), "ignoring database.history.kafka.bootstrap.servers, database.history.kafka.topic, schema.history.internal.kafka.topic") {
		t.Errorf("no warning about the schema-history keys: %v", r.tc.allLogs())
	}
}

func TestDDLDuringStreaming(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t, "DROP TABLE IF EXISTS demo.cdc_ddl", "CREATE TABLE demo.cdc_ddl (id INT PRIMARY KEY, name VARCHAR(10))",
		"INSERT INTO demo.cdc_ddl VALUES (1, 'a')")
	store := newOffsetStore()
	cfg := srv.config("ddl", "table.include.list", "demo.cdc_ddl")
	r := start(t, cfg, store)
	r.collect(1, 20*time.Second)

	// The connector reads a changed table's columns from the server when
	// it next meets the table, so each change is read before the next DDL
	// (a connector lagging behind two DDLs matches columns by position).
	srv.exec(t, "ALTER TABLE demo.cdc_ddl ADD COLUMN score INT DEFAULT 7", "INSERT INTO demo.cdc_ddl VALUES (2, 'b', 9)")
	recs := r.collect(2, 30*time.Second)
	srv.exec(t, "ALTER TABLE demo.cdc_ddl DROP COLUMN name", "UPDATE demo.cdc_ddl SET score = 10 WHERE id = 1")
	recs = append(recs, r.collect(2, 30*time.Second)...)
	var ddls []string
	var rows []connect.Record
	for _, rec := range recs {
		if rec.Topic == "ddl" {
			ddls = append(ddls, field(rec, "ddl").(string))
			if structString(rec.Key) != "map[databaseName:demo]" || field(rec, "databaseName") != "demo" {
				t.Errorf("schema change record %s %s", structString(rec.Key), structString(rec.Value))
			}
		} else {
			rows = append(rows, rec)
		}
	}
	if len(ddls) != 2 || !strings.Contains(ddls[0], "ADD COLUMN score") || !strings.Contains(ddls[1], "DROP COLUMN name") {
		t.Errorf("schema changes %q", ddls)
	}
	if len(rows) != 2 {
		t.Fatalf("rows %s", describe(rows))
	}
	if field(rows[0], "after", "score") != int32(9) || rows[0].ValueSchema.Field("after").Field("score") == nil {
		t.Errorf("insert after ADD COLUMN: %s", structString(field(rows[0], "after")))
	}
	after := field(rows[1], "after").(*connect.Struct)
	if _, has := after.Values["name"]; has || after.Get("score") != int32(10) || field(rows[1], "before", "score") != int32(7) {
		t.Errorf("update after DROP COLUMN: before %s after %s", structString(field(rows[1], "before")), structString(after))
	}
}

func TestPurgedBinlog(t *testing.T) {
	srv := mariaDB(t)
	srv.exec(t, "DROP TABLE IF EXISTS demo.cdc_purged", "CREATE TABLE demo.cdc_purged (id INT PRIMARY KEY)", "INSERT INTO demo.cdc_purged VALUES (1)")
	gone := func() *offsetStore {
		s := newOffsetStore()
		s.ack([]connect.Record{{SourcePartition: map[string]any{"server": "purged"}, SourceOffset: map[string]any{"file": "binlog.000000", "pos": 4}}})
		return s
	}
	reg := connect.NewRegistry()
	mysqlcdc.Register(reg)
	p, _ := reg.Lookup(mysqlcdc.Class)
	task, err := p.NewSource(srv.config("purged", "table.include.list", "demo.cdc_purged"))
	if err != nil {
		t.Fatal(err)
	}
	err = task.Start(context.Background(), &taskContext{t: t}, gone().lookup)
	if err == nil || !strings.Contains(err.Error(), "binlog.000000") || !strings.Contains(err.Error(), "when_needed") {
		t.Fatalf("start from a purged binlog: %v", err)
	}
	r := start(t, srv.config("purged", "table.include.list", "demo.cdc_purged", "snapshot.mode", "when_needed"), gone())
	recs := r.collect(1, 20*time.Second)
	if op(recs[0]) != "r" {
		t.Errorf("when_needed did not snapshot: %s", change(recs[0]))
	}
}

func TestSnapshotModes(t *testing.T) {
	srv := mariaDB(t)
	// A new name each run: snapshot.mode=never reads every insert in the binlog.
	tb := fmt.Sprintf("cdc_modes_%d", time.Now().UnixNano()%1e9)
	srv.exec(t, "DROP TABLE IF EXISTS demo."+tb, "CREATE TABLE demo."+tb+" (id INT PRIMARY KEY)", "INSERT INTO demo."+tb+" VALUES (1)")

	// schema_only: no existing rows, changes from now on.
	r := start(t, srv.config("modes1", "table.include.list", "demo."+tb, "snapshot.mode", "schema_only"), newOffsetStore())
	r.quiet(1200 * time.Millisecond)
	srv.exec(t, "INSERT INTO demo."+tb+" VALUES (2)")
	if recs := r.collect(1, 30*time.Second); op(recs[0]) != "c" || structString(recs[0].Key) != "map[id:2]" {
		t.Errorf("schema_only: %s", change(recs[0]))
	}

	// initial_only: the rows, then nothing.
	r = start(t, srv.config("modes2", "table.include.list", "demo."+tb, "snapshot.mode", "initial_only"), newOffsetStore())
	r.collect(2, 20*time.Second)
	srv.exec(t, "INSERT INTO demo."+tb+" VALUES (3)")
	r.quiet(1500 * time.Millisecond)

	// never: the whole binlog from its oldest file, which holds every
	// insert into the table since it was created.
	r = start(t, srv.config("modes3", "table.include.list", "demo."+tb, "snapshot.mode", "never", "include.schema.changes", "false"), newOffsetStore())
	recs := r.collect(3, 30*time.Second)
	for i, rec := range recs {
		if op(rec) != "c" || structString(rec.Key) != fmt.Sprintf("map[id:%d]", i+1) {
			t.Errorf("never: record %d %s", i, change(rec))
		}
	}
}
