package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/internal/testenv"
)

// testDB is a throwaway PostgreSQL schema or MariaDB database, dropped
// when the test ends, with a client to check its contents.
type testDB struct {
	kind string // "postgres" or "mysql"
	name string // the schema or database
	url  string // JDBC URL whose default schema/database is name
	db   *sql.DB
}

func uniqueName(t testing.TB) string {
	n := strings.ToLower(strings.NewReplacer("/", "_", "-", "_", "+", "_").Replace(t.Name()))
	if len(n) > 30 {
		n = n[:30]
	}
	return fmt.Sprintf("eddy_jdbc_%s_%d", n, time.Now().UnixNano()%1e9)
}

// pgDB creates a schema in the PG_DSN server.
func pgDB(t testing.TB) *testDB {
	t.Helper()
	dsn := testenv.Postgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("PG_DSN: %v", err)
	}
	name := uniqueName(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + name + " CASCADE") })
	q := url.Values{}
	if u.User != nil {
		q.Set("user", u.User.Username())
		if p, ok := u.User.Password(); ok {
			q.Set("password", p)
		}
	}
	if m := u.Query().Get("sslmode"); m != "" {
		q.Set("sslmode", m)
	}
	q.Set("currentSchema", name)
	jdbcURL := "jdbc:postgresql://" + u.Host + u.Path + "?" + q.Encode()
	tg, err := parseURL(jdbcURL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", tg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &testDB{kind: "postgres", name: name, url: jdbcURL, db: db}
}

// myDB creates a database in the MYSQL_DSN server.
func myDB(t testing.TB) *testDB {
	t.Helper()
	dsn := testenv.MySQL(t)
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("MYSQL_DSN: %v", err)
	}
	name := uniqueName(t)
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + name) })
	q := url.Values{}
	q.Set("user", c.User)
	if c.Passwd != "" {
		q.Set("password", c.Passwd)
	}
	jdbcURL := "jdbc:mariadb://" + c.Addr + "/" + name + "?" + q.Encode()
	tg, err := parseURL(jdbcURL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", tg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &testDB{kind: "mysql", name: name, url: jdbcURL, db: db}
}

// both runs f against PostgreSQL and MariaDB.
func both(t *testing.T, f func(t *testing.T, d *testDB)) {
	t.Run("postgres", func(t *testing.T) { f(t, pgDB(t)) })
	t.Run("mariadb", func(t *testing.T) { f(t, myDB(t)) })
}

func (d *testDB) exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// rows returns a query's rows rendered as strings, one per row.
func (d *testDB) rows(t testing.TB, q string) []string {
	t.Helper()
	rs, err := d.db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(x)
			case time.Time:
				parts[i] = x.UTC().Format("2006-01-02 15:04:05.000")
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type testContext struct {
	mu   sync.Mutex
	logs []string
}

func (c *testContext) Logf(format string, args ...any) {
	c.mu.Lock()
	c.logs = append(c.logs, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}
func (c *testContext) SetProgress(string) {}

func startSink(t testing.TB, cfg connect.Config) *sinkTask {
	t.Helper()
	st, err := newSinkTask(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Start(context.Background(), &testContext{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Stop() })
	return st
}

func putFlush(t testing.TB, st *sinkTask, recs []connect.Record) {
	t.Helper()
	if err := st.Put(context.Background(), recs); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := st.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

func equal(t testing.TB, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\ngot\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
