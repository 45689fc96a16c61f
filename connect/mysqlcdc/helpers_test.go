package mysqlcdc_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/mysqlcdc"
	"github.com/eddysql/eddy/internal/testenv"
)

// server is the test MariaDB: a connection for the test's own SQL and the
// connector options that reach it.
type server struct {
	db                   *sql.DB
	host, port, user, pw string
}

func mariaDB(t testing.TB) *server {
	t.Helper()
	dsn := testenv.MySQL(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("MYSQL_DSN %q: %v", dsn, err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MultiStatements = true
	cfg.Loc = time.UTC
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &server{db: db, host: host, port: port, user: cfg.User, pw: cfg.Passwd}
}

func (s *server) exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// config is a connector configuration for this server; extra key/value
// pairs override it.
func (s *server) config(prefix string, kv ...string) connect.Config {
	c := connect.Config{
		"name":                 prefix,
		"connector.class":      mysqlcdc.Class,
		"database.hostname":    s.host,
		"database.port":        s.port,
		"database.user":        s.user,
		"database.password":    s.pw,
		"database.server.name": prefix,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i]] = kv[i+1]
	}
	return c
}

// taskContext records what the task reports.
type taskContext struct {
	t        testing.TB
	mu       sync.Mutex
	progress []string
	logs     []string
}

func (c *taskContext) Logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	c.logs = append(c.logs, msg)
	c.mu.Unlock()
	c.t.Logf("connector: %s", msg)
}

func (c *taskContext) SetProgress(msg string) {
	c.mu.Lock()
	c.progress = append(c.progress, msg)
	c.mu.Unlock()
}

func (c *taskContext) allLogs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.logs...)
}

// offsetStore simulates the runtime's offsets topic: the latest offset
// acknowledged per source partition, kept as JSON the way it would sit in
// a topic (numbers come back as float64).
type offsetStore struct {
	mu     sync.Mutex
	stored map[string][]byte
}

func newOffsetStore() *offsetStore { return &offsetStore{stored: map[string][]byte{}} }

func partitionKey(p map[string]any) string { b, _ := json.Marshal(p); return string(b) }

func (o *offsetStore) ack(recs []connect.Record) {
	o.mu.Lock()
	defer o.mu.Unlock()
	// Only the latest offset per partition is stored, as in the runtime.
	last := map[string]map[string]any{}
	for _, r := range recs {
		last[partitionKey(r.SourcePartition)] = r.SourceOffset
	}
	for k, off := range last {
		b, err := json.Marshal(off)
		if err != nil {
			panic(err)
		}
		o.stored[k] = b
	}
}

func (o *offsetStore) lookup(p map[string]any) (map[string]any, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.stored[partitionKey(p)]
	if !ok {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m, true
}

// runner drives one SourceTask the way the runtime does.
type runner struct {
	t     testing.TB
	task  connect.SourceTask
	tc    *taskContext
	store *offsetStore
}

func start(t testing.TB, cfg connect.Config, store *offsetStore) *runner {
	t.Helper()
	reg := connect.NewRegistry()
	mysqlcdc.Register(reg)
	p, ok := reg.Lookup(cfg["connector.class"])
	if !ok {
		t.Fatalf("%s not registered", cfg["connector.class"])
	}
	task, err := p.NewSource(cfg)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	r := &runner{t: t, task: task, tc: &taskContext{t: t}, store: store}
	if err := task.Start(context.Background(), r.tc, store.lookup); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { task.Stop() })
	return r
}

// poll returns one Poll's records, acknowledging them.
func (r *runner) poll() []connect.Record {
	r.t.Helper()
	recs, err := r.task.Poll(context.Background())
	if err != nil {
		r.t.Fatalf("Poll: %v", err)
	}
	r.store.ack(recs)
	if err := r.task.Commit(context.Background()); err != nil {
		r.t.Fatalf("Commit: %v", err)
	}
	return recs
}

// collect polls until n records have come, failing after the timeout or
// when more come.
func (r *runner) collect(n int, timeout time.Duration) []connect.Record {
	r.t.Helper()
	out := r.collectAtLeast(n, timeout)
	if len(out) > n {
		r.t.Fatalf("got %d records, want %d: %s", len(out), n, describe(out))
	}
	return out
}

// collectAtLeast polls until at least n records have come, failing after
// the timeout: the poll that brings the last of them may bring more (a
// snapshot's last rows and the binlog's first changes after it).
func (r *runner) collectAtLeast(n int, timeout time.Duration) []connect.Record {
	r.t.Helper()
	var out []connect.Record
	deadline := time.Now().Add(timeout)
	for len(out) < n {
		if time.Now().After(deadline) {
			r.t.Fatalf("got %d records, want %d: %s", len(out), n, describe(out))
		}
		out = append(out, r.poll()...)
	}
	return out
}

// waitSnapshotEmpty polls until an empty snapshot is done, so rows
// written next come from the binlog however slowly the task started.
func (r *runner) waitSnapshotEmpty(timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if recs := r.poll(); len(recs) > 0 {
			r.t.Fatalf("unexpected records: %s", describe(recs))
		}
		r.tc.mu.Lock()
		done := len(r.tc.progress) > 0 && strings.HasPrefix(r.tc.progress[len(r.tc.progress)-1], "snapshot done")
		r.tc.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no snapshot within %s", timeout)
		}
	}
}

// quiet polls for d and fails on any record.
func (r *runner) quiet(d time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if recs := r.poll(); len(recs) > 0 {
			r.t.Fatalf("unexpected records: %s", describe(recs))
		}
	}
}

func describe(recs []connect.Record) string {
	s := ""
	for i, r := range recs {
		if i == 20 {
			return s + fmt.Sprintf(" … (%d in all)", len(recs))
		}
		s += fmt.Sprintf("\n  %s key=%v op=%v", r.Topic, structString(r.Key), op(r))
	}
	return s
}

func structString(v any) string {
	st, ok := v.(*connect.Struct)
	if !ok || st == nil {
		return fmt.Sprint(v)
	}
	return fmt.Sprint(st.Values)
}

// op is the envelope's op, "tombstone" for a tombstone.
func op(r connect.Record) string {
	if r.Value == nil {
		return "tombstone"
	}
	if o, ok := r.Value.(*connect.Struct).Get("op").(string); ok {
		return o
	}
	return "ddl"
}

func field(r connect.Record, path ...string) any {
	var v any = r.Value
	for _, p := range path {
		st, ok := v.(*connect.Struct)
		if !ok || st == nil {
			return nil
		}
		v = st.Get(p)
	}
	return v
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
