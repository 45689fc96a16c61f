// Package testenv gives tests the real servers `make test` starts
// (../shared/testinfra/up): a test that needs one and finds its variable
// unset fails under CI=true and is skipped otherwise.
package testenv

import (
	"os"
	"testing"
)

// need returns the named variable or ends the test.
func need(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	msg := name + " is not set: this test needs " + what + ` (eval "$(../shared/testinfra/up ...)")`
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// MySQL returns MYSQL_DSN, a go-sql-driver DSN of a MariaDB with the
// binary log on (ROW, FULL), root without password, database demo.
func MySQL(t testing.TB) string { return need(t, "MYSQL_DSN", "MariaDB with the binary log") }

// Mongo returns MONGO_URL, a MongoDB-compatible server (FerretDB).
func Mongo(t testing.TB) string { return need(t, "MONGO_URL", "a MongoDB-compatible server") }

// ES returns ES_URL, an Elasticsearch-compatible API (ZincSearch).
func ES(t testing.TB) string { return need(t, "ES_URL", "an Elasticsearch-compatible server") }
