package jdbc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/transform"
	"github.com/eddysql/eddy/internal/testenv"
	"github.com/eddysql/eddy/kafka"
	"github.com/eddysql/eddy/registry"
)

// These tests run the connectors in the connector runtime over the
// embedded broker, as `eddy server` does.

type env struct {
	cl  *kafka.Client
	reg *registry.Registry
}

func newEnv(t *testing.T) *env {
	cl, reg := testenv.Broker(t, "")
	return &env{cl: cl, reg: reg}
}

func (e *env) runtime(t *testing.T) *connect.Runtime {
	t.Helper()
	plugins := connect.NewRegistry()
	convert.Register(plugins)
	transform.Register(plugins)
	Register(plugins)
	rt, err := connect.NewRuntime(connect.RuntimeOptions{
		Cluster: e.cl, Plugins: plugins, ServiceID: "test_", SchemaRegistry: e.reg.Client(),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 300 * time.Millisecond,
		Logf: func(f string, a ...any) { t.Logf(f, a...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func startConnector(t *testing.T, rt *connect.Runtime, name string, kind connect.Kind, reach bool, cfg map[string]string) {
	t.Helper()
	p, c, err := rt.Validate(context.Background(), name, kind, cfg, reach)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(name, p, c, false); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// topicValues reads a topic's values (JSON with schemas) as payloads.
func (e *env) topicValues(t *testing.T, topic string) []map[string]any {
	t.Helper()
	if _, ok, err := e.cl.Topic(context.Background(), topic); err != nil || !ok {
		return nil
	}
	recs, err := e.cl.ReadAll(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range recs {
		var env struct {
			Schema  map[string]any
			Payload map[string]any
		}
		if err := json.Unmarshal(r.Value, &env); err != nil {
			t.Fatalf("%s@%d: %v", topic, r.Offset, err)
		}
		out = append(out, env.Payload)
	}
	return out
}

func sourceConfig(d *testDB, kv ...string) map[string]string {
	cfg := map[string]string{"connector.class": SourceClass, "connection.url": d.url, "poll.interval.ms": "100",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true"}
	for i := 0; i+1 < len(kv); i += 2 {
		cfg[kv[i]] = kv[i+1]
	}
	return cfg
}

func ids(vals []map[string]any, field string) string {
	var b []string
	for _, v := range vals {
		b = append(b, fmt.Sprint(v[field]))
	}
	return strings.Join(b, ",")
}

func insertUsers(t *testing.T, d *testDB, from, to int, at string) {
	t.Helper()
	var vals []string
	for i := from; i <= to; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'user %d', %s)", i, i, at))
	}
	d.exec(t, "INSERT INTO users (id, name, updated_at) VALUES "+strings.Join(vals, ","))
}

// Rows inserted before the connector starts are read, in order, then
// new ones; a restart resumes after the last row written to Kafka.
func TestSourceIncrementingResumesAfterRestart(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		d.exec(t, "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, updated_at TIMESTAMP(3) NULL, score DECIMAL(6,2))")
		insertUsers(t, d, 1, 250, "'2026-01-01 00:00:00'")
		e := newEnv(t)
		rt := e.runtime(t)
		cfg := sourceConfig(d, "mode", "incrementing", "incrementing.column.name", "id", "table.whitelist", "users", "topic.prefix", "pg_", "batch.max.rows", "40")
		startConnector(t, rt, "users_src", connect.Source, true, cfg)
		waitFor(t, "250 rows", 30*time.Second, func() bool { return len(e.topicValues(t, "pg_users")) >= 250 })
		insertUsers(t, d, 251, 260, "NULL")
		waitFor(t, "260 rows", 30*time.Second, func() bool { return len(e.topicValues(t, "pg_users")) >= 260 })
		rt.Close()

		insertUsers(t, d, 261, 300, "NULL")
		rt2 := e.runtime(t)
		startConnector(t, rt2, "users_src", connect.Source, true, cfg)
		waitFor(t, "300 rows", 30*time.Second, func() bool { return len(e.topicValues(t, "pg_users")) >= 300 })
		time.Sleep(500 * time.Millisecond) // several polls: nothing more may come
		vals := e.topicValues(t, "pg_users")
		var want []string
		for i := 1; i <= 300; i++ {
			want = append(want, fmt.Sprint(i))
		}
		if got := ids(vals, "id"); got != strings.Join(want, ",") {
			t.Fatalf("ids in the topic:\n%s\nwant 1..300 once each, in order", got)
		}
		if vals[0]["name"] != "user 1" || vals[0]["updated_at"] != float64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()) || vals[0]["score"] != nil {
			t.Fatalf("first row %v", vals[0])
		}
	})
}

// The value schema follows the column types, as Confluent's connector
// derives it.
func TestSourceSchemaFromColumns(t *testing.T) {
	d := pgDB(t)
	d.exec(t, `CREATE TABLE kinds (id BIGINT PRIMARY KEY, small SMALLINT, i INT NOT NULL, r REAL, dbl DOUBLE PRECISION, b BOOLEAN,
		n NUMERIC(8,3), d DATE, tm TIME, ts TIMESTAMP, s TEXT, raw BYTEA)`,
		`INSERT INTO kinds VALUES (1, 2, 3, 1.5, 2.25, true, 12345.678, '2026-02-03', '04:05:06', '2026-02-03 04:05:06.789', 'hé', '\x0102')`)
	e := newEnv(t)
	rt := e.runtime(t)
	startConnector(t, rt, "kinds_src", connect.Source, true, sourceConfig(d, "mode", "bulk", "table.whitelist", "kinds", "topic.prefix", "t_", "poll.interval.ms", "60000"))
	var recs []kafka.Record
	waitFor(t, "a row", 30*time.Second, func() bool {
		if _, ok, _ := e.cl.Topic(context.Background(), "t_kinds"); !ok {
			return false
		}
		recs, _ = e.cl.ReadAll(context.Background(), "t_kinds")
		return len(recs) > 0
	})
	var got struct {
		Schema struct {
			Name   string
			Fields []struct {
				Field, Type, Name string
				Optional          bool
				Parameters        map[string]string
			}
		}
		Payload map[string]any
	}
	if err := json.Unmarshal(recs[0].Value, &got); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, f := range got.Schema.Fields {
		fields = append(fields, fmt.Sprintf("%s:%s:%s:%v:%s", f.Field, f.Type, f.Name, f.Optional, f.Parameters["scale"]))
	}
	wantStr := "id:int64::true: small:int16::true: i:int32::true: r:float::true: dbl:double::true: b:boolean::true: " +
		"n:bytes:org.apache.kafka.connect.data.Decimal:true:3 d:int32:org.apache.kafka.connect.data.Date:true: " +
		"tm:int32:org.apache.kafka.connect.data.Time:true: ts:int64:org.apache.kafka.connect.data.Timestamp:true: s:string::true: raw:bytes::true:"
	if strings.Join(fields, " ") != wantStr {
		t.Fatalf("schema fields\n%s\nwant\n%s", strings.Join(fields, " "), wantStr)
	}
	if got.Schema.Name != "kinds" {
		t.Errorf("schema name %q, want the table's", got.Schema.Name)
	}
	p := got.Payload
	wantTS := float64(time.Date(2026, 2, 3, 4, 5, 6, 789e6, time.UTC).UnixMilli())
	if p["i"] != float64(3) || p["s"] != "hé" || p["ts"] != wantTS || p["d"] != float64(20487) || p["tm"] != float64((4*3600+5*60+6)*1000) || p["b"] != true || p["raw"] != "AQI=" {
		t.Fatalf("payload %v", p)
	}
}

// Timestamp mode reads rows by their last-modified time: those written
// before the start, then updates.
func TestSourceTimestampMode(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		d.exec(t, "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, updated_at TIMESTAMP(3) NULL)")
		insertUsers(t, d, 1, 5, "'2026-01-01 00:00:00'")
		d.exec(t, "UPDATE users SET updated_at = '2026-01-01 00:00:01' WHERE id = 2")
		e := newEnv(t)
		rt := e.runtime(t)
		cfg := sourceConfig(d, "mode", "timestamp+incrementing", "incrementing.column.name", "id", "timestamp.column.name", "updated_at",
			"table.include.list", "users", "topic.prefix", "ts_")
		startConnector(t, rt, "ts_src", connect.Source, true, cfg)
		waitFor(t, "5 rows", 30*time.Second, func() bool { return len(e.topicValues(t, "ts_users")) >= 5 })
		if got := ids(e.topicValues(t, "ts_users"), "id"); got != "1,3,4,5,2" {
			t.Fatalf("order %s, want by timestamp then id", got)
		}
		rt.Close()
		// While stopped: a row updated, one added.
		d.exec(t, "UPDATE users SET name = 'renamed', updated_at = '2026-01-02 00:00:00' WHERE id = 4")
		insertUsers(t, d, 6, 6, "'2026-01-02 00:00:00'")
		rt2 := e.runtime(t)
		startConnector(t, rt2, "ts_src", connect.Source, true, cfg)
		waitFor(t, "7 rows", 30*time.Second, func() bool { return len(e.topicValues(t, "ts_users")) >= 7 })
		time.Sleep(500 * time.Millisecond)
		vals := e.topicValues(t, "ts_users")
		if got := ids(vals, "id") + " " + fmt.Sprint(vals[5]["name"]); got != "1,3,4,5,2,4,6 renamed" {
			t.Fatalf("after restart: %s", got)
		}
	})
}

// proxy forwards TCP connections to a database; stopping it makes the
// database unreachable, as a server that is down.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func (p *proxy) start() {
	p.t.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// A database that is down holds the records back (nothing committed,
// nothing skipped) while the task's status says why; when it is back,
// every record lands once.
func TestSinkRetriesWhileDatabaseIsDown(t *testing.T) {
	d := pgDB(t)
	host := strings.TrimPrefix(d.url, "jdbc:postgresql://")
	host = host[:strings.Index(host, "/")]
	px := &proxy{t: t, target: host}
	px.start()
	t.Cleanup(px.stop)
	px.stop()

	e := newEnv(t)
	ctx := context.Background()
	if err := e.cl.CreateTopic(ctx, kafka.TopicInfo{Name: "events", Partitions: 2, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	var recs []kafka.Record
	for i := 0; i < 500; i++ {
		recs = append(recs, kafka.Record{Topic: "events", Partition: int32(i % 2), Key: []byte(fmt.Sprint(i)),
			Value: []byte(fmt.Sprintf(`{"id": %d, "v": "x%d"}`, i, i)), Timestamp: time.Now().UnixMilli()})
	}
	if err := e.cl.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	rt := e.runtime(t)
	url := strings.Replace(d.url, host, px.addr, 1)
	startConnector(t, rt, "pg_sink", connect.Sink, false, map[string]string{"connector.class": "jdbc-sink", "connection.url": url, "topics": "events",
		"insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id", "auto.create": "true", "batch.size": "64",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"})
	var trace string
	waitFor(t, "the status to say why", 30*time.Second, func() bool {
		st, _ := rt.Status(ctx, "pg_sink", false)
		for _, ts := range st.Tasks {
			trace = ts.Trace
		}
		return strings.Contains(trace, "connect") && strings.Contains(trace, "retrying")
	})
	t.Logf("status while down: %s", trace)
	px.start()
	waitFor(t, "500 rows", 60*time.Second, func() bool {
		r := d.rowsOK("SELECT COUNT(*) FROM events")
		return len(r) == 1 && r[0] == "500"
	})
	equal(t, "rows", d.rows(t, "SELECT COUNT(DISTINCT id), MIN(id), MAX(id), MIN(v) FROM events"), []string{"500|0|499|x0"})
}

// rowsOK is rows for polling: an error (a table not there yet) is no rows.
func (d *testDB) rowsOK(q string) []string {
	rs, err := d.db.Query(q)
	if err != nil {
		return nil
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		if rs.Scan(&s) == nil {
			out = append(out, s)
		}
	}
	return out
}

// query mode reads a SELECT's result, the mode's condition around it.
func TestSourceQueryMode(t *testing.T) {
	d := pgDB(t)
	d.exec(t, "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, updated_at TIMESTAMP(3) NULL)")
	insertUsers(t, d, 1, 20, "NULL")
	e := newEnv(t)
	rt := e.runtime(t)
	startConnector(t, rt, "q_src", connect.Source, true, sourceConfig(d, "mode", "incrementing", "incrementing.column.name", "id",
		"query", "SELECT id, upper(name) AS loud FROM users WHERE id % 2 = 0", "topic.prefix", "even_users"))
	waitFor(t, "10 rows", 30*time.Second, func() bool { return len(e.topicValues(t, "even_users")) >= 10 })
	insertUsers(t, d, 21, 22, "NULL")
	waitFor(t, "11 rows", 30*time.Second, func() bool { return len(e.topicValues(t, "even_users")) >= 11 })
	vals := e.topicValues(t, "even_users")
	if got := ids(vals, "id"); got != "2,4,6,8,10,12,14,16,18,20,22" || vals[0]["loud"] != "USER 2" {
		t.Fatalf("query rows: %s, first %v", got, vals[0])
	}
}

// A table another session keeps locked fails the batch after
// lock.timeout.ms with the task's status saying so (the task stays
// RUNNING), the batch is retried with backoff, and once the lock goes
// every row lands: upsert leaves the exact final table, insert each row
// once (each try is one transaction, rolled back when it fails).
func TestSinkLockedTableShowsInStatusThenLands(t *testing.T) {
	both(t, func(t *testing.T, d *testDB) {
		for _, mode := range []string{"upsert", "insert"} {
			t.Run(mode, func(t *testing.T) { lockedTable(t, d, mode) })
		}
	})
}

func lockedTable(t *testing.T, d *testDB, mode string) {
	table := "events_" + mode
	d.exec(t, "CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, v VARCHAR(40) NOT NULL)")
	e := newEnv(t)
	ctx := context.Background()
	if err := e.cl.CreateTopic(ctx, kafka.TopicInfo{Name: table, Partitions: 2, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	// Record i writes row i%100 in upsert mode (its last write wins: a
	// key stays in one partition), row i in insert mode.
	id := func(i int) int {
		if mode == "upsert" {
			return i % 100
		}
		return i
	}
	produceRange := func(from, to int) {
		t.Helper()
		var recs []kafka.Record
		for i := from; i < to; i++ {
			recs = append(recs, kafka.Record{Topic: table, Partition: int32(id(i) % 2), Key: []byte(fmt.Sprint(id(i))),
				Value: []byte(fmt.Sprintf(`{"id": %d, "v": "x%d"}`, id(i), i)), Timestamp: time.Now().UnixMilli()})
		}
		if err := e.cl.Produce(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	count := func() string {
		r := d.rowsOK("SELECT COUNT(*) FROM " + table)
		if len(r) != 1 {
			return ""
		}
		return r[0]
	}
	rt := e.runtime(t)
	startConnector(t, rt, "locked_sink", connect.Sink, true, map[string]string{"connector.class": "jdbc-sink", "connection.url": d.url,
		"topics": table, "insert.mode": mode, "pk.mode": "record_value", "pk.fields": "id", "lock.timeout.ms": "1000",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"})
	task := func() connect.TaskStatus {
		st, _ := rt.Status(ctx, "locked_sink", false)
		return st.Tasks[0]
	}
	produceRange(0, 50)
	waitFor(t, "50 rows", 30*time.Second, func() bool { return count() == "50" })

	unlock := lockTable(t, d, table)
	locked := time.Now()
	produceRange(50, 200)
	waitFor(t, "the status to name the lock", 30*time.Second, func() bool { return strings.Contains(task().Trace, "lock.timeout.ms") })
	tk := task()
	t.Logf("status %.1fs after the lock: %s", time.Since(locked).Seconds(), tk.Trace)
	if tk.State != connect.StateRunning || !strings.Contains(tk.Trace, "retrying") || !strings.Contains(tk.Trace, table) {
		t.Errorf("task while the table is locked: %+v", tk)
	}
	// The retries meet the lock too, and say so, until it goes.
	first := tk.ErrorTime
	waitFor(t, "a retry to meet the lock", 30*time.Second, func() bool { return task().ErrorTime.After(first) })
	unlock()
	unlocked := time.Now()
	want := "200"
	if mode == "upsert" {
		want = "100"
	}
	// Every row holds its last write, once.
	var rows []string
	for k := 0; k < 200; k++ {
		if mode == "upsert" && k >= 100 {
			break
		}
		last := k
		if mode == "upsert" {
			last = k + 100
		}
		rows = append(rows, fmt.Sprintf("%d|x%d", k, last))
	}
	// The status clears at the first write that succeeds, and the count
	// reaches its end before the batch's later upserts: wait for those.
	waitFor(t, want+" rows, each its last write, and a clear status", 30*time.Second, func() bool {
		return count() == want && task().Trace == "" &&
			slices.Equal(d.rowsOK("SELECT CONCAT(id, '|', v) FROM "+table+" ORDER BY id"), rows)
	})
	t.Logf("%s rows %.1fs after the lock went", want, time.Since(unlocked).Seconds())
	equal(t, "rows", d.rows(t, "SELECT id, v FROM "+table+" ORDER BY id"), rows)
	if tk := task(); tk.Failed != 0 {
		t.Errorf("%d records failed, want none", tk.Failed)
	}
}
