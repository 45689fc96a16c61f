package testenv

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresDB is a throwaway database in the PG_DSN server.
type PostgresDB struct {
	Name    string
	DSN     string  // postgres:// URL of the database
	JDBCURL string  // the same as a jdbc:postgresql:// URL, for the JDBC connectors
	DB      *sql.DB // a client of it
}

// NewPostgresDB creates a database named prefix plus a unique suffix in
// the PG_DSN server and drops it when the test ends.
func NewPostgresDB(t testing.TB, prefix string) *PostgresDB {
	t.Helper()
	dsn := Postgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("PG_DSN: %v", err)
	}
	name := fmt.Sprintf("%s_%d", strings.ToLower(prefix), time.Now().UnixNano()%1e12)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
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
	return &PostgresDB{Name: name, DSN: u.String(), JDBCURL: "jdbc:postgresql://" + u.Host + "/" + name + "?" + q.Encode(), DB: db}
}
